"""One site with more than 70,000 items on PostgreSQL (issue 16): the routine's snapshot and plan (`zhiri
preview`), the export and `/overdue`'s query all run.

PostgreSQL refuses a statement with more than 65,535 bound parameters, so any query that put every item id of
the site into one `IN` list crashed here. The rows are written with PostgreSQL's COPY, not one act each (nor
INSERTs, which took most of a minute of the module's setup).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlmodel import Session, SQLModel, select

from acts.retire import retired_items
from bot.cli import main
from bot.config import load_settings
from domain.model import State
from domain.notice import Slot
from jobs.routine import RoutineConfig, run_due
from replies import format as fmt
from reports.export import run_export
from reports.halfmonth import render_report
from storage.audit import LOG, trail
from storage.db import make_engine, session_scope
from storage.items import Judge, not_judged_on, rule_columns
from storage.models import (
    Chat,
    ChatUnit,
    Item,
    ItemUnit,
    Membership,
    Outbox,
    Person,
    RoutineRun,
    Site,
    Unit,
    UpdateLog,
)
from storage.outbox import report_of
from storage.queries import (
    OverdueView,
    Speaker,
    actor_for,
    overdue_items,
    overdue_list,
    overdue_view,
    summarise,
)
from tests.conftest import SHANGHAI, at, db_name
from tests.support import postgres

pytestmark = pytest.mark.slow

SITE = "某县人民政府网站"
UNITS = ("县财政局", "县教育局", "县民政局")
N = 70_001
NOW = at("2026-11-23 09:00")  # a working Monday
STALE = 300  # days since the last update of every 25th item: past its 6-month rule, overdue
RULE = "6个月内更新"


def offset(i: int) -> int:
    """Days since item i was last updated: every 25th is long overdue, the rest well inside six months."""
    return STALE if i % 25 == 0 else i % 90


LATE = sum(1 for i in range(N) if offset(i) == STALE)


def copy_rows(s: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """`rows` into `model`'s table with one COPY: no bound parameters, a fraction of INSERT's time. A column a
    row leaves out takes its model default, as the INSERT would give it; times are stored as the ORM stores
    them (UTC, without a zone)."""
    table = SQLModel.metadata.tables[model.__tablename__]  # type: ignore[index]
    given = set(rows[0])
    columns = [c for c in table.columns if c.name in given or c.default is not None]
    defaults: dict[str, Any] = {}
    for c in columns:
        if c.name not in given:
            assert isinstance(c.default, ScalarElementColumnDefault), f"{c.name}: only plain defaults"
            defaults[c.name] = c.default.arg

    def stored(value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    names = ", ".join(f'"{c.name}"' for c in columns)
    raw = s.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([stored(row[c.name]) if c.name in row else defaults[c.name] for c in columns])


def populate(engine: Engine, n: int = N) -> None:
    created = at("2025-01-06 09:00")
    with session_scope(engine) as s:
        site = Site(name=SITE, created_at=created)
        s.add(site)
        s.flush()
        assert site.id is not None
        units = []
        for k, name in enumerate(UNITS):
            unit = Unit(site_id=site.id, name=name, created_at=created)
            person = Person(telegram_id=9200 + k, name=f"网站员{k}", created_at=created)
            chat = Chat(
                address=-1000 - k,
                title=f"{name}群",
                type="group",
                site_id=site.id,
                created_at=created,
            )
            s.add_all([unit, person, chat])
            s.flush()
            assert unit.id is not None and person.id is not None and chat.id is not None
            s.add(Membership(person_id=person.id, unit_id=unit.id, role="webmaster", created_at=created))
            s.add(ChatUnit(chat_id=chat.id, unit_id=unit.id))
            units.append(unit.id)
        admin = Person(telegram_id=9001, name="管理员", created_at=created)
        s.add(admin)
        s.flush()
        s.add(Membership(person_id=admin.id, unit_id=None, role="admin", created_at=created))
        copy_rows(
            s,
            Item,
            [
                {
                    "site_id": site.id,
                    "kind": "column",
                    "key": f"column:栏目{i}",
                    "level1": f"栏目组{i // 1000}",
                    "level2": f"栏目{i}",
                    "name": f"栏目{i}",
                    "path": f"栏目组{i // 1000} / 栏目{i}",
                    **rule_columns(RULE),
                    "category": "other",
                    "created_at": created,
                    "source_sheet": "栏目",
                    "source_row": i + 2,
                }
                for i in range(n)
            ],
        )
        ids = s.exec(select(Item.id).where(Item.site_id == site.id).order_by(Item.id)).all()
        assert len(ids) == n
        copy_rows(
            s,
            ItemUnit,
            [
                {"item_id": item_id, "unit_id": units[i % len(units)], "lead": True, "role": "lead"}
                for i, item_id in enumerate(ids)
            ],
        )
        copy_rows(
            s,
            UpdateLog,
            [
                {
                    "item_id": item_id,
                    "at": NOW - timedelta(days=offset(i)),
                    "logged_at": created,
                    "source": "import",
                }
                for i, item_id in enumerate(ids)
            ],
        )


@pytest.fixture(scope="module")
def big(pg_server: postgres.PostgresServer, pg_template: str) -> Iterator[str]:
    url = postgres.create_database(pg_server.url, db_name("zhiri_large_site"), template=pg_template)
    engine = make_engine(url)
    populate(engine)
    engine.dispose()
    yield url


@pytest.fixture
def big_engine(big: str) -> Iterator[Engine]:
    engine = make_engine(big)
    yield engine
    engine.dispose()


def judge() -> Judge:
    return Judge(tz=SHANGHAI, policy=load_settings().policy)


def test_overdue_query(big_engine: Engine) -> None:
    with Session(big_engine) as s:
        late = overdue_items(s, judge(), NOW, None)
    assert sorted(u.unit for u in late) == sorted(UNITS)
    assert sum(len(u.items) for u in late) == LATE


def test_preview(big: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", big)
    monkeypatch.setenv("ADMIN_TELEGRAM_IDS", "9001")
    monkeypatch.setenv("TZ_NAME", "Asia/Shanghai")
    assert main(["preview", "--at", "2026-11-23 09:00", "--json"]) == 0
    planned = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    overdue = [p for p in planned if p["kind"] == "overdue"]
    assert {p["to"] for p in overdue} == {"chat:-1000", "chat:-1001", "chat:-1002"}


def test_export(big_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    summary = run_export(big_engine, NOW, SHANGHAI, path, site=SITE, policy=load_settings().policy)
    assert summary.columns == N
    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    # Counted by reading: a sheet written row by row (openpyxl's write-only mode) records no dimension.
    assert sum(1 for _row in ws.iter_rows(values_only=True)) == N + 2  # title, headers, one row per column
    wb.close()


def test_audit_trail(big_engine: Engine) -> None:
    """`zhiri log` with no unit reads every item's history: the items' paths were read with one `IN` list of
    every item id in the trail (70,001 here), past PostgreSQL's 65,535 parameters."""
    with Session(big_engine) as s:
        entries = trail(s)
    assert sum(1 for e in entries if e.kind == LOG) == N
    assert {e.item for e in entries} >= {"栏目组0 / 栏目0", f"栏目组{(N - 1) // 1000} / 栏目{N - 1}"}


def test_retired_items(big_engine: Engine) -> None:
    """Every item retired (rolled back after): the list of retired items and their units is read by a join,
    not by an `IN` list of their ids."""
    with Session(big_engine) as s:
        s.execute(update(Item).values(retired_at=NOW, retired_by_admin=True, retired_reason="专题结束"))
        retired = retired_items(s)
        s.rollback()
    assert len(retired) == N
    assert {units for _, units in retired} == set(UNITS)


def test_the_routine_s_tick_writes_the_day(big_engine: Engine) -> None:
    """The 09:00 tick's real path (`jobs.routine.run_due`: refresh the day's states, gather, plan, write every
    message and its spreadsheet to the outbox), last in this module: it writes."""
    config = RoutineConfig(tz=SHANGHAI, admin_ids=(9001,), policy=load_settings().policy)
    report = run_due(big_engine, NOW, config)
    assert {Slot.DAILY_READ, Slot.OVERDUE} <= set(report.slots[SITE])
    groups = {-1000, -1001, -1002}
    with Session(big_engine) as s:
        written = s.exec(select(Outbox)).all()
        runs = s.exec(select(RoutineRun)).all()
    assert len(written) == report.written
    overdue = [o for o in written if o.kind == "overdue" and o.chat_id in groups]
    assert {o.chat_id for o in overdue} == groups
    # Each unit's ~930 late items are more than a message holds: its group gets one digest and the sheet,
    # kept as its rows (the sender builds the file when it goes).
    reports = [report_of(o) for o in overdue]
    assert len(overdue) == 3 and all(o.document is None for o in overdue)
    rows = 0
    for r in reports:
        assert r is not None
        book = load_workbook(BytesIO(render_report(r)), read_only=True)
        rows += sum(1 for _ in book.worksheets[0].iter_rows()) - 1  # its header
        book.close()
    assert rows == LATE
    assert sorted(r.slot for r in runs) == sorted(report.slots[SITE])


def test_overdue_after_the_daily_pass_counts_the_stored_schedule(big_engine: Engine) -> None:
    """After the tick above stored the day's schedule, an administrator's /overdue on the 70,001 items is
    counted from it (`late_summary`: the stored late items read once, from the index) and says what the
    whole list (`overdue_list`) says; the text is a summary a person can read."""
    with Session(big_engine) as s:
        today = NOW.astimezone(SHANGHAI).date()
        # Every item judged today (the site's pass day), every late one stored today: the stored path, not
        # the live one, is asked.
        assert {site.judged_on for site in s.exec(select(Site))} == {today}
        stale = s.exec(select(func.count()).select_from(Item).where(not_judged_on(today, passed=True))).one()
        late = s.exec(select(func.count()).select_from(Item).where(Item.state == State.OVERDUE)).one()
        stored_late = s.exec(
            select(func.count()).select_from(Item).where(Item.state == State.OVERDUE, Item.state_on == today)
        ).one()
        assert (stale, stored_late) == (0, late)
        admin = actor_for(s, Speaker(9001), [9001])
        view = overdue_view(s, NOW, admin, judge(), None)
        whole = overdue_list(s, NOW, admin, judge(), None)
    assert isinstance(view, OverdueView) and view.summary is not None and view.units == ()
    assert isinstance(whole, tuple) and view.summary == summarise(whole)
    assert view.summary.total == LATE == sum(u.items for u in view.summary.units)
    assert sorted(u.unit for u in view.summary.units) == sorted(UNITS)
    text = fmt.overdue(view).text
    assert f"逾期栏目和账号共 {LATE} 项，涉及 {len(UNITS)} 个单位" in text and len(text) <= 4096
