"""A letters ledger (来信登记表) imported as events of the 信箱 column: acts.ledger and `zhiri import`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlmodel import Session, col, select

from acts.catalog import run_import
from acts.ledger import looks_like_ledger, run_ledger_import
from bot.cli import main
from sheetread.sheets import read_table_file
from storage.models import Event, Item
from tests.conftest import at

REPO = Path(__file__).resolve().parents[2]
LISTS = REPO / "tests" / "fixtures" / "lists"
COUNTY_CSV = LISTS / "county-columns-gbk.csv"
EXAMPLE = REPO / "examples" / "chuxiong-city-columns.xlsx"
TZ = ZoneInfo("Asia/Shanghai")
NOW = at("2026-11-23 09:00")
MAILBOX = "column:互动交流/县长信箱"
HEADER = ("编号", "收到日期", "来信标题", "办结日期", "信箱", "来信人")
ROWS: list[tuple[object, ...]] = [
    ("L001", date(2026, 11, 2), "关于城区道路维修的建议", date(2026, 11, 10), "县长信箱", "张某"),
    ("L002", date(2026, 11, 16), "夜间施工噪音扰民", None, "县长信箱", "李某"),
    ("L003", "2026-11-40", "日期写错的来信", None, "县长信箱", "王某"),
    ("L004", date(2026, 11, 5), "投错信箱的来信", None, "书记信箱", "赵某"),
    (None, datetime(2026, 11, 18, 15, 30), "供水管网漏水", None, "互动交流/县长信箱", "钱某"),
    ("L006", date(2026, 11, 19), "", None, "县长信箱", "孙某"),
]


def ledger(tmp_path: Path, rows=ROWS, name: str = "来信登记.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "2026年11月"
    sheet.append(["牟定县县长信箱来信登记表"])
    sheet.append(list(HEADER))
    for r in rows:
        sheet.append(list(r))
    path = tmp_path / name
    book.save(path)
    return path


def events(engine) -> list[Event]:
    with Session(engine) as s:
        item = s.exec(select(Item).where(Item.key == MAILBOX)).one()
        return list(s.exec(select(Event).where(Event.item_id == item.id).order_by(col(Event.occurred_on))))


@pytest.fixture
def county(engine):
    run_import(engine, NOW, TZ, COUNTY_CSV)
    return engine


def test_a_ledger_becomes_the_mailboxs_requests_and_bad_rows_are_reported(county, tmp_path):
    report = run_ledger_import(county, NOW, TZ, ledger(tmp_path))
    assert (report.added, report.answered, report.unchanged, report.open_requests) == (3, 1, 0, 2)
    assert report.items == {"互动交流 / 县长信箱": 3}
    bad = {(b.sheet, b.row): b.text for b in report.bad}
    assert set(bad) == {("2026年11月", 5), ("2026年11月", 6), ("2026年11月", 8)}
    assert "收到日期“2026-11-40”无法识别" in bad[("2026年11月", 5)]
    assert "没有找到栏目“书记信箱”" in bad[("2026年11月", 6)]
    assert "没有标题" in bad[("2026年11月", 8)]
    text = report.render()
    assert "工作表“2026年11月”第5行" in text and "新登记来信 3 件，登记办结 1 件" in text
    got = [(e.occurred_on, e.note, e.closed_at) for e in events(county)]
    assert got == [
        (date(2026, 11, 2), "来信登记：关于城区道路维修的建议", at("2026-11-10 12:00")),
        (date(2026, 11, 16), "来信登记：夜间施工噪音扰民", None),
        (date(2026, 11, 18), "来信登记：供水管网漏水", None),
    ]


def test_importing_the_ledger_again_adds_nothing_and_a_later_copy_closes_what_it_answers(county, tmp_path):
    run_ledger_import(county, NOW, TZ, ledger(tmp_path))
    again = run_ledger_import(county, NOW, TZ, ledger(tmp_path))
    assert (again.added, again.answered, again.unchanged) == (0, 0, 3)
    later = [r if r[0] != "L002" else (*r[:3], date(2026, 11, 20), *r[4:]) for r in ROWS]
    closed = run_ledger_import(county, at("2026-11-24 09:00"), TZ, ledger(tmp_path, later))
    assert (closed.added, closed.answered, closed.unchanged, closed.open_requests) == (0, 1, 2, 1)
    assert len(events(county)) == 3
    assert [e.closed_at is not None for e in events(county)] == [True, True, False]


def test_a_dry_run_writes_nothing(county, tmp_path):
    report = run_ledger_import(county, NOW, TZ, ledger(tmp_path), dry_run=True)
    assert report.added == 3 and "试运行" in report.render()
    assert events(county) == []


def test_ledgers_and_responsibility_lists_are_told_apart(tmp_path):
    assert looks_like_ledger(read_table_file(ledger(tmp_path)))
    for path in [EXAMPLE, *sorted(LISTS.glob("*.xlsx")), *sorted(LISTS.glob("*.csv"))]:
        assert not looks_like_ledger(read_table_file(path)), path.name


def test_zhiri_import_recognises_a_ledger(sqlite_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import", str(COUNTY_CSV)]) == 0
    capsys.readouterr()
    assert main(["import", str(ledger(tmp_path))]) == 0
    assert "导入来信登记" in capsys.readouterr().out
    assert main(["import", "--ledger", str(COUNTY_CSV)]) == 2
    assert "没有找到来信登记表的表头" in capsys.readouterr().err
