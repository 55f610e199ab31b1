"""年评分: each part's points and the ranking (pure), a year of the example city gathered from real rows
(SQLite and PostgreSQL) and written as a workbook read back with openpyxl, and `zhiri rank`."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import chinese_calendar
import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.cli import main
from domain.yearly import TOTAL, YEAR_PARTS, UnitYear, rank_units, year_points
from reports.ranking import RANK_HEADERS, rank_workbook
from storage.db import session_scope
from storage.models import ChatUnit, HalfMonthAnswer, Item, ItemUnit, ReadConfirmation, Unit
from storage.sites import site_named
from storage.yearly import month_ends, unit_years
from tests.conftest import at
from tests.reports.conftest import EXAMPLE

REPO = Path(__file__).resolve().parents[2]


def test_year_points_and_ties() -> None:
    perfect = UnitYear("甲局", 12, 12, 0, 1, 1, 240, 240, 48, 48, 0)
    assert year_points(perfect)[TOTAL] == 100
    poor = UnitYear("乙局", 12, 6, 150, 2, 1, 240, 60, 48, 12, 3)
    pts = year_points(poor)
    assert [pts[name] for name, _, _ in YEAR_PARTS] == [15, 5, 7.5, 3.8, 2.5, 0]
    assert pts[TOTAL] == 33.8
    same = UnitYear("丙局", 12, 12, 0, 1, 1, 240, 240, 48, 48, 0)
    assert [(r, u.unit) for r, u, _ in rank_units([poor, same, perfect])] == [
        (1, "丙局"),
        (1, "甲局"),
        (3, "乙局"),
    ]
    # A unit with nothing to check of a kind is not marked down for it; one without a group has no 日查.
    empty = UnitYear("丁局", 0, 0, 0, 0, 0, 240, 0, 0, 0, 0)
    assert year_points(empty)[TOTAL] == 85


def test_month_ends() -> None:
    assert month_ends(2026, date(2026, 3, 10)) == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 10)]
    assert len(month_ends(2026, date(2026, 12, 31))) == 12


def test_a_year_of_the_example_city_ranks_every_unit(quarter_city, judge) -> None:
    engine = quarter_city
    with session_scope(engine) as s:
        site = site_named(s, None)
        office = s.exec(select(Unit).where(Unit.name == "市政府办公室")).one()
        mine = [i for i in s.exec(select(Item.id).join(ItemUnit).where(ItemUnit.unit_id == office.id))]
        # 市政府办公室 answers two half-month checks of one item and has no group (no 日查 confirmed).
        for period in (date(2026, 10, 1), date(2026, 10, 16)):
            s.add(
                HalfMonthAnswer(
                    item_id=mine[0], period=period, result="ok", name="王", at=at(f"{period} 10:00")
                )
            )
        units = unit_years(s, at("2027-01-04 09:00"), judge, site, 2026)
        assert not s.exec(select(ChatUnit)).first() and not s.exec(select(ReadConfirmation)).first()
    by_name = {u.unit: u for u in units}
    assert len(units) > 30
    o = by_name["市政府办公室"]
    # 2026's working days (调休 included), as the official calendar counts them.
    assert o.workdays == len(chinese_calendar.get_workdays(date(2026, 1, 1), date(2026, 12, 31)))
    assert o.read_days == 0
    assert o.halfmonth_returned == 2 and o.halfmonth_expected == 24 * len(set(mine))
    assert o.checks > 0 and 0 <= o.checks_on_time <= o.checks
    book = load_workbook(io.BytesIO(rank_workbook(2026, units)))
    assert book.sheetnames == ["2026年度评分", "评分规则", "图表"]
    rows = list(book["2026年度评分"].iter_rows(values_only=True))
    assert rows[0] == RANK_HEADERS and len(rows) == len(units) + 1
    ranks = [r[0] for r in rows[1:]]
    assert ranks[0] == 1 and ranks == sorted(ranks)
    totals = {r[1]: r[len(YEAR_PARTS) + 2] for r in rows[1:]}
    assert totals["市政府办公室"] == year_points(o)[TOTAL]
    assert len(book["图表"]._images) == 1
    rules = list(book["评分规则"].iter_rows(values_only=True))
    assert rules[2] == ("逾期天数", 20, "20 − 各月末逾期天数合计 ÷ 10，最低0分")


def test_cli_rank(sqlite_url, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import", str(EXAMPLE)]) == 0
    capsys.readouterr()
    out = tmp_path / "年度评分.xlsx"
    assert main(["rank", "--year", "2026", str(out)]) == 0
    said = capsys.readouterr().out
    assert "已生成" in said and "  1. " in said
    book = load_workbook(out)
    assert book.sheetnames == ["2026年度评分", "评分规则", "图表"]
    assert main(["rank", "--year", "2099", str(out)]) == 2
    assert "还没有开始" in capsys.readouterr().err
    assert main(["rank", str(tmp_path / "x.docx")]) == 2
    assert ".xlsx" in capsys.readouterr().err


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_units_no_ranking(engine, judge) -> None:
    with session_scope(engine) as s:
        from storage.models import Site

        s.add(Site(name="空网站", created_at=at("2026-01-01 09:00")))
        s.flush()
        assert unit_years(s, at("2026-06-01 09:00"), judge, site_named(s, None), 2026) == []
