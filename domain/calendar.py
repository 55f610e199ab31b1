"""Working days on the official Chinese calendar (法定节假日 and 调休 make-up working days).

Built on `chinese_calendar` (2004–2026 in 1.11.0). For other years it falls back to "Monday–Friday",
loudly: deadlines already run into 2027, and a silently wrong calendar is worse than a warned one.
The administrator loads a year's official list as a `YearOverride`; overrides win over the package.

Speed matters (100,000 items per pass), so each year is turned once into per-day flags plus a running
count of working days; every question is then an index or a bisect.
"""

from __future__ import annotations

import warnings
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import chinese_calendar

__all__ = ["CalendarFallbackWarning", "WorkCalendar", "YearOverride"]


class CalendarFallbackWarning(UserWarning):
    """A year without official holiday data is being treated as weekends-only."""


@dataclass(frozen=True)
class YearOverride:
    """The official holiday list for one year, as published by the State Council (国务院办公厅).

    `holidays` are days off (including weekdays moved by 调休); `workdays` are weekend days that are
    working days (调休上班). For a year the package does not know, the rest of the year is Monday–Friday;
    for a year it knows, these days correct the package's data.
    """

    year: int
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        strays = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if strays:
            raise ValueError(f"{self.year}年的节假日安排里有别的年份的日期：{strays[0].isoformat()}")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0].isoformat()} 不能既是假日又是调休上班日")


def _warn_fallback(year: int) -> None:
    warnings.warn(
        CalendarFallbackWarning(
            f"{year}年没有官方节假日数据，暂按周一至周五为工作日计算；请管理员导入{year}年的节假日安排。"
            f" / No official holiday data for {year}: treating Monday–Friday as working days;"
            f" the administrator should load the {year} holiday list."
        ),
        stacklevel=3,
    )


class WorkCalendar:
    """Answers working-day questions. The answers are fixed at construction; the tables behind them fill in
    lazily, one year at a time, so share one instance per thread (the bot's event loop is one thread)."""

    def __init__(
        self,
        overrides: Iterable[YearOverride] = (),
        on_fallback: Callable[[int], None] | None = None,
    ) -> None:
        holidays: dict[int, set[date]] = {}
        workdays: dict[int, set[date]] = {}
        for o in overrides:
            holidays.setdefault(o.year, set()).update(o.holidays)
            workdays.setdefault(o.year, set()).update(o.workdays)
        for year in holidays:
            clash = holidays[year] & workdays[year]
            if clash:
                raise ValueError(f"{min(clash).isoformat()} 不能既是假日又是调休上班日")
        self._override_holidays = holidays
        self._override_workdays = workdays
        self._on_fallback = on_fallback if on_fallback is not None else _warn_fallback
        # One contiguous table from Jan 1 of the first loaded year to Dec 31 of the last.
        self._first_year = 0
        self._last_year = -1
        self._base = 0  # ordinal of the first table day
        self._work = bytearray()  # 1 = working day
        self._cum: list[int] = []  # _cum[i] = working days in [base, base + i]
        self._year_flags: dict[int, bytes] = {}
        self._warn_cache: dict[tuple[int, int], tuple[date, int]] = {}

    # -- public questions ------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """True on a working day (Mon–Fri unless a holiday, plus 调休 make-up days)."""
        i = self._index(d.toordinal())  # first: it may replace the table
        return bool(self._work[i])

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (before it when n < 0). n = 0 returns `d` unchanged."""
        return date.fromordinal(self.add_working_days_ordinal(d.toordinal(), n))

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b < a."""
        return self.working_days_between_ordinals(a.toordinal(), b.toordinal())

    def last_working_day_on_or_before(self, d: date) -> date:
        """`d` if it is a working day, else the closest working day before it."""
        return date.fromordinal(self._working_on_or(d.toordinal(), -1))

    def next_working_day_on_or_after(self, d: date) -> date:
        """`d` if it is a working day, else the closest working day after it."""
        return date.fromordinal(self._working_on_or(d.toordinal(), 1))

    def covered(self, year: int) -> bool:
        """True when official data exists for `year` (in the package or loaded as an override)."""
        return year in self._override_holidays or _package_covers(year)

    # -- fast paths for the due-date engine ------------------------------------------------------

    def warn_window(self, due_ordinal: int, lead: int) -> tuple[date, int]:
        """(last working day on or before `due`, ordinal of `lead` working days before that). Memoised:
        100,000 items share a few hundred due days."""
        key = (due_ordinal, lead)
        hit = self._warn_cache.get(key)
        if hit is None:
            warn_o = self._working_on_or(due_ordinal, -1)
            hit = (date.fromordinal(warn_o), self.add_working_days_ordinal(warn_o, -lead))
            self._warn_cache[key] = hit
        return hit

    def add_working_days_ordinal(self, o: int, n: int) -> int:
        """`add_working_days` on ordinals (no date objects on the hot path)."""
        return o if n == 0 else self._add(o, n)

    def working_days_between_ordinals(self, a: int, b: int) -> int:
        # Load both years first: growing the table backwards moves `_base`.
        self._index(a)
        self._index(b)
        return self._cum[b - self._base] - self._cum[a - self._base]

    # -- tables ----------------------------------------------------------------------------------

    def _index(self, o: int) -> int:
        i = o - self._base
        if 0 <= i < len(self._work):
            return i
        self._grow_to(date.fromordinal(o).year)
        return o - self._base

    def _working_on_or(self, o: int, step: int) -> int:
        """`o` if it is a working day, else the nearest working day in the direction of `step` (±1)."""
        i = self._index(o)  # first: it may replace the table
        return o if self._work[i] else self._add(o, step)

    def _add(self, o: int, n: int) -> int:
        """Ordinal of the n-th working day after (n > 0) or before (n < 0) ordinal `o`."""
        while True:
            i = self._index(o)
            cum = self._cum
            if n > 0:
                # The working day that brings the count to cum[i] + n is where the count first reaches it.
                target = cum[i] + n
                if target <= cum[-1]:
                    return self._base + bisect_left(cum, target)
                self._grow_to(self._last_year + 1)
            else:
                # cum[i] counts `o` itself when it is a working day; step back past it first.
                # cum[0] is 0 or 1, so any target >= 1 is reached inside the table.
                target = cum[i] + n + (0 if self._work[i] else 1)
                if target >= 1:
                    return self._base + bisect_left(cum, target)
                self._grow_to(self._first_year - 1)

    def _grow_to(self, year: int) -> None:
        if self._last_year < self._first_year:
            first = last = year
        else:
            first, last = min(self._first_year, year), max(self._last_year, year)
        flags = bytearray()
        for y in range(first, last + 1):
            flags += self._flags(y)
        cum: list[int] = []
        running = 0
        for f in flags:
            running += f
            cum.append(running)
        self._first_year, self._last_year = first, last
        self._base = date(first, 1, 1).toordinal()
        self._work = flags
        self._cum = cum

    def _flags(self, year: int) -> bytes:
        cached = self._year_flags.get(year)
        if cached is not None:
            return cached
        start = date(year, 1, 1).toordinal()
        days = [date.fromordinal(o) for o in range(start, date(year, 12, 31).toordinal() + 1)]
        if _package_covers(year):
            flags = bytearray(1 if chinese_calendar.is_workday(d) else 0 for d in days)
        else:
            flags = bytearray(1 if d.weekday() < 5 else 0 for d in days)
            if year not in self._override_holidays:
                self._on_fallback(year)
        for d in self._override_holidays.get(year, ()):
            flags[d.toordinal() - start] = 0
        for d in self._override_workdays.get(year, ()):
            flags[d.toordinal() - start] = 1
        frozen = bytes(flags)
        self._year_flags[year] = frozen
        return frozen


def _package_covers(year: int) -> bool:
    """Ask the package itself (it raises NotImplementedError outside its data) rather than hard-coding 2026,
    so a newer chinesecalendar extends the calendar without code changes."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True
