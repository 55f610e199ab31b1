"""Due dates and states on fixed days: ordinary weeks in November 2026, the National Day week (10月1日–7日,
调休上班 9月20日 and 10月10日), and 2027 where the calendar falls back to weekends."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.calendar import WorkCalendar
from domain.due import Policy, add_span, evaluate, period_bounds
from domain.inspection import DEFAULT_THRESHOLDS, InspectedItem, score_site
from domain.model import Category, ItemFacts, ItemKind, Span, State, Status, TimeUnit, UnitStatus
from domain.rules import parse_rule

D = date


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar(on_fallback=lambda year: None)


def column(
    text: str,
    last: date | None,
    *,
    created: date | None = None,
    recent_updates: tuple[tuple[date, int], ...] = (),
    open_events: tuple[date, ...] = (),
    category: Category = Category.OTHER,
) -> ItemFacts:
    return ItemFacts(
        rule=parse_rule(text),
        kind=ItemKind.COLUMN,
        created=created or last or D(2026, 1, 1),
        last_update=last,
        recent_updates=recent_updates,
        open_events=open_events,
        category=category,
    )


def account(text: str, last: date) -> ItemFacts:
    return ItemFacts(
        rule=parse_rule(text),
        kind=ItemKind.ACCOUNT,
        created=last,
        last_update=last,
        category=Category.ACCOUNT,
    )


# 2周内更新, last update Saturday 2026-11-14: due Saturday 11-28, so people are told on Friday 11-27 and see
# "due soon" from Wednesday 11-25 (two working days before).
@pytest.mark.parametrize(
    ("today", "state", "late"),
    [
        (D(2026, 11, 24), State.FRESH, 0),
        (D(2026, 11, 25), State.DUE_SOON, 0),
        (D(2026, 11, 26), State.DUE_SOON, 0),
        (D(2026, 11, 27), State.DUE_TODAY, 0),
        (D(2026, 11, 28), State.DUE_TODAY, 0),
        (D(2026, 11, 29), State.OVERDUE, 1),
        (D(2026, 12, 8), State.OVERDUE, 10),
    ],
)
def test_it_warns_on_friday_for_a_weekend_deadline(
    cal: WorkCalendar, today: date, state: State, late: int
) -> None:
    status = evaluate(column("2周内更新", D(2026, 11, 14)), today, cal)
    assert status == Status(state, D(2026, 11, 28), D(2026, 11, 27), late, 0, "max_gap")


def test_it_warns_before_the_national_day_holiday(cal: WorkCalendar) -> None:
    # Due on 10-01 (holiday): the last working day before it is 09-30; "soon" from 09-28 (09-25..27 are off).
    facts = column("2周内更新", D(2026, 9, 17))
    assert evaluate(facts, D(2026, 9, 26), cal).state is State.FRESH
    assert evaluate(facts, D(2026, 9, 28), cal).state is State.DUE_SOON
    status = evaluate(facts, D(2026, 9, 30), cal)
    assert (status.state, status.due, status.warn_on) == (State.DUE_TODAY, D(2026, 10, 1), D(2026, 9, 30))
    assert evaluate(facts, D(2026, 10, 3), cal).days_late == 2


def test_unknown_is_not_fresh_an_item_never_updated_is_due_the_day_it_came_onto_the_list(
    cal: WorkCalendar,
) -> None:
    facts = column("每月一次", None, created=D(2026, 1, 31))
    on_import = evaluate(facts, D(2026, 1, 31), cal)
    assert (on_import.state, on_import.due, on_import.unknown) == (State.DUE_TODAY, D(2026, 1, 31), True)
    later = evaluate(facts, D(2026, 2, 10), cal)
    assert (later.state, later.days_late, later.unknown) == (State.OVERDUE, 10, True)
    # Once an update is known, the gap runs from it (month arithmetic clamps to the month's end).
    known = evaluate(column("每月一次", D(2026, 1, 31)), D(2026, 2, 10), cal)
    assert (known.due, known.unknown) == (D(2026, 2, 28), False)


@pytest.mark.parametrize(
    ("text", "last", "due"),
    [
        ("每周一次", D(2026, 11, 16), D(2026, 11, 23)),
        ("半月", D(2026, 11, 1), D(2026, 11, 16)),
        ("每旬", D(2026, 11, 1), D(2026, 11, 11)),
        ("6个月内更新", D(2026, 8, 31), D(2027, 2, 28)),
        ("每季度", D(2025, 11, 30), D(2026, 2, 28)),
        ("每年一次", D(2024, 2, 29), D(2025, 2, 28)),
        ("每5个工作日更新一次", D(2026, 9, 28), D(2026, 10, 10)),  # 29, 30, 8, 9, 10 (Saturday make-up)
    ],
)
def test_it_adds_the_longest_gap_to_the_last_update(
    cal: WorkCalendar, text: str, last: date, due: date
) -> None:
    assert evaluate(column(text, last), last, cal).due == due


def test_it_counts_working_days_after_an_event_across_the_holiday(cal: WorkCalendar) -> None:
    text = "适时更新，自该政府信息形成或者变更之日起20个工作日内予以公开"
    facts = column(text, D(2026, 6, 1), open_events=(D(2026, 9, 21),))
    status = evaluate(facts, D(2026, 10, 26), cal)
    # 9-22..9-24, 9-28..9-30, 10-8, 10-9, 10-10 (Saturday make-up), 10-12..10-16, 10-19..10-23, 10-26.
    assert (status.state, status.due, status.driver) == (State.DUE_TODAY, D(2026, 10, 26), "after_event")
    late = evaluate(facts, D(2026, 10, 29), cal)
    assert (late.state, late.days_late) == (State.OVERDUE, 3)
    # Days late are calendar days for every rule: due Monday 10-26, Sunday 11-01 is 6 days late.
    assert evaluate(facts, D(2026, 11, 1), cal).days_late == 6


def test_it_lets_the_oldest_open_event_decide(cal: WorkCalendar) -> None:
    facts = column("30日内办结回复", D(2026, 9, 1), open_events=(D(2026, 9, 10), D(2026, 9, 20)))
    status = evaluate(facts, D(2026, 10, 9), cal)
    # 9-10 + 30 days = 10-10, a Saturday that is a working day (调休): warned on that day itself.
    assert (status.due, status.warn_on, status.state) == (D(2026, 10, 10), D(2026, 10, 10), State.DUE_SOON)


def test_an_event_rule_without_open_events_has_only_the_yearly_floor(cal: WorkCalendar) -> None:
    facts = column("印发后5个工作日内", D(2026, 1, 5))
    status = evaluate(facts, D(2026, 11, 18), cal)
    assert (status.due, status.driver, status.state) == (D(2027, 1, 5), "floor", State.FRESH)
    assert evaluate(facts, D(2026, 11, 18), cal, Policy(on_change_floor=None)) == Status(State.FRESH)


@pytest.mark.parametrize("text", ["15个工作日内回复", "30日内办结回复", "及时受理来信", "及时受理依申请来件"])
def test_a_reply_duty_is_per_request_not_a_page_to_refresh(cal: WorkCalendar, text: str) -> None:
    # No request open: nothing is due, however long the page has been quiet.
    assert evaluate(column(text, D(2025, 1, 5)), D(2026, 11, 18), cal) == Status(State.FRESH)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("及时受理来信", D(2026, 10, 31)),  # letters: 30 days (setting), from 10-01
        ("及时受理依申请来件", D(2026, 11, 3)),  # 依申请公开: 20 working days; 10-01..07 off, 10-10 on
        ("30日内办结回复", D(2026, 10, 31)),
        ("20个工作日内答复", D(2026, 11, 3)),
    ],
)
def test_a_reply_duty_without_a_time_takes_the_default_of_its_kind(
    cal: WorkCalendar, text: str, due: date
) -> None:
    facts = column(text, D(2026, 6, 1), open_events=(D(2026, 10, 1),))
    status = evaluate(facts, D(2026, 10, 12), cal)
    assert (status.due, status.driver) == (due, "after_event")
    short = Policy(letter_reply=Span(10, TimeUnit.DAY), application_reply=Span(2, TimeUnit.WORKDAY))
    if "及时" in text:
        assert evaluate(facts, D(2026, 10, 12), cal, short).state is State.OVERDUE


def test_it_applies_the_yearly_floor_to_event_driven_columns(cal: WorkCalendar) -> None:
    facts = column("适时更新", D(2025, 10, 20))
    status = evaluate(facts, D(2026, 10, 16), cal)
    assert (status.due, status.driver, status.state) == (D(2026, 10, 20), "floor", State.DUE_SOON)
    no_floor = Policy(on_change_floor=None)
    assert evaluate(facts, D(2026, 10, 16), cal, no_floor) == Status(State.FRESH)


def test_it_prefers_the_rule_s_own_floor_over_the_policy(cal: WorkCalendar) -> None:
    status = evaluate(column("适时更新，至少一年更新一次", D(2025, 10, 20)), D(2026, 1, 5), cal)
    assert (status.due, status.driver) == (D(2026, 10, 20), "max_gap")


def test_it_lets_an_open_event_beat_the_floor(cal: WorkCalendar) -> None:
    text = "适时更新，自该政府信息形成或者变更之日起20个工作日内予以公开"
    quiet = evaluate(column(text, D(2026, 3, 2)), D(2026, 11, 2), cal)
    assert (quiet.due, quiet.driver) == (D(2027, 3, 2), "floor")
    busy = evaluate(column(text, D(2026, 3, 2), open_events=(D(2026, 11, 2),)), D(2026, 11, 2), cal)
    assert (busy.due, busy.driver) == (D(2026, 11, 30), "after_event")


# 每周不少于2条 on Wednesday 2026-11-18 (week 11-16..11-22).
@pytest.mark.parametrize(
    ("updates", "state", "due", "missing"),
    [
        ((), State.DUE_SOON, D(2026, 11, 22), 2),  # on the list since Monday: the whole quota
        (((D(2026, 11, 16), 1),), State.DUE_SOON, D(2026, 11, 22), 1),
        (((D(2026, 11, 16), 1), (D(2026, 11, 17), 1)), State.FRESH, D(2026, 11, 29), 0),
        (((D(2026, 11, 18), 3),), State.FRESH, D(2026, 11, 29), 0),
        (((D(2026, 11, 13), 5),), State.DUE_SOON, D(2026, 11, 22), 2),  # last week's items do not count
    ],
)
def test_it_counts_a_weekly_quota_in_the_calendar_week(
    cal: WorkCalendar, updates: tuple[tuple[date, int], ...], state: State, due: date, missing: int
) -> None:
    facts = column("每周不少于2条", None, created=D(2026, 11, 16), recent_updates=updates)
    status = evaluate(facts, D(2026, 11, 18), cal)
    assert (status.state, status.due, status.missing, status.driver) == (state, due, missing, "quota")
    assert status.warn_on == due.replace(day=due.day - 2)  # Sunday -> Friday


def test_it_counts_a_yearly_quota_to_the_last_day_of_the_year(cal: WorkCalendar) -> None:
    updates = tuple((D(2026, m, 10), 1) for m in (2, 4, 6, 8))
    facts = column("每年不少于6次", D(2026, 8, 10), created=D(2026, 1, 1), recent_updates=updates)
    status = evaluate(facts, D(2026, 12, 20), cal)
    assert (status.state, status.due, status.missing) == (State.FRESH, D(2026, 12, 31), 2)
    assert evaluate(facts, D(2026, 12, 29), cal).state is State.DUE_SOON
    # The year ended two short: overdue from 1 January, days late counted from the end of the missed year.
    missed = evaluate(facts, D(2027, 1, 4), cal)
    assert (missed.state, missed.due, missed.days_late, missed.missing) == (
        State.OVERDUE,
        D(2026, 12, 31),
        4,
        2,
    )
    # An update after the missed year is the fix: the new year's quota is what counts then.
    fixed = column(
        "每年不少于6次", D(2027, 1, 5), created=D(2026, 1, 1), recent_updates=(*updates, (D(2027, 1, 5), 1))
    )
    assert (evaluate(fixed, D(2027, 1, 6), cal).state, evaluate(fixed, D(2027, 1, 6), cal).missing) == (
        State.FRESH,
        5,
    )


def test_a_weekly_quota_missed_for_three_months_is_overdue_from_the_first_missed_week(
    cal: WorkCalendar,
) -> None:
    facts = column("每周不少于2条", D(2026, 10, 4), recent_updates=((D(2026, 10, 3), 1), (D(2026, 10, 4), 1)))
    status = evaluate(facts, D(2027, 1, 4), cal)
    # Week 09-28..10-04 met; week 10-05..10-11 missed: overdue since 10-12.
    assert (status.state, status.due, status.days_late, status.missing) == (
        State.OVERDUE,
        D(2026, 10, 11),
        85,
        2,
    )


@pytest.mark.parametrize(
    ("created", "today", "state", "missing"),
    [
        (D(2026, 11, 25), D(2026, 12, 1), State.FRESH, 1),  # 6 × 37/365 ≈ 0.6 → 1 item this year
        (D(2026, 12, 30), D(2026, 12, 31), State.FRESH, 0),  # 6 × 2/365 → none: nothing asked
        (D(2026, 7, 1), D(2026, 12, 1), State.FRESH, 3),  # half the year left: 3
    ],
)
def test_an_item_that_came_onto_the_list_mid_period_is_asked_for_its_share(
    cal: WorkCalendar, created: date, today: date, state: State, missing: int
) -> None:
    status = evaluate(column("每年不少于6次", None, created=created), today, cal)
    assert (status.missing, status.driver) == (missing, "quota")
    if missing:
        assert status.due == D(2026, 12, 31)
    else:
        assert status.due == D(2027, 12, 31)  # the next year asks the whole quota


def test_it_uses_a_window_ending_today_for_a_rolling_quota(cal: WorkCalendar) -> None:
    updates = ((D(2026, 11, 2), 1), (D(2026, 11, 5), 1), (D(2026, 11, 10), 1))
    facts = column("任意连续2周内不少于3条", D(2026, 11, 10), recent_updates=updates)
    status = evaluate(facts, D(2026, 11, 12), cal)
    # Full until the third-newest item (11-02) leaves the window: due 11-16.
    assert (status.due, status.missing, status.state) == (D(2026, 11, 16), 0, State.DUE_SOON)
    late = evaluate(facts, D(2026, 11, 18), cal)
    assert (late.state, late.missing) == (State.OVERDUE, 1)
    # An item dated after today (a clock ahead, a mistyped day) neither fills the window nor moves it.
    ahead = column("任意连续2周内不少于3条", D(2026, 11, 10), recent_updates=(*updates, (D(2026, 11, 20), 1)))
    assert evaluate(ahead, D(2026, 11, 12), cal) == status


def test_it_counts_the_last_update_even_when_the_log_does_not_hold_it(cal: WorkCalendar) -> None:
    # The website reader saw an item on 11-17 that nobody logged: it is one of this week's two.
    facts = column("每周不少于2条", D(2026, 11, 17), recent_updates=((D(2026, 11, 16), 1),))
    status = evaluate(facts, D(2026, 11, 18), cal)
    assert (status.state, status.due, status.missing) == (State.FRESH, D(2026, 11, 29), 0)


def test_it_lets_the_earliest_part_decide(cal: WorkCalendar) -> None:
    facts = column("2周内更新，每周不少于2条", D(2026, 11, 16), recent_updates=((D(2026, 11, 16), 1),))
    status = evaluate(facts, D(2026, 11, 17), cal)
    assert (status.due, status.driver, status.missing) == (D(2026, 11, 22), "quota", 1)


@pytest.mark.parametrize(
    ("day", "per", "start", "end"),
    [
        (D(2026, 11, 18), Span(1, TimeUnit.WEEK), D(2026, 11, 16), D(2026, 11, 22)),
        (D(2026, 2, 20), Span(1, TimeUnit.HALFMONTH), D(2026, 2, 16), D(2026, 2, 28)),
        (D(2026, 2, 15), Span(1, TimeUnit.HALFMONTH), D(2026, 2, 1), D(2026, 2, 15)),
        (D(2026, 8, 15), Span(3, TimeUnit.MONTH), D(2026, 7, 1), D(2026, 9, 30)),
        (D(2026, 2, 15), Span(6, TimeUnit.MONTH), D(2026, 1, 1), D(2026, 6, 30)),
        (D(2026, 5, 5), Span(1, TimeUnit.YEAR), D(2026, 1, 1), D(2026, 12, 31)),
        (D(2026, 11, 18), Span(1, TimeUnit.DAY), D(2026, 11, 18), D(2026, 11, 18)),
    ],
)
def test_it_aligns_quota_periods_with_the_calendar(day: date, per: Span, start: date, end: date) -> None:
    assert period_bounds(day, per) == (start, end)


def test_it_aligns_two_week_periods_on_mondays() -> None:
    start, end = period_bounds(D(2026, 11, 18), Span(2, TimeUnit.WEEK))
    assert start.weekday() == 0 and (end - start).days == 13 and start <= D(2026, 11, 18) <= end
    assert period_bounds(end, Span(2, TimeUnit.WEEK)) == (start, end)


def test_it_gives_accounts_a_weekly_default_and_flags_zombies(cal: WorkCalendar) -> None:
    facts = account("", D(2026, 11, 9))
    status = evaluate(facts, D(2026, 11, 16), cal)
    assert (status.state, status.due, status.driver, status.risk) == (
        State.DUE_TODAY,
        D(2026, 11, 16),
        "account_default",
        None,
    )
    soon = evaluate(facts, D(2026, 11, 21), cal).risk  # 12 days: two before the 14-day line
    assert soon is not None and (soon.line, soon.crossed, soon.veto, soon.limit) == (
        "account_zombie",
        False,
        False,
        14,
    )
    zombie = evaluate(facts, D(2026, 11, 23), cal)
    assert zombie.state is State.OVERDUE and zombie.days_late == 7
    assert zombie.risk is not None and zombie.risk.crossed and zombie.risk.days == 14
    assert zombie.risk.label == "政务新媒体账号已14天未更新（14天未更新视为“僵尸号”）"
    assert evaluate(facts, D(2026, 11, 20), cal).risk is None


def test_it_follows_an_account_s_own_rule_and_asks_about_a_bad_one(cal: WorkCalendar) -> None:
    assert evaluate(account("每两周一次", D(2026, 11, 9)), D(2026, 11, 16), cal).due == D(2026, 11, 23)
    status = evaluate(account("随便", D(2026, 11, 9)), D(2026, 11, 16), cal)
    assert status.state is State.NEEDS_RULE and status.reason and status.reason.startswith("无法识别")


@pytest.mark.parametrize(
    ("days", "risky", "crossed"),
    [(9, False, False), (10, True, False), (13, True, False), (14, True, True), (30, True, True)],
)
def test_it_marks_home_page_columns_at_ten_and_fourteen_days(
    cal: WorkCalendar, days: int, risky: bool, crossed: bool
) -> None:
    facts = column("2周内更新", D(2026, 11, 2), category=Category.HOME)
    today = D.fromordinal(D(2026, 11, 2).toordinal() + days)
    risk = evaluate(facts, today, cal).risk
    assert (risk is not None) is risky
    if risk is not None:
        assert (risk.line, risk.veto, risk.days, risk.limit, risk.crossed) == (
            "home_stale",
            True,
            days,
            14,
            crossed,
        )
        assert risk.label == f"首页栏目已{days}天未更新（14天未更新单项否决）"


@pytest.mark.parametrize(
    ("category", "line", "limit"),
    [
        (Category.NEWS, "news_stale", 14),
        (Category.NOTICE, "notice_stale", 182),  # 2025-07-02: more than 6 months after 2025-01-01
        (Category.PERSONNEL, "personnel_stale", 366),  # 2026-01-02: more than a year
    ],
)
def test_it_marks_the_deduction_lines(cal: WorkCalendar, category: Category, line: str, limit: int) -> None:
    last = D(2025, 1, 1)
    facts = column("适时更新", last, category=category)
    at = D.fromordinal(last.toordinal() + limit)
    risk = evaluate(facts, at, cal).risk
    assert risk is not None and (risk.line, risk.limit, risk.crossed, risk.veto) == (line, limit, True, False)
    assert evaluate(facts, D.fromordinal(last.toordinal() + limit - 2), cal).risk is not None
    assert evaluate(facts, D.fromordinal(last.toordinal() + limit - 3), cal).risk is None


@pytest.mark.parametrize(
    ("category", "line"),
    [
        (Category.NEWS, "news_stale"),
        (Category.NOTICE, "notice_stale"),
        (Category.PERSONNEL, "personnel_stale"),
    ],
)
@pytest.mark.parametrize("last", [D(2025, 1, 1), D(2025, 8, 31), D(2026, 2, 28)])
def test_an_item_crosses_its_line_on_the_day_the_score_first_deducts_it(
    cal: WorkCalendar, category: Category, line: str, last: date
) -> None:
    # One judgement: /overdue's inspection mark and `zhiri score` count the same days, from the same settings.
    policy = Policy(lines=replace(DEFAULT_THRESHOLDS, news_stale_days=10, notice_stale_months=3))
    facts = column("适时更新", last, category=category)

    def deducted(today: date) -> bool:
        view = InspectedItem(1, "栏目", (), ItemKind.COLUMN, category, 2, State.FRESH, last, last_update=last)
        return any(d.line == line for d in score_site([view], today, policy.lines).deductions)

    risk = evaluate(facts, last, cal, policy).risk
    crossed = next(
        D.fromordinal(n)
        for n in range(last.toordinal(), last.toordinal() + 400)
        if (risk := evaluate(facts, D.fromordinal(n), cal, policy).risk) is not None and risk.crossed
    )
    assert deducted(crossed) and not deducted(D.fromordinal(crossed.toordinal() - 1))


def test_it_flags_a_letter_unanswered_for_more_than_three_months(cal: WorkCalendar) -> None:
    facts = column(
        "30日内办结回复", D(2026, 1, 5), category=Category.INTERACTIVE, open_events=(D(2026, 6, 1),)
    )
    # 3 months after 06-01 is 09-01; "more than" that is 09-02. Marked from the warning line (more than 2
    # months, INSPECT_LETTER_WARN_MONTHS), so the leader hears of it a month ahead: from 08-02.
    assert evaluate(facts, D(2026, 8, 1), cal).risk is None
    early = evaluate(facts, D(2026, 8, 2), cal).risk
    assert early is not None and (early.veto, early.days, early.crossed) == (True, 62, False)
    assert (
        evaluate(
            facts, D(2026, 8, 30), cal, Policy(lines=replace(DEFAULT_THRESHOLDS, letter_warn_months=3))
        ).risk
        is None
    )
    near = evaluate(facts, D(2026, 9, 1), cal).risk
    assert near is not None and (near.line, near.veto, near.days, near.limit, near.crossed) == (
        "letter_unanswered",
        True,
        92,
        93,
        False,
    )
    past = evaluate(facts, D(2026, 9, 2), cal).risk
    assert past is not None and (past.line, past.veto, past.days, past.crossed) == (
        "letter_unanswered",
        True,
        93,
        True,
    )
    assert past.label == "有来信或申请已93天未办结，已超过3个月（单项否决）"


@pytest.mark.parametrize("text", ["每日检查是否运行正常", "外链", "保障链接有效"])
def test_it_has_no_content_duty_for_check_only_and_external_items(cal: WorkCalendar, text: str) -> None:
    assert evaluate(column(text, D(2020, 1, 1)), D(2026, 11, 18), cal).state is State.NOT_APPLICABLE


@pytest.mark.parametrize("text", ["", "随便", "每周不少于"])
def test_it_asks_for_a_rule_it_cannot_read(cal: WorkCalendar, text: str) -> None:
    status = evaluate(column(text, D(2026, 11, 2), category=Category.HOME), D(2026, 11, 16), cal)
    assert status.state is State.NEEDS_RULE and status.due is None
    assert status.reason == parse_rule(text).reason
    assert status.risk is not None and status.risk.crossed  # the inspection line still applies


def test_it_keeps_working_past_the_package_data_and_says_so() -> None:
    years: list[int] = []
    cal = WorkCalendar(on_fallback=years.append)
    facts = column("15个工作日内回复", D(2026, 12, 1), open_events=(D(2026, 12, 24),))
    status = evaluate(facts, D(2027, 1, 4), cal)
    # 12-25, 12-28..31, then 2027 by weekends only: 1-1 (unknown holiday, counted), 1-4..8, 1-11..14.
    assert status.due == D(2027, 1, 14)
    assert years == [2027]


def test_it_honours_the_warn_lead_setting(cal: WorkCalendar) -> None:
    facts = column("2周内更新", D(2026, 11, 14))
    assert evaluate(facts, D(2026, 11, 23), cal, Policy(warn_lead_workdays=4)).state is State.DUE_SOON
    assert evaluate(facts, D(2026, 11, 26), cal, Policy(warn_lead_workdays=0)).state is State.FRESH


def test_it_adds_spans_like_people_do(cal: WorkCalendar) -> None:
    assert add_span(D(2026, 1, 31), Span(1, TimeUnit.MONTH), cal) == D(2026, 2, 28)
    assert add_span(D(2026, 9, 30), Span(1, TimeUnit.WORKDAY), cal) == D(2026, 10, 8)
    assert add_span(D(2026, 11, 1), Span(2, TimeUnit.HALFMONTH), cal) == D(2026, 12, 1)


@pytest.mark.parametrize(
    ("last", "today", "state", "late"),
    [
        (D(2026, 11, 20), D(2026, 11, 22), State.DUE_SOON, 0),  # updated Friday: not late on Sunday
        (D(2026, 11, 20), D(2026, 11, 23), State.DUE_TODAY, 0),  # Monday is the day
        (D(2026, 11, 20), D(2026, 11, 24), State.OVERDUE, 1),
        (D(2026, 9, 30), D(2026, 10, 5), State.DUE_SOON, 0),  # the National Day week does not count
        (D(2026, 9, 30), D(2026, 10, 8), State.DUE_TODAY, 0),
        (D(2026, 10, 9), D(2026, 10, 10), State.DUE_TODAY, 0),  # Saturday 10-10 is a working day (调休)
        (D(2026, 10, 9), D(2026, 10, 11), State.OVERDUE, 1),
    ],
)
def test_a_daily_news_duty_counts_working_days(
    cal: WorkCalendar, last: date, today: date, state: State, late: int
) -> None:
    status = evaluate(column("每日更新", last), today, cal)
    assert (status.state, status.days_late) == (state, late)


def test_a_daily_duty_that_includes_holidays_counts_every_day(cal: WorkCalendar) -> None:
    status = evaluate(column("每日更新（含节假日）", D(2026, 11, 20)), D(2026, 11, 23), cal)
    assert (status.state, status.due, status.days_late) == (State.OVERDUE, D(2026, 11, 21), 2)


def test_a_per_unit_quota_judges_each_unit_on_its_own_updates(cal: WorkCalendar) -> None:
    # 各乡镇每周不少于2条 on Wednesday 11-18: township 1 sent 2 this week, township 2 one, township 3
    # none since the list began on Monday 11-02 (so it missed the week of 11-09).
    facts = ItemFacts(
        rule=parse_rule("各乡镇每周不少于2条"),
        kind=ItemKind.COLUMN,
        created=D(2026, 11, 2),
        last_update=D(2026, 11, 17),
        recent_updates=((D(2026, 11, 16), 1), (D(2026, 11, 17), 2)),
        unit_updates={
            1: ((D(2026, 11, 16), 1), (D(2026, 11, 17), 1)),
            2: ((D(2026, 11, 17), 1),),
            3: (),
        },
    )
    status = evaluate(facts, D(2026, 11, 18), cal)
    assert status.units == (
        UnitStatus(3, State.OVERDUE, D(2026, 11, 8), D(2026, 11, 6), 10, 2),
        UnitStatus(2, State.DUE_SOON, D(2026, 11, 22), D(2026, 11, 20), 0, 1),
        UnitStatus(1, State.FRESH, D(2026, 11, 29), D(2026, 11, 27), 0, 0),
    )
    # The item is as urgent as its most urgent unit; its shortfall is the units' added up; it is not
    # "unknown" because one unit has never logged.
    overall = (status.state, status.due, status.days_late, status.missing, status.unknown)
    assert overall == (State.OVERDUE, D(2026, 11, 8), 10, 3, False)
    # The same text without 各…: one quota for the column, met by everyone's items together.
    whole = evaluate(replace(facts, rule=parse_rule("每周不少于2条")), D(2026, 11, 18), cal)
    assert (whole.state, whole.units) == (State.FRESH, ())
    # One contributing unit: the column's own judgement (nothing to share out).
    alone = evaluate(replace(facts, unit_updates={1: facts.unit_updates[1]}), D(2026, 11, 18), cal)
    assert (alone.state, alone.units) == (State.FRESH, ())


def test_a_per_unit_gap_is_each_units_longest_silence(cal: WorkCalendar) -> None:
    # 各部门每周至少1条 is "at most a week between a department's items", department by department.
    facts = ItemFacts(
        rule=parse_rule("各部门每周至少1条"),
        kind=ItemKind.COLUMN,
        created=D(2026, 11, 2),
        last_update=D(2026, 11, 17),
        recent_updates=((D(2026, 11, 10), 1), (D(2026, 11, 17), 1)),
        unit_updates={7: ((D(2026, 11, 17), 1),), 8: ((D(2026, 11, 10), 1),)},
    )
    status = evaluate(facts, D(2026, 11, 18), cal)
    got = [(u.unit_id, u.state, u.due, u.days_late) for u in status.units]
    assert got == [(8, State.OVERDUE, D(2026, 11, 17), 1), (7, State.FRESH, D(2026, 11, 24), 0)]
    # An update logged for a later day (a preview of an earlier moment) does not count yet: on Monday
    # department 7 has logged nothing since the list began on 11-02.
    earlier = evaluate(facts, D(2026, 11, 16), cal)
    got = [(u.unit_id, u.state, u.days_late) for u in earlier.units]
    assert got == [(7, State.OVERDUE, 14), (8, State.DUE_SOON, 0)]
