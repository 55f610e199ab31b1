"""The routine's shell: every tick, catch up on today's due slots (plan → outbox), then drain the outbox.

The schedule lives in the database (`RoutineRun`), not in memory: a tick runs every slot of *today* whose
time has passed and that has not run, so a 09:00 run missed because the bot started at 10:30 still happens,
once; a day that has passed is never replayed. Planning a slot and recording it as run is one transaction:
two bots racing on the same slot write its messages once (the loser's unique key fails, it rolls back).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from channels.registry import Channels
from channels.transport import Transport
from domain.calendar import WorkCalendar
from domain.due import Policy
from domain.model import Status
from domain.notice import Drawn, Planned, Report, Slot
from domain.routine import (
    RoutineSettings,
    Snapshot,
    due_slots,
    half_month_period,
    plan,
    report_period_on,
    slots_on,
    weekly_stats,
)
from domain.wording import Style
from jobs.sender import DrainReport, SenderState, SendLimits, drain
from reports.charts import NoCjkFont
from reports.periodic import draw
from storage import outbox
from storage.bulk import few_collections
from storage.db import session_scope
from storage.items import Judge, load_calendar, refresh_stale
from storage.routine import SiteRef, done_slots, gather, record_runs, sites

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoutineConfig:
    """Everything the routine needs besides the database and the transport (bot/app.py fills it)."""

    settings: RoutineSettings = field(default_factory=RoutineSettings)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    admin_ids: tuple[int, ...] = ()
    policy: Policy = field(default_factory=Policy)
    limits: SendLimits = field(default_factory=SendLimits)
    bulletin_fix_workdays: int = 10  # 季通报's 工作要求: fix within this many working days


@dataclass
class RunReport:
    slots: dict[str, list[Slot]] = field(default_factory=dict)  # site name -> slots run
    written: int = 0  # new outbox rows
    nowhere: int = 0  # messages for units with no bound group (the administrators were told instead)
    raced: int = 0  # slots another process ran first


@dataclass
class TickReport:
    run: RunReport
    drain: DrainReport


_WARNED_YEARS: set[int] = set()


def calendar_fallback(year: int) -> None:
    """The calendar's `on_fallback` for the running bot: a year without official holiday data is guessed."""
    # The calendar is rebuilt every tick; say it once per year and process, not twice a minute.
    if year not in _WARNED_YEARS:
        _WARNED_YEARS.add(year)
        log.warning(
            "no official holiday data for %d: Monday–Friday used; load it with /holidays %d", year, year
        )


def snapshot_at(
    session: Session,
    site: SiteRef,
    now: datetime,
    calendar: WorkCalendar,
    config: RoutineConfig,
    judged: Mapping[int, Status] | None = None,
) -> Snapshot:
    """The site's snapshot for `now` (read only). The half-month answers are those of the period whose
    report is due today, else of the current period. On the monthly reminder's day the updates reach back
    to last month's first day; the inspection score is gathered only on the days a summary carries it.
    `judged`: items already judged for `now` (the tick's daily refresh), not judged again."""
    tz = site.zone(config.tz)
    today = now.astimezone(tz).date()
    judge = Judge(tz, calendar, config.policy)
    period = report_period_on(today, calendar, config.settings) or half_month_period(today)
    today_slots = {slot for slot, _ in slots_on(today, calendar, config.settings)}
    monthly = Slot.MONTHLY_REMINDER in today_slots
    return gather(
        session,
        site.id,
        judge,
        now,
        admin_ids=config.admin_ids,
        period=period,
        updates_since=(today.replace(day=1) - timedelta(days=1)).replace(day=1) if monthly else None,
        inspection=monthly or Slot.WEEKLY_SUMMARY in today_slots,
        judged=judged,
    )


@few_collections()
def preview_day(
    session: Session,
    site: SiteRef,
    now: datetime,
    calendar: WorkCalendar,
    config: RoutineConfig,
    done: frozenset[Slot] = frozenset(),
) -> tuple[Snapshot, list[Planned]]:
    """What the routine would plan for the site at `now` (read only), with the slots in `done` taken as run:
    `zhiri preview` (and the benches' figure of it)."""
    snap = snapshot_at(session, site, now, calendar, config)
    local = now.astimezone(site.zone(config.tz))
    return snap, plan(replace(snap, done_slots=done), local, calendar, config.settings)


def run_due(
    engine: Engine, now: datetime, config: RoutineConfig, styles: Mapping[str, Style] | None = None
) -> RunReport:
    """Plan and write every due slot of today, per site, each message cut to its recipient's platform
    (`styles`, by platform; the settings' for the others). Reads the clock once: `now`."""
    report = RunReport()
    with session_scope(engine) as s:
        site_list = sites(s)
        calendar = load_calendar(s, on_fallback=calendar_fallback)
    for site in site_list:
        try:
            _run_site(engine, now, site, calendar, config, report, styles)
        except IntegrityError:
            # Another process recorded the same slot first; its messages stand, ours were rolled back.
            report.raced += 1
            log.info("routine slot for %s already run by another process", site.name)
    return report


@few_collections()
def _run_site(
    engine: Engine,
    now: datetime,
    site: SiteRef,
    calendar: WorkCalendar,
    config: RoutineConfig,
    report: RunReport,
    styles: Mapping[str, Style] | None = None,
) -> None:
    tz = site.zone(config.tz)
    local = now.astimezone(tz)
    with session_scope(engine) as s:
        # Every day, weekends and holidays included: the stored schedule is judged for the day it is read on.
        # On the day's first tick that is every item: the snapshot takes those judgements (one per item and
        # tick) and judges only what the refresh did not.
        judged = refresh_stale(s, Judge(tz, calendar, config.policy), now, site.id)
        slots = due_slots(done_slots(s, site.id, local.date()), local, calendar, config.settings)
        if not slots:
            return
        snap = snapshot_at(s, site, now, calendar, config, judged)
        del judged  # its rows (a province's 100,000 items) are the snapshot's now: not kept through planning
        planned = plan(snap, local, calendar, config.settings, styles)
        written: dict[str, int] = defaultdict(int)
        judge = Judge(tz, calendar, config.policy)
        drawn: dict[Drawn, bytes | NoCjkFont] = {}  # one document drawn once for every administrator

        def drawer(doc: Drawn) -> bytes:
            if doc not in drawn:
                try:
                    drawn[doc] = draw(s, now, judge, site.id, doc, config.bulletin_fix_workdays)
                except NoCjkFont as exc:
                    drawn[doc] = exc
            result = drawn[doc]
            if isinstance(result, NoCjkFont):
                raise result
            return result

        # Written a batch of rows per statement, in the plan's order (each chat gets its messages in it).
        batch: list[dict[str, Any]] = []
        slot_of: dict[str, str] = {}  # a key planned twice counts for the first slot that planned it

        def write() -> None:
            for key in outbox.enqueue_all(s, batch):
                written[slot_of[key]] += 1
            batch.clear()

        for p in planned:
            if p.to.nowhere:
                report.nowhere += 1
                continue
            row = planned_row(now, p, drawer)
            slot_of.setdefault(row["key"], p.slot)
            batch.append(row)
            if len(batch) >= outbox.WRITE_BATCH:
                write()
        write()
        stats: dict[str, object] = (
            {Slot.WEEKLY_SUMMARY: weekly_stats(snap)} if Slot.WEEKLY_SUMMARY in slots else {}
        )
        record_runs(s, now, site.id, local.date(), slots, written, stats)
    report.slots[site.name] = slots
    report.written += sum(written.values())
    log.info(
        "routine %s %s: %s, %d messages", site.name, local.date(), ",".join(slots), sum(written.values())
    )


def planned_row(now: datetime, p: Planned, drawer: Callable[[Drawn], bytes] | None = None) -> dict[str, Any]:
    """A planned message's outbox row (`outbox.enqueue_all` writes them). A report's spreadsheet is stored
    as its rows, and the sender builds the file from them when the message goes (a tick plans thousands of
    them; building each workbook here was most of the tick). A document `drawer` draws from the database is
    drawn now and stored, so a retry sends the very same file. A document that cannot be drawn (no Chinese
    font for its charts) is not sent: the message says why instead."""
    text, document = p.text, None
    report = p.document if isinstance(p.document, Report) else None
    if isinstance(p.document, Drawn) and drawer is not None:
        try:
            document = drawer(p.document)
        except NoCjkFont as exc:
            text = f"{p.text}\n\n附件未能生成：{exc}"
    return outbox.message_row(
        now,
        kind=p.kind,
        chat_id=p.to.chat_id,
        text=text,
        day=p.day,
        items=p.item_ids,
        asks=p.asks,
        key=p.key,
        offers=p.offers,
        unit_id=p.to.unit_id,
        person_id=p.to.person_id,
        document=document,
        document_name=p.document.filename if document is not None and p.document is not None else None,
        report=report,
        platform=p.to.platform,
        mentions=p.mentions,
    )


async def tick(
    engine: Engine,
    transport: Transport | Channels,
    now: datetime,
    config: RoutineConfig | None = None,
    state: SenderState | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> TickReport:
    """Catch up on today's due slots, then send what is waiting. `now` is read once, by the caller.
    `transport`: the registry of chat platforms (each its style and transport), or Telegram's transport.
    `clock`: the sender's pacing clock (a test that jumps hours ahead passes one that jumps with it)."""
    config = config or RoutineConfig()
    state = state or SenderState(limits=config.limits)
    channels = Channels.of(transport)
    run = await asyncio.to_thread(run_due, engine, now, config, channels.styles)
    drained = await drain(
        engine, channels, now, state=state, admin_ids=config.admin_ids, tz=config.tz, clock=clock
    )
    return TickReport(run, drained)
