"""Dates written the Chinese way: one home for every message the bot writes."""

from __future__ import annotations

from datetime import date

from domain.text import md, ymd


def test_month_and_day_with_the_year_only_when_it_differs():
    assert md(date(2026, 10, 8)) == "10月8日"
    assert md(date(2026, 10, 8), date(2026, 12, 31)) == "10月8日"
    assert md(date(2027, 1, 4), date(2026, 12, 31)) == "2027年1月4日"


def test_the_full_date_names_the_weekday():
    assert ymd(date(2026, 10, 8)) == "2026年10月8日（星期四）"
    assert ymd(date(2026, 10, 11)) == "2026年10月11日（星期日）"
