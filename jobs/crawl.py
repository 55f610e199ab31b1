"""Reading the website on a schedule: every column with a URL, once a day and on demand."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from domain.due import Policy
from domain.model import ReadStatus
from domain.notice import Slot
from jobs.routine import calendar_fallback
from storage.db import session_scope
from storage.items import Judge, load_calendar
from storage.links import declared, keep_links
from storage.models import Item
from storage.reads import readable_items, record_reading
from storage.routine import done_slots, record_runs, sites
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
            reading = results[url]
            item = session.get(Item, item_id)
            if item is None:
                continue
            read = record_reading(
                session,
                now,
                judge,
                item,
                url=url,
                status=reading.status,
                newest=reading.newest,
                items=reading.items,
                reason=reading.reason,
                http_status=reading.http_status,
                fetched_at=reading.fetched_at,
                title=reading.title,
                link=reading.link,
            )
            if reading.links:
                site = item.site_id
                if site not in external:
                    external[site] = declared(session, site)
                keep_links(session, site, item, url, today, reading.links, external=external[site])
            summary.read += 1
            if read.held:
                summary.held.append(item.path)
            summary.by_status[reading.status] += 1
            if read.logged_update_id is not None:
                summary.logged += 1
            if reading.status in (ReadStatus.EMPTY, ReadStatus.BROKEN):
                summary.problems.append((item.path, reading.status, reading.reason))
    log.info(
        "crawl: read %d pages, logged %d updates, %s", summary.read, summary.logged, dict(summary.by_status)
    )
    return summary


CRAWL_SLOT = Slot.CRAWL


async def crawl_if_due(
    engine: Engine, now: datetime, *, tz: ZoneInfo, at: time, reader: Reader, policy: Policy | None = None
) -> CrawlSummary | None:
    """The daily reading: once a day, at or after `at` local time (every day: a site can go stale on a
    holiday too), caught up after downtime like the routine's slots, never twice for one day."""
    with session_scope(engine) as session:
        due = {}  # site id -> its local day, for the sites whose reading time has come and not run
        for site in sites(session):
            local = now.astimezone(site.zone(tz))
            if local.time() >= at and CRAWL_SLOT not in done_slots(session, site.id, local.date()):
                due[site.id] = local.date()
        calendar = load_calendar(session, on_fallback=calendar_fallback)
    if not due:
        return None
    judge = Judge(tz=tz, calendar=calendar, policy=policy or Policy())
    summary = await crawl(engine, judge, now, reader=reader)
    with session_scope(engine) as session:
        for site_id, day in due.items():
            # Another process may have read the same day meanwhile: record the run once.
            if CRAWL_SLOT not in done_slots(session, site_id, day):
                record_runs(session, now, site_id, day, [CRAWL_SLOT], {CRAWL_SLOT: summary.logged})
    return summary
