"""`item.sole_unit_id`, the one unit of an item linked to exactly one, is kept by the database from the links
(migration 0029's triggers) however they change; /overdue's counts on a province's site read it, and join the
links of the items with several units."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from storage.db import insert_all, session_scope
from storage.items import refresh_stale
from storage.models import Item, ItemUnit
from storage.queries import late_summary, overdue_items, summarise
from tests.bot.seed import item, seed
from tests.conftest import at

CREATED = at("2026-11-02 09:00")  # a Monday
NOW = at("2026-11-18 09:00")
SHARED = "首页 / 部门动态"  # linked to 市政府办公室 and 市属各部门 (2周内更新: not a per-unit duty)
EDU = "政务公开 / 部门信息 / 部门动态"  # 市教育局 alone


def _sole_units(s: Session) -> dict[int, int | None]:
    return {i: u for i, u in s.exec(select(Item.id, Item.sole_unit_id))}  # type: ignore[call-overload]


def _from_links(s: Session) -> dict[int, int | None]:
    """What the column must say, from the links themselves."""
    links: dict[int, list[int]] = {}
    for item_id, unit_id in s.exec(select(ItemUnit.item_id, ItemUnit.unit_id)):  # type: ignore[call-overload]
        links.setdefault(item_id, []).append(unit_id)
    return {i: (links[i][0] if len(links.get(i, ())) == 1 else None) for i in _sole_units(s)}


def test_the_sole_unit_follows_every_change_to_the_links(engine: Engine, judge) -> None:
    world = seed(engine, judge, CREATED, now=CREATED)
    shared, edu = world.items[SHARED], world.items[EDU]
    office, finance = world.units["市政府办公室"], world.units["市财政局"]
    with session_scope(engine) as s:
        sole = _sole_units(s)
        assert sole == _from_links(s)
        assert sole[shared] is None and sole[edu] == world.units["市教育局"]
    with session_scope(engine) as s:  # one of two links removed (the ORM's own delete): the other remains
        s.delete(s.get(ItemUnit, (shared, world.units["市属各部门"])))
    with session_scope(engine) as s:
        assert _sole_units(s)[shared] == office
    with session_scope(engine) as s:  # a second link, by the import's batched INSERT
        insert_all(s, ItemUnit, [{"item_id": shared, "unit_id": finance, "lead": False, "role": "helper"}])
    with session_scope(engine) as s:
        assert _sole_units(s)[shared] is None
    with session_scope(engine) as s:  # a link moved to another unit (as a merge moves them)
        s.execute(update(ItemUnit).where(col(ItemUnit.item_id) == edu).values(unit_id=finance))
    with session_scope(engine) as s:
        assert _sole_units(s)[edu] == finance
    notice = world.items["政务公开 / 通知公告"]  # 市政府办公室 alone
    with session_scope(engine) as s:  # a link moved to another item: one item loses its unit, one gains one
        moved = (col(ItemUnit.item_id) == notice, col(ItemUnit.unit_id) == office)
        s.execute(update(ItemUnit).where(*moved).values(item_id=edu))
    with session_scope(engine) as s:
        sole = _sole_units(s)
        assert sole == _from_links(s)
        assert (sole[edu], sole[notice]) == (None, None)
    with session_scope(engine) as s:  # every link gone
        s.execute(delete(ItemUnit).where(col(ItemUnit.item_id) == edu))
    with session_scope(engine) as s:
        assert _sole_units(s)[edu] is None
        assert _sole_units(s) == _from_links(s)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_transactions_linking_one_item_at_once_leave_it_with_no_sole_unit(engine: Engine, judge) -> None:
    """Each transaction alone sees one link; the trigger locks the item's row first, so that the second
    counts again once the first has committed."""
    world = seed(engine, judge, CREATED, now=CREATED)
    lone = world.items["政务公开 / 通知公告"]  # 市政府办公室 alone
    links = ItemUnit.__table__  # type: ignore[attr-defined]
    with session_scope(engine) as s:
        s.execute(delete(ItemUnit).where(col(ItemUnit.item_id) == lone))
    done = threading.Event()

    def second() -> None:
        with engine.begin() as conn:
            conn.execute(links.insert().values(item_id=lone, unit_id=world.units["市教育局"]))
        done.set()

    with engine.connect() as first:
        with first.begin():
            first.execute(links.insert().values(item_id=lone, unit_id=world.units["市财政局"]))
            thread = threading.Thread(target=second, daemon=True)
            thread.start()
            _wait_for_a_lock_wait(engine)  # the second waits for the first's lock on the item's row
            assert not done.is_set()
        # The first has committed: the second goes on, and counts both links.
        thread.join(timeout=30)
    assert done.is_set()
    with Session(engine) as s:
        assert _sole_units(s)[lone] is None
        assert _sole_units(s) == _from_links(s)


def test_overdue_counts_items_of_several_units_for_each_from_the_stored_schedule(
    engine: Engine, judge
) -> None:
    """The shared column is late for both its units; each unit's count and the total say so, whether
    asked for every unit or for one, and naming one or ten items."""
    world = seed(engine, judge, CREATED, now=CREATED)
    with session_scope(engine) as s:
        refresh_stale(s, judge, NOW, world.site_id)  # the daily pass: today's schedule stored
    with session_scope(engine) as s:
        shared = item(s, world, SHARED)
        assert (shared.sole_unit_id, shared.state_on, shared.per_unit) == (None, NOW.date(), False)
        whole = overdue_items(s, judge, NOW, None)
        late_with = {u.unit for u in whole for i in u.items if i.item_id == shared.id}
        assert late_with == {"市政府办公室", "市属各部门"}
        assert len({i.item_id for u in whole for i in u.items}) >= 3  # items of one unit are late too
        for scope in (None, *(frozenset({u}) for u in world.units.values())):
            part = overdue_items(s, judge, NOW, scope)
            for named in (1, 10):
                assert late_summary(s, judge, NOW, scope, named) == summarise(part, named), (scope, named)
        counts = {u.unit: u.items for u in late_summary(s, judge, NOW, None).units}
        assert counts["市属各部门"] == 1 and counts["市政府办公室"] >= 2


def _wait_for_a_lock_wait(engine: Engine) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            ).scalar()
        if waiting:
            return
        time.sleep(0.01)
    pytest.fail("the second transaction never waited for the first")
