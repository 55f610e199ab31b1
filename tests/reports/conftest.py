"""A quarter of the example city for the reports' tests (季通报, 年评分), built once per database kind."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from acts.catalog import run_import
from storage.db import session_scope
from storage.items import log_update, record_event
from storage.models import Item
from tests.conftest import at

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "chuxiong-city-columns.xlsx"
TZ = ZoneInfo("Asia/Shanghai")
Q4 = (date(2026, 10, 1), date(2026, 12, 31))
MAILBOX = "column:首页/市长信箱"


def simulate_quarter(engine, judge, start: date = Q4[0], end: date = Q4[1]) -> None:
    """A quarter: six home columns and five of the seven accounts kept fresh, the rest let go, two empty
    columns, a letter to the mayor's mailbox left unanswered since before the quarter."""
    run_import(engine, at(f"{start - timedelta(days=11)} 09:00"), TZ, EXAMPLE)
    with session_scope(engine) as s:
        items = {i.key: i for i in s.exec(select(Item).order_by(col(Item.id)))}
        fresh = [k for k in items if k.startswith("column:首页/") and "信箱" not in k][:6]
        weekly_accounts = [k for k in items if k.startswith("account:")][:5]
        day = start
        while day <= end:
            for n, key in enumerate(fresh):
                if (day.toordinal() + n) % 3 == 0:
                    log_update(s, at(f"{day} 10:00"), judge, items[key], source="done", count=1 + n % 3)
            if day.weekday() == 2:
                for key in weekly_accounts:
                    log_update(s, at(f"{day} 11:00"), judge, items[key], source="done")
            day += timedelta(days=1)
        letter = start - timedelta(days=21)
        record_event(s, at(f"{letter} 10:00"), judge, items[MAILBOX], occurred_on=letter)
        for key in list(items)[40:42]:
            items[key].read_status = "empty"
            items[key].read_at = at(f"{end - timedelta(days=30)} 06:30")
            s.add(items[key])


@pytest.fixture
def quarter_city(db_url, judge, prepared, request):
    engine = prepared.engine(request, db_url, "bulletin_q4", lambda e: simulate_quarter(e, judge))
    yield engine
    engine.dispose()
