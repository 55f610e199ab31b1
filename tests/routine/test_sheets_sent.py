"""A routine message's spreadsheet is kept as the rows the plan wrote, and the file the chat receives is
built from them when the message is sent: the rows sent are the rows planned, whatever changed in between,
and a message sent again after a failure carries the same rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from acts.routine import record_answer
from channels.transport import TransportError
from domain.calendar import WorkCalendar
from domain.notice import Report
from domain.routine import plan
from jobs.routine import RoutineConfig, run_due, snapshot_at
from jobs.sender import SenderState, SendLimits, drain
from storage.db import session_scope
from storage.items import Judge
from storage.models import Outbox, Unit
from storage.outbox import report_of
from storage.queries import Speaker, actor_for
from storage.routine import sites
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, FIN_CHAT, FIN_WM_TG, FakeTransport, add_item, build_world

REPORT_DAY = at("2026-10-10 17:00")  # the half-month report of October's first half goes to the administrator
FAST = SendLimits(per_second=1000, private_interval=0.0, group_per_window=10_000, linger=0.2)


def _sheets(data: bytes) -> tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...]:
    """A workbook's sheets as `domain.notice.Report` holds them: (title, header, rows), empty cells as ""."""
    book = load_workbook(BytesIO(data), read_only=True)
    out = []
    for ws in book.worksheets:
        rows = [tuple("" if c is None else str(c) for c in r) for r in ws.iter_rows(values_only=True)]
        out.append((ws.title, rows[0], tuple(rows[1:])))
    book.close()
    return tuple(out)


def _world(engine: Engine) -> None:
    world = build_world(engine, at("2026-09-01 09:00"))
    judge = Judge(SHANGHAI, WorkCalendar(on_fallback=lambda _y: None))
    budget = add_item(
        engine, world, judge, "政务公开 / 财政预决算", "2周内更新", "市财政局", at("2026-09-19 09:00")
    )
    add_item(engine, world, judge, "政务公开 / 教育", "2周内更新", "市教育局", at("2026-09-19 09:00"))
    with session_scope(engine) as s:
        who = actor_for(s, Speaker(FIN_WM_TG, "张三", "zhangsan", None), ())
        record_answer(s, at("2026-10-09 10:00"), who, budget, date(2026, 10, 1), "problem", FIN_CHAT)


def _planned_report(engine: Engine, config: RoutineConfig) -> Report:
    """The half-month report as the planner decides it for the administrator, before anything is written."""
    with Session(engine) as s:
        (site,) = sites(s)
        calendar = WorkCalendar(on_fallback=lambda _y: None)
        snap = snapshot_at(s, site, REPORT_DAY, calendar, config)
    local = REPORT_DAY.astimezone(SHANGHAI)
    planned = plan(replace(snap, done_slots=frozenset()), local, calendar, config.settings)
    (report,) = [p.document for p in planned if p.to.chat_id == ADMIN_TG and isinstance(p.document, Report)]
    assert isinstance(report, Report)
    return report


async def test_the_file_sent_holds_the_rows_planned_even_when_the_data_changed_before_it_went(engine):
    _world(engine)
    config = RoutineConfig(tz=SHANGHAI, limits=FAST)
    planned = _planned_report(engine, config)
    assert planned.sheets[0][2], "the report lists the items"

    run_due(engine, REPORT_DAY, config)
    with Session(engine) as s:
        (row,) = [r for r in s.exec(select(Outbox).where(Outbox.chat_id == ADMIN_TG)) if r.report is not None]
        # Kept as its rows, no file built by the tick.
        assert row.document is None and row.document_name == planned.filename
        assert report_of(row) == planned
    # Between the plan and the send, the unit is renamed: the file still says what was planned.
    with session_scope(engine) as s:
        unit = s.exec(select(Unit).where(Unit.name == "市财政局")).one()
        unit.name = "市财政局（改名）"
        s.add(unit)

    transport = FakeTransport()
    transport.fail(TransportError("Internal Server Error"), chat_id=ADMIN_TG)  # the first try fails
    await drain(engine, transport, REPORT_DAY, state=SenderState(FAST), admin_ids=(ADMIN_TG,))
    assert not [m for m in transport.to(ADMIN_TG) if m.document is not None]
    await drain(engine, transport, at("2026-10-10 18:00"), state=SenderState(FAST), admin_ids=(ADMIN_TG,))

    (sent,) = [m for m in transport.to(ADMIN_TG) if m.document is not None]
    assert sent.document is not None and sent.document_name == planned.filename
    assert _sheets(sent.document) == planned.sheets
    assert "市财政局" in {r[0] for r in planned.sheets[0][2]}
    with Session(engine) as s:
        row2 = s.get(Outbox, row.id)
        assert row2 is not None and row2.sent_at is not None and row2.document is None
