"""The availability probe on a schedule: each target (a site's home page, its key columns) is probed at
its slots, `per_day` times a day spread over the 24 hours; each probe is kept, and the week's unreachable
share is judged after each round. At the warning line, and again at the veto line, the administrators are
told once per episode through the outbox (key: target, level and the day the episode began), so a
warning is never doubled by a second tick and never dropped by a day the bot was down.

Reads the clock once (`now`, the caller's). The network runs between two transactions, never inside one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from domain.availability import EPISODE_MAX_DAYS, WEEK, alert, due_slot
from domain.inspection import DEFAULT_THRESHOLDS, Thresholds
from domain.notice import MessageKind
from domain.wording import availability_notice
from storage.db import session_scope
from storage.probes import Target, probe_key, probed, reasons, record_probe, results, targets
from storage.routine import tell_admins
from webread.probe import ProbeOutcome, Prober

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProbeConfig:
    tz: ZoneInfo  # the deployment's; a site with its own time zone keeps its own
    per_day: int = 24
    lines: Thresholds = DEFAULT_THRESHOLDS  # unreachable_warn_pct, unreachable_veto_pct
    admin_ids: tuple[int, ...] = ()
    timeout: float = 15.0  # said in the notice: what "could not be opened" meant

    def zone(self, target: Target) -> ZoneInfo:
        return ZoneInfo(target.tz_name) if target.tz_name else self.tz


@dataclass
class ProbeReport:
    probed: int = 0
    unreachable: int = 0
    notices: int = 0
    levels: dict[str, str] = field(default_factory=dict)  # target name -> level of its alert, if any


def _due(engine: Engine, now: datetime, config: ProbeConfig) -> list[tuple[Target, datetime]]:
    """The targets whose slot is due now and not yet probed, with that slot."""
    with session_scope(engine) as s:
        found = targets(s)
        due = []
        for target in found:
            slot = due_slot(
                now.astimezone(config.zone(target)), per_day=config.per_day, spread_key=target.spread
            )
            if slot is not None:
                due.append((target, slot))
        done = probed(s, [probe_key(t, slot) for t, slot in due])
    return [(t, slot) for t, slot in due if probe_key(t, slot) not in done]


async def probe_due(engine: Engine, now: datetime, prober: Prober, config: ProbeConfig) -> ProbeReport:
    """Probe every target whose slot is due at `now`, keep the probes, and tell the administrators about a
    week that reached a line."""
    due = await asyncio.to_thread(_due, engine, now, config)
    report = ProbeReport()
    if not due:
        return report
    outcomes = await prober.probe_many(t.url for t, _ in due)
    await asyncio.to_thread(_keep, engine, now, config, list(zip(due, outcomes, strict=True)), report)
    return report


def _keep(
    engine: Engine,
    now: datetime,
    config: ProbeConfig,
    done: list[tuple[tuple[Target, datetime], ProbeOutcome]],
    report: ProbeReport,
) -> None:
    with session_scope(engine) as s:
        for (target, slot), outcome in done:
            written = record_probe(
                s,
                now,
                target,
                slot,
                slot.date(),
                reachable=outcome.reachable,
                http_status=outcome.http_status,
                elapsed=outcome.elapsed,
                reason=outcome.reason,
            )
            if written:
                report.probed += 1
                report.unreachable += not outcome.reachable
        for target, slot in dict.fromkeys((t, slot) for (t, slot), _ in done):
            report.notices += tell(s, now, config, target, slot, report)


def tell(
    session: Session, now: datetime, config: ProbeConfig, target: Target, slot: datetime, report: ProbeReport
) -> int:
    """Judge the target's week ending the slot's day; at a line, one notice per administrator and episode."""
    today = slot.date()
    first = today - timedelta(days=WEEK - 1 + EPISODE_MAX_DAYS)
    found = alert(
        results(session, target.site_id, target.item_id, first, today),
        today,
        warn_pct=config.lines.unreachable_warn_pct,
        veto_pct=config.lines.unreachable_veto_pct,
    )
    if found is None:
        return 0
    report.levels[target.name] = found.level
    week = found.week
    text = availability_notice(
        target.site,
        target.page,
        target.url,
        found,
        warn_pct=config.lines.unreachable_warn_pct,
        veto_pct=config.lines.unreachable_veto_pct,
        timeout=config.timeout,
        reasons=reasons(session, target.site_id, target.item_id, week.first_day, week.last_day),
    )
    told, reachable = tell_admins(
        session,
        now,
        config.admin_ids,
        MessageKind.AVAILABILITY,
        text,
        day=today,
        key_day=found.since,
        extra=f"{target.name}:{found.level}",
    )
    if not reachable:
        log.error("availability %s of %s and no administrator to tell: %s", found.level, target.url, text)
    elif told:
        log.warning(
            "availability %s of %s: %d of %d probes unreachable",
            found.level,
            target.url,
            week.unreachable,
            week.probes,
        )
    return told
