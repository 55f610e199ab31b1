"""Reading the website on a schedule: every column with a URL, once a day and on demand."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.due import Policy
from domain.model import ReadStatus
from domain.notice import Slot
from jobs.routine import calendar_fallback
from storage.db import session_scope
from storage.items import REFRESH_BATCH, Judge, load_calendar
from storage.links import declared, keep_links
from storage.models import Item
from storage.reads import read_at, readable_items, record_reading
from storage.routine import done_slots, record_runs, sites
from webread.extract import PageReading
from webread.fetch import Reader

log = logging.getLogger(__name__)


@dataclass
class CrawlSummary:
    read: int = 0
    logged: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (path, status, reason)
    held: list[str] = field(default_factory=list)  # pages with a newer date not logged: readings disputed


async def crawl(
    engine: Engine,
    judge: Judge,
    now: datetime,
    *,
    reader: Reader,
    unit_ids: Sequence[int] | None = None,
    item_ids: Sequence[int] | None = None,
) -> CrawlSummary:
    """Read the list page of every readable column (or of the given units/items) and record what was seen."""
    with session_scope(engine) as session:
        items = [i for i in readable_items(session, unit_ids) if item_ids is None or i.id in item_ids]
        targets = [(i.id, i.url or "") for i in items]
    today = judge.today(now)
    results = await reader.read_many([url for _, url in targets], today=today)
    summary = CrawlSummary()
    external: dict[int, frozenset[str]] = {}  # per site: its declared external addresses (外链)
    with session_scope(engine) as session:
        for item_id, url in targets:
            item = session.get(Item, item_id)
            if item is not None:
                _record(session, now, judge, item, url, results[url], external, summary)
    log.info(
        "crawl: read %d pages, logged %d updates, %s", summary.read, summary.logged, dict(summary.by_status)
    )
    return summary


def _record(
    session: Session,
    now: datetime,
    judge: Judge,
    item: Item,
    url: str,
    reading: PageReading,
    external: dict[int, frozenset[str]],
    summary: CrawlSummary,
) -> None:
    """Keep one page's reading (and the links it shows), and count it."""
    read = record_reading(session, now, judge, item, url, reading)
    if reading.links:
        site = item.site_id
        if site not in external:
            external[site] = declared(session, site)
        keep_links(session, site, item, url, judge.today(now), reading.links, external=external[site])
    summary.read += 1
    if read.held:
        summary.held.append(item.path)
    summary.by_status[reading.status] += 1
    if read.logged_update_id is not None:
        summary.logged += 1
    if reading.status in (ReadStatus.EMPTY, ReadStatus.BROKEN):
        summary.problems.append((item.path, reading.status, reading.reason))


async def read_pages(
    engine: Engine, judge: Judge, now: datetime, *, reader: Reader, item_ids: Sequence[int]
) -> CrawlSummary:
    """Read the pages of `item_ids` (those still readable) as one run of the reading recorded at `now`: each
    page's reading kept in its own transaction as soon as it is read, and a page already kept at `now`
    neither read nor kept again. So a run cut short (a queued job whose worker died, or that failed) is taken
    up again by running it again: it reads what is missing and logs each update once."""
    pages: dict[str, list[int]] = defaultdict(list)  # one request per address, kept for each item
    with session_scope(engine) as session:
        wanted = sorted(set(item_ids) - read_at(session, item_ids, now))
        for k in range(0, len(wanted), REFRESH_BATCH):
            for item in readable_items(session, item_ids=wanted[k : k + REFRESH_BATCH]):
                assert item.id is not None
                pages[item.url or ""].append(item.id)
    today = judge.today(now)
    summary = CrawlSummary()
    external: dict[int, frozenset[str]] = {}

    async def one(url: str, ids: list[int]) -> None:
        reading = await reader.read(url, today=today)
        with session_scope(engine) as session:
            for item_id in ids:
                # The item's row lock: a second run of the same job (one taken for stalled while it still
                # ran) waits here, then finds the reading kept and keeps nothing.
                item = session.get(Item, item_id, with_for_update=True)
                if item is not None and not read_at(session, [item_id], now):
                    _record(session, now, judge, item, url, reading, external, summary)

    # A task group: when one page's reading fails (an error the reader does not turn into a reading), the
    # others stop too, and no request of this run goes on behind the retry's back.
    async with asyncio.TaskGroup() as group:
        for url, ids in pages.items():
            group.create_task(one(url, ids))
    return summary


CRAWL_SLOT = Slot.CRAWL


def due_sites(engine: Engine, now: datetime, *, tz: ZoneInfo, at: time) -> dict[int, date]:
    """The sites whose daily reading is due (at or after `at` their local time, not run that day): site id
    -> its local day."""
    with session_scope(engine) as session:
        due = {}
        for site in sites(session):
            local = now.astimezone(site.zone(tz))
            if local.time() >= at and CRAWL_SLOT not in done_slots(session, site.id, local.date()):
                due[site.id] = local.date()
    return due


async def crawl_if_due(
    engine: Engine, now: datetime, *, tz: ZoneInfo, at: time, reader: Reader, policy: Policy | None = None
) -> CrawlSummary | None:
    """The daily reading: once a day, at or after `at` local time (every day: a site can go stale on a
    holiday too), caught up after downtime like the routine's slots, never twice for one day."""
    due = due_sites(engine, now, tz=tz, at=at)
    if not due:
        return None
    with session_scope(engine) as session:
        calendar = load_calendar(session, on_fallback=calendar_fallback)
    judge = Judge(tz=tz, calendar=calendar, policy=policy or Policy())
    summary = await crawl(engine, judge, now, reader=reader)
    with session_scope(engine) as session:
        for site_id, day in due.items():
            # Another process may have read the same day meanwhile: record the run once.
            if CRAWL_SLOT not in done_slots(session, site_id, day):
                record_runs(session, now, site_id, day, [CRAWL_SLOT], {CRAWL_SLOT: summary.logged})
    return summary
