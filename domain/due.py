"""When is an item due, and how urgent is it today? Pure: `today` and the calendar come in as arguments.

Every part of a rule gives a last allowed day (`due`); the earliest one decides and is named in `driver`:
- `max_gap`: the last update + the span. With no known last update the item is due on the day it came onto
  the list: unknown is not fresh (`Status.unknown`; people read "最近更新日期未知");
- `floor`: an event-driven rule (适时更新, or only deadlines after events) with no gap of its own still needs
  an update within `Policy.on_change_floor` (附件2 note: 适时更新的栏目…最迟1年内要有更新);
- `quota`: each calendar period (week Mon–Sun, 1–15/16–end, month, quarter from Jan/Apr/Jul/Oct, n weeks
  counted in ISO weeks, year) must hold `count` items. A period that ended short is missed: due at its end,
  overdue from the next day until the next update. The current period short → due at its end; met → due at
  the end of the next one. The period an item came onto the list in asks only its share (pro-rated). A
  rolling quota counts the window that ends today;
- `after_event`: each open event + the span; the oldest open event decides. A reply duty with no time
  written (及时受理来信) takes the default of its kind from `Policy` (letters 30 days, 依申请公开 20
  working days);
- `account_default`: a new-media account with no written rule is due weekly (DOMAIN.md).
- per unit (`Rule.per_unit`, 各乡镇每周不少于2条): with two or more contributing units each unit is judged on
  the updates logged for it alone (`ItemFacts.unit_updates`), and the item is as urgent as its most urgent
  unit; `Status.units` gives every unit's own state and shortfall.

People are warned on `warn_on`, the last working day on or before `due` (a Sunday deadline is Friday's job),
and see "due soon" from `Policy.warn_lead_workdays` working days before that. Days late are calendar days
after the last allowed day, for every rule.
"""

from __future__ import annotations

from calendar import isleap
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from domain.calendar import WorkCalendar
from domain.inspection import DEFAULT_THRESHOLDS, Thresholds, stale_from
from domain.model import (
    STATE_URGENCY,
    Category,
    InspectionRisk,
    ItemFacts,
    ItemKind,
    Quota,
    Rule,
    Span,
    State,
    Status,
    TimeUnit,
    UnitStatus,
    own_shares,
)

__all__ = ["Policy", "add_span", "evaluate", "for_units", "period_bounds", "reply_span"]


@dataclass(frozen=True)
class Policy:
    """Thresholds that are settings, not code. Defaults follow DOMAIN.md; the inspection lines an item is
    marked against are `lines`, the inspection's own `Thresholds` (the one place their numbers live)."""

    warn_lead_workdays: int = 2
    on_change_floor: Span | None = field(default_factory=lambda: Span(1, TimeUnit.YEAR))
    account_default_gap: Span = field(default_factory=lambda: Span(1, TimeUnit.WEEK))
    # Requests (letters, 依申请公开) whose rule gives no time: the statutory or local default.
    letter_reply: Span = field(default_factory=lambda: Span(30, TimeUnit.DAY))
    application_reply: Span = field(default_factory=lambda: Span(20, TimeUnit.WORKDAY))
    lines: Thresholds = DEFAULT_THRESHOLDS


_DEFAULT_POLICY = Policy()


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_len(year: int, month: int) -> int:
    # calendar.monthrange also works out a weekday we do not need; this runs for every monthly item.
    return 29 if month == 2 and isleap(year) else _MONTH_DAYS[month - 1]


def _add_months(d: date, months: int) -> date:
    """Calendar month arithmetic, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    m = d.year * 12 + d.month - 1 + months
    year, month0 = divmod(m, 12)
    last = _month_len(year, month0 + 1)
    return date(year, month0 + 1, d.day if d.day <= last else last)


def add_span(d: date, span: Span, calendar: WorkCalendar) -> date:
    """`d` + span: week = 7n days, halfmonth = 15n days, months and years by the calendar (clamped to the
    month's end), working days on `calendar`."""
    return date.fromordinal(_add_span_o(d, span, calendar, 1))


def _add_span_o(d: date, span: Span, calendar: WorkCalendar, sign: int) -> int:
    unit, n = span.unit, span.n * sign
    if unit is TimeUnit.DAY:
        return d.toordinal() + n
    if unit is TimeUnit.WEEK:
        return d.toordinal() + 7 * n
    if unit is TimeUnit.HALFMONTH:
        return d.toordinal() + 15 * n
    if unit is TimeUnit.WORKDAY:
        return calendar.add_working_days_ordinal(d.toordinal(), n)
    if unit is TimeUnit.MONTH:
        return _add_months(d, n).toordinal()
    return _add_months(d, 12 * n).toordinal()


def period_bounds(day: date, per: Span) -> tuple[date, date]:
    """First and last day of the calendar period of length `per` that contains `day`.

    Periods are aligned so that they mean what people mean: weeks start on Monday (ordinal 1, 0001-01-01, is
    a Monday, so n-week periods follow ISO weeks), months from January (3 months = quarters), half-months are
    1–15 and 16–end. Working-day periods have no calendar meaning; callers use a rolling window for them.
    """
    n = per.n
    if per.unit is TimeUnit.DAY or per.unit is TimeUnit.WORKDAY:
        start_o = (day.toordinal() - 1) // n * n + 1
        return date.fromordinal(start_o), date.fromordinal(start_o + n - 1)
    if per.unit is TimeUnit.WEEK:
        start_o = (day.toordinal() - 1) // (7 * n) * (7 * n) + 1
        return date.fromordinal(start_o), date.fromordinal(start_o + 7 * n - 1)
    if per.unit is TimeUnit.HALFMONTH:
        half = (day.year * 12 + day.month - 1) * 2 + (0 if day.day <= 15 else 1)
        first = half // n * n
        return _half_start(first), _half_end(first + n - 1)
    months = n if per.unit is TimeUnit.MONTH else 12 * n
    m = day.year * 12 + day.month - 1
    first_m = m // months * months
    last_m = first_m + months - 1
    y2, m2 = divmod(last_m, 12)
    return date(first_m // 12, first_m % 12 + 1, 1), date(y2, m2 + 1, _month_len(y2, m2 + 1))


def _half_start(h: int) -> date:
    year, month0 = divmod(h // 2, 12)
    return date(year, month0 + 1, 1 if h % 2 == 0 else 16)


def _half_end(h: int) -> date:
    year, month0 = divmod(h // 2, 12)
    return date(year, month0 + 1, 15 if h % 2 == 0 else _month_len(year, month0 + 1))


def _prorated(count: int, start: date, end: date, created: date) -> int:
    """The share of `count` still asked for when the item came onto the list inside the period: the quota
    times the part of the period left, to the nearest whole item (a yearly 6 imported on 25 November asks
    for 1; a weekly 1 imported on a Saturday asks for none until Monday)."""
    if created <= start:
        return count
    left = end.toordinal() - created.toordinal() + 1
    length = end.toordinal() - start.toordinal() + 1
    return int(count * left / length + 0.5)


def _quota_due(q: Quota, facts: ItemFacts, today: date, calendar: WorkCalendar) -> tuple[int, int]:
    """(ordinal of the last allowed day, items still missing) for a quota.

    Calendar periods are judged one after the other from the period of the last update (or of the day the
    item came onto the list, whichever is later): a period that ended short is missed, and the item is
    overdue from the day after it ended until it is updated again (an update after the missed period is the
    fix; the periods before it are not held against it twice). The current period is short → due at its end;
    met → due at the end of the next one.
    """
    updates = list(facts.recent_updates)
    last = facts.last_update
    if last is not None and all(d != last for d, _ in updates):
        # The last update may not be in the recent log (e.g. read from the website): it is one item.
        updates.append((last, 1))
    if q.rolling or q.per.unit is TimeUnit.WORKDAY:
        start = date.fromordinal(_add_span_o(today, q.per, calendar, -1))  # the window that ends today
        done = sum(c for d, c in updates if start <= d <= today)
        # The window stays full until the count-th newest item drops out of it.
        seen = 0
        kth: date | None = None
        for d, c in sorted(updates, key=lambda u: u[0], reverse=True):
            if d > today:
                continue
            seen += c
            if seen >= q.count:
                kth = d
                break
        anchor = kth if kth is not None else facts.created
        return _add_span_o(anchor, q.per, calendar, 1), max(0, q.count - done)
    latest = max((d for d, _ in updates if d <= today), default=None)
    first = facts.created if latest is None or latest < facts.created else latest
    start, end = period_bounds(min(first, today), q.per)
    while True:
        asked = _prorated(q.count, start, end, facts.created)
        done = sum(c for d, c in updates if start <= d <= min(end, today))
        missing = max(0, asked - done)
        if end >= today:
            if missing:
                return end.toordinal(), missing
            # Met for this period: the next period's quota is the next thing that can go wrong.
            return period_bounds(date.fromordinal(end.toordinal() + 1), q.per)[1].toordinal(), 0
        if missing:
            return end.toordinal(), missing  # a period that ended short: overdue since the day after
        start, end = period_bounds(date.fromordinal(end.toordinal() + 1), q.per)


_LINES: dict[Category, tuple[str, bool, str]] = {
    Category.HOME: ("home_stale", True, "首页栏目已{days}天未更新（{limit}天未更新单项否决）"),
    Category.ACCOUNT: (
        "account_zombie",
        False,
        "政务新媒体账号已{days}天未更新（{limit}天未更新视为“僵尸号”）",
    ),
    Category.NEWS: ("news_stale", False, "动态要闻类栏目已{days}天未更新（{limit}天未更新每栏扣3分）"),
    Category.NOTICE: (
        "notice_stale",
        False,
        "通知公告、政策文件类栏目已{days}天未更新（{limit}天未更新每栏扣4分）",
    ),
    Category.PERSONNEL: (
        "personnel_stale",
        False,
        "人事、规划计划类栏目已{days}天未更新（{limit}天未更新每栏扣5分）",
    ),
}


def _risk(facts: ItemFacts, base_o: int | None, today: date, policy: Policy) -> InspectionRisk | None:
    """The inspection line this item is approaching or past (全国政府网站普查评分表), if any. `base_o` is the
    last update (None when it is not known: no line can be measured)."""
    category = Category.ACCOUNT if facts.kind is ItemKind.ACCOUNT else facts.category
    if category is Category.INTERACTIVE or facts.rule.reply is not None:
        return _letter_risk(facts, today, policy)
    line = _LINES.get(category)
    if line is None or base_o is None:
        return None
    days = today.toordinal() - base_o
    t = policy.lines
    if category is Category.HOME:
        limit, warn_from = t.home_veto_days, t.home_warn_days
    else:
        limit = {
            Category.ACCOUNT: t.account_veto_days,
            Category.NEWS: t.news_stale_days,
            Category.NOTICE: _months_limit(base_o, t.notice_stale_months),
            Category.PERSONNEL: _months_limit(base_o, t.personnel_stale_months),
        }[category]
        warn_from = limit - policy.warn_lead_workdays
    if days < warn_from:
        return None
    name, veto, label = line
    return InspectionRisk(name, veto, days, limit, days >= limit, label.format(days=days, limit=limit))


def _months_limit(since_o: int, months: int) -> int:
    """Days from `since_o` to the first day it lies more than `months` back (6个月内未更新), counted as the
    inspection counts it."""
    return stale_from(date.fromordinal(since_o), months).toordinal() - since_o


def _letter_risk(facts: ItemFacts, today: date, policy: Policy) -> InspectionRisk | None:
    # A request (letter, 依申请公开) left open longer than the veto line (3 months) fails the whole site;
    # it is marked from `letter_warn_months` on, so the leader hears of it while there is still time.
    open_now = [d for d in facts.open_events if d <= today]
    if not open_now:
        return None
    oldest = min(open_now)
    t = policy.lines
    limit = _months_limit(oldest.toordinal(), t.letter_veto_months)
    days = today.toordinal() - oldest.toordinal()
    if days < _months_limit(oldest.toordinal(), t.letter_warn_months):
        return None
    label = (
        f"有来信或申请已{days}天未办结（超过{t.letter_veto_months}个月未回应单项否决）"
        if days < limit
        else f"有来信或申请已{days}天未办结，已超过{t.letter_veto_months}个月（单项否决）"
    )
    return InspectionRisk("letter_unanswered", True, days, limit, days >= limit, label)


def reply_span(rule: Rule, policy: Policy = _DEFAULT_POLICY) -> Span | None:
    """The deadline per received request: the rule's own, else the default of the setting for its kind of
    request (letters: 30 days; 依申请公开: 20 working days), else None."""
    if rule.after_event is not None:
        return rule.after_event
    if rule.reply == "application":
        return policy.application_reply
    if rule.reply == "letter":
        return policy.letter_reply
    return None


def _per_unit(facts: ItemFacts, today: date, calendar: WorkCalendar, policy: Policy) -> Status:
    """A per-unit rule: each contributing unit is judged on its own updates (its /done counts for it alone);
    the item is as urgent as its most urgent unit, and `missing` is the units' shortfalls added up. The
    inspection risk and "unknown" are the column's: a page read or logged by anyone is not unknown."""
    assert facts.unit_updates is not None
    plain = replace(facts.rule, per_unit=False)
    units = []
    for unit_id, updates in facts.unit_updates.items():
        mine = tuple(u for u in updates if u[0] <= today)
        last = max((d for d, _ in mine), default=None)
        own = replace(
            facts, rule=plain, last_update=last, recent_updates=mine, open_events=(), unit_updates=None
        )
        units.append((unit_id, evaluate(own, today, calendar, policy)))
    units.sort(key=lambda u: (STATE_URGENCY[u[1].state], -u[1].days_late, u[1].due or date.max, u[0]))
    whole = evaluate(replace(facts, rule=plain, unit_updates=None), today, calendar, policy)
    # An open event (a deadline after a request) is the column's, not a unit's: it may be the most urgent.
    worst = min((units[0][1], whole), key=lambda s: (STATE_URGENCY[s.state], -s.days_late, s.due or date.max))
    return replace(
        worst,
        missing=sum(s.missing for _, s in units),
        risk=whole.risk,
        unknown=whole.unknown,
        units=tuple(UnitStatus(u, s.state, s.due, s.warn_on, s.days_late, s.missing) for u, s in units),
    )


def for_units(status: Status, unit_ids: Iterable[int]) -> Status:
    """A per-unit item as the given units answer for it: the most urgent of their own states, their
    shortfalls added up, only their `units`. Unchanged when the rule is not per unit or none of them
    contributes (an administrator's whole view)."""
    mine = own_shares(status.units, unit_ids)
    if mine is None:
        return status
    worst = mine[0]
    return replace(
        status,
        state=worst.state,
        due=worst.due,
        warn_on=worst.warn_on,
        days_late=worst.days_late,
        missing=sum(u.missing for u in mine),
        units=mine,
    )


def evaluate(
    facts: ItemFacts, today: date, calendar: WorkCalendar, policy: Policy = _DEFAULT_POLICY
) -> Status:
    """Judge one item on `today`: its state, last allowed day, warning day, days late and inspection risk.

    This is the one judgement every view shows (the chat commands, the routine, the export, `zhiri rule`).
    Days late are always calendar days after the last allowed day, whatever unit the rule is written in
    (a 5-working-day deadline missed on Friday is 3 days late on Monday).
    """
    rule = facts.rule
    if rule.per_unit and rule.ok and facts.unit_updates is not None and len(facts.unit_updates) > 1:
        return _per_unit(facts, today, calendar, policy)
    last = facts.last_update
    # Unknown is not fresh: with no known update the item is due on the day it came onto the list.
    base = last or facts.created
    base_o = base.toordinal()
    today_o = today.toordinal()

    def from_base(span: Span) -> int:
        return _add_span_o(base, span, calendar, 1) if last is not None else base_o

    # The earliest last-allowed day so far (as an ordinal) and which part set it.
    best_o = 0
    driver = ""
    missing = 0
    if not rule.ok:
        if facts.kind is ItemKind.ACCOUNT and not rule.text.strip():
            # Accounts post weekly by default (县政务新媒体通知); an empty rule column is not an error.
            best_o, driver = from_base(policy.account_default_gap), "account_default"
        else:
            return Status(
                State.NEEDS_RULE,
                reason=rule.reason,
                risk=_risk(facts, base_o if last else None, today, policy),
            )
    else:
        ae = reply_span(rule, policy)
        has_duty = rule.max_gap is not None or rule.quota is not None or ae is not None
        if not has_duty and (rule.check_only or rule.external):
            return Status(State.NOT_APPLICABLE)
        gap = rule.max_gap
        if gap is not None:
            best_o, driver = from_base(gap), "max_gap"
        elif rule.reply is not None:
            pass  # a page of requests has no content duty of its own: each request has its deadline
        elif (rule.on_change or ae is not None) and policy.on_change_floor is not None:
            # A deadline after an event (印发后5个工作日内) is event-driven too: with no event for a long time
            # the column still looks abandoned to an inspector, so the same floor applies.
            best_o, driver = from_base(policy.on_change_floor), "floor"
        if rule.quota is not None:
            q_o, missing = _quota_due(rule.quota, facts, today, calendar)
            if not driver or q_o < best_o:
                best_o, driver = q_o, "quota"
        events = [e for e in facts.open_events if e <= today]
        if ae is not None and events:
            e_o = min(_add_span_o(e, ae, calendar, 1) for e in events)
            if not driver or e_o < best_o:
                best_o, driver = e_o, "after_event"

    risk = _risk(facts, base_o if last else None, today, policy)
    # The last update matters to this rule (a gap, a floor or a quota) and nobody knows it.
    unknown = last is None and (driver in ("max_gap", "floor", "account_default") or rule.quota is not None)
    if not driver:
        # Only event deadlines and no open event (or no floor configured): nothing is due.
        return Status(State.FRESH, risk=risk)
    warn_on, soon_o = calendar.warn_window(best_o, policy.warn_lead_workdays)
    due = date.fromordinal(best_o)
    if today_o > best_o:
        late = today_o - best_o
        state = State.OVERDUE
    else:
        late = 0
        if today_o >= warn_on.toordinal():
            state = State.DUE_TODAY
        elif today_o >= soon_o:
            state = State.DUE_SOON
        else:
            state = State.FRESH
    return Status(state, due, warn_on, late, missing, driver, risk, unknown=unknown)
