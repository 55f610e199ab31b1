"""Availability as the inspectors measure it (国办秘函〔2019〕19号, 附件4 of the city seed): a site is probed
many times a day for a week; a probe that gets no good answer within 15 seconds counts as unreachable; a
weekly unreachable share of 5% or more fails the site ("超过（含）5%"). Zhiri warns before that line (3%, as
commercial monitors do) and escalates at it; both lines are `domain.inspection.Thresholds`' (the settings'
INSPECT_UNREACHABLE_WARN_PCT and INSPECT_UNREACHABLE_VETO_PCT). Pure: probe results in, a verdict out; the
clock is an argument."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from domain.inspection import DEFAULT_THRESHOLDS

WEEK = 7
MIN_PROBES_PER_DAY = 20  # "每天间隔性访问20次以上"
TIMEOUT_S = 15.0  # "超过（含）15秒网站仍打不开"
EPISODE_MAX_DAYS = 21  # how far back an alert's episode is looked for (it starts at most this long ago)


class Level(StrEnum):
    UNKNOWN = "unknown"  # too few probes in the week to say anything
    OK = "ok"
    WARN = "warn"  # at or above the warning share: tell the administrators
    ESCALATE = "escalate"  # at or above the veto share: the site fails the indicator

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Level.UNKNOWN: 0, Level.OK: 0, Level.WARN: 1, Level.ESCALATE: 2}


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

    @property
    def pct(self) -> float | None:
        """The unreachable share in percent, or None when the week says nothing (the score's 无数据)."""
        return None if self.level == Level.UNKNOWN else 100 * self.ratio


def probe_times(day: date, *, per_day: int = 24, spread_key: int = 0) -> list[time]:
    """When to probe on `day`: `per_day` moments spread evenly over the 24 hours, shifted by a per-target
    offset (`spread_key`, e.g. the site id) so that many targets are not all probed on the same second."""
    if per_day < MIN_PROBES_PER_DAY:
        raise ValueError(f"the indicator asks for at least {MIN_PROBES_PER_DAY} probes a day")
    step = 24 * 3600 / per_day
    offset = (spread_key * 7919) % int(step)  # a prime stride scatters neighbouring ids
    out = []
    for i in range(per_day):
        seconds = int(i * step + offset) % (24 * 3600)
        out.append((datetime.combine(day, time()) + timedelta(seconds=seconds)).time())
    return sorted(out)


def due_slot(local_now: datetime, *, per_day: int, spread_key: int = 0) -> datetime | None:
    """The probe slot to take at `local_now` (aware, the site's time): the latest slot not later than now
    and less than one step (24 h / `per_day`) ago, or None. A slot missed for longer (the bot was down) is
    not probed late: what a probe says is about its own moment."""
    step = timedelta(seconds=24 * 3600 / per_day)
    best: datetime | None = None
    for day in (local_now.date() - timedelta(days=1), local_now.date()):
        for t in probe_times(day, per_day=per_day, spread_key=spread_key):
            slot = datetime.combine(day, t, tzinfo=local_now.tzinfo)
            if local_now - step < slot <= local_now and (best is None or slot > best):
                best = slot
    return best


def _level(unreachable: int, probes: int, warn_pct: float, veto_pct: float) -> Level:
    # compare in whole probes to keep 3 of 100 exactly at the 3% line (0.03 * 100 is 3.0000000000000004)
    if unreachable * 10_000 >= round(veto_pct * 100) * probes:
        return Level.ESCALATE
    if unreachable * 10_000 >= round(warn_pct * 100) * probes:
        return Level.WARN
    return Level.OK


def weekly(
    results: Iterable[ProbeResult],
    today: date,
    *,
    warn_pct: float = DEFAULT_THRESHOLDS.unreachable_warn_pct,
    veto_pct: float = DEFAULT_THRESHOLDS.unreachable_veto_pct,
    min_probes: int = MIN_PROBES_PER_DAY,
) -> Availability:
    """The share of unreachable probes over the week ending `today` (today and the 6 days before), and
    what it means: OK, WARN at `warn_pct` percent or more, ESCALATE at `veto_pct` or more (both inclusive,
    as the indicator says 超过（含）). Fewer than `min_probes` probes in the week is UNKNOWN, never OK."""
    first = today - timedelta(days=WEEK - 1)
    probes = unreachable = 0
    for r in results:
        if first <= r.day <= today:
            probes += 1
            unreachable += not r.reachable
    if probes < min_probes:
        return Availability(Level.UNKNOWN, probes, unreachable, first, today)
    return Availability(_level(unreachable, probes, warn_pct, veto_pct), probes, unreachable, first, today)


@dataclass(frozen=True, slots=True)
class Alert:
    """The administrators are to be told: the week ending `today` is at `level`, which it first reached
    on `since` in this episode (the days in a row at that level or above). One alert per episode and level:
    `since` is the idempotency key's day, so a tick run twice writes nothing more, and a day the bot was
    down still gets its alert the next time it runs."""

    level: Level
    since: date
    week: Availability


def alert(
    results: Sequence[ProbeResult],
    today: date,
    *,
    warn_pct: float = DEFAULT_THRESHOLDS.unreachable_warn_pct,
    veto_pct: float = DEFAULT_THRESHOLDS.unreachable_veto_pct,
    min_probes: int = MIN_PROBES_PER_DAY,
) -> Alert | None:
    """What to tell about the week ending `today`, or None when it is below the warning line."""

    def at(day: date) -> Availability:
        return weekly(results, day, warn_pct=warn_pct, veto_pct=veto_pct, min_probes=min_probes)

    week = at(today)
    if week.level.rank == 0:
        return None
    since = today
    for back in range(1, EPISODE_MAX_DAYS):
        day = today - timedelta(days=back)
        if at(day).level.rank < week.level.rank:
            break
        since = day
    return Alert(week.level, since, week)
