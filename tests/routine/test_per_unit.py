"""A duty held by each contributing unit (各部门每周不少于1条): the routine tells each unit's group about its
own share, naming the unit, and a whole view names every unit that still owes its share."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.engine import Engine

from domain.model import State
from domain.routine import plan
from storage.db import session_scope
from storage.items import Judge
from storage.models import ItemUnit
from storage.routine import gather
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import EDU_CHAT, FIN_CHAT, add_item, build_world, log

CREATED = at("2026-11-02 09:00")  # a Monday
NEWS = "首页 / 部门动态"


def test_each_units_group_is_told_its_own_share(engine: Engine, judge: Judge) -> None:
    world = build_world(engine, CREATED)
    item_id = add_item(engine, world, judge, NEWS, "各部门每周不少于1条", "市财政局", CREATED)
    with session_scope(engine) as s:
        s.add(ItemUnit(item_id=item_id, unit_id=world.units["市教育局"], lead=True))
    fin, edu = world.units["市财政局"], world.units["市教育局"]
    for day in ("2026-11-03", "2026-11-10", "2026-11-17"):
        log(engine, world, judge, NEWS, at(f"{day} 10:00"), person="fin")
    log(engine, world, judge, NEWS, at("2026-11-09 10:00"), person="edu")

    now = at("2026-11-18 17:00")  # Wednesday: every slot of the day is due
    with session_scope(engine) as s:
        snap = gather(s, world.site_id, judge, now)
    view = next(v for v in snap.items if v.id == item_id)
    # The whole view: as urgent as its most urgent unit, with every unit's own share.
    assert (view.state, view.days_late) == (State.OVERDUE, 2)
    assert [(u.name, u.state, u.days_late) for u in view.shares] == [
        ("市教育局", State.OVERDUE, 2),
        ("市财政局", State.FRESH, 0),
    ]
    assert [u.unit_id for u in view.shortfalls] == [edu]
    assert view.seen_by((fin,)).state is State.FRESH
    assert view.seen_by((edu,)).days_late == 2

    planned = plan(replace(snap, done_slots=frozenset()), now.astimezone(SHANGHAI), judge.calendar)
    to = {
        chat: [p for p in planned if p.to.chat_id == chat and item_id in p.item_ids]
        for chat in (FIN_CHAT, EDU_CHAT)
    }
    # 市教育局's group is told it is late, naming the unit; 市财政局's group reads its own share as done.
    assert {p.kind for p in to[EDU_CHAT]} >= {"daily_read", "overdue"}
    overdue = next(p for p in to[EDU_CHAT] if p.kind == "overdue")
    assert f"{NEWS}（市教育局）" in overdue.text and "已逾期2天" in overdue.text
    assert item_id in overdue.asks
    assert {p.kind for p in to[FIN_CHAT]} == {"daily_read"}
    (daily,) = to[FIN_CHAT]
    assert f"{NEWS}（市财政局） — 正常" in daily.text
    # The administrators' digest names the unit that owes its share, not the one that has done it.
    assert not any(p.kind == "escalation" and "市财政局】" in p.text and NEWS in p.text for p in planned)
