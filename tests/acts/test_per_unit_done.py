"""Logging a per-unit duty (各部门每周不少于1条): each unit's /done and button count for that unit; an
administrator (or someone of two of its units) names the unit, and is asked to when they do not."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from acts.updates import Logged, NameTheUnit, log_button, log_done
from domain.model import State
from replies import format as fmt
from storage.db import session_scope
from storage.items import set_rule
from storage.models import UpdateLog
from storage.people import NotYours
from storage.queries import Speaker, actor_for
from tests.bot.seed import add_person, item, seed
from tests.conftest import SHANGHAI, at

CREATED = at("2026-11-02 09:00")
NOW = at("2026-11-18 09:00")
ADMIN, FINANCE, BOTH = 1000, 2003, 2009
NEWS = "首页 / 部门动态"  # 市政府办公室 and 市属各部门 (市财政局, 市教育局)
UNITS = ("市政府办公室", "市教育局", "市财政局")


@pytest.fixture
def world(engine, judge):
    w = seed(engine, judge, CREATED, now=CREATED)
    add_person(engine, CREATED, FINANCE, "赵财", [("市财政局", "webmaster")], w)
    add_person(engine, CREATED, BOTH, "两头", [("市财政局", "webmaster"), ("市教育局", "webmaster")], w)
    with session_scope(engine) as s:
        set_rule(s, CREATED, judge, item(s, w, NEWS), "各部门每周不少于1条")
    return w


def done(engine, judge, tid, words, **kwargs):
    with session_scope(engine) as s:
        return log_done(s, NOW, actor_for(s, Speaker(tid, "某人"), [ADMIN]), judge, words, **kwargs)


def tap(engine, judge, tid, item_id):
    with session_scope(engine) as s:
        return log_button(s, NOW, actor_for(s, Speaker(tid, "某人"), [ADMIN]), judge, item_id)


def counted(engine):
    with session_scope(engine) as s:
        rows = s.exec(select(UpdateLog).where(col(UpdateLog.source).in_(["done", "button"]))).all()
        return [(r.unit_id, r.count) for r in rows]


def test_a_webmasters_done_counts_for_their_own_unit(engine, world, judge):
    result = done(engine, judge, FINANCE, ["首页/部门动态"])
    assert isinstance(result, Logged)
    (logged,) = result.items
    assert (logged.for_unit, logged.on_behalf_of) == ("市财政局", ())
    # The confirmation tells the unit's own share: done for this week, next due in a week.
    assert (logged.state, logged.due_on) == (
        State.FRESH.value,
        NOW.astimezone(SHANGHAI).date().replace(day=25),
    )
    text = fmt.done(result, NOW.astimezone(SHANGHAI).date(), SHANGHAI).text
    assert "首页 / 部门动态（计入市财政局）" in text and "正常" in text
    assert counted(engine) == [(world.units["市财政局"], 1)]
    assert isinstance(tap(engine, judge, FINANCE, world.items[NEWS]), Logged)
    assert counted(engine)[-1] == (world.units["市财政局"], 1)


def test_an_administrator_names_the_unit_or_is_asked_to(engine, world, judge):
    asked = done(engine, judge, ADMIN, ["首页/部门动态"])
    assert asked == NameTheUnit(NEWS, UNITS)
    text = fmt.done(asked, NOW.date(), SHANGHAI).text
    assert (
        "请注明这次更新计入哪个单位" in text
        and "/done 部门动态 市政府办公室" in text
        and "本次未登记" in text
    )
    assert counted(engine) == []  # nothing logged, nothing lost: the same words with a unit log it

    result = done(engine, judge, ADMIN, ["首页/部门动态", "市教育局", "3"])
    assert isinstance(result, Logged)
    (logged,) = result.items
    assert (logged.for_unit, logged.on_behalf_of, logged.count) == ("市教育局", ("市教育局",), 3)
    assert "（代市教育局登记）" in fmt.done(result, NOW.date(), SHANGHAI).text
    assert counted(engine) == [(world.units["市教育局"], 3)]

    # A button under a reminder cannot say which unit: the administrator is told how to.
    tapped = tap(engine, judge, ADMIN, world.items[NEWS])
    assert isinstance(tapped, NameTheUnit)
    alert, line = fmt.button(tapped, "王主任", SHANGHAI)
    assert alert.alert and "/done 部门动态" in alert.text and line is None


def test_someone_of_two_units_names_one_and_nobody_logs_for_a_unit_not_theirs(engine, world, judge):
    assert done(engine, judge, BOTH, ["首页/部门动态"]) == NameTheUnit(NEWS, ("市教育局", "市财政局"))
    result = done(engine, judge, BOTH, ["首页/部门动态", "市教育局"])
    assert isinstance(result, Logged) and result.items[0].for_unit == "市教育局"
    assert done(engine, judge, FINANCE, ["首页/部门动态", "市教育局"]) == NotYours(NEWS, ("市教育局",))
    # A word that names no unit of the item is the note, as for any item.
    noted = done(engine, judge, FINANCE, ["首页/部门动态", "已发布"])
    assert isinstance(noted, Logged) and (noted.items[0].note, noted.items[0].for_unit) == (
        "已发布",
        "市财政局",
    )
    assert counted(engine) == [(world.units["市教育局"], 1), (world.units["市财政局"], 1)]
