"""The routine's snapshot judges items with the same facts as the stored schedule (`storage.items`), as of
the snapshot's own moment: a preview of an earlier minute does not see a later update."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from domain.model import State
from storage.db import session_scope
from storage.items import Judge, refresh_all, refresh_stale
from storage.models import Item
from storage.routine import gather
from tests.conftest import at
from tests.routine.conftest import add_item, build_world, log

BUDGET = "政务公开 / 财政预决算"
EDU_NEWS = "政务公开 / 教育动态"


def test_the_snapshot_and_the_stored_schedule_agree_as_of_their_moment(engine: Engine, judge: Judge) -> None:
    world = build_world(engine)
    created = at("2026-09-21 09:00")
    add_item(engine, world, judge, BUDGET, "2周内更新", "市财政局", created, last_update=False)
    add_item(engine, world, judge, EDU_NEWS, "每周更新", "市教育局", created, last_update=False)
    log(engine, world, judge, EDU_NEWS, at("2026-10-12 10:00"), person="edu")
    for moment, edu_state in ((at("2026-10-12 09:00"), State.OVERDUE), (at("2026-10-12 11:00"), State.FRESH)):
        with session_scope(engine) as s:
            snap = gather(s, world.site_id, judge, moment)
            refresh_all(s, judge, moment, s.exec(select(Item).order_by(col(Item.id))).all())
            stored = {i.id: i for i in s.exec(select(Item))}
            for view in snap.items:
                row = stored[view.id]
                assert (row.state, row.due_on, row.warn_on, row.days_late, row.missing) == (
                    view.state.value,
                    view.due_on,
                    view.warn_on,
                    view.days_late,
                    view.missing,
                )
            edu = next(v for v in snap.items if v.id == world.items[EDU_NEWS])
            assert edu.state is edu_state
            assert (stored[edu.id].last_update_at is not None) == (edu_state is State.FRESH)
            s.rollback()


def test_the_snapshot_takes_the_rows_the_refresh_read_and_reads_the_others(
    engine: Engine, judge: Judge
) -> None:
    world = build_world(engine)
    add_item(engine, world, judge, BUDGET, "2周内更新", "市财政局", at("2026-09-21 09:00"))
    moment = at("2026-10-12 09:00")
    with session_scope(engine) as s:
        refreshed = refresh_stale(s, judge, moment, world.site_id)
    assert set(refreshed.rows) == {world.items[BUDGET]}
    # Added since, and stored as judged today: the daily refresh did not read it, the snapshot reads it.
    add_item(engine, world, judge, EDU_NEWS, "每周更新", "市教育局", moment)
    with session_scope(engine) as s:
        handed = gather(s, world.site_id, judge, moment, judged=refreshed)
        alone = gather(s, world.site_id, judge, moment)
    assert [v.id for v in handed.items] == [world.items[BUDGET], world.items[EDU_NEWS]]
    assert handed == alone
