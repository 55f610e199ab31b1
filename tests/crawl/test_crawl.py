"""The scheduled website reading: readings are kept, new dates are logged, doubt logs nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from domain.model import State
from jobs.crawl import crawl
from storage.db import session_scope
from storage.items import log_update, set_rule
from storage.models import Item, ItemUnit, PageRead, Site, Unit, UpdateLog
from storage.reads import MarkedWrong, clear_wrong, mark_wrong, readings, record_reading
from tests.conftest import at
from tests.support.local_site import NOT_FOUND, Answer, LocalSite
from webread.extract import PageReading
from webread.fetch import Reader

LIST = """<html><head><meta charset="utf-8"><title>部门动态</title></head><body>
<div class="top">今天是2026年11月23日 星期一</div>
<ul class="list">{rows}</ul><div class="foot">©2026 楚雄市人民政府 滇ICP备05001234号</div></body></html>"""
ROW = '<li><a href="/a/{n}.html">关于做好第{n}项工作的通知</a><span class="date">{d}</span></li>'

PAGES: dict[str, tuple[int, str]] = {
    "/fresh": (
        200,
        LIST.format(
            rows="".join(
                ROW.format(n=n, d=d)
                for n, d in enumerate(["2026-11-20", "2026-11-18", "2026-11-02", "2026-10-30"])
            )
        ),
    ),
    "/empty": (200, LIST.format(rows="<li>暂无信息</li>")),
    "/nodates": (200, LIST.format(rows="".join(f'<li><a href="/x{n}">栏目{n}</a></li>' for n in range(6)))),
    "/gone": (404, "<html><body>404 Not Found</body></html>"),
}


@pytest.fixture
def site_url() -> Iterator[str]:
    with LocalSite(lambda method, path: Answer(*PAGES[path]) if path in PAGES else NOT_FOUND) as site:
        yield site.base


def _seed(engine, judge, base: str) -> dict[str, int]:
    created = at("2026-09-01 09:00")
    ids = {}
    with session_scope(engine) as s:
        site = Site(name="楚雄市人民政府网站", created_at=created)
        s.add(site)
        s.flush()
        unit = Unit(site_id=site.id, name="市政府办公室", created_at=created)
        s.add(unit)
        s.flush()
        for name in ("fresh", "empty", "nodates", "gone"):
            item = Item(
                site_id=site.id,
                kind="column",
                key=f"column:首页/{name}",
                name=name,
                path=f"首页 / {name}",
                level1="首页",
                level2=name,
                url=f"{base}/{name}",
                category="news",
                created_at=created,
            )
            s.add(item)
            s.flush()
            s.add(ItemUnit(item_id=item.id, unit_id=unit.id, lead=True))
            set_rule(s, created, judge, item, "2周内更新")
            ids[name] = item.id
    return ids


async def test_it_reads_every_column_and_logs_only_dates_it_trusts(engine, judge, site_url):
    ids = _seed(engine, judge, site_url)
    now = at("2026-11-23 06:30")
    async with Reader(host_delay=0, timeout=5) as reader:
        summary = await crawl(engine, judge, now, reader=reader)

    assert summary.read == 4
    assert summary.logged == 1
    assert dict(summary.by_status) == {"ok": 1, "empty": 1, "unknown": 1, "broken": 1}
    with session_scope(engine) as s:
        fresh = s.get(Item, ids["fresh"])
        assert fresh.last_update_source == "website"
        assert judge.local_day(fresh.last_update_at).isoformat() == "2026-11-20"
        assert fresh.state == State.FRESH
        assert fresh.due_on.isoformat() == "2026-12-04"
        nodates = s.get(Item, ids["nodates"])
        assert nodates.last_update_at is None  # unknown: nothing logged
        assert nodates.read_status == "unknown"
        assert s.get(Item, ids["empty"]).read_status == "empty"
        assert s.get(Item, ids["gone"]).read_status == "broken"
        assert len(s.exec(select(PageRead)).all()) == 4
        history = readings(s, ids["gone"])
        assert history[0].status == "broken" and "404" in history[0].reason


async def test_it_does_not_log_the_same_website_date_twice(engine, judge, site_url):
    ids = _seed(engine, judge, site_url)
    async with Reader(host_delay=0, timeout=5) as reader:
        await crawl(engine, judge, at("2026-11-23 06:30"), reader=reader, item_ids=[ids["fresh"]])
        second = await crawl(engine, judge, at("2026-11-24 06:30"), reader=reader, item_ids=[ids["fresh"]])
    assert second.logged == 0
    with session_scope(engine) as s:
        logs = s.exec(select(UpdateLog).where(UpdateLog.item_id == ids["fresh"])).all()
        assert [log.source for log in logs] == ["website"]
        assert len(readings(s, ids["fresh"])) == 2


def test_it_keeps_a_later_done_over_an_older_website_date(engine, judge, site_url):
    ids = _seed(engine, judge, site_url)
    now = at("2026-11-23 10:00")
    with session_scope(engine) as s:
        item = s.get(Item, ids["fresh"])
        log_update(s, at("2026-11-22 18:00"), judge, item, source="done")
        read = record_reading(
            s,
            now,
            judge,
            item,
            item.url,
            PageReading("ok", datetime(2026, 11, 20, tzinfo=UTC).date(), 4, ""),
        )
        assert read.logged_update_id is None
        assert item.last_update_source == "done"


def test_it_never_logs_a_future_date(engine, judge, site_url):
    ids = _seed(engine, judge, site_url)
    with session_scope(engine) as s:
        item = s.get(Item, ids["fresh"])
        read = record_reading(
            s,
            at("2026-11-23 10:00"),
            judge,
            item,
            item.url,
            PageReading("ok", datetime(2026, 11, 30).date(), 3, ""),
        )
        assert read.logged_update_id is None
        assert item.last_update_at is None


async def test_the_daily_reading_runs_once_a_day_after_its_time_and_catches_up(engine, judge, site_url):
    from datetime import time

    from jobs.crawl import crawl_if_due
    from storage.models import RoutineRun

    _seed(engine, judge, site_url)
    async with Reader(host_delay=0, timeout=5) as reader:

        async def run(moment: str):
            return await crawl_if_due(engine, at(moment), tz=judge.tz, at=time(6, 30), reader=reader)

        assert await run("2026-11-23 06:00") is None  # not yet
        first = await run("2026-11-23 10:30")  # the bot was down at 06:30: caught up
        assert first is not None and first.read == 4
        assert await run("2026-11-23 11:00") is None  # once a day
        assert (await run("2026-11-24 06:31")).read == 4  # the next day, holiday or not
    with session_scope(engine) as s:
        runs = s.exec(select(RoutineRun).where(RoutineRun.slot == "crawl")).all()
        assert sorted(r.day.isoformat() for r in runs) == ["2026-11-23", "2026-11-24"]


async def test_a_reading_keeps_what_the_page_said(engine, judge, site_url):
    ids = _seed(engine, judge, site_url)
    fetched = at("2026-11-23 06:31")
    async with Reader(host_delay=0, timeout=5, clock=lambda: fetched) as reader:
        await crawl(
            engine, judge, at("2026-11-23 06:30"), reader=reader, item_ids=[ids["fresh"], ids["gone"]]
        )
    with session_scope(engine) as s:
        ok = readings(s, ids["fresh"])[0]
        assert (ok.http_status, ok.fetched_at, ok.newest_title) == (200, fetched, "关于做好第0项工作的通知")
        assert ok.newest_link == f"{site_url}/a/0.html"
        gone = readings(s, ids["gone"])[0]
        assert (gone.http_status, gone.newest_title, gone.newest_link) == (404, "", "")


async def test_a_reading_marked_wrong_is_taken_back_and_its_page_logs_nothing_until_cleared(
    engine, judge, site_url
):
    ids = _seed(engine, judge, site_url)
    async with Reader(host_delay=0, timeout=5) as reader:
        await crawl(engine, judge, at("2026-11-21 06:30"), reader=reader, item_ids=[ids["fresh"]])
        with session_scope(engine) as s:
            item = s.get(Item, ids["fresh"])
            marked = mark_wrong(s, at("2026-11-21 10:00"), judge, item, person_id=None, note="置顶文章")
            assert isinstance(marked, MarkedWrong) and marked.undone
            assert item.last_update_at is None  # the website log was taken back (and kept, undone)
            assert sorted(u.source for u in s.exec(select(UpdateLog))) == ["undo", "website"]
        held = await crawl(engine, judge, at("2026-11-23 06:30"), reader=reader, item_ids=[ids["fresh"]])
        assert (held.logged, held.held) == (0, ["首页 / fresh"])
        with session_scope(engine) as s:
            assert readings(s, ids["fresh"])[0].held
            assert (
                clear_wrong(s, at("2026-11-23 08:00"), s.get(Item, ids["fresh"]), person_id=None).count == 1
            )
        again = await crawl(engine, judge, at("2026-11-24 06:30"), reader=reader, item_ids=[ids["fresh"]])
    assert again.logged == 1 and again.held == []
    with session_scope(engine) as s:
        assert s.get(Item, ids["fresh"]).state == State.FRESH
