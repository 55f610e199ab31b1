"""The example city's inspection risk from real rows (SQLite and PostgreSQL), `zhiri score` and `zhiri
category`, and a category correction that survives a re-import."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from acts.catalog import run_import
from acts.category import CategorySet, category_by
from bot.cli import main
from domain.model import Category
from storage.db import session_scope
from storage.items import log_update, record_event
from storage.models import Item
from storage.queries import OPERATOR
from storage.score import score_of
from storage.sites import site_named
from tests.conftest import at

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "chuxiong-city-columns.xlsx"
TZ = ZoneInfo("Asia/Shanghai")
IMPORTED = at("2026-09-01 09:00")


def item(s, key: str) -> Item:
    return s.exec(select(Item).where(Item.key == key)).one()


def build_city(engine, judge):
    run_import(engine, IMPORTED, TZ, EXAMPLE)
    with session_scope(engine) as s:
        log_update(s, at("2026-09-30 10:00"), judge, item(s, "column:首页/今日楚雄"), source="done", count=3)
        mailbox = item(s, "column:首页/市长信箱")
        record_event(s, at("2026-09-02 10:00"), judge, mailbox, occurred_on=at("2026-09-02 10:00").date())
        for key in ("column:首页/部门动态", "column:首页/乡镇动态"):
            it = item(s, key)
            it.read_status = "empty"
            s.add(it)


@pytest.fixture
def city(db_url, judge, prepared, request):
    """The example city imported (once per session, copied for each test)."""
    engine = prepared.engine(request, db_url, "score_city", lambda e: build_city(e, judge))
    yield engine
    engine.dispose()


def test_the_example_city_on_both_sides_of_the_home_page_line(city, judge):
    with session_scope(city) as s:
        site = site_named(s, None)
        before = score_of(s, at("2026-10-09 12:00"), judge, site)  # 9 days after the last home update
        after = score_of(s, at("2026-10-14 12:00"), judge, site)  # 14 days: single veto
    home = {v.line: v for v in before.score.vetoes}["home_stale"]
    assert (home.value, home.triggered, home.warning) == (9, False, False)
    home = {v.line: v for v in after.score.vetoes}["home_stale"]
    assert (home.value, home.triggered) == (14, True)
    assert after.score.grade == "不合格"
    # Updating the home column that was updated last is the first thing to do.
    assert after.views[after.score.fix_first[0]].category.value == "home"
    lines = {v.line: v for v in after.score.vetoes}
    assert lines["unreachable"].value is None  # no probes stored: 无数据
    assert lines["empty_columns"].value == 2
    assert lines["account_silent"].triggered  # the accounts were never updated since September
    assert lines["letters_unanswered"].value == 0  # the letter is only six weeks old


def test_a_category_correction_survives_a_re_import(city, judge):
    now = at("2026-10-14 12:00")
    with session_scope(city) as s:
        result = category_by(s, now, OPERATOR, judge, ["楚雄市新闻", "动态要闻"])
        assert isinstance(result, CategorySet) and result.category.value == "news"
    run_import(city, now, TZ, EXAMPLE)
    with session_scope(city) as s:
        it = item(s, "column:首页/楚雄市新闻")
        assert (it.category, it.category_override) == ("news", "news")
        result = category_by(s, now, OPERATOR, judge, ["楚雄市新闻", "自动"])
        assert isinstance(result, CategorySet) and result.category.value == "home" and result.automatic
        assert item(s, "column:首页/楚雄市新闻").category_override is None


def test_cli_score_json_and_category(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import", str(EXAMPLE)]) == 0
    capsys.readouterr()
    assert main(["score", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["site", "at", "grade", "total", "vetoes", "deductions", "fix_first"]
    assert data["site"] == "楚雄市人民政府网站" and data["grade"] == "合格"
    assert [v["line"] for v in data["vetoes"]][:2] == ["home_stale", "news_notice_stale"]
    assert main(["score", "--at", "2026-12-31"]) == 0
    assert "不合格" in capsys.readouterr().out
    assert main(["score", "--at", "昨天"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["score", "--site", "别的网站"]) == 2
    assert "没有名为" in capsys.readouterr().err
    assert main(["category", "楚雄市新闻", "动态要闻"]) == 0
    assert "动态要闻" in capsys.readouterr().out
    assert main(["category", "楚雄市新闻", "随便"]) == 2
    assert "类别可以是" in capsys.readouterr().err


def test_the_score_counts_surveys_over_a_year_and_the_home_page_over_a_fortnight(city, judge):
    """The updates the score counts are read per kind of column: a survey's over the past year
    (每年不少于6次), the home page's over the past fortnight (首页2周内更新不少于10条); older ones count for
    neither."""
    now = at("2026-10-09 12:00")

    def deductions() -> set[str]:
        with session_scope(city) as s:
            return {d.line for d in score_of(s, now, judge, site_named(s, None)).score.deductions}

    assert {"survey_short", "home_few_updates"} <= deductions()
    with session_scope(city) as s:
        survey = s.exec(select(Item).where(Item.category == Category.SURVEY)).first()
        homes = s.exec(select(Item).where(Item.category == Category.HOME).order_by(col(Item.id))).all()
        assert survey is not None and homes
        for days in (400, 330, 250, 170, 90, 30):  # five within the year, one before it
            log_update(s, now, judge, survey, source="done", at=now - timedelta(days=days))
        for days in (20, *range(1, 7)):  # six within the fortnight (and three on 9-30), one before it
            log_update(s, now, judge, homes[days % len(homes)], source="done", at=now - timedelta(days=days))
    assert {"survey_short", "home_few_updates"} <= deductions()
    with session_scope(city) as s:
        survey = s.get(Item, survey.id)
        assert survey is not None
        log_update(s, now, judge, survey, source="done", at=now - timedelta(days=300))
        home = s.get(Item, homes[0].id)
        assert home is not None
        log_update(s, now, judge, home, source="done", at=now - timedelta(days=13))
    assert not {"survey_short", "home_few_updates"} & deductions()
