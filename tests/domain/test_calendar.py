"""Working days around the 2026 National Day holiday (国务院办公厅: 10月1日至7日放假调休，9月20日（周日）、
10月10日（周六）上班; 中秋 9月25日至27日) and past the package's data (2027+)."""

from __future__ import annotations

import random
import warnings
from datetime import date, timedelta

import pytest

from domain.calendar import CalendarFallbackWarning, WorkCalendar, YearOverride


def quiet(years: list[int] | None = None) -> WorkCalendar:
    """A calendar that records fallbacks instead of warning."""
    sink = years if years is not None else []
    return WorkCalendar(on_fallback=sink.append)


D = date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 9, 18), True),  # Friday
        (D(2026, 9, 19), False),  # Saturday
        (D(2026, 9, 20), True),  # Sunday, 调休上班 for National Day
        (D(2026, 9, 25), False),  # 中秋节 (Friday)
        (D(2026, 9, 27), False),  # Sunday in the Mid-autumn break
        (D(2026, 9, 28), True),
        (D(2026, 9, 30), True),
        (D(2026, 10, 1), False),
        (D(2026, 10, 5), False),  # Monday in the holiday
        (D(2026, 10, 7), False),  # last holiday day
        (D(2026, 10, 8), True),  # Thursday: back at work
        (D(2026, 10, 9), True),
        (D(2026, 10, 10), True),  # Saturday, 调休上班
        (D(2026, 10, 11), False),
        (D(2026, 10, 12), True),
        (D(2026, 1, 4), True),  # Sunday, 调休上班 for New Year
        (D(2026, 2, 14), True),  # Saturday, 调休上班 for Spring Festival
    ],
)
def test_it_knows_holidays_and_make_up_working_days(day: date, working: bool) -> None:
    assert quiet().is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "result"),
    [
        (D(2026, 9, 30), 0, D(2026, 9, 30)),
        (D(2026, 10, 3), 0, D(2026, 10, 3)),  # n = 0 never moves, even on a holiday
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 28), 5, D(2026, 10, 10)),  # 29, 30, 8, 9, 10 (Saturday make-up day)
        (D(2026, 9, 28), 6, D(2026, 10, 12)),
        (D(2026, 10, 1), 1, D(2026, 10, 8)),
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # the Sunday make-up day counts
        (D(2026, 9, 21), 20, D(2026, 10, 26)),
        (D(2026, 10, 8), -1, D(2026, 9, 30)),
        (D(2026, 10, 5), -1, D(2026, 9, 30)),
        (D(2026, 10, 12), -2, D(2026, 10, 9)),
        (D(2026, 9, 21), -1, D(2026, 9, 20)),
        (D(2026, 1, 5), -5, D(2025, 12, 26)),  # across the year, past 2026-01-04 (Sunday make-up day)
    ],
)
def test_it_adds_working_days(start: date, n: int, result: date) -> None:
    assert quiet().add_working_days(start, n) == result


def test_it_counts_working_days_in_a_half_open_interval() -> None:
    cal = quiet()
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4  # 8, 9, 10, 12
    assert cal.working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0
    assert cal.working_days_between(D(2026, 10, 12), D(2026, 9, 30)) == -4
    assert cal.working_days_between(D(2026, 10, 9), D(2026, 10, 9)) == 0


def test_it_finds_the_working_day_on_either_side() -> None:
    cal = quiet()
    assert cal.last_working_day_on_or_before(D(2026, 10, 4)) == D(2026, 9, 30)
    assert cal.last_working_day_on_or_before(D(2026, 10, 10)) == D(2026, 10, 10)
    assert cal.last_working_day_on_or_before(D(2026, 11, 29)) == D(2026, 11, 27)
    assert cal.next_working_day_on_or_after(D(2026, 10, 1)) == D(2026, 10, 8)
    assert cal.next_working_day_on_or_after(D(2026, 10, 11)) == D(2026, 10, 12)
    assert cal.next_working_day_on_or_after(D(2026, 10, 9)) == D(2026, 10, 9)


def test_it_agrees_with_stepping_one_day_at_a_time() -> None:
    # Randomised cross-check of the bisect arithmetic against the obvious slow loop, across 2025–2027.
    fallbacks: list[int] = []
    cal = WorkCalendar(on_fallback=fallbacks.append)
    rnd = random.Random(7)
    for _ in range(300):
        start = D(2025, 6, 1) + timedelta(days=rnd.randint(0, 800))
        n = rnd.randint(-40, 40)
        d, left = start, abs(n)
        step = timedelta(days=1 if n > 0 else -1)
        while left:
            d += step
            left -= cal.is_working_day(d)
        assert cal.add_working_days(start, n) == d
        if n > 0:
            assert cal.working_days_between(start, d) == n
        elif n < 0:  # (d, start] holds the |n| - 1 working days in between, plus `start` if it works
            assert cal.working_days_between(d, start) == -n - 1 + cal.is_working_day(start)


def test_it_falls_back_to_weekends_past_the_package_and_says_so_once_per_year() -> None:
    years: list[int] = []
    cal = WorkCalendar(on_fallback=years.append)
    assert cal.covered(2026) and not cal.covered(2027)
    assert cal.is_working_day(D(2027, 1, 1))  # New Year's Day, unknown: a Friday like any other
    assert not cal.is_working_day(D(2027, 1, 2))
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    assert cal.add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 8)
    for d in range(365):
        cal.is_working_day(D(2027, 1, 1) + timedelta(days=d))
    assert years == [2027]
    cal.is_working_day(D(2028, 3, 1))
    assert years == [2027, 2028]


def test_it_warns_by_default_in_chinese_and_english() -> None:
    cal = WorkCalendar()
    with pytest.warns(CalendarFallbackWarning, match="2027年.*节假日.*load the 2027 holiday list"):
        cal.is_working_day(D(2027, 3, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal.is_working_day(D(2027, 5, 3))  # a second question about 2027 stays quiet


def test_it_lets_an_override_win_for_a_year_the_package_does_not_know() -> None:
    years: list[int] = []
    spring = frozenset(D(2027, 2, 5) + timedelta(days=i) for i in range(9))  # a made-up list for the test
    cal = WorkCalendar(
        [
            YearOverride(
                2027, holidays=frozenset({D(2027, 1, 1)}) | spring, workdays=frozenset({D(2027, 2, 20)})
            )
        ],
        on_fallback=years.append,
    )
    assert cal.covered(2027)
    assert not cal.is_working_day(D(2027, 1, 1))
    assert not cal.is_working_day(D(2027, 2, 8))
    assert cal.is_working_day(D(2027, 2, 20))  # Saturday made a working day
    assert cal.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 15)
    assert years == []


def test_it_lets_an_override_correct_the_package() -> None:
    cal = quiet()
    patched = WorkCalendar(
        [YearOverride(2026, holidays=frozenset({D(2026, 10, 8)}))], on_fallback=lambda y: None
    )
    assert cal.is_working_day(D(2026, 10, 8))
    assert not patched.is_working_day(D(2026, 10, 8))
    assert patched.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 9)


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        (frozenset({D(2026, 1, 1)}), frozenset(), "2027年的节假日安排里有别的年份的日期：2026-01-01"),
        (frozenset({D(2027, 1, 1)}), frozenset({D(2027, 1, 1)}), "2027-01-01 不能既是假日又是调休上班日"),
    ],
)
def test_it_rejects_an_inconsistent_override(
    holidays: frozenset[date], workdays: frozenset[date], message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        YearOverride(2027, holidays=holidays, workdays=workdays)


def test_it_rejects_two_overrides_of_a_year_that_disagree() -> None:
    lists = [
        YearOverride(2027, holidays=frozenset({D(2027, 2, 20)})),
        YearOverride(2027, workdays=frozenset({D(2027, 2, 20)})),
    ]
    with pytest.raises(ValueError, match=r"^2027-02-20 不能既是假日又是调休上班日$"):
        WorkCalendar(lists)


def test_it_reaches_back_before_the_first_loaded_year() -> None:
    years: list[int] = []
    cal = WorkCalendar(on_fallback=years.append)
    assert cal.add_working_days(D(2004, 1, 2), -1) == D(2003, 12, 31)
    assert years == [2003]
