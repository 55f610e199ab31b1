"""季通报 from a simulated quarter of the example city (SQLite and PostgreSQL): the Word document read back
with python-docx (its four parts in order, its numbers against the database, three charts, the annex
table), the XLSX annex, the charts drawn with a Chinese font (no empty boxes), and `zhiri bulletin`."""

from __future__ import annotations

import io
import warnings
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import select

from bot.cli import main
from reports import charts
from reports.bulletin import (
    ANNEX_HEADERS,
    LETTERS,
    OVERDUE,
    PARTS,
    SILENT,
    BulletinProblem,
    bulletin_annex,
    bulletin_docx,
    gather_quarter,
    parse_quarter,
    previous_quarter,
)
from storage.db import session_scope
from storage.items import LIVE_LOG
from storage.models import Item, UpdateLog
from storage.sites import site_named
from tests.conftest import at
from tests.reports.conftest import EXAMPLE, Q4


def test_quarters() -> None:
    assert parse_quarter("2026Q4") == Q4
    assert parse_quarter("2027q1") == (date(2027, 1, 1), date(2027, 3, 31))
    assert previous_quarter(date(2027, 1, 4)) == "2026Q4"
    with pytest.raises(BulletinProblem, match="2026Q4"):
        parse_quarter("第四季度")


def test_the_charts_draw_chinese_with_a_cjk_font_and_no_missing_glyphs() -> None:
    assert charts.cjk_font() in charts.CJK_FONTS
    with warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font(s)" for every character it draws as an empty box.
        warnings.simplefilter("error")
        png = charts.ranked(["市政府办公室", "市财政局"], [3, 1], "各单位问题项数", "问题项数")
        png2 = charts.weekly_updates(["乡镇动态（某某镇）"], ["10-05", "10-12"], [[1, 2]], "每周更新条数")
    assert png[:8] == png2[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_quarter_of_the_example_city_makes_a_four_part_bulletin(quarter_city, judge) -> None:
    with session_scope(quarter_city) as s:
        site = site_named(s, None)
        data = gather_quarter(s, at("2027-01-04 09:00"), judge, site, "2026Q4")
        accounts = s.exec(select(func.count()).select_from(Item).where(Item.kind == "account")).one()
        logged = s.exec(
            select(func.count())
            .select_from(UpdateLog)
            .where(LIVE_LOG, UpdateLog.at >= at("2026-10-01 00:00"), UpdateLog.at < at("2027-01-01 00:00"))
        ).one()
    assert (data.year, data.quarter, data.at) == (2026, 4, date(2026, 12, 31))
    assert data.accounts == accounts == 7 and data.accounts_ok == 5
    assert data.updates_logged == logged > 100
    kinds = {p.problem for p in data.problems}
    assert {OVERDUE, SILENT, "空白栏目", LETTERS} <= kinds
    (letter,) = [p for p in data.problems if p.problem == LETTERS]
    assert letter.item == "首页 / 市长信箱" and letter.found_on == date(2026, 9, 10)
    assert len(data.trend_days) == 14 and data.trend_overdue[-1] > 0

    doc = Document(io.BytesIO(bulletin_docx(data)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.startswith("关于2026年第4季度楚雄市人民政府网站及政务新媒体检查情况的通报")
    positions = [text.index(part) for part in PARTS]
    assert positions == sorted(positions)
    overall = text[positions[0] : positions[1]]
    assert f"政务新媒体账号{accounts}个" in overall and f"本季度共登记更新{logged}条" in overall
    assert f"网站{data.grade}（得分{data.total:g}分）" in overall
    assert f"合格{data.accounts_ok}个、不合格{accounts - data.accounts_ok}个" in overall
    problems = text[positions[1] : positions[2]]
    assert f"{LETTERS}，共1项。" in problems and "首页 / 市长信箱" in problems
    assert "2027年1月18日前完成" in text[positions[2] :]  # ten working days after 4 January
    # Three charts, embedded as PNG.
    assert len(doc.inline_shapes) == 3
    images = [p for p in doc.part.related_parts.values() if p.content_type == "image/png"]
    assert len(images) == 3 and all(img.blob[:8] == b"\x89PNG\r\n\x1a\n" for img in images)
    # The annex: one row a problem, as the data says.
    table = doc.tables[0]
    assert tuple(c.text for c in table.rows[0].cells) == ANNEX_HEADERS
    assert len(table.rows) == len(data.problems) + 1
    last = [c.text for c in table.rows[-1].cells]
    assert (last[2], last[3], last[5]) == ("首页 / 市长信箱", LETTERS, "2026年9月10日")

    book = load_workbook(io.BytesIO(bulletin_annex(data)))
    assert book.sheetnames == ["问题清单", "各单位每周更新"]
    rows = list(book["问题清单"].iter_rows(values_only=True))
    assert rows[0] == ANNEX_HEADERS and len(rows) == len(data.problems) + 1
    weekly = list(book["各单位每周更新"].iter_rows(values_only=True))
    assert weekly[0][0] == "单位" and weekly[0][-1] == "合计" and len(weekly[0]) == len(data.weeks) + 2


def test_a_quarter_not_begun_is_refused(quarter_city, judge) -> None:
    with session_scope(quarter_city) as s, pytest.raises(BulletinProblem, match="还没有开始"):
        gather_quarter(s, at("2026-12-01 09:00"), judge, site_named(s, None), "2027Q1")


def test_cli_bulletin(sqlite_url, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import", str(EXAMPLE)]) == 0
    capsys.readouterr()
    out = tmp_path / "通报.docx"
    assert main(["bulletin", "--quarter", "2026Q4", str(out)]) == 0
    said = capsys.readouterr().out
    assert "已生成" in said and "第4季度" in said
    doc = Document(str(out))
    assert [p.text for p in doc.paragraphs if p.text in PARTS] == list(PARTS)
    assert load_workbook(out.with_suffix(".xlsx")).sheetnames == ["问题清单", "各单位每周更新"]
    assert main(["bulletin", "--quarter", "2099Q1", str(out)]) == 2
    assert "还没有开始" in capsys.readouterr().err
    assert main(["bulletin", "--quarter", "Q4", str(out)]) == 2
    assert "2026Q4" in capsys.readouterr().err
    assert main(["bulletin", "--quarter", "2026Q4", str(tmp_path / "x.pdf")]) == 2
    assert ".docx" in capsys.readouterr().err
