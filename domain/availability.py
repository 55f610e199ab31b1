"""Availability as the inspectors measure it (国办秘函〔2019〕19号, 附件4 of the city seed): a site is probed
many times a day for a week; a probe that gets no good answer within 15 seconds counts as unreachable; a
weekly unreachable share of 5% or more fails the site. Zhiri warns before that line (3%, as commercial
monitors do) and escalates at it. Pure: probe results in, a verdict out; the clock is an argument."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

WEEK = 7
MIN_PROBES_PER_DAY = 20  # "每天间隔性访问20次以上"
TIMEOUT_S = 15.0  # "超过（含）15秒网站仍打不开"


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"  # at or above the warning share: tell the unit and the administrator
    ESCALATE = "escalate"  # at or above the veto share: the leader in charge, at once
    UNKNOWN = "unknown"  # too few probes in the week to say anything


@dataclass(frozen=True, slots=True)
class ProbeResult:
    day: date  # the site's local day
    reachable: bool


@dataclass(frozen=True, slots=True)
class Availability:
    level: Level
    probes: int
    unreachable: int
    first_day: date
    last_day: date

    @property
    def ratio(self) -> float:
        return self.unreachable / self.probes if self.probes else 0.0


def probe_times(day: date, *, per_day: int = 24, spread_key: int = 0) -> list[time]:
    """When to probe on `day`: `per_day` moments spread evenly over the 24 hours, shifted by a per-site
    offset (`spread_key`, e.g. the site id) so that many sites are not all probed on the same second."""
    if per_day < MIN_PROBES_PER_DAY:
        raise ValueError(f"the indicator asks for at least {MIN_PROBES_PER_DAY} probes a day")
    step = 24 * 3600 / per_day
    offset = (spread_key * 7919) % int(step)  # a prime stride scatters neighbouring ids
    out = []
    for i in range(per_day):
        seconds = int(i * step + offset) % (24 * 3600)
        out.append((datetime.combine(day, time()) + timedelta(seconds=seconds)).time())
    return sorted(out)


def weekly(
    results: Iterable[ProbeResult],
    today: date,
    *,
    warn_at: float = 0.03,
    escalate_at: float = 0.05,
    min_probes: int = MIN_PROBES_PER_DAY,
) -> Availability:
    """The share of unreachable probes over the week ending `today` (today and the 6 days before), and
    what it means: OK, WARN at `warn_at` or more, ESCALATE at `escalate_at` or more (both inclusive, as the
    indicator says 超过（含）). Fewer than `min_probes` probes in the week is UNKNOWN, never OK."""
    first = today - timedelta(days=WEEK - 1)
    probes = unreachable = 0
    for r in results:
        if first <= r.day <= today:
            probes += 1
            unreachable += not r.reachable
    if probes < min_probes:
        return Availability(Level.UNKNOWN, probes, unreachable, first, today)
    # compare in whole probes to keep 3 of 100 exactly at the 3% line (0.03 * 100 is 3.0000000000000004)
    level = (
        Level.ESCALATE
        if unreachable * 10_000 >= round(escalate_at * 10_000) * probes
        else Level.WARN
        if unreachable * 10_000 >= round(warn_at * 10_000) * probes
        else Level.OK
    )
    return Availability(level, probes, unreachable, first, today)
