"""What the routine decides, apart from how it is worded: who is told what, about which items, with which
actions offered.

The planner (`domain.routine`) looks at a `Snapshot` and returns `Notice`s: a recipient, a kind, the items
grouped by the unit that answers for them, the facts the message rests on (a `body` per kind) and the
actions offered. The one rendering place (`domain.wording`) turns a notice into the messages people read
(`Planned`: text split to the platform's size, the offers under each part, the idempotency key). A second
renderer, for a platform with other limits or links instead of buttons, takes the same notices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from functools import cached_property
from operator import attrgetter
from typing import Any

from domain.actions import Offer
from domain.inspection import Score
from domain.model import CheckResult, InspectionRisk, ItemKind, ReadStatus, State, UnitStatus, own_shares


class MessageKind(StrEnum):
    """Every kind of message Zhiri writes on its own (`Notice.kind`, `Outbox.kind`, the idempotency key's
    first part); `domain.wording.KIND_NAMES` says what people call each."""

    DAILY_READ = "daily_read"  # 日查清单
    DUE_WARNING = "due_warning"  # 当日预警 (and its afternoon repeat)
    OVERDUE = "overdue"  # 逾期提醒
    ESCALATION = "escalation"  # 督办提醒, to the leader in charge and the administrators
    HALF_MONTH_CHECK = "half_month_check"  # 半月查清单
    HALF_MONTH_REPORT = "half_month_report"  # 半月查汇总
    WEEKLY_SUMMARY = "weekly_summary"  # 周总结
    MONTHLY_REMINDER = "monthly_reminder"  # 月提醒, to the leaders in charge and the administrators
    BULLETIN = "bulletin"  # 季通报 (a Word document and its annex), to the administrators
    YEARLY_RANK = "yearly_rank"  # 年评分 (a workbook), to the administrators
    EVENING_NOTE = "evening_note"  # 日查情况, to the administrators
    ADMIN_NOTICE = "admin_notice"  # the sender's and the acts' notices to the administrators
    AVAILABILITY = "availability"  # a site's home page or key column unreachable too often (jobs.probe)
    BROKEN_LINKS = "broken_links"  # links that do not open on a unit's column pages, or the home page's


class Slot(StrEnum):
    """A time of the routine's day (`RoutineRun.slot`); `domain.routine.SLOTS` orders them."""

    DAILY_READ = "daily_read"
    HALF_MONTH_CHECK = "half_month_check"
    DUE_WARNING = "due_warning"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    DUE_WARNING_REPEAT = "due_warning_repeat"  # writes `MessageKind.DUE_WARNING` again in the afternoon
    WEEKLY_SUMMARY = "weekly_summary"
    MONTHLY_REMINDER = "monthly_reminder"  # the first working day of a month
    QUARTERLY_BULLETIN = "quarterly_bulletin"  # the first working day of a quarter
    YEARLY_RANK = "yearly_rank"  # the first working day of a year
    EVENING_NOTE = "evening_note"
    HALF_MONTH_REPORT = "half_month_report"
    CRAWL = "crawl"  # the daily website reading (not a message; `jobs.crawl` records its day here too)
    LINKS = "links"  # the daily broken-link check, after the reading (`jobs.links`)


# The chat platform a chat (and every outbox row) is on unless stored otherwise: the one there is today.
TELEGRAM = "telegram"


@dataclass(frozen=True)
class Who:
    """A person a message names (how it names them is `domain.wording`'s). `phone` and `platform_ids`
    ((platform, user id) pairs) are how a group robot @s them (`domain.robots.mention_of`): personal data,
    kept out of every text and repr."""

    id: int | None
    name: str = ""
    username: str | None = None
    telegram_id: int | None = None
    phone: str | None = field(default=None, repr=False)
    platform_ids: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def label(self) -> str:
        return self.name or (f"@{self.username}" if self.username else f"用户{self.telegram_id}")

    @property
    def in_private(self) -> bool:
        """Whether the bot can write to them in private (Telegram): a leader's escalation goes there."""
        return self.telegram_id is not None


@dataclass(frozen=True)
class Mention:
    """Someone a group robot's message @s, as their platform takes it: by mobile number (DingTalk) and/or by
    the platform's user id (DingTalk and WeCom userid, Feishu open_id)."""

    phone: str | None = field(default=None, repr=False)
    user_id: str | None = None

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in (("phone", self.phone), ("user_id", self.user_id)) if v}


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
    platform: str = TELEGRAM  # the chat platform it is on: the words are cut to that platform's Style


@dataclass(frozen=True)
class ItemView:
    """One item as judged for the snapshot's day."""

    id: int
    name: str
    path: str
    url: str | None
    kind: ItemKind
    state: State
    due_on: date | None = None
    warn_on: date | None = None
    days_late: int = 0
    missing: int = 0
    driver: str = ""
    risk: InspectionRisk | None = None
    read_status: ReadStatus | None = None  # what the website reader saw
    unit_ids: tuple[int, ...] = ()  # responsible units (group units expanded to their members)
    lead_unit_ids: tuple[int, ...] = ()  # 牵头 units among them; they get the warnings when set
    rule_text: str = ""
    unknown: bool = False  # no update known: "最近更新日期未知"
    # A per-unit duty (各乡镇每周不少于2条): every contributing unit's own judgement, worst first. Each
    # of them answers for its own share: it is reminded of it, and `seen_by` is the item as its group sees it.
    shares: tuple[UnitStatus, ...] = ()

    @property
    def title(self) -> str:
        return self.path or self.name

    @property
    def notify_unit_ids(self) -> tuple[int, ...]:
        if self.shares:
            return tuple(s.unit_id for s in self.shares)
        return self.lead_unit_ids or self.unit_ids

    @property
    def shortfalls(self) -> tuple[UnitStatus, ...]:
        """The contributing units (of this view) whose own share needs doing."""
        return tuple(s for s in self.shares if s.state not in (State.FRESH, State.NOT_APPLICABLE))

    def seen_by(self, unit_ids: Iterable[int]) -> ItemView:
        """The item as these units answer for it: under a per-unit duty, the most urgent of their own
        shares (`domain.due.for_units` does the same to a `Status`); otherwise the item itself."""
        if not self.shares:  # most items: asked for every item and unit of a province's plan
            return self
        mine = own_shares(self.shares, unit_ids)
        if mine is None:
            return self
        worst = mine[0]
        return replace(
            self,
            state=worst.state,
            due_on=worst.due,
            warn_on=worst.warn_on,
            days_late=worst.days_late,
            missing=sum(s.missing for s in mine),
            shares=mine,
        )


@dataclass(frozen=True)
class Answer:
    """A half-month answer: `ok` or `problem`, with the problem and its fix."""

    item_id: int
    result: CheckResult
    note: str | None
    who: str
    at: datetime


@dataclass(frozen=True)
class Recipient:
    """Where a message goes. `chat_id` None: nowhere (a unit with no bound group, a person never seen)."""

    chat_id: int | None
    label: str  # "chat:-100123", "person:张三", "unit:市财政局"
    unit_id: int | None = None
    person_id: int | None = None
    platform: str = TELEGRAM  # the chat's platform (a person is reached on Telegram)

    @property
    def nowhere(self) -> bool:
        return self.chat_id is None


@dataclass(frozen=True)
class Report:
    """A spreadsheet to send as a document: sheets of (title, header, rows). Rendered by the shell."""

    filename: str
    sheets: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...]


@dataclass(frozen=True)
class Drawn:
    """A document the shell draws from the database when the message is written (`reports.periodic`): the
    quarterly bulletin (`what` "bulletin", `period` "2026Q3"), its annex ("bulletin_annex"), or the yearly
    ranking ("rank", "2026"). Drawn once, stored with the message: a retry sends the very same file."""

    what: str
    period: str
    filename: str


@dataclass(frozen=True)
class Planned:
    kind: MessageKind
    to: Recipient
    items: tuple[ItemView, ...]
    text: str
    key: str
    day: date
    slot: Slot
    offers: tuple[tuple[Offer, ...], ...] = ()  # actions offered under the message, platform-neutral
    document: Report | Drawn | None = None
    # The items the message asks to be updated (a warning, an overdue notice): a /done replied to it logs
    # these. A daily read or a checklist lists items without asking, so it asks for none.
    asks: tuple[int, ...] = ()
    # Whom a group robot's message @s (the people it names, resolved for its platform); none on Telegram.
    mentions: tuple[Mention, ...] = ()

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(map(attrgetter("id"), self.items))

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


def make_key(
    kind: str,
    chat: int | str | None,
    day: date,
    items: Iterable[int] = (),
    extra: str = "",
    platform: str = TELEGRAM,
) -> str:
    """The idempotency key `kind:chat:day:items:extra`; long item lists are hashed to stay indexable. A chat
    on another platform is `platform/chat` (a robot group's address may equal a Telegram chat's id);
    Telegram's keys stay as they were, so a plan written again after an upgrade is not written twice."""
    items_part = ",".join(map(str, sorted(set(items))))
    if len(items_part) > 160:
        items_part = "h" + hashlib.sha256(items_part.encode()).hexdigest()[:24]
    to = "-" if chat is None else chat if platform == TELEGRAM else f"{platform}/{chat}"
    return f"{kind}:{to}:{day.isoformat()}:{items_part}:{extra}"


# ---------------------------------------------------------------------------------------------------------
# The decisions


@dataclass(frozen=True)
class Group:
    """Items under the unit that answers for them, most urgent first. `helpers`: per item, the names of the
    units that help with it (配合) and may log it too, when the message names them."""

    unit: UnitView
    items: tuple[ItemView, ...]
    helpers: Mapping[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class DailyRead:
    """日查: browse these today. `rest` is None for a full list; a big group gets only what needs action
    (`groups`) and the rest (`rest`) counted."""

    groups: tuple[Group, ...]
    total: int
    rest: tuple[ItemView, ...] | None = None


@dataclass(frozen=True)
class DueWarning:
    """当日预警: `now` are due by the end of today (their last working day), `soon` get advance notice."""

    now: tuple[Group, ...]
    soon: tuple[Group, ...] = ()
    repeat: bool = False  # the afternoon repeat: what is still not done
    advance_workdays: int = 0


@dataclass(frozen=True)
class Overdue:
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Why:
    """Why an item goes to the leader: an inspection line it crossed, the site's empty columns, or late."""

    risk: InspectionRisk | None = None
    empty_columns: int = 0
    late: bool = False


@dataclass(frozen=True)
class Escalated:
    unit: UnitView
    items: tuple[tuple[ItemView, Why], ...]


@dataclass(frozen=True)
class Unreached:
    """A leader in charge whom an escalation reaches by no path: no Telegram account, and no robot group of
    their unit that can @ them (`robot`: the platform of the group where they are only named, else None)."""

    leader: Who
    unit: UnitView
    robot: str | None = None


@dataclass(frozen=True)
class Escalation:
    """督办: to a leader about their units (`leader`), to a unit's robot group (`in_group`: its leaders and
    webmasters named, and @-ed where the leader is not reached in private), or the administrators' digest
    (`leader` None), which names the leaders no path reaches (`unreached`)."""

    groups: tuple[Escalated, ...]
    leader: Who | None = None
    in_group: bool = False
    unreached: tuple[Unreached, ...] = ()


@dataclass(frozen=True)
class EveningNote:
    """日查情况: the groups that have not confirmed today's read, of `total` groups with items."""

    missing: tuple[tuple[ChatView, tuple[UnitView, ...]], ...]
    total: int
    at: time


@dataclass(frozen=True)
class Checklist:
    """半月查 for a small group, one part of the list (`part` of `parts`, items numbered from `first`)."""

    groups: tuple[Group, ...]
    period: date
    report_on: date
    part: int = 1
    parts: int = 1
    first: int = 1
    total: int = 0  # items on the group's whole checklist (0: this part's own)


@dataclass(frozen=True)
class ChecklistSheet:
    """半月查 for a big group: one message, the list attached, problems by reply (where the platform carries
    files; a robot's group gets the same list in parts, each item with its links)."""

    groups: tuple[Group, ...]  # under the unit answering for them in this group
    period: date
    report_on: date

    @cached_property
    def items(self) -> tuple[tuple[ItemView, str], ...]:
        """(item, the unit answering for it) in the list's order (once: a province's list is 100,000 long,
        and planning and wording the message ask for it several times)."""
        return tuple((i, g.unit.name) for g in self.groups for i in g.items)


@dataclass(frozen=True)
class HalfMonthReport:
    """半月查汇总 for the administrators."""

    period: date
    answers: tuple[tuple[UnitView, ItemView, Answer | None], ...]
    silent: tuple[tuple[UnitView, int, bool], ...]  # (unit, items to check, has a bound group)
    ok: int
    bad: int
    total: int


@dataclass(frozen=True)
class UnitWeek:
    unit: UnitView
    updates: int
    updates_before: int
    late: tuple[ItemView, ...]  # most late first
    late_before: int | None  # overdue items at last week's summary (None: no summary then)


@dataclass(frozen=True)
class WeeklySummary:
    name: str  # the site, or the leader's units
    monday: date
    units: tuple[UnitWeek, ...]
    updates: int
    updates_before: int
    late: int
    late_before: int | None
    inspection: Score | None = None  # the site's inspection score (the administrators' summary only)


@dataclass(frozen=True)
class UnitMonth:
    unit: UnitView
    updates: int  # updates logged in the month
    late: tuple[ItemView, ...]  # overdue on the reminder's day, most late first
    behind: tuple[ItemView, ...]  # quantity rules (每年不少于6次 …) still short in their period


@dataclass(frozen=True)
class MonthlyReminder:
    """月提醒: the month that ended (`month`, its first day) for the site or a leader's units."""

    name: str  # the site, or the leader's units
    month: date
    units: tuple[UnitMonth, ...]
    updates: int
    late: int
    behind: int
    inspection: Score | None = None  # the site's inspection score (the administrators' reminder only)


@dataclass(frozen=True)
class QuarterlyBulletin:
    """季通报 of the quarter that ended (`quarter`, "2026Q3"), for the administrators."""

    year: int
    quarter: int

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}"


@dataclass(frozen=True)
class YearlyRanking:
    """年评分 of the year that ended, for the administrators."""

    year: int


@dataclass(frozen=True)
class UnboundUnit:
    unit: UnitView
    items: int
    late: int
    due_today: int


@dataclass(frozen=True)
class Unbound:
    """Units with no bound group: today's messages for them have nowhere to go."""

    units: tuple[UnboundUnit, ...]


@dataclass(frozen=True)
class CalendarMissing:
    """The official holidays of these years are not loaded: working days are guessed."""

    years: tuple[int, ...]


Body = (
    DailyRead
    | DueWarning
    | Overdue
    | Escalation
    | EveningNote
    | Checklist
    | ChecklistSheet
    | HalfMonthReport
    | WeeklySummary
    | MonthlyReminder
    | QuarterlyBulletin
    | YearlyRanking
    | Unbound
    | CalendarMissing
)


@dataclass(frozen=True)
class Notice:
    """One decision: tell `to` (`kind`, in `slot`, on `day`) what `body` says.

    `items` is what the message is about when it is not a list of groups; `extra` and `key_items` make its
    idempotency key (`make_key`); `asks`: a /done replied to it logs the items it lists."""

    kind: MessageKind
    slot: Slot
    to: Recipient
    day: date
    body: Body
    items: tuple[ItemView, ...] = ()
    extra: str = ""
    key_items: tuple[int, ...] | None = None
    asks: bool = False
