"""The routine as a pure function: what to tell whom at a moment (日查、预警、逾期、督办、半月查、周总结).

`decide(snapshot, moment_local, calendar, settings)` looks at a snapshot of one site (items already judged
for the moment's day, units, people, chats, who confirmed today's read, half-month answers, this fortnight's
updates) and returns the decisions (`domain.notice.Notice`: who is told what, about which items, with which
actions offered) of every slot of that day whose time has come and that has not run yet
(`Snapshot.done_slots`). No sentence is written here: `plan` hands the notices to `domain.wording`, the one
place they are put into words, and returns the messages. The shell (`jobs.routine`) gathers the snapshot,
writes the messages to the outbox and records the slots as run; `zhiri preview` prints them instead.

Everything happens on working days only (调休 included): on a holiday no slot exists, so nothing about a
holiday is sent on a holiday. Every message carries an idempotency key `kind:chat:day:items[:extra]`, so
writing the same plan twice sends nothing twice; the 15:00 repeat of a warning is its own slot and names
only what is still not done.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property

from domain.calendar import WorkCalendar
from domain.inspection import DEFAULT_THRESHOLDS, Score
from domain.model import (
    BROKEN_PAGE,
    COLUMN,
    DUE_STATES,
    EMPTY_PAGE,
    OVERDUE,
    CheckResult,
    State,
)
from domain.notice import (
    TELEGRAM,
    Answer,
    Body,
    CalendarMissing,
    ChatView,
    Checklist,
    ChecklistSheet,
    DailyRead,
    DueWarning,
    Escalated,
    Escalation,
    EveningNote,
    Group,
    HalfMonthReport,
    ItemView,
    MessageKind,
    MonthlyReminder,
    Notice,
    Overdue,
    Planned,
    QuarterlyBulletin,
    Recipient,
    Slot,
    Unbound,
    UnboundUnit,
    UnitMonth,
    UnitView,
    UnitWeek,
    Unreached,
    WeeklySummary,
    Who,
    Why,
    YearlyRanking,
)
from domain.robots import mention_of
from domain.site import SiteWords
from domain.wording import SiteText, Style, render_all

__all__ = [
    "SLOTS",
    "RoutineSettings",
    "Snapshot",
    "check_day",
    "decide",
    "due_slots",
    "half_month_period",
    "monthly_day",
    "needs_action",
    "parse_holiday_list",
    "plan",
    "report_day",
    "report_period_on",
    "slots_on",
    "weekly_stats",
]

# Slots in the order their messages are written when they share a time: a group reads the daily list
# first, then the checklist, then what is due and what is late.
SLOTS = (
    Slot.DAILY_READ,
    Slot.HALF_MONTH_CHECK,
    Slot.DUE_WARNING,
    Slot.OVERDUE,
    Slot.ESCALATION,
    Slot.MONTHLY_REMINDER,
    Slot.QUARTERLY_BULLETIN,
    Slot.YEARLY_RANK,
    Slot.DUE_WARNING_REPEAT,
    Slot.WEEKLY_SUMMARY,
    Slot.EVENING_NOTE,
    Slot.HALF_MONTH_REPORT,
)


@dataclass(frozen=True)
class RoutineSettings:
    """Times (site-local) and thresholds of the routine. Defaults follow the pledge (附件3) and DOMAIN.md.

    `advance_workdays` should equal `Policy.warn_lead_workdays`: advance notices go to items that the due
    engine already calls "due soon", so a larger value here than there sends nothing more.
    """

    daily_read_at: time = time(9, 0)
    warning_at: time = time(9, 0)
    warning_repeat_at: time | None = time(15, 0)  # None: no afternoon repeat
    overdue_at: time = time(9, 0)
    escalation_at: time = time(9, 0)
    evening_note_at: time = time(17, 0)
    half_month_check_at: time = time(9, 0)
    half_month_report_at: time = time(17, 0)
    half_month_report_workday: int = 3  # the report goes out on this working day of the check (1 = check day)
    weekly_summary_at: time = time(16, 0)
    weekly_summary_weekday: int = 4  # Friday (Monday = 0); a holiday moves it to the week's last working day
    # 月提醒 on the month's first working day; 季通报 and 年评分 go with it on a quarter's and a year's first
    # working day. None: none of them.
    monthly_reminder_at: time | None = time(9, 0)
    advance_workdays: int = 2
    escalate_after_workdays: int = 1  # full working days overdue before the leader hears of it
    # the 3rd empty column (veto at 5) escalates every empty column
    empty_columns_escalate_at: int = DEFAULT_THRESHOLDS.empty_warn
    max_text: int = 3800  # below Telegram's 4096, with room for the "(1/2)" marks
    checklist_chunk: int = 15  # items per half-month checklist message (two buttons each)
    done_buttons: int = 8  # at most this many "已更新" buttons under a warning
    # A group with more items than this gets the compact forms: the daily read lists only what needs action
    # and counts the rest in one line; the half-month check is one message with its checklist attached.
    full_list_max: int = 20

    def slot_time(self, slot: Slot) -> time | None:
        return {
            Slot.DAILY_READ: self.daily_read_at,
            Slot.HALF_MONTH_CHECK: self.half_month_check_at,
            Slot.DUE_WARNING: self.warning_at,
            Slot.OVERDUE: self.overdue_at,
            Slot.ESCALATION: self.escalation_at,
            Slot.DUE_WARNING_REPEAT: self.warning_repeat_at,
            Slot.WEEKLY_SUMMARY: self.weekly_summary_at,
            Slot.MONTHLY_REMINDER: self.monthly_reminder_at,
            Slot.QUARTERLY_BULLETIN: self.monthly_reminder_at,
            Slot.YEARLY_RANK: self.monthly_reminder_at,
            Slot.EVENING_NOTE: self.evening_note_at,
            Slot.HALF_MONTH_REPORT: self.half_month_report_at,
        }[slot]


# ---------------------------------------------------------------------------------------------------------
# The snapshot: plain data the shell gathers for one site and one moment (the people, units, chats and
# items in it are `domain.notice`'s)


@dataclass(frozen=True)
class Snapshot:
    site_id: int
    site_name: str
    items: tuple[ItemView, ...]
    units: tuple[UnitView, ...]
    chats: tuple[ChatView, ...]
    admins: tuple[Who, ...] = ()
    done_slots: frozenset[Slot] = frozenset()  # slots already run on the moment's day
    read_confirmed: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # chat -> who pressed 已巡查
    answers_period: date | None = None
    answers: Mapping[int, Answer] = field(default_factory=dict)  # item id -> answer for answers_period
    # (item id, local day) of updates since last week's Monday (since last month's first day on the monthly
    # reminder's day)
    updates: tuple[tuple[int, date], ...] = ()
    last_week_late: Mapping[str, int] | None = None  # unit id (text) -> overdue items at last summary
    # The site's inspection score, gathered only on the days a summary carries it (weekly, monthly).
    inspection: Score | None = None
    words: SiteWords = field(default_factory=SiteWords)  # the site's own names for its office and pledge

    @cached_property
    def units_by_id(self) -> dict[int, UnitView]:
        return {u.id: u for u in self.units}


# ---------------------------------------------------------------------------------------------------------
# Which slots a day has


def half_month_period(day: date) -> date:
    """The first day of the half-month (1–15, 16–end) that contains `day`."""
    return day.replace(day=1 if day.day <= 15 else 16)


def check_day(period: date, calendar: WorkCalendar) -> date:
    """The half-month check goes out on the 1st or 16th, or the next working day."""
    return calendar.next_working_day_on_or_after(period)


def report_day(period: date, calendar: WorkCalendar, settings: RoutineSettings) -> date:
    """The half-month report goes out on the n-th working day, counting the check day as the 1st."""
    return calendar.add_working_days(
        check_day(period, calendar), max(0, settings.half_month_report_workday - 1)
    )


def report_period_on(day: date, calendar: WorkCalendar, settings: RoutineSettings) -> date | None:
    """The half-month period whose report is due on `day`, if any."""
    this = half_month_period(day)
    previous = half_month_period(this - timedelta(days=1))
    for period in (this, previous):
        if report_day(period, calendar, settings) == day:
            return period
    return None


def weekly_day(day: date, calendar: WorkCalendar, settings: RoutineSettings) -> date | None:
    """The weekly summary's day in `day`'s week: Friday, or the week's last working day before it."""
    monday = day - timedelta(days=day.weekday())
    target = calendar.last_working_day_on_or_before(monday + timedelta(days=settings.weekly_summary_weekday))
    return target if target >= monday else None


def monthly_day(day: date, calendar: WorkCalendar) -> date:
    """The monthly reminder's day in `day`'s month: its first working day (调休 included)."""
    return calendar.next_working_day_on_or_after(day.replace(day=1))


def slots_on(day: date, calendar: WorkCalendar, settings: RoutineSettings) -> list[tuple[Slot, time]]:
    """Every slot of `day` with its time, in the order messages are written. None on a non-working day."""
    if not calendar.is_working_day(day):
        return []
    out: list[tuple[Slot, time]] = []
    for slot in SLOTS:
        at = settings.slot_time(slot)
        if at is None:
            continue
        if slot == Slot.HALF_MONTH_CHECK and check_day(half_month_period(day), calendar) != day:
            continue
        if slot == Slot.HALF_MONTH_REPORT and report_period_on(day, calendar, settings) is None:
            continue
        if slot == Slot.WEEKLY_SUMMARY and weekly_day(day, calendar, settings) != day:
            continue
        first = monthly_day(day, calendar) == day
        if slot == Slot.MONTHLY_REMINDER and not first:
            continue
        if slot == Slot.QUARTERLY_BULLETIN and not (first and day.month in (1, 4, 7, 10)):
            continue
        if slot == Slot.YEARLY_RANK and not (first and day.month == 1):
            continue
        out.append((slot, at))
    order = {s: i for i, s in enumerate(SLOTS)}
    return sorted(out, key=lambda st: (st[1], order[st[0]]))


def due_slots(
    done: Iterable[str], moment_local: datetime, calendar: WorkCalendar, settings: RoutineSettings
) -> list[Slot]:
    """Slots of the moment's day whose time has come and that have not run: the catch-up rule.

    Only today's slots: a day that has passed is never replayed.
    """
    done = set(done)
    now = moment_local.time().replace(tzinfo=None)
    return [s for s, at in slots_on(moment_local.date(), calendar, settings) if at <= now and s not in done]


# ---------------------------------------------------------------------------------------------------------
# Who hears about what


def _helpers(item: ItemView, units_by_id: Mapping[int, UnitView]) -> tuple[str, ...]:
    """The units helping with an item (配合): named in its reminders, not reminded themselves. Under a
    per-unit duty every contributing unit answers for its own share: none is a helper."""
    if not item.lead_unit_ids or item.shares:
        return ()
    leads = set(item.lead_unit_ids)
    return tuple(units_by_id[u].name for u in item.unit_ids if u not in leads and u in units_by_id)


_RANKS = {State.OVERDUE: 0, State.DUE_TODAY: 1, State.DUE_SOON: 2}
# What `needs_action` tests every item of every group for (plain names: see `domain.model`'s).
_ACTION = frozenset({OVERDUE, *DUE_STATES})
_PAGE_TROUBLE = frozenset({EMPTY_PAGE, BROKEN_PAGE})


def _urgency(item: ItemView, today: date) -> tuple[int, int, date, str]:
    state = item.state
    rank = 1 if item.warn_on == today and state is not OVERDUE else _RANKS.get(state, 3)
    return rank, -item.days_late, item.due_on or date.max, item.title


@dataclass(frozen=True)
class _Audience:
    to: Recipient
    unit_ids: tuple[int, ...]


def _only(ids: Sequence[int]) -> int | None:
    return ids[0] if len(ids) == 1 else None


def _audiences(snap: Snapshot) -> list[_Audience]:
    """Every bound chat, then every unit with items that no chat covers (addressed to the unit, nowhere)."""
    out = [
        _Audience(
            # A group of one unit: its messages may go to another group of that unit if this one is lost.
            Recipient(c.telegram_id, f"chat:{c.telegram_id}", unit_id=_only(c.unit_ids), platform=c.platform),
            tuple(c.unit_ids),
        )
        for c in sorted(snap.chats, key=lambda c: c.telegram_id)
    ]
    covered = {u for c in snap.chats for u in c.unit_ids}
    with_items = {u for it in snap.items for u in it.unit_ids}
    for unit in sorted(snap.units, key=lambda u: u.name):
        if unit.id in with_items and unit.id not in covered:
            out.append(_Audience(Recipient(None, f"unit:{unit.name}", unit_id=unit.id), (unit.id,)))
    return out


def _groups(
    snap: Snapshot, aud: _Audience, items: Sequence[ItemView], *, notify: bool, today: date
) -> tuple[Group, ...]:
    """Items grouped by the audience's unit that answers for them (each item once, units by name, most
    urgent first); with `notify`, the units that help with an item are named under it."""
    order = {u: i for i, u in enumerate(aud.unit_ids)}
    by_unit: dict[int, list[ItemView]] = defaultdict(list)
    for item in items:
        units = item.notify_unit_ids if notify else item.unit_ids
        if len(units) == 1:  # most items: no choosing
            if units[0] in order:
                by_unit[units[0]].append(item)
            continue
        units = tuple(u for u in units if u in order)
        if units:
            by_unit[min(units, key=order.__getitem__)].append(item)
    units_by_id = snap.units_by_id
    groups = []
    for unit_id in sorted(by_unit, key=lambda u: units_by_id[u].name if u in units_by_id else ""):
        unit = units_by_id.get(unit_id) or UnitView(unit_id, f"单位{unit_id}")
        mine = tuple(sorted(by_unit[unit_id], key=lambda i: _urgency(i, today)))
        helpers = {i.id: h for i in mine if (h := _helpers(i, units_by_id))} if notify else {}
        groups.append(Group(unit, mine, helpers))
    return tuple(groups)


def _listed(groups: Sequence[Group]) -> list[ItemView]:
    return [i for g in groups for i in g.items]


def _person(who: Who) -> Recipient:
    return Recipient(who.telegram_id, f"person:{who.label}", person_id=who.id)


# ---------------------------------------------------------------------------------------------------------
# The planner


@dataclass
class _Ctx:
    snap: Snapshot
    moment: datetime
    today: date
    calendar: WorkCalendar
    settings: RoutineSettings
    out: list[Notice] = field(default_factory=list)
    nowhere: dict[int, set[str]] = field(default_factory=dict)  # unit id -> kinds that could not be delivered
    # An audience's items (its units, whether reminded) as `seen` gives them, once per plan.
    _seen: dict[tuple[frozenset[int], bool], tuple[ItemView, ...]] = field(default_factory=dict)

    @cached_property
    def _by_unit(self) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """The snapshot's items by unit, as positions in `snap.items`: those each unit answers for, and those
        it is reminded of. Built once per plan, so that each audience reads its own items instead of every
        group scanning every item (2,000 groups × 100,000 items)."""
        answers: dict[int, list[int]] = defaultdict(list)
        reminded: dict[int, list[int]] = defaultdict(list)
        for k, item in enumerate(self.snap.items):
            units, told = item.unit_ids, item.notify_unit_ids
            if len(units) == 1 and told == units:  # most items: one unit, answering and reminded
                answers[units[0]].append(k)
                reminded[units[0]].append(k)
                continue
            for u in dict.fromkeys(units):
                answers[u].append(k)
            for u in dict.fromkeys(told):
                reminded[u].append(k)
        return answers, reminded

    @cached_property
    def audiences(self) -> list[_Audience]:
        """`_audiences` of the snapshot, once per plan (each slot's planner goes through them)."""
        return _audiences(self.snap)

    @cached_property
    def advance_day(self) -> date:
        """The day an advance notice warns of (`RoutineSettings.advance_workdays` working days ahead)."""
        return self.calendar.add_working_days(self.today, self.settings.advance_workdays)

    @cached_property
    def _shared(self) -> frozenset[int]:
        """The positions in `snap.items` of the items under a per-unit duty (`ItemView.shares`)."""
        return frozenset(k for k, item in enumerate(self.snap.items) if item.shares)

    def has_items(self, unit_id: int) -> bool:
        return unit_id in self._by_unit[0]

    def items_of(self, unit_id: int) -> list[ItemView]:
        """The items the unit answers for, in the snapshot's order, as they are (no share narrowing)."""
        return [self.snap.items[k] for k in self._by_unit[0].get(unit_id, ())]

    def seen(self, unit_ids: Iterable[int], *, notify: bool = False) -> tuple[ItemView, ...]:
        """The items an audience's units answer for (with `notify`: are reminded of), in the snapshot's order,
        each as those units see it (`ItemView.seen_by`: a per-unit duty shows their own share)."""
        units = frozenset(unit_ids)
        key = (units, notify)
        if (found := self._seen.get(key)) is None:
            index = self._by_unit[1 if notify else 0]
            if len(units) == 1:
                positions = index.get(next(iter(units)), [])
            else:
                positions = sorted({k for u in units for k in index.get(u, ())})
            found = tuple(map(self.snap.items.__getitem__, positions))
            # Only a per-unit duty's view depends on who sees it (`seen_by`): the rest are taken as they are.
            if not self._shared.isdisjoint(positions):
                found = tuple(item.seen_by(units) if item.shares else item for item in found)
            # Each slot's planner asks again for the same audiences (a county-wide group: 100,000 items).
            self._seen[key] = found
        return found

    def add(
        self,
        kind: MessageKind,
        slot: Slot,
        to: Recipient,
        body: Body,
        items: Sequence[ItemView] = (),
        *,
        extra: str = "",
        key_items: Iterable[int] | None = None,
        asks: bool = False,
    ) -> None:
        keyed = tuple(key_items) if key_items is not None else None
        self.out.append(Notice(kind, slot, to, self.today, body, tuple(items), extra, keyed, asks))
        if to.nowhere and to.unit_id is not None:
            self.nowhere.setdefault(to.unit_id, set()).add(kind)


def decide(
    snapshot: Snapshot,
    moment_local: datetime,
    calendar: WorkCalendar,
    settings: RoutineSettings | None = None,
) -> list[Notice]:
    """What every slot of the moment's day that is due and not yet run (see `due_slots`) tells whom.

    `moment_local` is in the site's time zone. Notices for units with no bound group are addressed to the
    unit (`Recipient.nowhere`); the administrators get one notice a day listing those units instead.
    """
    settings = settings or RoutineSettings()
    ctx = _Ctx(snapshot, moment_local, moment_local.date(), calendar, settings)
    slots = due_slots(snapshot.done_slots, moment_local, calendar, settings)
    for slot in slots:
        if slot == Slot.DUE_WARNING_REPEAT and Slot.DUE_WARNING in slots:
            continue  # the morning warning is being sent right now: repeating it minutes later is noise
        _PLANNERS[slot](ctx, slot)
    if Slot.DAILY_READ in slots:
        if ctx.nowhere:
            _unbound_notice(ctx, Slot.DAILY_READ)
        _calendar_notice(ctx, Slot.DAILY_READ)
    return ctx.out


def plan(
    snapshot: Snapshot,
    moment_local: datetime,
    calendar: WorkCalendar,
    settings: RoutineSettings | None = None,
    styles: Mapping[str, Style] | None = None,
) -> list[Planned]:
    """The messages of `decide`'s notices, in the words of `domain.wording` with the site's own names, each
    cut to the style of its recipient's platform (`styles`, by platform; Telegram's from the settings)."""
    settings = settings or RoutineSettings()
    site = SiteText(snapshot.site_name, snapshot.words)
    style = Style(max_text=settings.max_text, done_buttons=settings.done_buttons)
    return render_all(decide(snapshot, moment_local, calendar, settings), site, style, styles)


def _calendar_notice(ctx: _Ctx, slot: Slot) -> None:
    """Working days past the official data are guessed (Monday–Friday): say so, once a week, from December
    for the coming year, until the administrator loads the year's list."""
    years = [y for y in (ctx.today.year, ctx.today.year + 1) if y == ctx.today.year or ctx.today.month == 12]
    missing = tuple(y for y in years if not ctx.calendar.covered(y))
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    if not missing or ctx.calendar.next_working_day_on_or_after(monday) != ctx.today:
        return  # once a week: on its first working day
    week = ctx.today.isocalendar()
    for admin in ctx.snap.admins:
        ctx.add(
            MessageKind.ADMIN_NOTICE,
            slot,
            _person(admin),
            CalendarMissing(missing),
            key_items=missing,
            extra=f"calendar:{week[0]}w{week[1]}",
        )


def needs_action(item: ItemView, today: date) -> bool:
    """Whether an item needs the group's action today: due, late, heading for an inspection line, or its page
    found empty or broken. Everything else is only browsed (and counted, in a big group's daily read)."""
    return (
        item.state in _ACTION  # which includes every item warned of today (`_warned_today`)
        or item.risk is not None
        or item.read_status in _PAGE_TROUBLE
    )


def _daily_read(ctx: _Ctx, slot: Slot) -> None:
    today = ctx.today
    for aud in ctx.audiences:
        items = ctx.seen(aud.unit_ids)
        if not items:
            continue
        shown: Sequence[ItemView] = items
        rest = None
        if len(items) > ctx.settings.full_list_max:
            # A big group (a county-wide one) reads what needs action; the rest is one line, not 100 "正常".
            acts = [needs_action(i, today) for i in items]
            shown = [i for i, act in zip(items, acts, strict=True) if act]
            rest = tuple(i for i, act in zip(items, acts, strict=True) if not act)
        groups = _groups(ctx.snap, aud, shown, notify=False, today=today)
        ctx.add(MessageKind.DAILY_READ, slot, aud.to, DailyRead(groups, len(items), rest))


def _warned_today(item: ItemView, today: date) -> bool:
    return item.warn_on == today and item.state in DUE_STATES


def _advance(ctx: _Ctx, item: ItemView) -> bool:
    if not ctx.settings.advance_workdays or item.warn_on is None:
        return False
    if item.state not in DUE_STATES:
        return False
    return item.warn_on == ctx.advance_day


def _due_warning(ctx: _Ctx, slot: Slot) -> None:
    today = ctx.today
    repeat = slot == Slot.DUE_WARNING_REPEAT
    for aud in ctx.audiences:
        units = set(aud.unit_ids)
        # Only an item due soon or today is warned of, today or in advance.
        due = [i for i in ctx.seen(units, notify=True) if i.state in DUE_STATES]
        now_items = [i for i in due if _warned_today(i, today)]
        soon_items = [] if repeat else [i for i in due if _advance(ctx, i)]
        if not now_items and not soon_items:
            continue
        body = DueWarning(
            _groups(ctx.snap, aud, now_items, notify=True, today=today),
            _groups(ctx.snap, aud, soon_items, notify=True, today=today),
            repeat,
            ctx.settings.advance_workdays,
        )
        ctx.add(MessageKind.DUE_WARNING, slot, aud.to, body, extra="repeat" if repeat else "", asks=True)


def _overdue(ctx: _Ctx, slot: Slot) -> None:
    today = ctx.today
    for aud in ctx.audiences:
        units = set(aud.unit_ids)
        late = [i for i in ctx.seen(units, notify=True) if i.state is OVERDUE]
        if late:
            groups = _groups(ctx.snap, aud, late, notify=True, today=today)
            ctx.add(MessageKind.OVERDUE, slot, aud.to, Overdue(groups), asks=True)


def _escalation_reason(ctx: _Ctx, item: ItemView, empty_count: int) -> Why | None:
    """Why an item goes to the leader today, or None. Inspection lines escalate at once."""
    risk = item.risk
    if risk is not None and (risk.veto or risk.crossed):
        return Why(risk=risk)
    if item.read_status == EMPTY_PAGE and empty_count >= ctx.settings.empty_columns_escalate_at:
        return Why(empty_columns=empty_count)
    if item.state is OVERDUE and item.due_on is not None:
        # Full working days it has been late before today: the group had that long after its notice.
        full = ctx.calendar.working_days_between(item.due_on, ctx.today) - 1
        if full >= ctx.settings.escalate_after_workdays:
            return Why(late=True)
    return None


def _escalation(ctx: _Ctx, slot: Slot) -> None:
    today = ctx.today
    empty = sum(1 for i in ctx.snap.items if i.read_status == EMPTY_PAGE and i.kind == COLUMN)
    units = ctx.snap.units_by_id
    by_unit: dict[int, list[tuple[ItemView, Why]]] = defaultdict(list)
    for item in ctx.snap.items:
        for unit_id in item.notify_unit_ids or (0,):
            view = item.seen_by((unit_id,))  # a per-unit duty: each unit for its own share
            why = _escalation_reason(ctx, view, empty)
            if why is not None:
                by_unit[unit_id].append((view, why))
    if not by_unit:
        return

    def unit_of(uid: int) -> UnitView:
        return units.get(uid) or UnitView(uid, "未指定单位")

    def groups(unit_ids: Iterable[int]) -> tuple[Escalated, ...]:
        """Items under their units (by name), most urgent first."""
        return tuple(
            Escalated(unit_of(u), tuple(sorted(by_unit[u], key=lambda iw: _urgency(iw[0], today))))
            for u in sorted(unit_ids, key=lambda u: unit_of(u).name)
        )

    # Leaders: one private message per leader, for all their units.
    by_leader: dict[tuple[int | None, str], tuple[Who, list[int]]] = {}
    for unit_id in by_unit:
        for leader in unit_of(unit_id).leaders:
            by_leader.setdefault((leader.id, leader.label), (leader, []))[1].append(unit_id)
    for leader, unit_ids in by_leader.values():
        body = Escalation(groups(unit_ids), leader)
        ctx.add(MessageKind.ESCALATION, slot, _person(leader), body, extra=f"site{ctx.snap.site_id}")
    # Robot groups: where a leader without Telegram reads (DingTalk, WeCom, Feishu), one message per group.
    in_groups = _robot_groups(ctx.snap, by_unit)
    for chat, unit_ids in in_groups:
        to = Recipient(
            chat.telegram_id, f"chat:{chat.telegram_id}", _only(chat.unit_ids), platform=chat.platform
        )
        body = Escalation(groups(unit_ids), in_group=True)
        ctx.add(MessageKind.ESCALATION, slot, to, body, extra=f"site{ctx.snap.site_id}")
    # Administrators: one digest each, naming the leaders no path reaches.
    digest = Escalation(groups(by_unit), unreached=_unreached(by_unit, unit_of, in_groups))
    for admin in ctx.snap.admins:
        ctx.add(MessageKind.ESCALATION, slot, _person(admin), digest, extra=f"site{ctx.snap.site_id}")


def _robot_groups(snap: Snapshot, escalated: Iterable[int]) -> list[tuple[ChatView, list[int]]]:
    """The robot groups an escalation goes to, each with the escalated units it tells of: a unit's own robot
    groups, the ones bound to the fewest units (its own before a county-wide group), so that a unit with a
    group of its own is not escalated again, in front of every unit, in the county-wide one."""
    robots = [c for c in snap.chats if c.platform != TELEGRAM]
    told: dict[int, list[int]] = defaultdict(list)
    for unit_id in escalated:
        covering = [c for c in robots if unit_id in c.unit_ids]
        if not covering:
            continue
        fewest = min(len(c.unit_ids) for c in covering)
        for c in covering:
            if len(c.unit_ids) == fewest:
                told[c.telegram_id].append(unit_id)
    chats = {c.telegram_id: c for c in robots}
    return [(chats[address], told[address]) for address in sorted(told)]


def _unreached(
    escalated: Iterable[int],
    unit_of: Callable[[int], UnitView],
    in_groups: Sequence[tuple[ChatView, list[int]]],
) -> tuple[Unreached, ...]:
    """The leaders of escalated units whom no path reaches: not on Telegram, and not @-able in a robot group
    their unit's escalation goes to (named there at most: a robot's message names but does not notify)."""
    platforms: dict[int, list[str]] = defaultdict(list)
    for chat, unit_ids in in_groups:
        for u in unit_ids:
            platforms[u].append(chat.platform)
    out: list[Unreached] = []
    for unit_id in sorted(escalated, key=lambda u: unit_of(u).name):
        unit = unit_of(unit_id)
        for leader in unit.leaders:
            if leader.in_private:
                continue
            where = platforms.get(unit_id, [])
            if any(mention_of(leader, p) is not None for p in where):
                continue
            out.append(Unreached(leader, unit, where[0] if where else None))
    return tuple(out)


def _evening_note(ctx: _Ctx, slot: Slot) -> None:
    missing: list[tuple[ChatView, tuple[UnitView, ...]]] = []
    total = 0
    ids: list[int] = []
    units = ctx.snap.units_by_id
    chats = {c.telegram_id: c for c in ctx.snap.chats}
    for aud in ctx.audiences:
        if aud.to.chat_id is None or not any(ctx.has_items(u) for u in aud.unit_ids):
            continue
        total += 1
        if aud.to.chat_id in ctx.snap.read_confirmed:
            continue
        chat = chats[aud.to.chat_id]
        named = tuple(units[u] for u in aud.unit_ids if u in units)
        missing.append((chat, named))
        ids.extend(u.id for u in named)
    if not missing:
        return
    body = EveningNote(tuple(missing), total, ctx.settings.evening_note_at)
    for admin in ctx.snap.admins:
        ctx.add(
            MessageKind.EVENING_NOTE,
            slot,
            _person(admin),
            body,
            key_items=ids,
            extra=f"site{ctx.snap.site_id}",
        )


def _half_month_sheet(
    ctx: _Ctx, slot: Slot, aud: _Audience, items: Sequence[ItemView], period: date, due: date
) -> None:
    """A big group's half-month check: one message, its checklist as a spreadsheet, problems by reply."""
    groups = _groups(ctx.snap, aud, items, notify=False, today=ctx.today)
    body = ChecklistSheet(groups, period, due)
    ctx.add(
        MessageKind.HALF_MONTH_CHECK, slot, aud.to, body, _listed(groups), extra=f"{period.isoformat()}sheet"
    )


def _half_month_check(ctx: _Ctx, slot: Slot) -> None:
    today = ctx.today
    period = half_month_period(today)
    due = report_day(period, ctx.calendar, ctx.settings)
    for aud in ctx.audiences:
        items = ctx.seen(aud.unit_ids)
        if not items:
            continue
        if len(items) > ctx.settings.full_list_max:
            _half_month_sheet(ctx, slot, aud, items, period, due)
            continue
        flat = [
            (g.unit, i) for g in _groups(ctx.snap, aud, items, notify=False, today=today) for i in g.items
        ]
        chunk = ctx.settings.checklist_chunk
        total = (len(flat) + chunk - 1) // chunk
        for k in range(total):
            groups: list[Group] = []
            for unit, item in flat[k * chunk : (k + 1) * chunk]:
                if groups and groups[-1].unit == unit:
                    groups[-1] = Group(unit, (*groups[-1].items, item))
                else:
                    groups.append(Group(unit, (item,)))
            body = Checklist(tuple(groups), period, due, k + 1, total, k * chunk + 1, len(flat))
            ctx.add(
                MessageKind.HALF_MONTH_CHECK,
                slot,
                aud.to,
                body,
                _listed(groups),
                extra=f"{period.isoformat()}p{k + 1}",
            )


def _half_month_report(ctx: _Ctx, slot: Slot) -> None:
    today = ctx.today
    period = report_period_on(today, ctx.calendar, ctx.settings)
    if period is None or not ctx.snap.admins:
        return
    tz = ctx.moment.tzinfo
    answers = ctx.snap.answers if ctx.snap.answers_period == period else {}
    units = ctx.snap.units_by_id
    chat_units = {u for c in ctx.snap.chats for u in c.unit_ids}
    rows: list[tuple[UnitView, ItemView, Answer | None]] = []
    silent: list[tuple[UnitView, int, bool]] = []
    ok = bad = 0
    seen: set[int] = set()
    for unit in sorted(units.values(), key=lambda u: u.name):
        mine = sorted(ctx.items_of(unit.id), key=lambda i: i.title)
        if not mine:
            continue
        answered = 0
        for item in mine:
            ans = answers.get(item.id)
            if ans is not None:
                answered += 1
                if item.id not in seen:
                    seen.add(item.id)
                    ok += ans.result == CheckResult.OK
                    bad += ans.result != CheckResult.OK
                if tz is not None:
                    ans = replace(ans, at=ans.at.astimezone(tz))
            rows.append((unit, item, ans))
        if not answered:
            silent.append((unit, len(mine), unit.id in chat_units))
    total = len({i.id for i in ctx.snap.items})
    body = HalfMonthReport(period, tuple(rows), tuple(silent), ok, bad, total)
    for admin in ctx.snap.admins:
        ctx.add(
            MessageKind.HALF_MONTH_REPORT,
            slot,
            _person(admin),
            body,
            extra=f"site{ctx.snap.site_id}:{period.isoformat()}",
        )


def weekly_stats(snapshot: Snapshot) -> dict[str, int]:
    """Overdue items per unit now (unit id as text), kept with the weekly run for next week's trend."""
    out: dict[str, int] = defaultdict(int)
    for item in snapshot.items:
        for unit_id in item.notify_unit_ids:
            if item.seen_by((unit_id,)).state is OVERDUE:
                out[str(unit_id)] += 1
    return dict(out)


def _weekly_summary(ctx: _Ctx, slot: Slot) -> None:
    today = ctx.today
    monday = today - timedelta(days=today.weekday())
    last_monday = monday - timedelta(days=7)
    items = {i.id: i for i in ctx.snap.items}
    this_week: dict[int, int] = defaultdict(int)
    last_week: dict[int, int] = defaultdict(int)
    for item_id, day in ctx.snap.updates:
        item = items.get(item_id)
        if item is None or day < last_monday or day > today:
            continue
        for unit_id in item.unit_ids:
            (this_week if day >= monday else last_week)[unit_id] += 1
    late: dict[int, list[ItemView]] = defaultdict(list)
    for item in ctx.snap.items:
        for unit_id in item.notify_unit_ids:
            if (view := item.seen_by((unit_id,))).state is OVERDUE:
                late[unit_id].append(view)
    before = ctx.snap.last_week_late
    units = sorted(
        (u for u in ctx.snap.units if ctx.has_items(u.id)),
        key=lambda u: (-len(late.get(u.id, ())), u.name),
    )
    if not units:
        return

    def summary(selected: Sequence[UnitView], name: str) -> WeeklySummary:
        ids = {u.id for u in selected}
        weeks = tuple(
            UnitWeek(
                u,
                this_week.get(u.id, 0),
                last_week.get(u.id, 0),
                tuple(sorted(late.get(u.id, ()), key=lambda i: -i.days_late)),
                before.get(str(u.id), 0) if before is not None else None,
            )
            for u in selected
        )
        return WeeklySummary(
            name,
            monday,
            weeks,
            sum(this_week.get(u, 0) for u in ids),
            sum(last_week.get(u, 0) for u in ids),
            len({i.id for u in ids for i in late.get(u, ())}),
            sum(before.get(str(u), 0) for u in ids) if before is not None else None,
        )

    all_late = [i for i in ctx.snap.items if i.state is OVERDUE]
    extra = f"site{ctx.snap.site_id}"
    site_summary = replace(summary(units, ctx.snap.site_name), inspection=ctx.snap.inspection)
    for admin in ctx.snap.admins:
        ctx.add(
            MessageKind.WEEKLY_SUMMARY,
            slot,
            _person(admin),
            site_summary,
            all_late,
            key_items=(),
            extra=extra,
        )
    for leader, mine in _by_leader(units):
        ids = {u.id for u in mine}
        mine_late = [i for i in ctx.seen(ids, notify=True) if i.state is OVERDUE]
        body = summary(mine, "、".join(u.name for u in mine))
        ctx.add(MessageKind.WEEKLY_SUMMARY, slot, _person(leader), body, mine_late, key_items=(), extra=extra)


def _by_leader(units: Iterable[UnitView]) -> list[tuple[Who, list[UnitView]]]:
    """Each leader in charge with the units they answer for (a leader of two units hears once)."""
    out: dict[tuple[int | None, str], tuple[Who, list[UnitView]]] = {}
    for u in units:
        for leader in u.leaders:
            out.setdefault((leader.id, leader.label), (leader, []))[1].append(u)
    return list(out.values())


def _monthly_reminder(ctx: _Ctx, slot: Slot) -> None:
    """月提醒: the month that ended, per unit — updates logged in it, items overdue today and how long,
    quantity rules behind — to each leader for their units, and the whole site (with the inspection verdict)
    to the administrators."""
    this_month = ctx.today.replace(day=1)
    month = (this_month - timedelta(days=1)).replace(day=1)
    items = {i.id: i for i in ctx.snap.items}
    logged: dict[int, int] = defaultdict(int)
    for item_id, day in ctx.snap.updates:
        if not month <= day < this_month or (item := items.get(item_id)) is None:
            continue
        for unit_id in item.unit_ids:
            logged[unit_id] += 1
    late: dict[int, list[ItemView]] = defaultdict(list)
    behind: dict[int, list[ItemView]] = defaultdict(list)
    for item in ctx.snap.items:
        for unit_id in item.notify_unit_ids:
            view = item.seen_by((unit_id,))
            if view.state is OVERDUE:
                late[unit_id].append(view)
            elif view.missing > 0:
                behind[unit_id].append(view)
    units = sorted(
        (u for u in ctx.snap.units if ctx.has_items(u.id)),
        key=lambda u: (-len(late.get(u.id, ())), u.name),
    )
    if not units:
        return

    def reminder(selected: Sequence[UnitView], name: str, inspection: Score | None = None) -> MonthlyReminder:
        rows = tuple(
            UnitMonth(
                u,
                logged.get(u.id, 0),
                tuple(sorted(late.get(u.id, ()), key=lambda i: (-i.days_late, i.title))),
                tuple(sorted(behind.get(u.id, ()), key=lambda i: i.title)),
            )
            for u in selected
        )
        ids = {u.id for u in selected}
        return MonthlyReminder(
            name,
            month,
            rows,
            sum(logged.get(u, 0) for u in ids),
            len({i.id for u in ids for i in late.get(u, ())}),
            len({i.id for u in ids for i in behind.get(u, ())}),
            inspection,
        )

    extra = f"site{ctx.snap.site_id}:{month.isoformat()}"
    site_reminder = reminder(units, ctx.snap.site_name, ctx.snap.inspection)
    for admin in ctx.snap.admins:
        ctx.add(MessageKind.MONTHLY_REMINDER, slot, _person(admin), site_reminder, key_items=(), extra=extra)
    for leader, mine in _by_leader(units):
        body = reminder(mine, "、".join(u.name for u in mine))
        ctx.add(MessageKind.MONTHLY_REMINDER, slot, _person(leader), body, key_items=(), extra=extra)


def _quarterly_bulletin(ctx: _Ctx, slot: Slot) -> None:
    """季通报 of the quarter that ended, to the administrators (the shell draws the document)."""
    last = ctx.today.replace(day=1) - timedelta(days=1)
    body = QuarterlyBulletin(last.year, (last.month - 1) // 3 + 1)
    for admin in ctx.snap.admins:
        extra = f"site{ctx.snap.site_id}:{body.period}"
        ctx.add(MessageKind.BULLETIN, slot, _person(admin), body, key_items=(), extra=extra)


def _yearly_rank(ctx: _Ctx, slot: Slot) -> None:
    """年评分 of the year that ended, to the administrators (the shell draws the workbook)."""
    body = YearlyRanking(ctx.today.year - 1)
    for admin in ctx.snap.admins:
        extra = f"site{ctx.snap.site_id}:{body.year}"
        ctx.add(MessageKind.YEARLY_RANK, slot, _person(admin), body, key_items=(), extra=extra)


def _unbound_notice(ctx: _Ctx, slot: Slot) -> None:
    """Units with no bound group: their messages are addressed nowhere, so the administrators hear of them."""
    units = ctx.snap.units_by_id
    found = []
    for unit_id in sorted(ctx.nowhere, key=lambda u: units[u].name if u in units else ""):
        unit = units.get(unit_id)
        if unit is None:
            continue
        mine = ctx.items_of(unit_id)
        told = [i.seen_by((unit_id,)) for i in mine if unit_id in i.notify_unit_ids]
        late = sum(1 for i in told if i.state is OVERDUE)
        due = sum(1 for i in told if _warned_today(i, ctx.today))
        found.append(UnboundUnit(unit, len(mine), late, due))
    if not found:
        return
    for admin in ctx.snap.admins:
        ctx.add(
            MessageKind.ADMIN_NOTICE,
            slot,
            _person(admin),
            Unbound(tuple(found)),
            key_items=(),
            extra=f"unbound:site{ctx.snap.site_id}",
        )


_PLANNERS = {
    Slot.DAILY_READ: _daily_read,
    Slot.HALF_MONTH_CHECK: _half_month_check,
    Slot.DUE_WARNING: _due_warning,
    Slot.OVERDUE: _overdue,
    Slot.ESCALATION: _escalation,
    Slot.DUE_WARNING_REPEAT: _due_warning,
    Slot.WEEKLY_SUMMARY: _weekly_summary,
    Slot.MONTHLY_REMINDER: _monthly_reminder,
    Slot.QUARTERLY_BULLETIN: _quarterly_bulletin,
    Slot.YEARLY_RANK: _yearly_rank,
    Slot.EVENING_NOTE: _evening_note,
    Slot.HALF_MONTH_REPORT: _half_month_report,
}

# ---------------------------------------------------------------------------------------------------------
# The administrator's holiday list (/holidays YEAR)

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_RANGE = re.compile(_DATE.pattern + r"\s*(?:至|到|~|～|—|–|-{1,2})\s*" + _DATE.pattern)
_OFF = ("休", "假", "放假", "节假日", "holiday", "off")
_ON = ("班", "上班", "补班", "调休上班", "工作日", "workday", "work")


@dataclass(frozen=True)
class HolidayList:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    errors: tuple[str, ...] = ()


def parse_holiday_list(text: str, year: int) -> HolidayList:
    """Read an administrator's holiday list for `year`.

    Either one day per line with its kind (`2027-01-01 休`, `2027-02-07 班`), ranges allowed
    (`2027-10-01 至 2027-10-07 休`), or two lists each introduced by its kind (`休：2027-01-01, 2027-02-10`
    then `班：2027-02-07`, or a heading line `放假` followed by dates). A line's kind word also applies to the
    date-only lines after it. Dates of another year and lines not understood are errors, never guessed.
    """
    holidays: set[date] = set()
    workdays: set[date] = set()
    errors: list[str] = []
    mode: str | None = None
    # "休：A，B 班：C" on one line is two lists: start a new line at each kind heading.
    text = re.sub(r"(?<=[\s,，;；。])(?=(?:放假|休息|休|上班|补班|班)\s*[:：])", "\n", text)
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        days: list[date] = []
        try:
            for m in _RANGE.finditer(line):
                a, b = date(int(m[1]), int(m[2]), int(m[3])), date(int(m[4]), int(m[5]), int(m[6]))
                if b < a or (b - a).days > 40:
                    raise ValueError(f"日期范围不对：{m[0]}")
                days += [a + timedelta(days=k) for k in range((b - a).days + 1)]
            rest = _RANGE.sub(" ", line)
            days += [date(int(m[1]), int(m[2]), int(m[3])) for m in _DATE.finditer(rest)]
            rest = _DATE.sub(" ", rest)
        except ValueError as exc:
            errors.append(f"{line}：{exc}")
            continue
        words = rest.lower()
        # 调休上班 has both 休 and 班: a working day. Check the working words first.
        if any(w in words for w in _ON):
            mode = "work"
        elif any(w in words for w in _OFF):
            mode = "off"
        elif re.sub(r"[\s,，、;；:：。]+", "", words):
            errors.append(f"看不懂这一行：{line}")
            continue
        if not days:
            continue
        if mode is None:
            errors.append(f"没有说明是放假（休）还是上班（班）：{line}")
            continue
        for d in days:
            if d.year != year:
                errors.append(f"{d.isoformat()} 不是{year}年的日期")
            else:
                (holidays if mode == "off" else workdays).add(d)
    for d in sorted(holidays & workdays):
        errors.append(f"{d.isoformat()} 既写了放假又写了上班")
    return HolidayList(year, frozenset(holidays - workdays), frozenset(workdays - holidays), tuple(errors))
