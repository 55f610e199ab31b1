"""Availability over a week, as the inspectors count it: pure, with fixed days."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from domain.availability import Level, ProbeResult, alert, due_slot, probe_times, weekly

MONDAY = date(2026, 11, 16)


def _day(d: date, failures: int, per_day: int = 24) -> list[ProbeResult]:
    return [ProbeResult(d, i >= failures) for i in range(per_day)]


def test_probes_are_spread_over_the_whole_day_and_sites_do_not_collide() -> None:
    times = probe_times(MONDAY, per_day=24, spread_key=1)
    assert len(times) == 24 and times == sorted(times)
    assert times[0] < time(1, 0) and times[-1] >= time(23, 0)  # around the clock, not office hours only
    assert probe_times(MONDAY, spread_key=2) != times
    with pytest.raises(ValueError, match="at least 20"):
        probe_times(MONDAY, per_day=12)


def test_a_simulated_fortnight_warns_and_escalates_on_the_right_days() -> None:
    # week 1 clean; week 2: no answer 4 times on Tuesday, 5xx 3 times on Thursday, slow twice on Saturday
    failures = {MONDAY + timedelta(days=8): 4, MONDAY + timedelta(days=10): 3, MONDAY + timedelta(days=12): 2}
    results: list[ProbeResult] = []
    levels: dict[date, Level] = {}
    for n in range(21):
        today = MONDAY + timedelta(days=n)
        results += _day(today, failures.get(today, 0))
        levels[today] = weekly(results, today).level
    assert levels[MONDAY + timedelta(days=9)] == Level.OK  # 4 of 168 = 2.4%
    assert levels[MONDAY + timedelta(days=10)] == Level.WARN  # 7 of 168 = 4.2%: the warning, that day
    assert levels[MONDAY + timedelta(days=11)] == Level.WARN
    assert levels[MONDAY + timedelta(days=12)] == Level.ESCALATE  # 9 of 168 = 5.4%: the veto line, that day
    assert levels[MONDAY + timedelta(days=14)] == Level.ESCALATE  # Tuesday's 4 are still in the week
    assert levels[MONDAY + timedelta(days=15)] == Level.OK  # they leave it a week later: 5 of 168 = 2.98%
    assert levels[MONDAY + timedelta(days=19)] == Level.OK  # everything has left the week


def test_the_lines_are_inclusive_and_a_thin_week_says_nothing() -> None:
    today = MONDAY + timedelta(days=6)
    hundred = [ProbeResult(today, i >= 3) for i in range(100)]
    assert weekly(hundred, today).level == Level.WARN  # exactly 3%: 超过（含）
    five = [ProbeResult(today, i >= 5) for i in range(100)]
    assert weekly(five, today).level == Level.ESCALATE  # exactly 5%
    assert weekly(hundred, today, warn_pct=4).level == Level.OK  # the lines are settings
    thin = weekly(_day(today, 10, per_day=10), today)
    assert (thin.level, thin.probes) == (Level.UNKNOWN, 10)


def test_the_slot_due_now_is_the_latest_within_one_step_and_a_missed_one_is_not_taken_late() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    slots = [datetime.combine(MONDAY, t, tzinfo=tz) for t in probe_times(MONDAY, per_day=24, spread_key=3)]
    assert due_slot(slots[5], per_day=24, spread_key=3) == slots[5]
    assert due_slot(slots[5] + timedelta(minutes=59), per_day=24, spread_key=3) == slots[5]
    assert due_slot(slots[5] - timedelta(seconds=1), per_day=24, spread_key=3) == slots[4]
    # spread key 3 puts the slots at :35:57; just after midnight the day before's last one is still due
    night = datetime.combine(MONDAY + timedelta(days=1), time(0, 0, 1), tzinfo=tz)
    assert due_slot(night, per_day=24, spread_key=3) == datetime.combine(MONDAY, time(23, 35, 57), tzinfo=tz)


def test_an_alert_names_the_day_its_episode_began_so_a_missed_day_is_told_late_not_twice() -> None:
    failures = {MONDAY + timedelta(days=8): 4, MONDAY + timedelta(days=10): 3, MONDAY + timedelta(days=12): 2}
    results: list[ProbeResult] = []
    alerts = {}
    for n in range(21):
        today = MONDAY + timedelta(days=n)
        results += _day(today, failures.get(today, 0))
        alerts[today] = alert(results, today)
    assert alerts[MONDAY + timedelta(days=9)] is None
    warn = alerts[MONDAY + timedelta(days=10)]
    assert warn is not None and (warn.level, warn.since) == (Level.WARN, MONDAY + timedelta(days=10))
    again = alerts[MONDAY + timedelta(days=11)]  # still the same episode: the same key, nothing new
    assert again is not None and (again.level, again.since) == (Level.WARN, MONDAY + timedelta(days=10))
    up = alerts[MONDAY + timedelta(days=13)]  # escalated the day before: the episode began on day 12
    assert up is not None and (up.level, up.since) == (Level.ESCALATE, MONDAY + timedelta(days=12))
    assert up.week.pct is not None and round(up.week.pct, 1) == 5.4
    assert alerts[MONDAY + timedelta(days=19)] is None
