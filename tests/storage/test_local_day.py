"""The local day of a stored instant on both sides of Shanghai's midnight, on SQLite and PostgreSQL: 15:59:59Z
is 23:59:59 on Monday 16 November, 16:00:00Z midnight of Tuesday the 17th. The passes over a site's items
read instants as the driver hands them and convert each distinct one once (`storage.items.Instants`); every
one of them must give the day, and the moment, that the column's own type gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from storage.db import session_scope
from storage.items import (
    item_facts,
    judge_items,
    judge_pages,
    live_items,
    log_update,
    refresh_stale,
    set_rule,
)
from storage.models import Item
from storage.routine import gather
from storage.score import item_views
from tests.bot.seed import item, seed

LAST = datetime(2026, 11, 16, 15, 59, 59, tzinfo=UTC)  # Monday 23:59:59 in Shanghai
FIRST = LAST + timedelta(seconds=1)  # Tuesday 00:00:00
MONDAY, TUESDAY = date(2026, 11, 16), date(2026, 11, 17)
NOW = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)  # Wednesday 09:00
BEFORE = "政务公开 / 通知公告"  # logged at LAST, created at LAST
AFTER = "首页 / 部门动态"  # logged at FIRST, created at FIRST
QUOTA = "互动交流 / 意见征集"  # 每年不少于6次: logged at both


def test_instants_either_side_of_midnight_read_as_their_local_days(engine, judge):
    world = seed(engine, judge, LAST - timedelta(days=30), now=LAST - timedelta(days=30))
    before, after, quota = (world.items[p] for p in (BEFORE, AFTER, QUOTA))
    with session_scope(engine) as s:
        s.execute(update(Item).where(col(Item.id) == after).values(created_at=FIRST))
        s.execute(update(Item).where(col(Item.id) == before).values(created_at=LAST))
        log_update(s, NOW, judge, item(s, world, BEFORE), source="done", at=LAST)
        log_update(s, NOW, judge, item(s, world, AFTER), source="done", at=FIRST)
        log_update(s, NOW, judge, item(s, world, QUOTA), source="done", at=LAST)
        log_update(s, NOW, judge, item(s, world, QUOTA), source="done", at=FIRST)
    newest = {before: MONDAY, after: TUESDAY, quota: TUESDAY}
    with session_scope(engine) as s:
        live = {i.id: i for i in live_items(s, col(Item.site_id) == world.site_id)}
        assert (live[before].created_at, live[after].created_at) == (LAST, FIRST)
        assert live[after].created_at.tzinfo is not None
        judged = judge_items(s, list(live.values()), judge, NOW)
        assert {i: judged.newest[i] for i in newest} == newest
        facts = {i: item_facts(s, s.get(Item, i), judge, NOW) for i in newest}
        assert (facts[before].created, facts[after].created) == (MONDAY, TUESDAY)
        assert facts[quota].recent_updates[-2:] == ((MONDAY, 1), (TUESDAY, 1))  # after the seed's import
        paged = {i: j.newest[i] for _, j in judge_pages(s, judge, NOW) for i in newest if i in j}
        assert paged == newest
    with session_scope(engine) as s:
        s.execute(update(Item).values(state_on=None))  # all stale: the daily pass reads every item
    with session_scope(engine) as s:
        refreshed = refresh_stale(s, judge, NOW, world.site_id)
        assert {i: refreshed.newest[i] for i in newest} == newest
        assert refreshed.rows[after].created_at == FIRST
    with session_scope(engine) as s:
        stored = dict(s.exec(select(Item.id, Item.last_update_at).where(col(Item.id).in_(newest))).all())
        assert stored == {before: LAST, after: FIRST, quota: FIRST}
        snap = gather(s, world.site_id, judge, NOW, updates_since=MONDAY)
        assert {u for u in snap.updates if u[0] in newest} == {
            (before, MONDAY),
            (after, TUESDAY),
            (quota, MONDAY),
            (quota, TUESDAY),
        }
        views = {v.id: v for v in item_views(s, NOW, judge, world.site_id)}
        assert (views[before].created, views[after].created) == (MONDAY, TUESDAY)
        assert (views[before].last_update, views[after].last_update) == (MONDAY, TUESDAY)
        assert views[quota].updates[-2:] == ((MONDAY, 1), (TUESDAY, 1))


def test_a_page_of_ids_reads_the_year_of_logs_only_for_the_items_that_count_them(engine, judge):
    """The page's ids are read as one range (`storage.db.among`), which takes in every item's logs: an item
    judged from its newest log alone (6个月内更新) keeps no year of updates, a quota (每年不少于6次) keeps its
    own, so that equal facts stay equal (they are judged once)."""
    from storage.items import _facts

    world = seed(engine, judge, LAST - timedelta(days=30), now=LAST - timedelta(days=30))
    budget = "政务公开 / 重点领域信息公开 / 财政预决算"
    plain, quota = world.items[BEFORE], world.items[QUOTA]
    assert world.items[budget] < plain < quota  # the quotas' ids are one range with the plain item inside
    with session_scope(engine) as s:
        set_rule(s, NOW, judge, item(s, world, budget), "每年不少于6次")
        for path in (BEFORE, QUOTA):
            log_update(s, NOW, judge, item(s, world, path), source="done", at=LAST)
    with session_scope(engine) as s:
        page = list(live_items(s, col(Item.site_id) == world.site_id))
        facts, _latest = _facts(s, page, judge, NOW)
    assert facts[plain].recent_updates == () and facts[plain].last_update == MONDAY
    assert facts[quota].recent_updates[-1][0] == MONDAY


def test_a_zone_s_steady_offset_is_found_where_it_holds_and_nowhere_else():
    """`steady_offset`: Shanghai has kept +8 since its last summer time ended in September 1991; Berlin
    changes its clocks on the last Sunday of March, so a window across it has no one offset."""
    from zoneinfo import ZoneInfo

    from storage.items import steady_offset

    shanghai, berlin = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")
    eight = timedelta(hours=8)
    assert steady_offset(shanghai, date(2025, 10, 1), TUESDAY) == (date(2025, 10, 1), eight)
    start, offset = steady_offset(shanghai, None, TUESDAY)
    assert offset == eight and date(1991, 9, 1) < start < date(1991, 10, 1)
    assert steady_offset(shanghai, date(1991, 1, 1), TUESDAY) is None  # summer time (UTC+9) until September
    assert steady_offset(berlin, date(2026, 3, 1), date(2026, 3, 28)) == (
        date(2026, 3, 1),
        timedelta(hours=1),
    )
    assert steady_offset(berlin, date(2026, 3, 1), date(2026, 4, 30)) is None
    assert steady_offset(berlin, None, date(2026, 4, 30)) == (date(2026, 3, 30), timedelta(hours=2))


def test_the_day_read_in_the_database_is_the_day_read_here_in_any_zone(engine, judge):
    """`Instants.days` (the day computed by the database, when the zone's offset holds through the read's
    window) gives each instant the day `Instants.day` gives it, on both sides of midnight; in a zone that
    changes its clocks within the window (Berlin's March), and for an instant older than the zone's steady
    offset (Shanghai's summer time of 1990, UTC+9), each is converted here instead."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select as sa_select

    from storage.items import Instants, raw
    from storage.models import UpdateLog

    moments = [
        LAST,
        FIRST,
        datetime(1990, 7, 1, 15, 30, tzinfo=UTC),  # 00:30 on 2 July in Shanghai's summer time, 23:30 in +8
        datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC),  # Berlin: 23:59:59 on Saturday (UTC+1)
        datetime(2026, 3, 29, 22, 0, tzinfo=UTC),  # Berlin: midnight of Monday 30 March (UTC+2 since Sunday)
        datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC),  # Berlin: 23:59:59 on Sunday
    ]
    world = seed(engine, judge, LAST - timedelta(days=30))
    with session_scope(engine) as s:
        for k, moment in enumerate(moments):
            s.add(
                UpdateLog(item_id=world.items[BEFORE], at=moment, logged_at=NOW, source="done", note=str(k))
            )
    until = NOW
    for zone in ("Asia/Shanghai", "Europe/Berlin"):
        tz = ZoneInfo(zone)
        with session_scope(engine) as s:
            instants = Instants(s, tz)
            mine = col(UpdateLog.note).in_([str(k) for k in range(len(moments))])
            for since in (datetime(2026, 3, 1, tzinfo=UTC), LAST - timedelta(days=1), None):
                days = instants.days(col(UpdateLog.at), since, until)
                rows = s.execute(
                    sa_select(col(UpdateLog.note), raw(col(UpdateLog.at)), days.column).where(mine)
                )
                for note, at, day in rows:
                    moment = moments[int(note)]
                    if since is not None and moment < since:
                        continue  # outside the window the caller reads
                    read = days.day(day) if day is not None else instants.day(at)
                    assert read == moment.astimezone(tz).date(), (zone, since, moment)
                    if since is None and moment.year == 1990:
                        assert day is None  # older than Shanghai's steady offset: converted here
