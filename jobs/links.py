"""The daily broken-link check, after the daily reading: the home page of each site is read for its links
(the column pages were read by the reading, which kept theirs), every address shown lately and not checked
today is checked politely (webread.linkcheck), and the dead ones are told: each unit once a day, in each of
its groups, about the links on its columns' pages; the administrators about the home page's.

Reads the clock once (`now`, the caller's). The network runs between transactions, never inside one.
Idempotent: an address is checked once a day however often this runs, and a message's key is (kind, chat,
day, unit), so a second run the same day writes nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from domain.links import FoundLink, LinkState, by_unit, home_notice, unit_notice
from domain.notice import MessageKind, Slot, make_key
from domain.wording import Style
from storage.db import session_scope
from storage.links import (
    dead_links,
    declared,
    due_links,
    keep_links,
    record_link,
    site_name,
    unit_chats,
    unit_names,
    units_of,
)
from storage.models import Site
from storage.outbox import enqueue
from storage.probes import home_of
from storage.routine import done_slots, record_runs, sites, tell_admins
from webread.fetch import Reader
from webread.linkcheck import LinkChecker, LinkOutcome

log = logging.getLogger(__name__)

LINKS_SLOT = Slot.LINKS


@dataclass(frozen=True)
class LinksConfig:
    tz: ZoneInfo  # the deployment's; a site with its own time zone keeps its own
    admin_ids: tuple[int, ...] = ()
    # each chat platform's own (a robot group takes shorter messages); Telegram's for the others
    styles: Mapping[str, Style] = field(default_factory=dict)


@dataclass
class LinksReport:
    checked: int = 0
    dead: int = 0
    homes_read: int = 0
    notices: int = 0
    untold_units: list[str] = field(default_factory=list)  # units with dead links and no group to tell


def _homes(engine: Engine, site_ids: Sequence[int] | None) -> list[tuple[int, str]]:
    with session_scope(engine) as s:
        out = []
        for ref in sites(s):
            if site_ids is not None and ref.id not in site_ids:
                continue
            site = s.get(Site, ref.id)
            assert site is not None
            home = home_of(s, site)
            if home is not None:
                out.append((ref.id, home[0]))
        return out


async def check_links(
    engine: Engine,
    now: datetime,
    *,
    reader: Reader,
    checker: LinkChecker,
    config: LinksConfig,
    site_ids: Sequence[int] | None = None,
    notify: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> LinksReport:
    """Read the home pages, check the addresses due today (of some sites only, when given), and tell the
    units and the administrators about the dead links now on their pages."""
    report = LinksReport()
    zones = await asyncio.to_thread(_zones, engine, config)
    homes = await asyncio.to_thread(_homes, engine, site_ids)
    for site_id, url in homes:
        today = now.astimezone(zones[site_id]).date()
        reading = await reader.read(url, today=today)
        report.homes_read += 1
        if reading.links:
            await asyncio.to_thread(_keep_home, engine, site_id, url, today, reading.links)

    # one day for the check: the deployment's (a site with its own zone differs by hours, not by a day's
    # worth of requests)
    today = now.astimezone(config.tz).date()
    due = await asyncio.to_thread(_due, engine, today, site_ids)
    outcomes = await checker.check_many(due, progress=progress)
    await asyncio.to_thread(_record, engine, now, today, outcomes, report)
    if notify:
        for site_id in site_ids if site_ids is not None else list(zones):
            day = now.astimezone(zones[site_id]).date()
            await asyncio.to_thread(_tell, engine, now, day, site_id, config, report)
    log.info(
        "links: read %d home pages, checked %d links, %d dead, %d notices",
        report.homes_read,
        report.checked,
        report.dead,
        report.notices,
    )
    return report


def _zones(engine: Engine, config: LinksConfig) -> dict[int, ZoneInfo]:
    with session_scope(engine) as s:
        return {ref.id: ref.zone(config.tz) for ref in sites(s)}


def _keep_home(engine: Engine, site_id: int, url: str, today: date, links: Sequence[FoundLink]) -> None:
    with session_scope(engine) as s:
        keep_links(s, site_id, None, url, today, links, external=declared(s, site_id))


def _due(engine: Engine, today: date, site_ids: Sequence[int] | None) -> list[str]:
    with session_scope(engine) as s:
        return due_links(s, today, site_ids)


def _record(
    engine: Engine, now: datetime, today: date, outcomes: Sequence[LinkOutcome], report: LinksReport
) -> None:
    with session_scope(engine) as s:
        for o in outcomes:
            record_link(
                s,
                now,
                today,
                o.url,
                state=o.state,
                http_status=o.http_status,
                reason=o.reason,
                attempts=o.attempts,
            )
            report.checked += 1
            report.dead += o.state == LinkState.DEAD


def _tell(
    engine: Engine, now: datetime, today: date, site_id: int, config: LinksConfig, report: LinksReport
) -> None:
    with session_scope(engine) as s:
        dead = dead_links(s, site_id)
        if not dead:
            return
        home = [d for d in dead if d.item_id is None]
        if home:
            told, reachable = tell_admins(
                s,
                now,
                config.admin_ids,
                MessageKind.BROKEN_LINKS,
                home_notice(site_name(s, site_id), home[0].page_url, home, today),
                day=today,
                extra=f"site{site_id}:home",
            )
            report.notices += told
            if not reachable:
                log.warning(
                    "links: %d dead on the home page of site %d, no administrator to tell", len(home), site_id
                )
        per_unit = by_unit(dead, units_of(s, [d.item_id for d in dead if d.item_id is not None]))
        chats = unit_chats(s, site_id)
        names = unit_names(s, per_unit)
        for unit_id, columns in sorted(per_unit.items()):
            to = chats.get(unit_id, [])
            if not to:
                report.untold_units.append(names.get(unit_id, str(unit_id)))
                continue
            items = sorted({c.item_id for c in columns if c.item_id is not None})
            for chat in to:
                style = config.styles.get(chat.platform, Style())
                text = unit_notice(names.get(unit_id, ""), columns, today, style.max_text, hears=style.hears)
                key = make_key(
                    MessageKind.BROKEN_LINKS,
                    chat.address,
                    today,
                    (),
                    extra=f"unit{unit_id}",
                    platform=chat.platform,
                )
                _, created = enqueue(
                    s,
                    now,
                    kind=MessageKind.BROKEN_LINKS,
                    chat_id=chat.address,
                    text=text,
                    day=today,
                    items=items,
                    key=key,
                    unit_id=unit_id,
                    platform=chat.platform,
                )
                report.notices += created


async def links_if_due(
    engine: Engine,
    now: datetime,
    *,
    reader: Reader,
    checker: LinkChecker,
    config: LinksConfig,
    at: time,
    pending: Callable[[Session, int, date], bool] | None = None,
) -> LinksReport | None:
    """The daily check: once a day per site, after that day's reading is done (and not before `at` local
    time), caught up after downtime like the routine's slots, never recorded twice for one day. `pending`:
    whether a site's reading of a day is still under way after its slot was recorded (a queued reading)."""
    with session_scope(engine) as s:
        due = {}
        for ref in sites(s):
            local = now.astimezone(ref.zone(config.tz))
            done = done_slots(s, ref.id, local.date())
            read = Slot.CRAWL in done and (pending is None or not pending(s, ref.id, local.date()))
            if local.time() >= at and read and LINKS_SLOT not in done:
                due[ref.id] = local.date()
    if not due:
        return None
    report = await check_links(engine, now, reader=reader, checker=checker, config=config, site_ids=list(due))
    with session_scope(engine) as s:
        for site_id, day in due.items():
            if LINKS_SLOT not in done_slots(s, site_id, day):
                record_runs(s, now, site_id, day, [LINKS_SLOT], {LINKS_SLOT: report.notices})
    return report
