"""A duty held by each contributing unit (各部门每周不少于1条): each unit's update counts for that unit,
and the one judgement gives every unit its own state and shortfall."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from domain.model import State
from replies import format as fmt
from storage.db import session_scope
from storage.items import contributing_units, judge_items, log_update, refresh_stale, set_rule, undo_last
from storage.models import UpdateLog
from storage.queries import (
    OverdueView,
    Speaker,
    actor_for,
    late_summary,
    overdue_items,
    overdue_list,
    overdue_view,
    summarise,
)
from tests.bot.seed import add_person, item, seed
from tests.conftest import at

CREATED = at("2026-11-02 09:00")  # a Monday
NOW = at("2026-11-18 09:00")  # Wednesday of the third week
NEWS = "首页 / 部门动态"  # 市政府办公室 and 市属各部门 (市财政局, 市教育局)


def test_each_units_update_counts_for_that_unit_and_each_unit_has_its_own_state(engine, judge):
    world = seed(engine, judge, CREATED, now=CREATED)
    finance = add_person(engine, CREATED, 2003, "赵财", [("市财政局", "webmaster")], world)
    office = add_person(engine, CREATED, 2002, "王小明", [("市政府办公室", "webmaster")], world)
    units = {name: world.units[name] for name in ("市政府办公室", "市财政局", "市教育局")}
    with session_scope(engine) as s:
        set_rule(s, CREATED, judge, item(s, world, NEWS), "各部门每周不少于1条")
        # The group 市属各部门 stands for its members.
        assert set(contributing_units(s, [world.items[NEWS]])[world.items[NEWS]]) == set(units.values())
        for day in ("2026-11-03", "2026-11-10", "2026-11-17"):
            log_update(s, at(f"{day} 10:00"), judge, item(s, world, NEWS), source="done", person_id=finance)
        log_update(s, at("2026-11-04 10:00"), judge, item(s, world, NEWS), source="done", person_id=office)
    with session_scope(engine) as s:
        logs = s.exec(select(UpdateLog.unit_id, UpdateLog.person_id).where(UpdateLog.source == "done")).all()
        assert {(u, p) for u, p in logs} == {(units["市财政局"], finance), (units["市政府办公室"], office)}
        row = item(s, world, NEWS)
        status = judge_items(s, [row], judge, NOW)[row.id]
        by_unit = {u.unit_id: (u.state, u.due, u.days_late, u.missing) for u in status.units}
        # "不少于1条" a week is at most a week between a unit's items (the one meaning of "at least once").
        assert by_unit == {
            units["市财政局"]: (State.FRESH, date(2026, 11, 24), 0, 0),
            units["市政府办公室"]: (State.OVERDUE, date(2026, 11, 11), 7, 0),
            units["市教育局"]: (State.OVERDUE, date(2026, 11, 2), 16, 0),  # nothing since the list began
        }
        assert status.units[0].unit_id == units["市教育局"]  # worst first
        assert (status.state, status.days_late, status.unknown) == (State.OVERDUE, 16, False)


def test_a_log_for_another_unit_or_by_someone_of_two_units_counts_as_said(engine, judge):
    world = seed(engine, judge, CREATED, now=CREATED)
    admin = add_person(engine, CREATED, 1001, "李管", [(None, "admin")], world)
    both = add_person(
        engine, CREATED, 2009, "两头", [("市财政局", "webmaster"), ("市教育局", "webmaster")], world
    )
    edu = world.units["市教育局"]
    with session_scope(engine) as s:
        set_rule(s, CREATED, judge, item(s, world, NEWS), "各部门每周不少于1条")
        # An administrator logging on behalf of a unit names it; someone of two contributing units must too.
        named = log_update(
            s,
            at("2026-11-17 10:00"),
            judge,
            item(s, world, NEWS),
            source="done",
            person_id=admin,
            unit_id=edu,
        )
        unnamed = log_update(
            s, at("2026-11-17 11:00"), judge, item(s, world, NEWS), source="done", person_id=both
        )
        assert (named.unit_id, unnamed.unit_id) == (edu, None)
    with session_scope(engine) as s:
        row = item(s, world, NEWS)
        mine = {u.unit_id: u.state for u in judge_items(s, [row], judge, NOW)[row.id].units}
        assert mine[edu] is State.FRESH and mine[world.units["市财政局"]] is State.OVERDUE
        # /undo takes the unit's update back: the unit is as it was.
        undone = undo_last(s, at("2026-11-17 10:05"), judge, admin)
        assert [u.unit_id for u in undone] == [edu]
    with session_scope(engine) as s:
        row = item(s, world, NEWS)
        mine = {u.unit_id: u.state for u in judge_items(s, [row], judge, NOW)[row.id].units}
        assert mine[edu] is State.OVERDUE


def test_overdue_counts_a_per_unit_duty_for_the_units_late_with_their_own_share(engine, judge):
    """A county's /overdue is counted from the stored schedule (`late_summary`), but a per-unit duty's stored
    state is its worst unit's: 市政府办公室 has done its share, only 市属各部门 (for 市教育局) is late
    with it."""
    world = seed(engine, judge, CREATED, now=CREATED)
    finance = add_person(engine, CREATED, 2003, "赵财", [("市财政局", "webmaster")], world)
    office = add_person(engine, CREATED, 2002, "王小明", [("市政府办公室", "webmaster")], world)
    add_person(engine, CREATED, 1001, "李管", [(None, "admin")], world)
    with session_scope(engine) as s:
        set_rule(s, CREATED, judge, item(s, world, NEWS), "各部门每周不少于1条")
        for person in (finance, office):
            log_update(
                s, at("2026-11-17 10:00"), judge, item(s, world, NEWS), source="done", person_id=person
            )
    with session_scope(engine) as s:
        refresh_stale(s, judge, NOW, world.site_id)  # the daily pass: today's schedule stored
    with session_scope(engine) as s:
        row = item(s, world, NEWS)
        assert (row.per_unit, row.state, row.state_on) == (True, State.OVERDUE, NOW.date())
        whole = overdue_items(s, judge, NOW, None)
        summary = late_summary(s, judge, NOW, None)
        assert summary == summarise(whole)
        late_with = {u.unit for u in whole for i in u.items if i.item_id == row.id}
        assert late_with == {"市属各部门"}
        # 市政府办公室's one late item is its account, not this column.
        assert {u.unit: u.items for u in summary.units} == {"市属各部门": 1, "市政府办公室": 1, "市教育局": 1}
        # Asked as the administrator with a short list allowed, /overdue answers with the counts alone.
        view = overdue_view(s, NOW, actor_for(s, Speaker(1001), [1001]), judge, None, listed=0)
        assert isinstance(view, OverdueView) and view.summary == summary and view.units == ()
        assert overdue_list(s, NOW, actor_for(s, Speaker(1001), [1001]), judge, None) == whole
    text = fmt.overdue(view).text
    # The longest late are named with their unit, as a list line is under its unit's heading.
    assert (
        "• 微信公众号 / 楚雄发布（市政府办公室） — 逾期 9 天（期限 11月9日（周一）） — 网站维护员：王小明"
        in text
    )
    assert "• 市属各部门 1 项（最久逾期 16 天）" in text and "• 市政府办公室 1 项（最久逾期 9 天）" in text
