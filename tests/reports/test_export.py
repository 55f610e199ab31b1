"""Exporting the list as a printable workbook (reports.export), and importing the export back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import event, func
from sqlmodel import Session, col, select

from acts.catalog import run_import
from bot.cli import main
from domain.due import Policy
from domain.inspection import DEFAULT_THRESHOLDS
from domain.rules import describe_rule, parse_rule
from domain.text import state_words
from reports.export import run_export
from storage.db import session_scope
from storage.items import judge_items, log_update, refresh_all
from storage.models import Item, ItemUnit, Membership, Person, Site, Unit, UnitGroupMember, UpdateLog
from storage.sites import NoSuchSite
from tests.conftest import at

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "chuxiong-city-columns.xlsx"
FIVE_LEVELS = REPO / "tests" / "fixtures" / "lists" / "five-levels.xlsx"
TZ = ZoneInfo("Asia/Shanghai")
IMPORTED = at("2026-10-01 09:00")
NOW = at("2026-11-23 09:00")
TABLES = (Site, Unit, UnitGroupMember, Item, ItemUnit, UpdateLog)


def counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {t.__name__: s.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def rows_by(ws: Worksheet, header: str) -> dict[str, dict[str, object]]:
    """Data rows keyed by one column's value, each as {header: value}."""
    headers = [c.value for c in ws[2]]
    out = {}
    for r in range(3, ws.max_row + 1):
        values = {str(h): ws.cell(r, i + 1).value for i, h in enumerate(headers)}
        values["_row"] = r
        out[str(values[header])] = values
    return out


def build_city(engine, judge):
    run_import(engine, IMPORTED, TZ, EXAMPLE)
    with session_scope(engine) as s:
        office = s.exec(select(Unit).where(Unit.name == "市政府办公室")).one()
        person = Person(name="王芳", telegram_id=1001, created_at=IMPORTED)
        s.add(person)
        s.flush()
        assert person.id is not None and office.id is not None
        s.add(Membership(person_id=person.id, unit_id=office.id, role="webmaster", created_at=IMPORTED))
        today = s.exec(select(Item).where(Item.key == "column:首页/今日楚雄")).one()
        log_update(s, at("2026-11-20 10:00"), judge, today, source="done", person_id=person.id)


@pytest.fixture
def city(db_url, judge, prepared, request):
    """The example city imported (once per session, copied for each test)."""
    engine = prepared.engine(request, db_url, "export_city", lambda e: build_city(e, judge))
    yield engine
    engine.dispose()


def test_it_exports_a_printable_workbook(city, tmp_path):
    path = tmp_path / "out" / "栏目清单.xlsx"
    summary = run_export(city, NOW, TZ, path)
    assert (summary.columns, summary.accounts, summary.needs_rule) == (98, 7, 10)
    assert summary.overdue > 0
    wb = load_workbook(path)
    assert wb.sheetnames == ["栏目", "政务新媒体"]
    ws = wb["栏目"]
    assert "楚雄市人民政府网站" in str(ws["A1"].value) and "2026年11月23日导出" in str(ws["A1"].value)
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:{ws.cell(2, ws.max_column).column_letter}{ws.max_row}"
    headers = [c.value for c in ws[2]]
    assert headers[:4] == ["序号", "一级栏目", "二级栏目", "三级栏目"]
    assert {
        "更新时限要求",
        "要求解读",
        "责任单位",
        "网站维护员",
        "最近更新",
        "更新来源",
        "到期日",
        "状态",
    } <= set(headers)
    assert ws.column_dimensions["E"].width >= 30  # 栏目内容 gets room
    assert ws.max_row == 2 + 98

    rows = rows_by(ws, "二级栏目")
    today = rows["今日楚雄"]
    assert today["最近更新"] == datetime(2026, 11, 20, 10, 0)
    assert (today["更新来源"], today["状态"], today["网站维护员"]) == ("机器人登记", "正常", "王芳")
    assert today["到期日"] == datetime(2026, 12, 4)  # Excel keeps dates as datetimes
    assert today["要求解读"] == describe_rule(parse_rule("2周内更新。"))
    assert ws.cell(today["_row"], 1).fill.fgColor.rgb[-6:] != "FFC7CE"

    late = rows["国务院信息"]  # 2周内更新, imported on 1 October without a last-update date
    assert late["状态"] == "已逾期53天（最近更新日期未知）"  # unknown is not fresh: due on the import day
    assert late["最近更新"] == "最近更新日期未知"
    for c in range(1, ws.max_column + 1):
        assert ws.cell(late["_row"], c).fill.fgColor.rgb[-6:] == "FFC7CE"
    assert rows["部门动态"]["责任单位"] == "市政府办公室（牵头）、市属各部门"
    assert rows["国务院信息"]["责任单位"] == "市政府办公室"
    assert rows["网上信访"]["状态"] == "待补充规则"
    assert rows["楚雄市政务服务网上大厅"]["状态"] == "无需更新"

    accounts = rows_by(wb["政务新媒体"], "平台")
    assert wb["政务新媒体"].freeze_panes == "A3"
    douyin = accounts["抖音"]
    assert douyin["账号名称"] == "楚雄发布" and str(douyin["要求解读"]).startswith("未填写")
    assert douyin["状态"] == "已逾期53天（最近更新日期未知）"  # weekly by default, nothing known


def test_exported_states_are_those_the_daily_pass_gives_today(city, judge, tmp_path):
    # Nothing was refreshed since the import on 1 October: the export judges every item for today.
    path = tmp_path / "a.xlsx"
    summary = run_export(city, NOW, TZ, path)
    with session_scope(city) as s:
        refresh_all(s, judge, NOW)
        items = list(s.exec(select(Item)))
        judged = judge_items(s, items, judge, NOW)
        expected = {
            i.path: (state_words(i.state, i.days_late, judged[i.id].unknown), i.due_on)
            for i in items
            if i.kind == "column"
        }
        overdue = sum(1 for i in items if i.state == "overdue")
    ws = load_workbook(path)["栏目"]
    headers = [c.value for c in ws[2]]
    got = {}
    for r in range(3, ws.max_row + 1):
        row = {h: ws.cell(r, c).value for c, h in enumerate(headers, start=1)}
        path_text = " / ".join(str(row[h]) for h in ("一级栏目", "二级栏目", "三级栏目") if row[h])
        due = row["到期日"]
        got[path_text] = (row["状态"], due.date() if isinstance(due, datetime) else due)
    assert got == expected
    assert summary.overdue == overdue > 0


def test_exporting_changes_nothing(city, tmp_path):
    before = counts(city)
    with Session(city) as s:
        states = {i.key: (i.state, i.state_on) for i in s.exec(select(Item))}
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(city, "before_cursor_execute", seen)
    try:
        run_export(city, NOW, TZ, tmp_path / "a.xlsx")
    finally:
        event.remove(city, "before_cursor_execute", seen)
    # Not even a rolled-back write: an export must not lock out the running bot.
    assert statements and set(statements) <= {"SELECT"}
    assert counts(city) == before
    with Session(city) as s:
        assert {i.key: (i.state, i.state_on) for i in s.exec(select(Item))} == states


@pytest.mark.parametrize("source", [EXAMPLE, FIVE_LEVELS], ids=["city", "five-levels"])
def test_importing_the_export_changes_nothing(engine, judge, tmp_path, source):
    run_import(engine, at("2026-11-21 09:00"), TZ, source)
    with session_scope(engine) as s:
        first = s.exec(select(Item).where(Item.kind == "column").order_by(col(Item.id))).first()
        assert first is not None
        log_update(s, at("2026-11-22 18:30"), judge, first, source="done")
    before = counts(engine)
    path = tmp_path / "export.xlsx"
    run_export(engine, NOW, TZ, path)
    report = run_import(engine, NOW, TZ, path)
    assert (len(report.added), len(report.changed), len(report.retired), len(report.restored)) == (0, 0, 0, 0)
    assert report.logged == 0 and not report.units_added
    assert counts(engine) == before


def test_an_unknown_site_is_refused(city, tmp_path):
    with pytest.raises(NoSuchSite, match="没有名为“别的网站”的网站"):
        run_export(city, NOW, TZ, tmp_path / "x.xlsx", site="别的网站")


def test_cli_exports(sqlite_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import", str(FIVE_LEVELS)]) == 0
    capsys.readouterr()
    path = tmp_path / "清单.xlsx"
    assert main(["export", str(path)]) == 0
    assert "已导出到" in capsys.readouterr().out and path.exists()
    assert main(["export", str(tmp_path / "x.csv")]) == 2
    assert ".xlsx" in capsys.readouterr().err
    assert main(["export", str(path), "--site", "别的网站"]) == 2
    assert "没有名为" in capsys.readouterr().err


def test_the_states_and_the_risk_column_follow_the_configured_thresholds(city, tmp_path):
    # 今日楚雄 was updated 3 days before NOW: clear by the indicators' 14 days, a veto by a 3-day setting.
    strict = Policy(lines=replace(DEFAULT_THRESHOLDS, home_veto_days=3, home_warn_days=2))
    risk = {}
    for name, policy in (("default", None), ("strict", strict)):
        run_export(city, NOW, TZ, tmp_path / f"{name}.xlsx", policy=policy)
        row = rows_by(load_workbook(tmp_path / f"{name}.xlsx")["栏目"], "二级栏目")["今日楚雄"]
        risk[name] = str(row["检查风险"] or "")
    assert "单项否决：首页栏目未更新天数" not in risk["default"]
    assert "单项否决：首页栏目未更新天数" in risk["strict"]
