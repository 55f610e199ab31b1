"""The routine as a pure function: what to send to whom at a moment (日查、预警、逾期、督办、半月查、周总结).

`plan(snapshot, moment_local, calendar, settings)` looks at a snapshot of one site (items already judged for
the moment's day, units, people, chats, who confirmed today's read, half-month answers, this fortnight's
updates) and returns the messages of every slot of that day whose time has come and that has not run yet
(`Snapshot.done_slots`). The shell (`jobs.routine`) gathers the snapshot, writes the result to the outbox and
records the slots as run; `zhiri preview` prints it instead.

Everything happens on working days only (调休 included): on a holiday no slot exists, so nothing about a
holiday is sent on a holiday. Every message carries an idempotency key `kind:chat:day:items[:extra]`, so
writing the same plan twice sends nothing twice; the 15:00 repeat of a warning is its own slot and names
only what is still not done.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from domain.actions import Action, Offer
from domain.calendar import WorkCalendar
from domain.inspection import DEFAULT_THRESHOLDS
from domain.model import InspectionRisk, State
from domain.site import SiteWords
from domain.text import STATE_LABELS, UNKNOWN_LAST, md, ymd

__all__ = [
    "CHECKLIST_REPLY_MARK",
    "KIND_NAMES",
    "SLOTS",
    "Answer",
    "ChatView",
    "ItemView",
    "Planned",
    "Recipient",
    "Report",
    "RoutineSettings",
    "Snapshot",
    "UnitView",
    "Who",
    "check_day",
    "due_slots",
    "half_month_period",
    "make_key",
    "needs_action",
    "parse_holiday_list",
    "plan",
    "report_day",
    "report_period_on",
    "slots_on",
    "undelivered_lines",
    "weekly_stats",
]

# Every kind of message the routine and the sender write, as people call it.
KIND_NAMES = {
    "daily_read": "日查清单",
    "due_warning": "当日预警",
    "overdue": "逾期提醒",
    "escalation": "督办提醒",
    "half_month_check": "半月查清单",
    "half_month_report": "半月查汇总",
    "weekly_summary": "周总结",
    "evening_note": "日查情况",
    "admin_notice": "管理员通知",
}


def undelivered_lines(readdressed: int, given_up_kinds: Sequence[str]) -> list[str]:
    """What became of a lost group's unsent messages, for the administrators (never dropped in silence)."""
    lines = []
    if readdressed:
        lines.append(f"{readdressed}条未发送的消息已改发到该单位的其他群。")
    if given_up_kinds:
        counts = Counter(KIND_NAMES.get(k, k) for k in given_up_kinds)
        listed = "、".join(f"{k}{n}条" for k, n in counts.items())
        lines.append(f"{len(given_up_kinds)}条消息未能送达（{listed}）。")
    return lines


# Slots in the order their messages are written when they share a time: a group reads the daily list
# first, then the checklist, then what is due and what is late.
SLOTS = (
    "daily_read",
    "half_month_check",
    "due_warning",
    "overdue",
    "escalation",
    "due_warning_repeat",
    "weekly_summary",
    "evening_note",
    "half_month_report",
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

    def slot_time(self, slot: str) -> time | None:
        return {
            "daily_read": self.daily_read_at,
            "half_month_check": self.half_month_check_at,
            "due_warning": self.warning_at,
            "overdue": self.overdue_at,
            "escalation": self.escalation_at,
            "due_warning_repeat": self.warning_repeat_at,
            "weekly_summary": self.weekly_summary_at,
            "evening_note": self.evening_note_at,
            "half_month_report": self.half_month_report_at,
        }[slot]


# ---------------------------------------------------------------------------------------------------------
# The snapshot: plain data the shell gathers for one site and one moment


@dataclass(frozen=True)
class Who:
    """A person as messages name them."""

    id: int | None
    name: str = ""
    username: str | None = None
    telegram_id: int | None = None

    @property
    def mention(self) -> str:
        # @username notifies the person in a group; the name says who it is to everyone else.
        if self.name and self.username:
            return f"{self.name} @{self.username}"
        if self.username:
            return f"@{self.username}"
        return self.name or (f"用户{self.telegram_id}" if self.telegram_id else "（未留姓名）")

    @property
    def label(self) -> str:
        return self.name or (f"@{self.username}" if self.username else f"用户{self.telegram_id}")


@dataclass(frozen=True)
class UnitView:
    id: int
    name: str
    webmasters: tuple[Who, ...] = ()
    leaders: tuple[Who, ...] = ()


@dataclass(frozen=True)
class ChatView:
    """An active chat bound to units (an all-units group lists every unit of the site)."""

    telegram_id: int
    title: str
    unit_ids: tuple[int, ...]


@dataclass(frozen=True)
class ItemView:
    """One item as judged for the snapshot's day."""

    id: int
    name: str
    path: str
    url: str | None
    kind: str  # column / account
    state: State
    due_on: date | None = None
    warn_on: date | None = None
    days_late: int = 0
    missing: int = 0
    driver: str = ""
    risk: InspectionRisk | None = None
    read_status: str | None = None  # what the website reader saw: ok, empty, broken, unknown
    unit_ids: tuple[int, ...] = ()  # responsible units (group units expanded to their members)
    lead_unit_ids: tuple[int, ...] = ()  # 牵头 units among them; they get the warnings when set
    rule_text: str = ""
    unknown: bool = False  # no update known: "最近更新日期未知"

    @property
    def title(self) -> str:
        return self.path or self.name

    @property
    def notify_unit_ids(self) -> tuple[int, ...]:
        return self.lead_unit_ids or self.unit_ids


@dataclass(frozen=True)
class Answer:
    """A half-month answer: `ok` or `problem`, with the problem and its fix."""

    item_id: int
    result: str
    note: str | None
    who: str
    at: datetime


@dataclass(frozen=True)
class Snapshot:
    site_id: int
    site_name: str
    items: tuple[ItemView, ...]
    units: tuple[UnitView, ...]
    chats: tuple[ChatView, ...]
    admins: tuple[Who, ...] = ()
    done_slots: frozenset[str] = frozenset()  # slots already run on the moment's day
    read_confirmed: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # chat -> who pressed 已巡查
    answers_period: date | None = None
    answers: Mapping[int, Answer] = field(default_factory=dict)  # item id -> answer for answers_period
    updates: tuple[tuple[int, date], ...] = ()  # (item id, local day) of updates since last week's Monday
    last_week_late: Mapping[str, int] | None = None  # unit id (text) -> overdue items at last summary
    words: SiteWords = field(default_factory=SiteWords)  # the site's own names for its office and pledge

    @cached_property
    def units_by_id(self) -> dict[int, UnitView]:
        return {u.id: u for u in self.units}


# ---------------------------------------------------------------------------------------------------------
# What plan returns


@dataclass(frozen=True)
class Recipient:
    """Where a message goes. `chat_id` None: nowhere (a unit with no bound group, a person never seen)."""

    chat_id: int | None
    label: str  # "chat:-100123", "person:张三", "unit:市财政局"
    unit_id: int | None = None
    person_id: int | None = None

    @property
    def nowhere(self) -> bool:
        return self.chat_id is None


@dataclass(frozen=True)
class Report:
    """A spreadsheet to send as a document: sheets of (title, header, rows). Rendered by the shell."""

    filename: str
    sheets: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...]


@dataclass(frozen=True)
class Planned:
    kind: str
    to: Recipient
    items: tuple[ItemView, ...]
    text: str
    key: str
    day: date
    slot: str
    offers: tuple[tuple[Offer, ...], ...] = ()  # actions offered under the message, platform-neutral
    document: Report | None = None
    # The items the message asks to be updated (a warning, an overdue notice): a /done replied to it logs
    # these. A daily read or a checklist lists items without asking, so it asks for none.
    asks: tuple[int, ...] = ()

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(i.id for i in self.items)

    def preview(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "kind": self.kind,
            "to": self.to.label,
            "items": [i.title for i in self.items],
            "text": self.text,
        }
        if self.to.nowhere:
            row["nowhere"] = True
        if self.offers:
            row["buttons"] = [[o.label for o in line] for line in self.offers]
        if self.document is not None:
            row["document"] = self.document.filename
        return row


def make_key(kind: str, chat: int | str | None, day: date, items: Iterable[int] = (), extra: str = "") -> str:
    """The idempotency key `kind:chat:day:items:extra`; long item lists are hashed to stay indexable."""
    items_part = ",".join(str(i) for i in sorted(set(items)))
    if len(items_part) > 160:
        items_part = "h" + hashlib.sha256(items_part.encode()).hexdigest()[:24]
    return f"{kind}:{chat if chat is not None else '-'}:{day.isoformat()}:{items_part}:{extra}"


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


def slots_on(day: date, calendar: WorkCalendar, settings: RoutineSettings) -> list[tuple[str, time]]:
    """Every slot of `day` with its time, in the order messages are written. None on a non-working day."""
    if not calendar.is_working_day(day):
        return []
    out: list[tuple[str, time]] = []
    for slot in SLOTS:
        at = settings.slot_time(slot)
        if at is None:
            continue
        if slot == "half_month_check" and check_day(half_month_period(day), calendar) != day:
            continue
        if slot == "half_month_report" and report_period_on(day, calendar, settings) is None:
            continue
        if slot == "weekly_summary" and weekly_day(day, calendar, settings) != day:
            continue
        out.append((slot, at))
    order = {s: i for i, s in enumerate(SLOTS)}
    return sorted(out, key=lambda st: (st[1], order[st[0]]))


def due_slots(
    done: Iterable[str], moment_local: datetime, calendar: WorkCalendar, settings: RoutineSettings
) -> list[str]:
    """Slots of the moment's day whose time has come and that have not run: the catch-up rule.

    Only today's slots: a day that has passed is never replayed.
    """
    done = set(done)
    now = moment_local.time().replace(tzinfo=None)
    return [s for s, at in slots_on(moment_local.date(), calendar, settings) if at <= now and s not in done]


# ---------------------------------------------------------------------------------------------------------
# Formatting helpers


def _names(people: Sequence[Who]) -> str:
    return "、".join(p.mention for p in people) if people else "未登记"


def _state_line(item: ItemView, today: date) -> str:
    due = md(item.due_on, today) if item.due_on else ""
    if item.state is State.OVERDUE and item.due_on:
        text = f"已逾期{item.days_late}天（应于{due}前更新）"
    elif item.state in (State.DUE_TODAY, State.DUE_SOON) and item.due_on:
        if item.warn_on == today and item.due_on != today:
            text = f"{due}到期（休息日），请今天更新"
        elif item.due_on == today:
            text = "今天到期"
        else:
            text = f"{due}到期"
    elif item.state is State.FRESH:
        text = f"正常，下次应在{due}前更新" if item.due_on else "正常"
    elif item.state is State.NOT_APPLICABLE:
        text = "请检查页面运行正常"
    else:
        text = "更新要求待管理员确认"
    if item.missing and item.due_on:
        # A quota: what counts is how many are still missing by the end of the period.
        text = (
            f"本期还差{item.missing}条（{due}前）"
            if item.state is State.FRESH
            else f"{text}，还差{item.missing}条"
        )
    if item.unknown and item.state is not State.NOT_APPLICABLE:
        text += f"，{UNKNOWN_LAST}"
    if item.read_status == "empty":
        text += "，【空白栏目】"
    elif item.read_status == "broken":
        text += "，【页面无法打开】"
    return text


_MARK = {State.OVERDUE: "❗", State.DUE_TODAY: "⏰", State.DUE_SOON: "🔔"}


def _item_block(n: int, item: ItemView, detail: str, helpers: Sequence[str] = ()) -> list[str]:
    lines = [f"{n}. {item.title} — {detail}"]
    if item.url:
        lines.append(f"   {item.url}")
    if helpers:
        more = f"等{len(helpers)}个单位" if len(helpers) > HELPERS_NAMED else ""
        lines.append(f"   配合单位：{'、'.join(helpers[:HELPERS_NAMED])}{more}（也可登记更新）")
    return lines


HELPERS_NAMED = 5  # helping units named under an item; more are counted


def _helpers(item: ItemView, units_by_id: Mapping[int, UnitView]) -> list[str]:
    """The units helping with an item (配合): named in its reminders, not reminded themselves."""
    if not item.lead_unit_ids:
        return []
    leads = set(item.lead_unit_ids)
    return [units_by_id[u].name for u in item.unit_ids if u not in leads and u in units_by_id]


def _urgency(item: ItemView, today: date) -> tuple[int, int, date, str]:
    rank = {State.OVERDUE: 0, State.DUE_TODAY: 1, State.DUE_SOON: 2}.get(item.state, 3)
    if item.state is not State.OVERDUE and item.warn_on == today:
        rank = 1
    return rank, -item.days_late, item.due_on or date.max, item.title


def _layout(
    header: str, sections: Sequence[tuple[str, Sequence[list[str]]]], footer: str, limit: int
) -> list[tuple[str, int]]:
    """Split a message into parts below `limit` characters, never inside a block, with how many blocks each
    part holds. A section that continues into the next part repeats its heading; the footer goes under the
    last part only."""
    budget = limit - len(header) - len(footer) - 16
    parts: list[list[str]] = [[]]
    counts = [0]
    size = 0
    for heading, blocks in sections:
        for k, block in enumerate(blocks):
            text = "\n".join(block)
            head = heading if k == 0 else ""
            if parts[-1] and size + len(text) + len(head) + 3 > budget:
                parts.append([])
                counts.append(0)
                size = 0
                head = heading if k == 0 else f"{heading}（续）"
            if head:
                parts[-1].append(("\n" if parts[-1] else "") + head)
                size += len(head) + 2
            parts[-1].append(text)
            counts[-1] += 1
            size += len(text) + 1
    total = len(parts)
    out = []
    for i, (body, n) in enumerate(zip(parts, counts, strict=True), 1):
        mark = f"（{i}/{total}）" if total > 1 else ""
        tail = ["", footer] if footer and i == total else []
        out.append(("\n".join([header + mark, *([""] if body else []), *body, *tail]).strip(), n))
    return out


def _chunks(
    header: str, sections: Sequence[tuple[str, Sequence[list[str]]]], footer: str, limit: int
) -> list[str]:
    return [text for text, _ in _layout(header, sections, footer, limit)]


def _parts(
    header: str,
    sections: Sequence[tuple[str, Sequence[list[str]]]],
    listed: Sequence[ItemView],
    footer: str,
    limit: int,
) -> list[tuple[int, str, tuple[ItemView, ...]]]:
    """The numbered parts of a message whose blocks are `listed`'s items in order: (part number, text, the
    items that part lists)."""
    out = []
    first = 0
    for n, (text, count) in enumerate(_layout(header, sections, footer, limit), 1):
        out.append((n, text, tuple(listed[first : first + count])))
        first += count
    return out


# ---------------------------------------------------------------------------------------------------------
# Who hears about what


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
            Recipient(c.telegram_id, f"chat:{c.telegram_id}", unit_id=_only(c.unit_ids)),
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


def _sections(
    snap: Snapshot,
    aud: _Audience,
    items: Sequence[ItemView],
    detail: Any,
    *,
    notify: bool,
    today: date,
    numbered_from: int = 1,
) -> tuple[list[tuple[str, list[list[str]]]], list[ItemView]]:
    """Items grouped by the audience's unit that answers for them (each item once), unit heading naming the
    webmasters. Returns the sections and the items in the order they are listed."""
    order = {u: i for i, u in enumerate(aud.unit_ids)}
    by_unit: dict[int, list[ItemView]] = defaultdict(list)
    for item in items:
        units = [u for u in (item.notify_unit_ids if notify else item.unit_ids) if u in order]
        if not units:
            continue
        by_unit[min(units, key=lambda u: order[u])].append(item)
    sections: list[tuple[str, list[list[str]]]] = []
    listed: list[ItemView] = []
    n = numbered_from
    units_by_id = snap.units_by_id
    for unit_id in sorted(by_unit, key=lambda u: units_by_id[u].name if u in units_by_id else ""):
        unit = units_by_id.get(unit_id) or UnitView(unit_id, f"单位{unit_id}")
        blocks = []
        for item in sorted(by_unit[unit_id], key=lambda i: _urgency(i, today)):
            helpers = _helpers(item, units_by_id) if notify else []
            blocks.append(_item_block(n, item, detail(item), helpers))
            listed.append(item)
            n += 1
        sections.append((f"【{unit.name}】网站维护员：{_names(unit.webmasters)}", blocks))
    return sections, listed


def _done_buttons(items: Sequence[ItemView], settings: RoutineSettings) -> tuple[tuple[Offer, ...], ...]:
    rows = []
    for item in items[: settings.done_buttons]:
        rows.append((Offer(f"✅ 已更新：{_short(item.name, 18)}", Action.done(item.id)),))
    return tuple(rows)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------------------------------------------------
# The planner


@dataclass
class _Ctx:
    snap: Snapshot
    moment: datetime
    today: date
    calendar: WorkCalendar
    settings: RoutineSettings
    out: list[Planned] = field(default_factory=list)
    nowhere: dict[int, set[str]] = field(default_factory=dict)  # unit id -> kinds that could not be delivered

    def add(
        self,
        kind: str,
        slot: str,
        to: Recipient,
        items: Sequence[ItemView],
        text: str,
        *,
        extra: str = "",
        buttons: tuple[tuple[Offer, ...], ...] = (),
        document: Report | None = None,
        key_items: Iterable[int] | None = None,
        asks: bool = False,
    ) -> None:
        chat: int | str = to.chat_id if to.chat_id is not None else to.label
        ids = key_items if key_items is not None else [i.id for i in items]
        key = make_key(kind, chat, self.today, ids, extra)
        asked = tuple(i.id for i in items) if asks else ()
        self.out.append(
            Planned(kind, to, tuple(items), text, key, self.today, slot, buttons, document, asked)
        )
        if to.nowhere and to.unit_id is not None:
            self.nowhere.setdefault(to.unit_id, set()).add(kind)


def plan(
    snapshot: Snapshot,
    moment_local: datetime,
    calendar: WorkCalendar,
    settings: RoutineSettings | None = None,
) -> list[Planned]:
    """Messages of every slot of the moment's day that is due and not yet run (see `due_slots`).

    `moment_local` is in the site's time zone. Messages for units with no bound group are addressed to the
    unit (`Recipient.nowhere`); the administrators get one notice a day listing those units instead.
    """
    settings = settings or RoutineSettings()
    ctx = _Ctx(snapshot, moment_local, moment_local.date(), calendar, settings)
    slots = due_slots(snapshot.done_slots, moment_local, calendar, settings)
    for slot in slots:
        if slot == "due_warning_repeat" and "due_warning" in slots:
            continue  # the morning warning is being sent right now: repeating it minutes later is noise
        _PLANNERS[slot](ctx, slot)
    if "daily_read" in slots:
        if ctx.nowhere:
            _unbound_notice(ctx, "daily_read")
        _calendar_notice(ctx, "daily_read")
    return ctx.out


def _calendar_notice(ctx: _Ctx, slot: str) -> None:
    """Working days past the official data are guessed (Monday–Friday): say so, once a week, from December
    for the coming year, until the administrator loads the year's list."""
    years = [y for y in (ctx.today.year, ctx.today.year + 1) if y == ctx.today.year or ctx.today.month == 12]
    missing = [y for y in years if not ctx.calendar.covered(y)]
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    if not missing or ctx.calendar.next_working_day_on_or_after(monday) != ctx.today:
        return  # once a week: on its first working day
    week = ctx.today.isocalendar()
    text = "\n".join(
        [
            f"【节假日安排未录入】{'、'.join(f'{y}年' for y in missing)}的法定节假日和调休安排尚未录入，"
            "目前暂按周一至周五为工作日计算，到期日和提醒日可能不准。",
            *(
                f"请发送 /holidays {y} 并附上国务院办公厅公布的放假安排（每行一个日期，如“{y}-01-01 休”"
                f"“{y}-02-07 班”）。"
                for y in missing
            ),
        ]
    )
    for admin in ctx.snap.admins:
        ctx.add(
            "admin_notice",
            slot,
            _person(admin),
            (),
            text,
            key_items=missing,
            extra=f"calendar:{week[0]}w{week[1]}",
        )


def needs_action(item: ItemView, today: date) -> bool:
    """Whether an item needs the group's action today: due, late, heading for an inspection line, or its page
    found empty or broken. Everything else is only browsed (and counted, in a big group's daily read)."""
    return (
        item.state in (State.OVERDUE, State.DUE_TODAY, State.DUE_SOON)
        or _warned_today(item, today)
        or item.risk is not None
        or item.read_status in ("empty", "broken")
    )


def _rest_line(rest: Sequence[ItemView], listed_any: bool) -> str:
    """ "其余118项：正常110项，无需更新5项，待补充规则3项。" — a big group's items that need no action."""
    counts: dict[str, int] = defaultdict(int)
    for item in rest:
        counts[STATE_LABELS.get(item.state.value, item.state.value)] += 1
    parts = "，".join(f"{label}{n}项" for label, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    lead = "其余" if listed_any else "全部"
    return f"{lead}{len(rest)}项无需处理（{parts}），请照常浏览；完整清单可发送 /mine 查看。"


def _daily_read(ctx: _Ctx, slot: str) -> None:
    today = ctx.today
    header = (
        f"【日查】{ymd(today)}\n"
        "请各单位网站维护员今天逐一浏览以下栏目和账号，确认页面正常、内容及时、链接有效："
    )
    footer = "浏览检查完毕后，请点击下方「已巡查」按钮登记。"
    for aud in _audiences(ctx.snap):
        items = [i for i in ctx.snap.items if set(i.unit_ids) & set(aud.unit_ids)]
        if not items:
            continue
        shown, rest_line = items, ""
        if len(items) > ctx.settings.full_list_max:
            # A big group (a county-wide one) reads what needs action; the rest is one line, not 100 "正常".
            shown = [i for i in items if needs_action(i, today)]
            rest = [i for i in items if not needs_action(i, today)]
            rest_line = _rest_line(rest, bool(shown)) if rest else ""
        sections, listed = _sections(
            ctx.snap,
            aud,
            shown,
            lambda i: _MARK.get(i.state, "") + _state_line(i, today),
            notify=False,
            today=today,
        )
        head = header
        if rest_line:
            todo = f"以下{len(shown)}项需要处理：" if shown else "今天没有需要处理的。"
            head = f"【日查】{ymd(today)}\n本群负责{len(items)}个栏目和账号，{todo}"
        foot = f"{rest_line}\n{footer}" if rest_line else footer
        parts = _parts(head, sections, listed, foot, ctx.settings.max_text)
        for n, text, part in parts:
            last = n == len(parts)
            buttons = ((Offer("✅ 已巡查", Action.read(today)),),) if last else ()
            ctx.add("daily_read", slot, aud.to, part, text, extra=f"p{n}", buttons=buttons)


def _warned_today(item: ItemView, today: date) -> bool:
    return item.warn_on == today and item.state in (State.DUE_TODAY, State.DUE_SOON)


def _advance(ctx: _Ctx, item: ItemView) -> bool:
    if not ctx.settings.advance_workdays or item.warn_on is None:
        return False
    if item.state not in (State.DUE_SOON, State.DUE_TODAY):
        return False
    return item.warn_on == ctx.calendar.add_working_days(ctx.today, ctx.settings.advance_workdays)


def _warning_detail(item: ItemView, today: date) -> str:
    due = item.due_on or today
    if item.missing:
        text = f"本期还差{item.missing}条，本期至{md(due)}结束"
    elif item.driver == "after_event":
        text = f"办理期限{md(due)}到期"
    else:
        text = f"最迟应于{md(due)}前更新"
    if due > today:
        # warn_on is the last working day on or before the due day: a later due day is a rest day.
        text += f"（{md(due)}为休息日，请在今天完成）"
    return text


def _due_warning(ctx: _Ctx, slot: str) -> None:
    today = ctx.today
    repeat = slot == "due_warning_repeat"
    for aud in _audiences(ctx.snap):
        units = set(aud.unit_ids)
        mine = [i for i in ctx.snap.items if set(i.notify_unit_ids) & units]
        now_items = [i for i in mine if _warned_today(i, today)]
        soon_items = [] if repeat else [i for i in mine if _advance(ctx, i)]
        if not now_items and not soon_items:
            continue
        if repeat:
            header = (
                f"【当日预警·再次提醒】{ymd(today)}\n"
                "以下栏目今天是更新期限的最后一个工作日，截至目前仍未登记更新，请务必在今天下班前完成："
            )
        else:
            header = f"【当日预警】{ymd(today)}"
        sections: list[tuple[str, list[list[str]]]] = []
        listed: list[ItemView] = []
        if now_items:
            secs, got = _sections(
                ctx.snap, aud, now_items, lambda i: _warning_detail(i, today), notify=True, today=today
            )
            if not repeat:
                secs = [
                    (f"今天是以下栏目更新期限的最后一个工作日，请今天内完成更新：\n{h}" if k == 0 else h, b)
                    for k, (h, b) in enumerate(secs)
                ]
            sections += secs
            listed += got
        if soon_items:
            n = ctx.settings.advance_workdays
            secs, got = _sections(
                ctx.snap,
                aud,
                soon_items,
                lambda i: f"{md(i.due_on or today)}到期",
                notify=True,
                today=today,
                numbered_from=len(listed) + 1,
            )
            secs = [
                (f"以下栏目将在{n}个工作日后到期，请提前安排：\n{h}" if k == 0 else h, b)
                for k, (h, b) in enumerate(secs)
            ]
            sections += secs
            listed += got
        footer = "更新后请回复 /done 栏目名称，或点击下方按钮登记。"
        for n, text, part in _parts(header, sections, listed, footer, ctx.settings.max_text):
            buttons = _done_buttons([i for i in part if i in now_items] or part, ctx.settings)
            ctx.add(
                "due_warning",
                slot,
                aud.to,
                part,
                text,
                extra=("repeat" if repeat else "") + f"p{n}",
                buttons=buttons,
                asks=True,
            )


def _overdue(ctx: _Ctx, slot: str) -> None:
    today = ctx.today
    header = (
        f"【逾期提醒】{ymd(today)}\n"
        f"以下栏目已超过更新期限，请尽快更新；逾期未改将报告分管领导和{ctx.snap.words.office}："
    )
    footer = "更新后请回复 /done 栏目名称，或点击下方按钮登记。"
    for aud in _audiences(ctx.snap):
        units = set(aud.unit_ids)
        late = [i for i in ctx.snap.items if i.state is State.OVERDUE and set(i.notify_unit_ids) & units]
        if not late:
            continue
        sections, listed = _sections(
            ctx.snap,
            aud,
            late,
            lambda i: f"应于{md(i.due_on or today)}前更新，已逾期{i.days_late}天",
            notify=True,
            today=today,
        )
        for n, text, part in _parts(header, sections, listed, footer, ctx.settings.max_text):
            buttons = _done_buttons(part, ctx.settings)
            ctx.add("overdue", slot, aud.to, part, text, extra=f"p{n}", buttons=buttons, asks=True)


def _escalation_reason(ctx: _Ctx, item: ItemView, empty_count: int) -> str | None:
    """Why an item goes to the leader today, or None. Inspection lines escalate at once."""
    risk = item.risk
    if risk is not None and (risk.veto or risk.crossed):
        return risk.label
    if item.read_status == "empty" and empty_count >= ctx.settings.empty_columns_escalate_at:
        return f"空白栏目（全站已有{empty_count}个空白栏目，5个即单项否决）"
    if item.state is State.OVERDUE and item.due_on is not None:
        # Full working days it has been late before today: the group had that long after its notice.
        full = ctx.calendar.working_days_between(item.due_on, ctx.today) - 1
        if full >= ctx.settings.escalate_after_workdays:
            return f"已逾期{item.days_late}天（应于{md(item.due_on)}前更新）"
    return None


def _escalated(ctx: _Ctx) -> list[tuple[ItemView, str]]:
    empty = sum(1 for i in ctx.snap.items if i.read_status == "empty" and i.kind == "column")
    out = []
    for item in ctx.snap.items:
        reason = _escalation_reason(ctx, item, empty)
        if reason:
            out.append((item, reason))
    return out


_Blocks = list[tuple[str, list[list[str]]]]  # (unit heading, numbered item lines)


def _escalation(ctx: _Ctx, slot: str) -> None:
    today = ctx.today
    found = _escalated(ctx)
    if not found:
        return
    units = ctx.snap.units_by_id
    by_unit: dict[int, list[tuple[ItemView, str]]] = defaultdict(list)
    for item, reason in found:
        for unit_id in item.notify_unit_ids or (0,):
            by_unit[unit_id].append((item, reason))

    def unit_of(uid: int) -> UnitView:
        return units.get(uid) or UnitView(uid, "未指定单位")

    # Leaders: one private message per leader, for all their units.
    by_leader: dict[tuple[int | None, str], tuple[Who, list[int]]] = {}
    for unit_id in by_unit:
        for leader in unit_of(unit_id).leaders:
            k = (leader.id, leader.label)
            by_leader.setdefault(k, (leader, []))[1].append(unit_id)

    def numbered(unit_ids: Iterable[int], title: Callable[[UnitView], str]) -> tuple[_Blocks, list[ItemView]]:
        """Items grouped under their units (by name), most urgent first, numbered across the message."""
        blocks: _Blocks = []
        items: list[ItemView] = []
        for unit_id in sorted(unit_ids, key=lambda u: unit_of(u).name):
            lines = []
            for item, reason in sorted(by_unit[unit_id], key=lambda ir: _urgency(ir[0], today)):
                items.append(item)
                lines.append(_item_block(len(items), item, reason))
            blocks.append((title(unit_of(unit_id)), lines))
        return blocks, items

    for leader, unit_ids in by_leader.values():
        blocks, items = numbered(unit_ids, lambda u: f"【{u.name}】网站维护员：{_names(u.webmasters)}")
        header = (
            f"【督办提醒】{ymd(today)}\n{leader.label}您好！贵单位负责的以下栏目已逾期或接近检查红线，"
            "请督促网站维护员尽快更新整改："
        )
        pledge = ctx.snap.words.pledge
        footer = "网站栏目长期不更新可能导致政府网站被通报、关停" + (
            f"，责任单位和相关人员将被问责（{pledge}）。" if pledge else "。"
        )
        for n_part, text, part in _parts(header, blocks, items, footer, ctx.settings.max_text):
            ctx.add("escalation", slot, _person(leader), part, text, extra=f"site{ctx.snap.site_id}p{n_part}")

    # Administrators: one digest each.
    def with_leaders(unit: UnitView) -> str:
        leaders = "、".join(p.label for p in unit.leaders) if unit.leaders else "未登记（无法单独提醒）"
        return f"【{unit.name}】网站维护员：{_names(unit.webmasters)}；分管领导：{leaders}"

    sections, listed = numbered(by_unit, with_leaders)
    distinct = {i.id for i in listed}
    header = (
        f"【督办汇总】{ctx.snap.site_name} {ymd(today)}\n共{len(by_unit)}个单位、{len(distinct)}项需要督办："
    )
    parts = _parts(header, sections, listed, "", ctx.settings.max_text)
    for admin in ctx.snap.admins:
        for n_part, text, part in parts:
            ctx.add("escalation", slot, _person(admin), part, text, extra=f"site{ctx.snap.site_id}p{n_part}")


def _person(who: Who) -> Recipient:
    return Recipient(who.telegram_id, f"person:{who.label}", person_id=who.id)


def _evening_note(ctx: _Ctx, slot: str) -> None:
    today = ctx.today
    missing: list[str] = []
    total = 0
    ids: list[int] = []
    units = ctx.snap.units_by_id
    for aud in _audiences(ctx.snap):
        if aud.to.nowhere or not any(set(i.unit_ids) & set(aud.unit_ids) for i in ctx.snap.items):
            continue
        total += 1
        if aud.to.chat_id in ctx.snap.read_confirmed:
            continue
        chat = next(c for c in ctx.snap.chats if c.telegram_id == aud.to.chat_id)
        names = [units[u] for u in aud.unit_ids if u in units]
        if len(names) > 6:
            shown = "、".join(u.name for u in names[:6]) + f"等{len(names)}个单位"
        else:
            shown = "、".join(f"{u.name}（{_names(u.webmasters)}）" for u in names)
        missing.append(f"· {shown}（群：{chat.title or chat.telegram_id}）")
        ids.extend(u.id for u in names)
    if not missing:
        return
    text = "\n".join(
        [
            f"【日查情况】{ctx.snap.site_name} {ymd(today)} {ctx.settings.evening_note_at:%H:%M}",
            f"{total}个群中有{len(missing)}个今天尚未确认日查（未点击「已巡查」）：",
            *missing,
        ]
    )
    for admin in ctx.snap.admins:
        ctx.add(
            "evening_note", slot, _person(admin), (), text, key_items=ids, extra=f"site{ctx.snap.site_id}"
        )


CHECKLIST_REPLY_MARK = "【半月查】"  # a reply to a message starting so may carry problems, one item per line
CAPTION_MAX = 1000  # Telegram's caption limit is 1024 characters


def _half_month_sheet(
    ctx: _Ctx, slot: str, aud: _Audience, items: Sequence[ItemView], period: date, due: date
) -> None:
    """A big group's half-month check: one message, its checklist as a spreadsheet, problems by reply."""
    half = "上" if period.day == 1 else "下"
    today = ctx.today
    _, listed = _sections(ctx.snap, aud, items, lambda i: "", notify=False, today=today)
    order = {u: k for k, u in enumerate(aud.unit_ids)}
    units = ctx.snap.units_by_id
    rows = []
    for n, item in enumerate(listed, 1):
        unit_id = min((u for u in item.unit_ids if u in order), key=lambda u: order[u], default=None)
        unit = units[unit_id].name if unit_id in units else ""
        rows.append((str(n), unit, item.title, item.url or "", _state_line(item, today), "", ""))
    title = f"{period.year}年{period.month}月{half}半月"
    report = Report(
        filename=f"半月查清单_{title}.xlsx",
        sheets=(
            (
                "半月查清单",
                ("序号", "单位", "栏目/账号", "链接", "当前状态", "检查结果", "问题及整改情况"),
                tuple(rows),
            ),
        ),
    )
    example = listed[0].name if listed else "栏目名称"
    text = "\n".join(
        [
            f"{CHECKLIST_REPLY_MARK}{title}全面检查",
            f"本群负责{len(listed)}个栏目和账号，检查清单见附件。请逐项全面检查（内容是否及时准确、"
            "有无空白栏目、链接是否有效、有无错别字）：",
            "· 发现问题：直接回复本消息，每行写一项“栏目名称 问题及整改情况”，例如：",
            f"　{example} 首页图片链接失效，已重新上传",
            "· 其余都正常：点击下方「其余全部正常」。",
            f"检查结果将于{md(due)}汇总报{ctx.snap.words.office}。",
        ]
    )[:CAPTION_MAX]
    buttons = ((Offer("✅ 其余全部正常", Action.check_rest(period)),),)
    ctx.add(
        "half_month_check",
        slot,
        aud.to,
        listed,
        text,
        extra=f"{period.isoformat()}sheet",
        buttons=buttons,
        document=report,
    )


def _half_month_check(ctx: _Ctx, slot: str) -> None:
    today = ctx.today
    period = half_month_period(today)
    half = "上" if period.day == 1 else "下"
    due = report_day(period, ctx.calendar, ctx.settings)
    for aud in _audiences(ctx.snap):
        items = [i for i in ctx.snap.items if set(i.unit_ids) & set(aud.unit_ids)]
        if not items:
            continue
        if len(items) > ctx.settings.full_list_max:
            _half_month_sheet(ctx, slot, aud, items, period, due)
            continue
        sections, listed = _sections(
            ctx.snap, aud, items, lambda i: _state_line(i, today), notify=False, today=today
        )
        flat = [(h, b) for h, blocks in sections for b in blocks]
        chunk = ctx.settings.checklist_chunk
        total = (len(listed) + chunk - 1) // chunk
        for k in range(total):
            part = listed[k * chunk : (k + 1) * chunk]
            heads: list[tuple[str, list[list[str]]]] = []
            for head, block in flat[k * chunk : (k + 1) * chunk]:
                if heads and heads[-1][0] == head:
                    heads[-1][1].append(block)
                else:
                    heads.append((head, [block]))
            mark = f"（{k + 1}/{total}）" if total > 1 else ""
            header = (
                f"【半月查】{period.year}年{period.month}月{half}半月全面检查{mark}\n"
                "请对本单位负责的以下栏目和账号做一次全面检查（内容是否及时准确、有无空白栏目、链接是否有效、"
                "有无错别字），逐项点击「正常」或「有问题」；选「有问题」后请按提示回复问题和整改情况。"
            )
            footer = f"检查结果将于{md(due)}汇总报{ctx.snap.words.office}。"
            text = "\n".join(
                [header, "", *(f"{h}\n" + "\n".join("\n".join(b) for b in bs) for h, bs in heads), "", footer]
            )
            first = k * chunk + 1
            buttons = tuple(
                (
                    Offer(f"{first + j}. {_short(item.name, 10)} 正常", Action.check(item.id, True)),
                    Offer(f"{first + j}. 有问题", Action.check(item.id, False)),
                )
                for j, item in enumerate(part)
            )
            ctx.add(
                "half_month_check",
                slot,
                aud.to,
                part,
                text,
                extra=f"{period.isoformat()}p{k + 1}",
                buttons=buttons,
            )


def _half_month_report(ctx: _Ctx, slot: str) -> None:
    today = ctx.today
    period = report_period_on(today, ctx.calendar, ctx.settings)
    if period is None or not ctx.snap.admins:
        return
    half = "上" if period.day == 1 else "下"
    tz = ctx.moment.tzinfo
    answers = ctx.snap.answers if ctx.snap.answers_period == period else {}
    units = ctx.snap.units_by_id
    chat_units = {u for c in ctx.snap.chats for u in c.unit_ids}
    rows: list[tuple[str, ...]] = []
    silent: list[tuple[str, ...]] = []
    ok = bad = 0
    seen: set[int] = set()
    for unit in sorted(units.values(), key=lambda u: u.name):
        mine = sorted((i for i in ctx.snap.items if unit.id in i.unit_ids), key=lambda i: i.title)
        if not mine:
            continue
        answered = 0
        for item in mine:
            ans = answers.get(item.id)
            if ans is None:
                rows.append((unit.name, item.title, item.url or "", "未填报", "", "", ""))
                continue
            answered += 1
            if item.id not in seen:
                seen.add(item.id)
                ok += ans.result == "ok"
                bad += ans.result != "ok"
            when = ans.at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if tz else ans.at.isoformat()
            result = "正常" if ans.result == "ok" else "有问题"
            rows.append((unit.name, item.title, item.url or "", result, ans.note or "", ans.who, when))
        if not answered:
            reason = "未绑定群，未收到检查清单" if unit.id not in chat_units else "未填报"
            silent.append((unit.name, str(len(mine)), _names(unit.webmasters), reason))
    title = f"{period.year}年{period.month}月{half}半月"
    report = Report(
        filename=f"半月查检查结果和整改情况_{ctx.snap.site_name}_{title}.xlsx",
        sheets=(
            (
                "检查结果和整改情况",
                ("单位", "栏目/账号", "链接", "检查结果", "问题及整改情况", "填报人", "填报时间"),
                tuple(rows),
            ),
            ("未填报单位", ("单位", "应检查项数", "网站维护员", "情况"), tuple(silent)),
        ),
    )
    total = len({i.id for i in ctx.snap.items})
    text = (
        f"【半月查汇总】{ctx.snap.site_name} {title}检查结果和整改情况\n"
        f"应检查{total}项，已填报{ok + bad}项（正常{ok}项，有问题{bad}项）；"
        f"未填报的单位{len(silent)}个。详见附件。"
    )
    for admin in ctx.snap.admins:
        ctx.add(
            "half_month_report",
            slot,
            _person(admin),
            (),
            text,
            document=report,
            extra=f"site{ctx.snap.site_id}:{period.isoformat()}",
        )


def weekly_stats(snapshot: Snapshot) -> dict[str, int]:
    """Overdue items per unit now (unit id as text), kept with the weekly run for next week's trend."""
    out: dict[str, int] = defaultdict(int)
    for item in snapshot.items:
        if item.state is State.OVERDUE:
            for unit_id in item.notify_unit_ids:
                out[str(unit_id)] += 1
    return dict(out)


def _trend(now: int, before: int | None) -> str:
    if before is None:
        return ""
    if now == before:
        return "（与上周持平）"
    return f"（上周{before}，{'增加' if now > before else '减少'}{abs(now - before)}）"


def _weekly_summary(ctx: _Ctx, slot: str) -> None:
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
        if item.state is State.OVERDUE:
            for unit_id in item.notify_unit_ids:
                late[unit_id].append(item)
    before = ctx.snap.last_week_late
    units = sorted(
        (u for u in ctx.snap.units if any(u.id in i.unit_ids for i in ctx.snap.items)),
        key=lambda u: (-len(late.get(u.id, ())), u.name),
    )
    if not units:
        return

    def unit_block(u: UnitView) -> list[str]:
        now_n, last_n = this_week.get(u.id, 0), last_week.get(u.id, 0)
        arrow = "↑" if now_n > last_n else "↓" if now_n < last_n else "→"
        mine = sorted(late.get(u.id, ()), key=lambda i: -i.days_late)
        was = before.get(str(u.id), 0) if before is not None else None
        late_text = f"逾期{len(mine)}项" if mine else "无逾期"
        lines = [
            f"· {u.name}：本周更新{now_n}条（上周{last_n}条 {arrow}）；{late_text}{_trend(len(mine), was)}"
        ]
        lines += [f"   - {i.title}（逾期{i.days_late}天）" for i in mine[:5]]
        if len(mine) > 5:
            lines.append(f"   - ……另有{len(mine) - 5}项")
        return lines

    def texts(selected: Sequence[UnitView], name: str) -> list[str]:
        ids = {u.id for u in selected}
        n_now = sum(this_week.get(u, 0) for u in ids)
        n_last = sum(last_week.get(u, 0) for u in ids)
        late_ids = {i.id for u in ids for i in late.get(u, ())}
        was = sum(before.get(str(u), 0) for u in ids) if before is not None else None
        header = (
            f"【周总结】{name} {md(monday)}—{md(monday + timedelta(days=6))}\n"
            f"本周登记更新{n_now}条{_trend(n_now, n_last)}；"
            f"目前逾期{len(late_ids)}项{_trend(len(late_ids), was)}。"
        )
        return _chunks(
            header, [("各单位情况：", [unit_block(u) for u in selected])], "", ctx.settings.max_text
        )

    all_late = [i for i in ctx.snap.items if i.state is State.OVERDUE]
    for admin in ctx.snap.admins:
        for n, text in enumerate(texts(units, ctx.snap.site_name), 1):
            ctx.add(
                "weekly_summary",
                slot,
                _person(admin),
                all_late,
                text,
                key_items=(),
                extra=f"site{ctx.snap.site_id}p{n}",
            )
    by_leader: dict[tuple[int | None, str], tuple[Who, list[UnitView]]] = {}
    for u in units:
        for leader in u.leaders:
            by_leader.setdefault((leader.id, leader.label), (leader, []))[1].append(u)
    for leader, mine in by_leader.values():
        ids = {u.id for u in mine}
        mine_late = [i for i in all_late if set(i.notify_unit_ids) & ids]
        for n, text in enumerate(texts(mine, "、".join(u.name for u in mine)), 1):
            ctx.add(
                "weekly_summary",
                slot,
                _person(leader),
                mine_late,
                text,
                key_items=(),
                extra=f"site{ctx.snap.site_id}p{n}",
            )


def _unbound_notice(ctx: _Ctx, slot: str) -> None:
    """Units with no bound group: their messages are addressed nowhere, so the administrators hear of them."""
    units = ctx.snap.units_by_id
    lines = []
    ids = []
    for unit_id in sorted(ctx.nowhere, key=lambda u: units[u].name if u in units else ""):
        unit = units.get(unit_id)
        if unit is None:
            continue
        ids.append(unit_id)
        mine = [i for i in ctx.snap.items if unit_id in i.unit_ids]
        late = sum(1 for i in mine if i.state is State.OVERDUE and unit_id in i.notify_unit_ids)
        due = sum(1 for i in mine if _warned_today(i, ctx.today) and unit_id in i.notify_unit_ids)
        facts = [f"负责{len(mine)}项"]
        if late:
            facts.append(f"逾期{late}项")
        if due:
            facts.append(f"今天到期{due}项")
        lines.append(f"· {unit.name}（网站维护员：{_names(unit.webmasters)}）：" + "，".join(facts))
    if not lines:
        return
    text = "\n".join(
        [
            f"【未绑定群的单位】{ctx.snap.site_name} {ymd(ctx.today)}",
            f"以下{len(lines)}个单位还没有绑定群聊，今天的日查、预警和逾期提醒无法送达：",
            *lines,
            "请把机器人拉进这些单位的工作群，并在群里发送 /bindchat 单位名称 完成绑定。",
        ]
    )
    for admin in ctx.snap.admins:
        ctx.add(
            "admin_notice",
            slot,
            _person(admin),
            (),
            text,
            key_items=(),
            extra=f"unbound:site{ctx.snap.site_id}",
        )


_PLANNERS = {
    "daily_read": _daily_read,
    "half_month_check": _half_month_check,
    "due_warning": _due_warning,
    "overdue": _overdue,
    "escalation": _escalation,
    "due_warning_repeat": _due_warning,
    "weekly_summary": _weekly_summary,
    "evening_note": _evening_note,
    "half_month_report": _half_month_report,
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
