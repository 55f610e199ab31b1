"""The shared vocabulary of the domain core: rules, items, states. Plain frozen dataclasses, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class TimeUnit(StrEnum):
    """Time units a rule can be written in. A quarter is 3 months; 半月 is `halfmonth`."""

    DAY = "day"  # calendar days
    WORKDAY = "workday"  # working days on the official calendar (调休 included)
    WEEK = "week"
    HALFMONTH = "halfmonth"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Span:
    n: int
    unit: TimeUnit


@dataclass(frozen=True, slots=True)
class Quota:
    """At least `count` items per `per`. Calendar periods (week Mon–Sun, month, year) unless `rolling`."""

    count: int
    per: Span
    rolling: bool = False  # "任意/连续/滚动 N 周内": any window of that length, not the calendar period


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed update rule (更新时限要求). `ok` is False, with a Chinese `reason`, when not understood."""

    text: str
    ok: bool
    max_gap: Span | None = None
    quota: Quota | None = None
    after_event: Span | None = None
    after_event_alt: Span | None = None
    on_change: bool = False
    check_only: bool = False
    external: bool = False
    reason: str | None = None
    # A reply duty per received request with no time written (及时受理来信): "letter" or "application"
    # (依申请公开); the deadline is the deployment's default for that kind (`Policy`).
    reply: str | None = None
    # "各乡镇每周不少于2条", "各部门每周至少1条": the quota or gap holds for each contributing unit.
    per_unit: bool = False


class ItemKind(StrEnum):
    COLUMN = "column"
    ACCOUNT = "account"


class Category(StrEnum):
    """How inspectors classify a column (全国政府网站普查评分表); decides which inspection line applies."""

    HOME = "home"  # 首页栏目: veto at 14 days without update
    NEWS = "news"  # 动态、要闻: 2 weeks (−3 each)
    NOTICE = "notice"  # 通知公告、政策文件: 6 months (−4 each)
    PERSONNEL = "personnel"  # 人事、规划计划: 1 year (−5 each)
    INTERACTIVE = "interactive"  # 信箱、留言: letters unanswered > 3 months is a veto
    SURVEY = "survey"  # 意见征集、网上调查: ≥ 6 a year (−3)
    INTERVIEW = "interview"  # 在线访谈: ≥ 6 a year (−3)
    ACCOUNT = "account"  # 政务新媒体: zombie at 14 days
    OTHER = "other"


class State(StrEnum):
    FRESH = "fresh"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    NOT_APPLICABLE = "not_applicable"  # check-only and external items have no content duty
    NEEDS_RULE = "needs_rule"  # the rule text was not understood: the administrator must fix it


class Role(StrEnum):
    """A person's part in a unit (`Membership.role`)."""

    WEBMASTER = "webmaster"  # 网站管理员 / 运维人员: does the updating, is named in reminders
    LEADER = "leader"  # 分管领导: answerable, hears of what is late
    ADMIN = "admin"  # administers the unit; with no unit, the whole deployment (系统管理员)


class LinkRole(StrEnum):
    """A unit's part in an item (`ItemUnit.role`, `domain.units.UnitLink.role`)."""

    LEAD = "lead"  # 牵头: responsible, reminded
    COLEAD = "colead"  # one of several leading together: responsible, reminded
    HELPER = "helper"  # 配合: named in messages, may log updates of the item


class UnitKind(StrEnum):
    """What a unit row is (`Unit.kind`): a real office, or a placeholder the administrator fills."""

    UNIT = "unit"
    GROUP = "group"  # a group word: 市属各部门, 各乡镇
    ROLE = "role"  # a role: 具备执法权的单位, 实施单位


class UpdateSource(StrEnum):
    """Where a logged update came from (`UpdateLog.source`, `Item.last_update_source`)."""

    DONE = "done"  # /done
    BUTTON = "button"  # 已更新 under a message
    IMPORT = "import"  # the list's last-update column
    WEBSITE = "website"  # the website reader saw a newer item
    ADMIN = "admin"  # an administrator on the command line
    UNDO = "undo"  # /undo: a row that takes another back
    LINK = "link"  # a signed link tapped on a group robot's message (the web page)


class DayKind(StrEnum):
    """An administrator's override of the official calendar (`CalendarDay.kind`)."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"  # a 调休 working day


class CheckResult(StrEnum):
    """The half-month check's answer for one item (`HalfMonthAnswer.result`)."""

    OK = "ok"  # 正常
    PROBLEM = "problem"  # 有问题: the problem and its fix follow as a note


class ReadStatus(StrEnum):
    """What the website reader made of a list page (`PageReading.status`, `Item.read_status`)."""

    OK = "ok"  # a newest item date was found
    EMPTY = "empty"  # the list has no items (空白栏目)
    BROKEN = "broken"  # the page does not open, or says it is gone
    UNKNOWN = "unknown"  # items without a trustworthy date


# The members a pass over every item compares with, read once into plain names: on Python 3.11 reading a
# member through its class (`State.OVERDUE`) calls a descriptor (`enum.property`, ~0.1 µs), and a province's
# plan, its wording and its inspection score make millions of such tests over 100,000 items.
OVERDUE, FRESH, NOT_APPLICABLE = State.OVERDUE, State.FRESH, State.NOT_APPLICABLE
DUE_STATES = frozenset({State.DUE_TODAY, State.DUE_SOON})
EMPTY_PAGE, BROKEN_PAGE = ReadStatus.EMPTY, ReadStatus.BROKEN
COLUMN, ACCOUNT = ItemKind.COLUMN, ItemKind.ACCOUNT

# Most urgent first; used to sort lists people read.
STATE_URGENCY: dict[State, int] = {
    State.OVERDUE: 0,
    State.DUE_TODAY: 1,
    State.DUE_SOON: 2,
    State.NEEDS_RULE: 3,
    State.FRESH: 4,
    State.NOT_APPLICABLE: 5,
}


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What the core needs to know about one tracked item (a column or an account) to judge it."""

    rule: Rule
    kind: ItemKind
    created: date  # creation/import day: stands in for the last update when there is none
    last_update: date | None = None
    # Logged updates recent enough to matter for a quota: (day, how many items that day's log counted).
    recent_updates: Sequence[tuple[date, int]] = ()
    # Start days of after-event deadlines not yet closed by an update (oldest first).
    open_events: Sequence[date] = ()
    category: Category = Category.OTHER
    # Per-unit rules: each contributing unit (by id) with the updates logged for it, as `recent_updates`.
    unit_updates: Mapping[int, Sequence[tuple[date, int]]] | None = None


@dataclass(frozen=True, slots=True)
class UnitStatus:
    """One contributing unit's own judgement under a per-unit rule (each township ≥ 2 a week)."""

    unit_id: int
    state: State
    due: date | None
    warn_on: date | None
    days_late: int
    missing: int
    name: str = ""  # the unit's name, filled in by whoever knows it (storage), for people to read


def own_shares(shares: tuple[UnitStatus, ...], unit_ids: Iterable[int]) -> tuple[UnitStatus, ...] | None:
    """Under a per-unit duty, the shares of these units (worst first, as `shares` is): what they answer for.
    None when the view does not change: the duty is not per unit, none of them contributes (an administrator's
    whole view), or all of them do. `domain.due.for_units` (a `Status`) and `ItemView.seen_by` (the routine's
    view) both narrow an item this way."""
    if not shares:
        return None
    wanted = set(unit_ids)
    mine = tuple(s for s in shares if s.unit_id in wanted)
    return mine if mine and mine != shares else None


@dataclass(frozen=True, slots=True)
class InspectionRisk:
    """The inspection line an item is heading for, e.g. home page at 10 of 14 days (warn before the veto)."""

    line: str  # machine name, e.g. "home_stale", "account_zombie", "news_stale"
    veto: bool  # crossing it fails the whole site (单项否决)
    days: int  # days since the last update
    limit: int  # days at which the line is crossed
    crossed: bool  # already past the line
    label: str  # Chinese, for people: "首页栏目已10天未更新（14天单项否决）"


@dataclass(frozen=True, slots=True)
class Status:
    state: State
    due: date | None = None  # last allowed day
    warn_on: date | None = None  # the day people must be warned: last working day on or before `due`
    days_late: int = 0  # calendar days past `due`, for every rule
    missing: int = 0  # quota shortfall in the current (or the missed) period
    driver: str = ""  # which part of the rule decided: max_gap, quota, after_event, floor, account_default
    risk: InspectionRisk | None = None
    reason: str | None = None
    unknown: bool = False  # no update is known (imported without a date, never logged nor read)
    units: tuple[UnitStatus, ...] = ()  # per-unit rules: every contributing unit's own state, worst first
