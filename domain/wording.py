"""The one place the routine's decisions are put into words: `render(notice, site)` gives the messages.

Every sentence the routine and the sender send on their own lives here (the sender's notices to the
administrators too: a lost group, a refused or set-aside message, a late delivery), with the site's own
names (`SiteWords`: its office, its pledge clause) and the settings filled in. A long list is split below
the recipient's platform's size (`Style.max_text`; a `Style` per platform), never inside an item; each part
offers the actions that belong to it and gets its own idempotency key (`kind:chat:day:items:extra` + part
number), so rendering the same decisions twice writes nothing twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from operator import attrgetter

from domain.actions import CHECK_LIST_MAX, Action, Offer
from domain.availability import Alert, Level
from domain.inspection import verdict_line
from domain.model import (
    BROKEN_PAGE,
    DUE_STATES,
    EMPTY_PAGE,
    FRESH,
    NOT_APPLICABLE,
    OVERDUE,
    CheckResult,
    State,
)
from domain.notice import (
    TELEGRAM,
    CalendarMissing,
    Checklist,
    ChecklistSheet,
    DailyRead,
    Drawn,
    DueWarning,
    Escalated,
    Escalation,
    EveningNote,
    Group,
    HalfMonthReport,
    ItemView,
    Mention,
    MessageKind,
    MonthlyReminder,
    Notice,
    Overdue,
    Planned,
    QuarterlyBulletin,
    Report,
    Unbound,
    UnitMonth,
    UnitView,
    UnitWeek,
    Unreached,
    WeeklySummary,
    Who,
    Why,
    YearlyRanking,
    make_key,
)
from domain.robots import NAMES as ROBOT_NAMES
from domain.robots import Kind, mentions_of
from domain.site import SiteWords
from domain.text import STATE_LABELS, UNKNOWN_LAST, md, whose, ymd

__all__ = [
    "CAPTION_MAX",
    "CHECKLIST_REPLY_MARK",
    "GONE_REASONS",
    "KIND_NAMES",
    "SiteText",
    "Style",
    "chat_gone_notice",
    "late_note",
    "rejected_notice",
    "render",
    "render_all",
    "set_aside_notice",
    "undelivered_lines",
]

# Every kind of message the routine and the sender write, as people call it.
KIND_NAMES: dict[str, str] = {
    MessageKind.DAILY_READ: "日查清单",
    MessageKind.DUE_WARNING: "当日预警",
    MessageKind.OVERDUE: "逾期提醒",
    MessageKind.ESCALATION: "督办提醒",
    MessageKind.HALF_MONTH_CHECK: "半月查清单",
    MessageKind.HALF_MONTH_REPORT: "半月查汇总",
    MessageKind.WEEKLY_SUMMARY: "周总结",
    MessageKind.MONTHLY_REMINDER: "月提醒",
    MessageKind.BULLETIN: "季通报",
    MessageKind.YEARLY_RANK: "年评分",
    MessageKind.EVENING_NOTE: "日查情况",
    MessageKind.ADMIN_NOTICE: "管理员通知",
    MessageKind.AVAILABILITY: "网站可访问性预警",
    MessageKind.BROKEN_LINKS: "失效链接提醒",
}

CHECKLIST_REPLY_MARK = "【半月查】"  # a reply to a message starting so may carry problems, one item per line
CAPTION_MAX = 1000  # Telegram's caption limit is 1024 characters
HELPERS_NAMED = 5  # helping units named under an item; more are counted


@dataclass(frozen=True)
class Style:
    """What a chat platform allows: characters in one message, actions offered under one message; and what
    people call it. Each platform's channel brings its own (`channels.registry`); Telegram's is the
    default."""

    max_text: int = 3800  # below Telegram's 4096, with room for the "(1/2)" marks
    done_buttons: int = 8  # at most this many "已更新" offers under a warning
    name: str = "Telegram"  # the platform as the administrators' notices name it
    # A list longer than this many messages (a county-wide group's, an administrator's) becomes one digest
    # with the whole list as a spreadsheet, when the platform carries files (`documents`); else it is sent
    # in parts as it is.
    max_parts: int = 4
    documents: bool = True
    # Whether the bot hears the group (Telegram): its messages may ask for a /done reply and offer buttons.
    # A custom group robot only sends: its messages offer links to tap instead.
    hears: bool = True
    # Whether a person's Telegram @username notifies them here (Telegram): elsewhere people are named by name
    # alone, and a group robot @s them by what its platform knows of them (`_mentions`).
    usernames: bool = True
    # What the administrators do when a chat of this platform is lost for good (`chat_gone_notice`).
    rebind: str = "请把机器人重新拉进该单位的工作群，并用 /bindchat 重新绑定。"


@dataclass(frozen=True)
class SiteText:
    """The site's names the words use."""

    name: str
    words: SiteWords = field(default_factory=SiteWords)


# Why a chat is lost for good, as a transport reports it (`channels.transport.TransportError.reason`).
GONE_REASONS = {
    "removed": "机器人已被移出该群",
    "blocked": "对方已屏蔽机器人",
    "missing": "该群不存在或已解散",
    "deactivated": "该群或账号已停用",
    "not_started": "对方从未与机器人私聊（需先向机器人发送 /start）",
}


def late_note(day: date, today: date) -> str:
    """Above a message sent after its day: nothing is lost, but a day-old "due today" must not read as
    today's."""
    return f"（延迟送达：本消息原定于{md(day, today)}发送）"


def chat_gone_notice(
    title: str,
    units: Sequence[str],
    reason: str | None,
    error: str,
    readdressed: int,
    given_up_kinds: Sequence[str],
    style: Style | None = None,
) -> str:
    """For the administrators: a group can no longer be written to (`reason`: a `GONE_REASONS` key, else the
    platform's own words, `error`), what became of its unsent messages, and how to bind it again on its
    platform (`style`)."""
    lines = [
        "【消息无法送达】",
        f"群聊「{title}」（{'、'.join(units) if units else '未绑定单位'}）已无法发送消息："
        f"{GONE_REASONS.get(reason or '', error[:200].rstrip('。'))}。",
        "已停止向该群发送提醒。",
        *undelivered_lines(readdressed, given_up_kinds),
        (style or Style()).rebind,
    ]
    return "\n".join(lines)


def rejected_notice(kind: str, text: str, error: str, style: Style) -> str:
    """For the administrators: the platform refused one message for good."""
    return (
        "【消息无法送达】\n"
        f"一条{KIND_NAMES.get(kind, kind)}（{_first_line(text)}）被 {style.name} 拒绝：{error[:200]}。\n"
        "该消息不再重发，请检查相关栏目名称或链接是否有异常字符。"
    )


def set_aside_notice(kind: str, text: str, failures: int, error: str) -> str:
    """For the administrators: one message kept failing and is set aside (kept, to be sent again by hand)."""
    return (
        "【消息发送异常】\n"
        f"一条{KIND_NAMES.get(kind, kind)}（{_first_line(text)}）连续{failures}次发送失败，已暂存，"
        f"不再自动重发：{error[:200]}。\n"
        "该群的其他消息和其他群的消息照常发送。暂存的消息不会丢失：查看用 zhiri outbox，"
        "排除问题后用 zhiri outbox --retry 重新发送。"
    )


def availability_notice(
    site: str,
    page: str,
    url: str,
    found: Alert,
    *,
    warn_pct: float,
    veto_pct: float,
    timeout: float,
    reasons: Sequence[tuple[str, int]] = (),
) -> str:
    """For the administrators: a site's home page (or a key column, `page`) was unreachable too often in
    the week ending today, at the warning line or at the inspectors' veto line."""
    week = found.week
    veto = found.level == Level.ESCALATE
    lines = [
        f"【网站可访问性{'督办' if veto else '预警'}】{site} {page}",
        f"网址：{url}",
        f"近7天（{md(week.first_day)}至{md(week.last_day)}）共探测{week.probes}次，"
        f"{week.unreachable}次无法访问（{timeout:g}秒内未正常打开），占比{100 * week.ratio:.1f}%，"
        + (
            f"已达到检查指标的单项否决线（{veto_pct:g}%）。"
            if veto
            else f"已达到预警线（{warn_pct:g}%）；达到{veto_pct:g}%即单项否决。"
        ),
    ]
    if reasons:
        lines.append("无法访问的原因：" + "；".join(f"{why}（{n}次）" for why, n in reasons))
    lines.append(
        "请立即联系网站运维单位排查服务器、网络和防火墙，恢复后继续观察。"
        if veto
        else "请尽快联系网站运维单位排查服务器、网络和防火墙。"
    )
    return "\n".join(lines)


def _first_line(text: str) -> str:
    return (text.splitlines()[0] if text else "")[:60]


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


def render_all(
    notices: Sequence[Notice],
    site: SiteText,
    style: Style | None = None,
    styles: Mapping[str, Style] | None = None,
) -> list[Planned]:
    """Every notice's messages, cut to its recipient's platform: `styles[platform]`, else `style`."""
    out: list[Planned] = []
    for notice in notices:
        out += render(notice, site, (styles or {}).get(notice.to.platform) or style or Style())
    return out


def render(notice: Notice, site: SiteText, style: Style | None = None) -> list[Planned]:
    """The messages of one decision, in order; a list too long to read in a few messages is one digest and
    a spreadsheet instead (`Style.max_parts`)."""
    style = style or Style()
    names = _USERNAMES.set(style.usernames)
    try:
        planned = _render(notice, site, style)
    finally:
        _USERNAMES.reset(names)
    if len(planned) > style.max_parts and style.documents:
        digest = _digest(notice, planned, style)
        if digest is not None:
            return [digest]
    return planned


def _render(notice: Notice, site: SiteText, style: Style) -> list[Planned]:
    body = notice.body
    match body:
        case DailyRead():
            return _daily_read(notice, body, style)
        case DueWarning():
            return _due_warning(notice, body, style)
        case Overdue():
            return _overdue(notice, body, site, style)
        case Escalation():
            return _escalation(notice, body, site, style)
        case EveningNote():
            return _evening_note(notice, body, site, style)
        case Checklist() if not style.hears:
            return _checklist_links(notice, body.groups, body, body.first, body.total, site, style)
        case Checklist():
            return [_checklist(notice, body, site)]
        case ChecklistSheet() if not style.hears:
            return _checklist_links(notice, body.groups, body, 1, len(body.items), site, style)
        case ChecklistSheet():
            return [_checklist_sheet(notice, body, site)]
        case HalfMonthReport():
            return [_half_month_report(notice, body, site)]
        case WeeklySummary():
            return _weekly_summary(notice, body, style)
        case MonthlyReminder():
            return _monthly_reminder(notice, body, style)
        case QuarterlyBulletin():
            return _bulletin(notice, body, site)
        case YearlyRanking():
            return [_yearly_ranking(notice, body, site)]
        case Unbound():
            return _unbound(notice, body, site, style)
        case CalendarMissing():
            return [_one(notice, _calendar_missing(body))]


def _one(
    notice: Notice,
    text: str,
    *,
    items: Sequence[ItemView] | None = None,
    part: int | None = None,
    offers: tuple[tuple[Offer, ...], ...] = (),
    document: Report | Drawn | None = None,
    mentions: tuple[Mention, ...] = (),
) -> Planned:
    items = tuple(notice.items if items is None else items)
    chat: int | str = notice.to.chat_id if notice.to.chat_id is not None else notice.to.label
    ids = notice.key_items if notice.key_items is not None else map(attrgetter("id"), items)
    extra = notice.extra + (f"p{part}" if part is not None else "")
    key = make_key(notice.kind, chat, notice.day, ids, extra, notice.to.platform)
    asked = tuple(i.id for i in items) if notice.asks else ()
    return Planned(
        notice.kind, notice.to, items, text, key, notice.day, notice.slot, offers, document, asked, mentions
    )


# ---------------------------------------------------------------------------------------------------------
# Pieces


# Whether the message being worded goes where a Telegram @username notifies (`Style.usernames`): set by
# `render` for the words of one message, read by `mention`, which many pieces call.
_USERNAMES: ContextVar[bool] = ContextVar("_USERNAMES", default=True)


def mention(who: Who) -> str:
    """A person named in a group message: on Telegram, @username notifies them and the name says who it is
    to everyone; elsewhere the name alone (a Telegram handle means nothing in a DingTalk group)."""
    username = who.username if _USERNAMES.get() else None
    if who.name and username:
        return f"{who.name} @{username}"
    if username:
        return f"@{username}"
    return who.name or (f"用户{who.telegram_id}" if who.telegram_id and _USERNAMES.get() else "（未留姓名）")


def _mentions(notice: Notice, groups: Sequence[Group], part: Sequence[ItemView]) -> tuple[Mention, ...]:
    """Whom a group robot's part @s: the webmasters its headings name (the units of the items it lists), as
    their platform takes them. Telegram names people its own way (`mention`): none there."""
    if notice.to.platform == TELEGRAM:
        return ()
    listed = {i.id for i in part}
    named = [w for g in groups if any(i.id in listed for i in g.items) for w in g.unit.webmasters]
    return mentions_of(named, notice.to.platform)


def _names(people: Sequence[Who]) -> str:
    return "、".join(mention(p) for p in people) if people else "未登记"


def state_line(item: ItemView, today: date) -> str:
    state, due_on = item.state, item.due_on
    due = md(due_on, today) if due_on else ""
    if state is OVERDUE and due_on:
        text = f"已逾期{item.days_late}天（应于{due}前更新）"
    elif state in DUE_STATES and due_on:
        if item.warn_on == today and due_on != today:
            text = f"{due}到期（休息日），请今天更新"
        elif due_on == today:
            text = "今天到期"
        else:
            text = f"{due}到期"
    elif state is FRESH:
        text = f"正常，下次应在{due}前更新" if due_on else "正常"
    elif state is NOT_APPLICABLE:
        text = "请检查页面运行正常"
    else:
        text = "更新要求待管理员确认"
    if item.missing and due_on:
        # A quota: what counts is how many are still missing by the end of the period.
        text = f"本期还差{item.missing}条（{due}前）" if state is FRESH else f"{text}，还差{item.missing}条"
    if item.unknown and state is not NOT_APPLICABLE:
        text += f"，{UNKNOWN_LAST}"
    if item.read_status == EMPTY_PAGE:
        text += "，【空白栏目】"
    elif item.read_status == BROKEN_PAGE:
        text += "，【页面无法打开】"
    return text


_MARK = {State.OVERDUE: "❗", State.DUE_TODAY: "⏰", State.DUE_SOON: "🔔"}


def _item_block(n: int, item: ItemView, detail: str, helpers: Sequence[str] = ()) -> list[str]:
    # A per-unit duty (各乡镇每周不少于2条) names whose share this is, or which units still owe theirs.
    owed = item.shares if len(item.shares) == 1 else item.shortfalls
    lines = [f"{n}. {item.title}{whose(owed)} — {detail}"]
    if item.url:
        lines.append(f"   {item.url}")
    if helpers:
        more = f"等{len(helpers)}个单位" if len(helpers) > HELPERS_NAMED else ""
        lines.append(f"   配合单位：{'、'.join(helpers[:HELPERS_NAMED])}{more}（也可登记更新）")
    return lines


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _webmasters(unit: UnitView) -> str:
    return f"【{unit.name}】网站维护员：{_names(unit.webmasters)}"


_Sections = list[tuple[str, list[list[str]]]]  # (unit heading, numbered item lines)


def _sections(
    groups: Sequence[Group], detail: Callable[[ItemView], str], first: int = 1
) -> tuple[_Sections, list[ItemView]]:
    """Each group under its unit heading, items numbered across the message from `first`."""
    sections: _Sections = []
    listed: list[ItemView] = []
    n = first
    for group in groups:
        blocks = []
        for item in group.items:
            blocks.append(_item_block(n, item, detail(item), group.helpers.get(item.id, ())))
            listed.append(item)
            n += 1
        sections.append((_webmasters(group.unit), blocks))
    return sections, listed


def _lead(sections: _Sections, line: str) -> _Sections:
    """`line` above the first heading of `sections`."""
    return [(f"{line}\n{h}" if k == 0 else h, b) for k, (h, b) in enumerate(sections)]


def _layout(
    header: str,
    sections: Sequence[tuple[str, Sequence[list[str]]]],
    footer: str,
    limit: int,
    *,
    marks: bool = True,
    most: int = 0,
) -> list[tuple[str, int]]:
    """Split a message into parts below `limit` characters, never inside a block, with how many blocks each
    part holds. A section that continues into the next part repeats its heading; the footer goes under the
    last part only; the header is marked （2/3） unless the caller marks the parts (`marks`). `most`: at most
    that many blocks a part (0: as many as fit)."""
    budget = limit - len(header) - len(footer) - 16
    parts: list[list[str]] = [[]]
    counts = [0]
    size = 0
    for heading, blocks in sections:
        for k, block in enumerate(blocks):
            text = "\n".join(block)
            head = heading if k == 0 else ""
            full = bool(most) and counts[-1] >= most
            if parts[-1] and (full or size + len(text) + len(head) + 3 > budget):
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
        mark = f"（{i}/{total}）" if total > 1 and marks else ""
        tail = ["", footer] if footer and i == total else []
        out.append(("\n".join([header + mark, *([""] if body else []), *body, *tail]).strip(), n))
    return out


def _parts(
    header: str, sections: _Sections, listed: Sequence[ItemView], footer: str, limit: int
) -> list[tuple[int, str, tuple[ItemView, ...]]]:
    """The numbered parts of a message whose blocks are `listed`'s items in order: (part number, text, the
    items that part lists)."""
    out = []
    first = 0
    for n, (text, count) in enumerate(_layout(header, sections, footer, limit), 1):
        out.append((n, text, tuple(listed[first : first + count])))
        first += count
    return out


def _done_offers(items: Sequence[ItemView], style: Style) -> tuple[tuple[Offer, ...], ...]:
    return tuple(
        (Offer(f"✅ 已更新：{_short(i.name, 18)}", Action.done(i.id)),) for i in items[: style.done_buttons]
    )


DONE_FOOTER = "更新后请回复 /done 栏目名称，或点击下方按钮登记。"
DONE_FOOTER_LINKS = "更新后请点击下方「已更新」链接登记。"


def _done_footer(style: Style) -> str:
    return DONE_FOOTER if style.hears else DONE_FOOTER_LINKS


def _tap(label: str, style: Style) -> str:
    """How a message asks for its offered action: a button under it, or a link on a robot's message."""
    return f"请点击下方「{label}」{'按钮' if style.hears else '链接'}"


# ---------------------------------------------------------------------------------------------------------
# Each kind of message


def _rest_line(rest: Sequence[ItemView], listed_any: bool) -> str:
    """ "其余118项：正常110项，无需更新5项，待补充规则3项。" — a big group's items that need no action."""
    counts: dict[str, int] = defaultdict(int)
    # Counted by state first (a province's group has 100,000 items to count), each state's words once.
    for state, n in Counter(map(attrgetter("state"), rest)).items():
        counts[STATE_LABELS.get(state.value, state.value)] += n
    parts = "，".join(f"{label}{n}项" for label, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    lead = "其余" if listed_any else "全部"
    return f"{lead}{len(rest)}项无需处理（{parts}），请照常浏览；完整清单可发送 /mine 查看。"


def _daily_read(notice: Notice, body: DailyRead, style: Style) -> list[Planned]:
    today = notice.day
    header = (
        f"【日查】{ymd(today)}\n"
        "请各单位网站维护员今天逐一浏览以下栏目和账号，确认页面正常、内容及时、链接有效："
    )
    footer = f"浏览检查完毕后，{_tap('已巡查', style)}登记。"
    sections, listed = _sections(body.groups, lambda i: _MARK.get(i.state, "") + state_line(i, today))
    if body.rest:
        todo = f"以下{len(listed)}项需要处理：" if listed else "今天没有需要处理的。"
        header = f"【日查】{ymd(today)}\n本群负责{body.total}个栏目和账号，{todo}"
        footer = f"{_rest_line(body.rest, bool(listed))}\n{footer}"
    parts = _parts(header, sections, listed, footer, style.max_text)
    read = ((Offer("✅ 已巡查", Action.read(today)),),)
    return [
        _one(notice, text, items=part, part=n, offers=read if n == len(parts) else ())
        for n, text, part in parts
    ]


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


def _due_warning(notice: Notice, body: DueWarning, style: Style) -> list[Planned]:
    today = notice.day
    if body.repeat:
        header = (
            f"【当日预警·再次提醒】{ymd(today)}\n"
            "以下栏目今天是更新期限的最后一个工作日，截至目前仍未登记更新，请务必在今天下班前完成："
        )
    else:
        header = f"【当日预警】{ymd(today)}"
    sections: _Sections = []
    listed: list[ItemView] = []
    if body.now:
        secs, listed = _sections(body.now, lambda i: _warning_detail(i, today))
        sections += (
            secs if body.repeat else _lead(secs, "今天是以下栏目更新期限的最后一个工作日，请今天内完成更新：")
        )
    if body.soon:
        secs, got = _sections(body.soon, lambda i: f"{md(i.due_on or today)}到期", first=len(listed) + 1)
        sections += _lead(secs, f"以下栏目将在{body.advance_workdays}个工作日后到期，请提前安排：")
        listed += got
    now_ids = {i.id for g in body.now for i in g.items}
    return _done_parts(
        notice,
        (header, sections, listed, _done_footer(style)),
        style,
        mentions=lambda part: _mentions(notice, (*body.now, *body.soon), part),
        offered=lambda part: [i for i in part if i.id in now_ids] or part,  # due today first
    )


def _done_parts(
    notice: Notice,
    message: tuple[str, _Sections, Sequence[ItemView], str],
    style: Style,
    *,
    mentions: Callable[[Sequence[ItemView]], tuple[Mention, ...]],
    offered: Callable[[Sequence[ItemView]], Sequence[ItemView]] = lambda part: part,
) -> list[Planned]:
    """A list of items to update, (header, sections, the items listed, footer), in parts within the
    platform's limit: each part with 已更新 buttons for its `offered` items, @-ing its `mentions`."""
    header, sections, listed, footer = message
    return [
        _one(
            notice,
            text,
            items=part,
            part=n,
            offers=_done_offers(offered(part), style),
            mentions=mentions(part),
        )
        for n, text, part in _parts(header, sections, listed, footer, style.max_text)
    ]


def _overdue(notice: Notice, body: Overdue, site: SiteText, style: Style) -> list[Planned]:
    today = notice.day
    header = (
        f"【逾期提醒】{ymd(today)}\n"
        f"以下栏目已超过更新期限，请尽快更新；逾期未改将报告分管领导和{site.words.office}："
    )
    sections, listed = _sections(
        body.groups, lambda i: f"应于{md(i.due_on or today)}前更新，已逾期{i.days_late}天"
    )
    return _done_parts(
        notice,
        (header, sections, listed, _done_footer(style)),
        style,
        mentions=lambda part: _mentions(notice, body.groups, part),
    )


def _why(item: ItemView, why: Why) -> str:
    if why.risk is not None:
        return why.risk.label
    if why.empty_columns:
        return f"空白栏目（全站已有{why.empty_columns}个空白栏目，5个即单项否决）"
    assert item.due_on is not None
    return f"已逾期{item.days_late}天（应于{md(item.due_on)}前更新）"


def _with_leaders(unit: UnitView) -> str:
    leaders = "、".join(p.label for p in unit.leaders) if unit.leaders else "未登记（无法单独提醒）"
    return f"【{unit.name}】网站维护员：{_names(unit.webmasters)}；分管领导：{leaders}"


def _in_group(unit: UnitView) -> str:
    return f"【{unit.name}】网站维护员：{_names(unit.webmasters)}；分管领导：{_names(unit.leaders)}"


def _escalation_mentions(
    groups: Sequence[Escalated], part: Sequence[ItemView], platform: str
) -> tuple[Mention, ...]:
    """Whom a robot group's escalation part @s: the webmasters of the units it lists, who act, and their
    leaders who are not written to in private (a leader on Telegram has the escalation there: named here,
    not notified twice)."""
    listed = {i.id for i in part}
    units = [g.unit for g in groups if any(i.id in listed for i, _ in g.items)]
    people = [w for u in units for w in u.webmasters] + [
        p for u in units for p in u.leaders if not p.in_private
    ]
    return mentions_of(people, platform)


def _unreached_lines(unreached: Sequence[Unreached]) -> str:
    """For the administrators' digest: the leaders this escalation reached by no path, and what to do."""
    if not unreached:
        return ""
    lines = ["以下分管领导未能收到本次督办提醒："]
    lines += [f"- {leader}（{unit}）：{why}" for unit, leader, why in _unreached_rows(unreached)]
    lines.append(UNREACHED_FIX)
    return "\n".join(lines)


UNREACHED_FIX = (
    "请用 zhiri person set 登记其手机号或平台账号，或用 zhiri channel add 为其单位绑定群机器人，"
    "或请其私聊本机器人完成绑定。"
)


def _unreached_rows(unreached: Sequence[Unreached]) -> list[tuple[str, str, str]]:
    """(unit, leader, why) of each leader an escalation reached by no path."""
    rows = []
    for u in unreached:
        if u.robot is None:
            why = "未绑定 Telegram，本单位也没有绑定群机器人"
        else:
            platform = ROBOT_NAMES.get(Kind(u.robot), u.robot)
            why = f"未绑定 Telegram；{platform}群中只点了名，无法@提醒（未登记{platform}可用的手机号或账号）"
        rows.append((u.unit.name, u.leader.label, why))
    return rows


def _stakes(site: SiteText) -> str:
    """What an escalation says is at stake, with the site's own pledge (承诺书) when it has one."""
    pledge = site.words.pledge
    return "网站栏目长期不更新可能导致政府网站被通报、关停" + (
        f"，责任单位和相关人员将被问责（{pledge}）。" if pledge else "。"
    )


def _escalation(notice: Notice, body: Escalation, site: SiteText, style: Style) -> list[Planned]:
    today = notice.day
    title = _webmasters if body.leader is not None else _in_group if body.in_group else _with_leaders
    sections: _Sections = []
    listed: list[ItemView] = []
    for group in body.groups:
        lines = []
        for item, why in group.items:
            listed.append(item)
            lines.append(_item_block(len(listed), item, _why(item, why)))
        sections.append((title(group.unit), lines))
    if body.leader is not None:
        header = (
            f"【督办提醒】{ymd(today)}\n{body.leader.label}您好！贵单位负责的以下栏目已逾期或接近检查红线，"
            "请督促网站维护员尽快更新整改："
        )
        footer = _stakes(site)
    elif body.in_group:
        header = (
            f"【督办提醒】{ymd(today)}\n以下栏目已逾期或接近检查红线，请网站维护员尽快更新整改，"
            "请分管领导督促落实："
        )
        return _done_parts(
            notice,
            (header, sections, listed, f"{_stakes(site)}\n{_done_footer(style)}"),
            style,
            mentions=lambda part: _escalation_mentions(body.groups, part, notice.to.platform),
        )
    else:
        distinct = {i.id for i in listed}
        header = (
            f"【督办汇总】{site.name} {ymd(today)}\n共{len(body.groups)}个单位、{len(distinct)}项需要督办："
        )
        footer = _unreached_lines(body.unreached)
    return [
        _one(notice, text, items=part, part=n)
        for n, text, part in _parts(header, sections, listed, footer, style.max_text)
    ]


# ---------------------------------------------------------------------------------------------------------
# A long list as one digest and a spreadsheet

DIGEST_UNITS = 10  # units named in a digest, the most items first; the rest are counted

_ROW_HEADERS = ("序号", "单位", "栏目/账号", "链接", "状态")


def _rows(
    body: object, today: date
) -> tuple[str, tuple[str, ...], list[tuple[str, ...]], Counter[str]] | None:
    """A list's sheet (title, headers, rows) and its items counted by unit; None: not a list."""
    by_unit: Counter[str] = Counter()
    rows: list[tuple[str, ...]] = []

    def add(unit: UnitView, item: ItemView, *more: str) -> None:
        by_unit[unit.name] += 1
        rows.append(
            (str(len(rows) + 1), unit.name, item.title, item.url or "", state_line(item, today), *more)
        )

    match body:
        case DailyRead() | Overdue():
            for group in body.groups:
                for item in group.items:
                    add(group.unit, item)
            return ("清单", _ROW_HEADERS, rows, by_unit)
        case DueWarning():
            for groups, when in ((body.now, "今天到期"), (body.soon, "即将到期")):
                for group in groups:
                    for item in group.items:
                        add(group.unit, item, when)
            return ("预警", (*_ROW_HEADERS, "预警"), rows, by_unit)
        case Escalation():
            for esc in body.groups:
                for item, why in esc.items:
                    add(esc.unit, item, _why(item, why))
            return ("督办", (*_ROW_HEADERS, "督办原因"), rows, by_unit)
        case WeeklySummary():
            for u in body.units:
                by_unit[u.unit.name] += len(u.late)
                before = "" if u.late_before is None else str(u.late_before)
                rows.append((u.unit.name, str(u.updates), str(u.updates_before), str(len(u.late)), before))
            return ("周总结", ("单位", "本周更新", "上周更新", "逾期", "上周逾期"), rows, by_unit)
        case MonthlyReminder():
            for m in body.units:
                by_unit[m.unit.name] += len(m.late)
                late = "；".join(f"{i.title}（逾期{i.days_late}天）" for i in m.late)
                short = "；".join(f"{i.title}（还差{i.missing}条）" for i in m.behind)
                rows.append((m.unit.name, str(m.updates), str(len(m.late)), late, short))
            headers = ("单位", "上月登记更新", "逾期", "逾期栏目和账号", "数量未达要求")
            return ("月提醒", headers, rows, by_unit)
    return None


def _digest(notice: Notice, planned: Sequence[Planned], style: Style) -> Planned | None:
    """The messages `planned` as one: what the list is and how much, the units with the most named, the whole
    list in the spreadsheet. It asks for no update (a /done replied to it names its item); a daily read keeps
    its 已巡查 button."""
    sheet = _rows(notice.body, notice.day)
    if sheet is None:
        return None
    title, headers, rows, by_unit = sheet
    name = KIND_NAMES.get(notice.kind, "清单")
    first = planned[0].text.split("\n", 1)[0]
    items = tuple(dict.fromkeys(i for p in planned for i in p.items))
    if isinstance(notice.body, WeeklySummary | MonthlyReminder):
        lead = f"{first}\n共{len(rows)}个单位，内容较多，各单位情况见附件（按逾期项数排列）："
    else:
        lead = f"{first}\n共{len(rows)}项、涉及{len(by_unit)}个单位，内容较多，完整清单见附件："
    lines = [lead]
    ranked = sorted(by_unit.items(), key=lambda kv: (-kv[1], kv[0]))
    lines += [f"· {unit}：{n}项" for unit, n in ranked[:DIGEST_UNITS] if n]
    rest = ranked[DIGEST_UNITS:]
    if rest:
        lines.append(f"· 其余{len(rest)}个单位共{sum(n for _, n in rest)}项")
    sheets: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = (
        (title, headers, tuple(rows)),
    )
    if isinstance(notice.body, DailyRead):
        lines.append(f"浏览检查完毕后，{_tap('已巡查', style)}登记。")
    elif notice.asks:
        lines.append("更新后请发送 /done 栏目名称 登记。")
    elif isinstance(notice.body, Escalation) and notice.body.unreached:
        # Said before the list is cut to a caption: never dropped with the list's tail.
        lines.insert(
            1, f"其中{len(notice.body.unreached)}位分管领导未能收到本次督办提醒，名单见附件“未送达”页。"
        )
        sheets += (("未送达", ("单位", "分管领导", "原因"), tuple(_unreached_rows(notice.body.unreached))),)
    text = "\n".join(lines)[:CAPTION_MAX]
    report = Report(filename=f"{name}_{notice.day.isoformat()}.xlsx", sheets=sheets)
    offers = planned[-1].offers if isinstance(notice.body, DailyRead) else ()
    one = _one(notice, text, items=items, offers=offers, document=report)
    return replace(one, asks=())


def _evening_note(notice: Notice, body: EveningNote, site: SiteText, style: Style) -> list[Planned]:
    lines = []
    rows = []
    for chat, units in body.missing:
        if len(units) > 6:
            shown = "、".join(u.name for u in units[:6]) + f"等{len(units)}个单位"
        else:
            shown = "、".join(f"{u.name}（{_names(u.webmasters)}）" for u in units)
        lines.append(f"· {shown}（群：{chat.title or chat.telegram_id}）")
        for u in units:
            rows.append((chat.title or str(chat.telegram_id), u.name, _names(u.webmasters)))
    head = [
        f"【日查情况】{site.name} {ymd(notice.day)} {body.at:%H:%M}",
        f"{body.total}个群中有{len(lines)}个今天尚未确认日查（未点击「已巡查」）：",
    ]
    sheet = ("未确认日查的群", ("群", "单位", "网站维护员"), tuple(rows))
    return _listing(notice, head, lines, [], sheet, style)


def _listing(
    notice: Notice,
    head: Sequence[str],
    lines: Sequence[str],
    tail: Sequence[str],
    sheet: tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]],
    style: Style,
) -> list[Planned]:
    """A notice that is one list of lines: one message when it fits; else the first lines and the whole
    list as a spreadsheet, or, on a platform without files, the list in parts. Never one message over the
    platform's limit (which the platform would refuse, and the notice would be lost)."""
    text = "\n".join([*head, *lines, *tail])
    if len(text) <= style.max_text:
        return [_one(notice, text)]
    if not style.documents:
        blocks = [[line] for line in lines]
        layout = _layout("\n".join(head), [("", blocks)], "\n".join(tail), style.max_text)
        return [_one(notice, part, part=n) for n, (part, _) in enumerate(layout, 1)]
    more = f"……共{len(lines)}项，完整名单见附件。"
    budget = CAPTION_MAX - sum(len(x) + 1 for x in (*head, *tail, more))
    shown: list[str] = []
    for line in lines:
        if len(line) + 1 > budget:
            break
        shown.append(line)
        budget -= len(line) + 1
    caption = "\n".join([*head, *shown, more, *tail])[:CAPTION_MAX]
    name = KIND_NAMES.get(notice.kind, "名单")
    report = Report(filename=f"{name}_{notice.day.isoformat()}.xlsx", sheets=(sheet,))
    return [_one(notice, caption, document=report)]


def half_month(period: date) -> str:
    """The half-month a check answers for, as every message and page names it: 2026年10月下半月."""
    return f"{period.year}年{period.month}月{'上' if period.day == 1 else '下'}半月"


def _checklist(notice: Notice, body: Checklist, site: SiteText) -> Planned:
    today = notice.day
    mark = f"（{body.part}/{body.parts}）" if body.parts > 1 else ""
    header = (
        f"【半月查】{half_month(body.period)}全面检查{mark}\n"
        "请对本单位负责的以下栏目和账号做一次全面检查（内容是否及时准确、有无空白栏目、链接是否有效、"
        "有无错别字），逐项点击「正常」或「有问题」；选「有问题」后请按提示回复问题和整改情况。"
    )
    footer = f"检查结果将于{md(body.report_on)}汇总报{site.words.office}。"
    sections, listed = _sections(body.groups, lambda i: state_line(i, today), first=body.first)
    text = "\n".join(
        [header, "", *(f"{h}\n" + "\n".join("\n".join(b) for b in bs) for h, bs in sections), "", footer]
    )
    offers = tuple(
        (
            Offer(f"{body.first + j}. {_short(item.name, 10)} 正常", Action.check(item.id, True)),
            Offer(f"{body.first + j}. 有问题", Action.check(item.id, False)),
        )
        for j, item in enumerate(listed)
    )
    return _one(notice, text, items=listed, offers=offers)


def _checklist_links(
    notice: Notice,
    groups: Sequence[Group],
    body: Checklist | ChecklistSheet,
    first: int,
    total: int,
    site: SiteText,
    style: Style,
) -> list[Planned]:
    """半月查 in a robot's group (offers are links in the text, no file is taken): the list in parts of at
    most CHECK_LIST_MAX items within the platform's size, numbered across the whole list, never a
    spreadsheet whatever its length; each part offers one link, to a page where its items are marked 正常 or
    有问题 (`Action.check_list`)."""
    today = notice.day
    total = total or sum(len(g.items) for g in groups)
    intro = (
        "请对本单位负责的以下栏目和账号做一次全面检查（内容是否及时准确、有无空白栏目、链接是否有效、"
        "有无错别字），然后点击下方「逐项检查并登记」链接，在打开的页面逐项选择「正常」或「有问题」。"
    )
    footer = f"检查结果将于{md(body.report_on)}汇总报{site.words.office}。"
    sections, listed = _sections(groups, lambda i: state_line(i, today), first=first)
    out: list[Planned] = []
    at = 0
    last = first + len(listed) - 1
    for text, count in _layout(
        "", sections, footer if last == total else "", style.max_text - 160, marks=False, most=CHECK_LIST_MAX
    ):
        shown = listed[at : at + count]
        a, b = first + at, first + at + count - 1
        span = f"第{a}—{b}项" if b > a else f"第{a}项"
        # The ask opens the list and the report day closes it; the parts between carry the items only.
        head = f"{CHECKLIST_REPLY_MARK}{half_month(body.period)}全面检查" + (
            f"（{span}，共{total}项）" if (a, b) != (1, total) else ""
        )
        text = "\n".join([head, *([intro] if a == 1 else []), "", text])
        label = "逐项检查并登记" + (f"（{span}）" if (a, b) != (1, total) else "")
        offers = ((Offer(label, Action.check_list(*(i.id for i in shown))),),)
        at += count
        out.append(_one(notice, text, items=shown, offers=offers, part=len(out) + 1))
    return out


def _checklist_sheet(notice: Notice, body: ChecklistSheet, site: SiteText) -> Planned:
    today = notice.day
    rows = tuple(
        (str(n), unit, item.title, item.url or "", state_line(item, today), "", "")
        for n, (item, unit) in enumerate(body.items, 1)
    )
    title = half_month(body.period)
    report = Report(
        filename=f"半月查清单_{title}.xlsx",
        sheets=(
            (
                "半月查清单",
                ("序号", "单位", "栏目/账号", "链接", "当前状态", "检查结果", "问题及整改情况"),
                rows,
            ),
        ),
    )
    example = body.items[0][0].name if body.items else "栏目名称"
    text = "\n".join(
        [
            f"{CHECKLIST_REPLY_MARK}{title}全面检查",
            f"本群负责{len(body.items)}个栏目和账号，检查清单见附件。请逐项全面检查（内容是否及时准确、"
            "有无空白栏目、链接是否有效、有无错别字）：",
            "· 发现问题：直接回复本消息，每行写一项“栏目名称 问题及整改情况”，例如：",
            f"　{example} 首页图片链接失效，已重新上传",
            "· 其余都正常：点击下方「其余全部正常」。",
            f"检查结果将于{md(body.report_on)}汇总报{site.words.office}。",
        ]
    )[:CAPTION_MAX]
    offers = ((Offer("✅ 其余全部正常", Action.check_rest(body.period)),),)
    return _one(notice, text, items=[i for i, _ in body.items], offers=offers, document=report)


def _half_month_report(notice: Notice, body: HalfMonthReport, site: SiteText) -> Planned:
    rows: list[tuple[str, ...]] = []
    for unit, item, ans in body.answers:
        if ans is None:
            rows.append((unit.name, item.title, item.url or "", "未填报", "", "", ""))
            continue
        when = ans.at.strftime("%Y-%m-%d %H:%M") if ans.at.tzinfo else ans.at.isoformat()
        result = "正常" if ans.result == CheckResult.OK else "有问题"
        rows.append((unit.name, item.title, item.url or "", result, ans.note or "", ans.who, when))
    silent = tuple(
        (unit.name, str(n), _names(unit.webmasters), "未填报" if bound else "未绑定群，未收到检查清单")
        for unit, n, bound in body.silent
    )
    title = half_month(body.period)
    report = Report(
        filename=f"半月查检查结果和整改情况_{site.name}_{title}.xlsx",
        sheets=(
            (
                "检查结果和整改情况",
                ("单位", "栏目/账号", "链接", "检查结果", "问题及整改情况", "填报人", "填报时间"),
                tuple(rows),
            ),
            ("未填报单位", ("单位", "应检查项数", "网站维护员", "情况"), silent),
        ),
    )
    text = (
        f"【半月查汇总】{site.name} {title}检查结果和整改情况\n"
        f"应检查{body.total}项，已填报{body.ok + body.bad}项（正常{body.ok}项，有问题{body.bad}项）；"
        f"未填报的单位{len(silent)}个。详见附件。"
    )
    return _one(notice, text, document=report)


def _trend(now: int, before: int | None) -> str:
    if before is None:
        return ""
    if now == before:
        return "（与上周持平）"
    return f"（上周{before}，{'增加' if now > before else '减少'}{abs(now - before)}）"


def _unit_week(u: UnitWeek) -> list[str]:
    arrow = "↑" if u.updates > u.updates_before else "↓" if u.updates < u.updates_before else "→"
    late_text = f"逾期{len(u.late)}项" if u.late else "无逾期"
    lines = [
        f"· {u.unit.name}：本周更新{u.updates}条（上周{u.updates_before}条 {arrow}）；"
        f"{late_text}{_trend(len(u.late), u.late_before)}"
    ]
    lines += [f"   - {i.title}（逾期{i.days_late}天）" for i in u.late[:5]]
    if len(u.late) > 5:
        lines.append(f"   - ……另有{len(u.late) - 5}项")
    return lines


def _weekly_summary(notice: Notice, body: WeeklySummary, style: Style) -> list[Planned]:
    monday = body.monday
    header = (
        f"【周总结】{body.name} {md(monday)}—{md(monday + timedelta(days=6))}\n"
        f"本周登记更新{body.updates}条{_trend(body.updates, body.updates_before)}；"
        f"目前逾期{body.late}项{_trend(body.late, body.late_before)}。"
    )
    if body.inspection is not None:
        header += f"\n{verdict_line(body.inspection)}"
    sections = [("各单位情况：", [_unit_week(u) for u in body.units])]
    layout = _layout(header, sections, "", style.max_text)
    return [_one(notice, text, part=n) for n, (text, _) in enumerate(layout, 1)]


MONTH_ITEMS = 10  # overdue items (and quotas behind) named per unit in a monthly reminder; more are counted


def _unit_month(m: UnitMonth) -> list[str]:
    late = f"目前逾期{len(m.late)}项" if m.late else "无逾期"
    lines = [f"· {m.unit.name}：上月登记更新{m.updates}条；{late}"]
    lines += [f"   - {i.title}（逾期{i.days_late}天）" for i in m.late[:MONTH_ITEMS]]
    if len(m.late) > MONTH_ITEMS:
        lines.append(f"   - ……另有{len(m.late) - MONTH_ITEMS}项逾期")
    lines += [f"   - {i.title}：数量未达要求，本期还差{i.missing}条" for i in m.behind[:MONTH_ITEMS]]
    if len(m.behind) > MONTH_ITEMS:
        lines.append(f"   - ……另有{len(m.behind) - MONTH_ITEMS}项数量未达要求")
    return lines


def _monthly_reminder(notice: Notice, body: MonthlyReminder, style: Style) -> list[Planned]:
    header = (
        f"【月提醒】{body.name} {body.month.year}年{body.month.month}月情况\n"
        f"上月共登记更新{body.updates}条；目前逾期{body.late}项"
        + (f"，数量未达要求{body.behind}项" if body.behind else "")
        + "。"
    )
    if body.inspection is not None:
        header += f"\n{verdict_line(body.inspection)}"
    footer = "请督促各单位及时更新逾期栏目和账号；发送 /overdue 查看逾期详情。"
    sections = [("各单位情况：", [_unit_month(m) for m in body.units])]
    layout = _layout(header, sections, footer, style.max_text)
    return [_one(notice, text, part=n) for n, (text, _) in enumerate(layout, 1)]


def _bulletin(notice: Notice, body: QuarterlyBulletin, site: SiteText) -> list[Planned]:
    title = f"{body.year}年第{body.quarter}季度检查情况通报"
    document = Drawn("bulletin", body.period, f"{title}.docx")
    annex = Drawn("bulletin_annex", body.period, f"{title}_问题清单.xlsx")
    return [
        _one(
            notice,
            f"【季通报】{site.name} {title}（一、总体情况；二、主要问题；三、工作要求；附件：问题清单），"
            "含各单位每周更新、逾期变化和问题排名图表。请审核后印发。",
            part=1,
            document=document,
        ),
        _one(notice, f"【季通报·附件】{site.name} {title}问题清单（Excel）。", part=2, document=annex),
    ]


def _yearly_ranking(notice: Notice, body: YearlyRanking, site: SiteText) -> Planned:
    title = f"{body.year}年各单位年度评分"
    return _one(
        notice,
        f"【年评分】{site.name} {title}：按时更新、逾期天数、数量要求、日查确认、半月查报送、"
        "单项否决六部分计分，名次、各部分得分和评分规则见附件。",
        document=Drawn("rank", str(body.year), f"{title}.xlsx"),
    )


def _unbound(notice: Notice, body: Unbound, site: SiteText, style: Style) -> list[Planned]:
    lines = []
    rows = []
    for u in body.units:
        facts = [f"负责{u.items}项"]
        if u.late:
            facts.append(f"逾期{u.late}项")
        if u.due_today:
            facts.append(f"今天到期{u.due_today}项")
        lines.append(f"· {u.unit.name}（网站维护员：{_names(u.unit.webmasters)}）：" + "，".join(facts))
        rows.append((u.unit.name, _names(u.unit.webmasters), str(u.items), str(u.late), str(u.due_today)))
    head = [
        f"【未绑定群的单位】{site.name} {ymd(notice.day)}",
        f"以下{len(lines)}个单位还没有绑定群聊，今天的日查、预警和逾期提醒无法送达：",
    ]
    tail = ["请把机器人拉进这些单位的工作群，并在群里发送 /bindchat 单位名称 完成绑定。"]
    sheet = ("未绑定群的单位", ("单位", "网站维护员", "负责", "逾期", "今天到期"), tuple(rows))
    return _listing(notice, head, lines, tail, sheet, style)


def _calendar_missing(body: CalendarMissing) -> str:
    return "\n".join(
        [
            f"【节假日安排未录入】{'、'.join(f'{y}年' for y in body.years)}的法定节假日和调休安排尚未录入，"
            "目前暂按周一至周五为工作日计算，到期日和提醒日可能不准。",
            *(
                f"请发送 /holidays {y} 并附上国务院办公厅公布的放假安排（每行一个日期，如“{y}-01-01 休”"
                f"“{y}-02-07 班”）。"
                for y in body.years
            ),
        ]
    )
