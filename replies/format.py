"""Pure formatters: acts' and queries' results in, Chinese replies out. No chat platform, no database.

A `Reply` is text (split for Telegram's 4096-character limit when sent), optional buttons, and for long
lists a table that is also sent as an XLSX file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from acts.chats import Bound, ChatPresence, NotBound, Unbound
from acts.check import Checked, CheckUsage, DisputeUsage, NoUrl
from acts.groups import GroupMembers, GroupUsage, NotAGroup
from acts.invitations import (
    AllNeedsAdminRole,
    Invited,
    InviteExpired,
    InviteRevoked,
    InviteUnknown,
    InviteUsed,
    Joined,
    RoleUnknown,
)
from acts.roster import (
    ConfiguredAdmin,
    InvitationClosed,
    NoSuchInvitation,
    NotMember,
    Pending,
    PersonAmbiguous,
    PersonUnknown,
    Removed,
    RemoveUsage,
    Revoked,
    WhichUnit,
)
from acts.updates import (
    BadCount,
    BadDate,
    DoneResult,
    EventRecorded,
    FutureDate,
    ItemGone,
    Logged,
    LoggedItem,
    NameTheUnit,
    NothingToUndo,
    Undone,
    WhichItem,
)
from domain.access import administers, takes_part
from domain.actions import Action, Offer
from domain.inspection import verdict_line
from domain.links import MAX_LISTED, dead_link_line
from domain.model import ReadStatus, Role, Rule, State, UnitKind
from domain.rules import describe_rule
from domain.site import SiteWords
from domain.text import (
    KIND_LABELS,
    READ_LABELS,
    STATE_LABELS,
    TELEGRAM_LIMIT,
    WEEKDAYS,
    md,
    state_words,
    whose,
)
from domain.wording import undelivered_lines
from replies.menu import COMMANDS
from reports.table import Table
from storage.audit import AUDIT_LABELS, HISTORY_LIMIT, History
from storage.outbox import Withdrawn
from storage.people import Ambiguous, ItemUnknown, NotYours, Usage
from storage.queries import (
    LATE_NAMED,
    Actor,
    DueView,
    ItemLine,
    ItemRef,
    LateItem,
    MineView,
    NotAdmin,
    NotYourUnit,
    OverdueView,
    PeopleView,
    PersonLine,
    StatusView,
    Stranger,
    UnitAmbiguous,
    UnitLate,
    UnitPeople,
    UnitUnknown,
    summarise,
)
from storage.reads import Cleared, MarkedWrong, NoReading, Seen
from storage.score import SiteScore

LONG_LIST = 60  # lines; a longer list is also sent as a spreadsheet
MAX_BUTTONS = 10

ROLE_LABELS: dict[str, str] = {
    Role.WEBMASTER: "网站维护员",
    Role.LEADER: "分管领导",
    Role.ADMIN: "系统管理员",
}
STATE_MARKS: dict[str, str] = {
    State.OVERDUE: "🔴",
    State.DUE_TODAY: "🟠",
    State.DUE_SOON: "🟡",
    State.NEEDS_RULE: "⚪",
    State.FRESH: "🟢",
}


@dataclass(frozen=True)
class Reply:
    text: str
    offers: tuple[Offer, ...] = ()  # actions offered under the reply, one button per row
    table: Table | None = None
    alert: bool = False  # for button presses: show as a dialog rather than a toast


# ------------------------------------------------------------------------------------------------
# Small pieces


def day(d: date | None, today: date | None = None) -> str:
    """ "12月7日（周一）"; the year is written unless `today` is given and in the same year."""
    if d is None:
        return "—"
    year = "" if today is not None and d.year == today.year else f"{d.year}年"
    return f"{year}{md(d)}（周{WEEKDAYS[d.weekday()]}）"


def clock(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{md(local.date())} {local:%H:%M}"


def people(lines: Sequence[PersonLine], none: str = "未绑定") -> str:
    return "、".join(p.label for p in lines) if lines else none


def bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends (a single overlong line is cut hard)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return pieces or [""]


def _with_table(text: str, table: Table) -> Reply:
    return Reply(text, table=table if text.count("\n") + 1 > LONG_LIST else None)


# ------------------------------------------------------------------------------------------------
# Refusals and common problems

STRANGER = (
    "抱歉，您还没有绑定任何单位，暂时不能使用这个功能。\n"
    "请联系本网站的系统管理员，请其发送 /invite 单位名称 角色 为您生成邀请链接；"
    "点击链接（或在与我的私聊中发送 /start 邀请码）即可完成绑定。"
)
NOT_ADMIN = "抱歉，只有系统管理员可以使用这个命令。如需帮助，请联系本网站的系统管理员。"
APOLOGY = "抱歉，处理您的消息时出了点问题，请稍后再试。问题已记录，管理员会尽快处理。"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看可以使用的命令。"
PLAIN_TEXT = "请用命令与我交流，例如：/done 部门动态。发送 /help 查看全部命令。"
ANONYMOUS = (
    "您正以匿名管理员（或频道）身份发言，我无法确认您是谁。"
    "请在群设置中关闭“匿名”后再试，或在与我的私聊中操作。"
)
BUTTON_EXPIRED = "这个按钮已失效，请发送 /done 栏目名称 登记。"
START_IN_GROUP = "为保护邀请码，请在与我的私聊中发送 /start 邀请码（点击邀请链接也会自动打开私聊）。"
BINDCHAT_IN_PRIVATE = "请在需要接收提醒的群里发送 /bindchat 单位名称（先把我加入该群）。"


def problem(result: object) -> str:
    match result:
        case Stranger():
            return STRANGER
        case NotAdmin():
            return NOT_ADMIN
        case UnitUnknown(text=text, suggestions=near):
            hint = f"\n相近的单位：{'、'.join(near)}" if near else ""
            return f"没有找到单位「{text}」。{hint}\n发送 /units 查看全部单位。"
        case UnitAmbiguous(text=text, candidates=candidates):
            return f"「{text}」对应多个单位，请写出完整名称：\n{bullets(candidates)}"
        case NotYourUnit(unit=unit):
            return f"抱歉，「{unit}」不在您负责的单位范围内。"
    return APOLOGY


# ------------------------------------------------------------------------------------------------
# /done, buttons, /undo, /event

DONE_USAGE = (
    "用法：/done 栏目或账号名称 [备注]\n"
    "例如：/done 部门动态\n"
    "　　　/done 重点领域/财政预决算 已发布3条\n"
    "也可以直接回复我发出的提醒消息，发送 /done。"
)


def _next(item: LoggedItem, today: date) -> str:
    if item.state == State.NOT_APPLICABLE:
        return "该项只需定期检查，没有内容更新期限。"
    if item.state == State.NEEDS_RULE or item.due_on is None:
        return "该项的更新要求尚未识别，请管理员补充规则。"
    return f"下次更新期限：{day(item.due_on, today)}，当前状态：{state_words(item.state, item.days_late)}。"


def logged_line(item: LoggedItem) -> str:
    """An item as a confirmation names what was logged: its count, note, and for whom (any entrance's)."""
    extra = f"（{item.count}条）" if item.count > 1 else ""
    note = f"，备注：{item.note}" if item.note else ""
    behalf = f"（代{'、'.join(item.on_behalf_of)}登记）" if item.on_behalf_of else ""
    if item.for_unit and not item.on_behalf_of:
        behalf = f"（计入{item.for_unit}）"  # a per-unit duty: whose share this update is
    return f"{item.path}{extra}{note}{behalf}"


WHICH_ITEM = "这条消息没有要求更新具体栏目，请点选您已更新的那一项（或发送 /done 栏目名称）："


def done(result: DoneResult, today: date, tz: ZoneInfo) -> Reply:
    match result:
        case Logged(items=items, already=already, skipped=skipped):
            return Reply(_logged_text(items, already, skipped, today, tz))
        case Usage():
            return Reply(DONE_USAGE)
        case WhichItem(candidates=offered, more=left):
            rest = f"\n（另有 {left} 项未列出，请发送 /done 栏目名称 登记）" if left else ""
            choices = tuple(Offer(f"已更新 {c.path}"[:60], Action.done(c.id)) for c in offered)
            return Reply(WHICH_ITEM + rest, offers=choices)
        case Ambiguous(text=text, candidates=candidates, count=count):
            shown = candidates[:MAX_BUTTONS]
            more = f"\n（还有 {len(candidates) - len(shown)} 项未列出，请写得更具体些，例如：首页/部门动态）"
            offers = tuple(
                Offer(f"已更新 {c.path}"[:60], Action.done(c.id, count=count or None)) for c in shown
            )
            tail = more if len(candidates) > len(shown) else ""
            return Reply(f"{_which(text, candidates)}请点选已更新的那一项：{tail}", offers=offers)
        case ItemUnknown() | NotYours():
            return Reply(not_found(result))
        case BadCount(value=value):
            return Reply(f"条数应在 1 到 100 之间（您写的是 {value}）。例如：/done 部门动态 3")
        case ItemGone():
            return Reply("该栏目或账号已不在清单中，无需登记。")
        case NameTheUnit():
            return Reply(name_the_unit(result))
    return Reply(problem(result))


def name_the_unit(result: NameTheUnit) -> str:
    """A per-unit duty logged without saying for which unit: nothing was logged; how to say it."""
    name = result.path.split(" / ")[-1]
    example = result.units[0] if result.units else "单位名称"
    return (
        f"「{result.path}」按各责任单位分别计算，请注明这次更新计入哪个单位，例如：/done {name} {example}\n"
        f"可选单位：{'、'.join(result.units) or '（无）'}。本次未登记。"
    )


def _which(text: str, candidates: Sequence[ItemRef]) -> str:
    """The question when a name is not clear: several candidates, or one that is only a guess."""
    if len(candidates) == 1:
        return f"「{text}」不是完整的名称，我猜您指的是「{candidates[0].path}」。"
    return f"「{text}」对应多个栏目或账号。"


def not_found(result: ItemUnknown | NotYours) -> str:
    if isinstance(result, ItemUnknown):
        hint = f"\n您要找的是不是：\n{bullets(result.suggestions)}" if result.suggestions else ""
        return f"没有找到「{result.text}」。{hint}\n发送 /mine 可查看您负责的栏目和账号。"
    owner = "、".join(result.units) or "其他单位"
    return (
        f"「{result.path}」由{owner}负责，您不是该单位的绑定人员，不能登记。\n"
        "如需登记，请联系系统管理员发送 /invite 邀请您。"
    )


def _logged_text(
    items: Sequence[LoggedItem],
    already: Sequence[LoggedItem],
    skipped: Sequence[str],
    today: date,
    tz: ZoneInfo,
) -> str:
    parts: list[str] = []
    if len(items) == 1:
        parts.append(f"✅ 已登记更新：{logged_line(items[0])}\n{_next(items[0], today)}")
    elif items:
        lines = [f"{logged_line(i)} — {_next(i, today)}" for i in items]
        parts.append(f"✅ 已登记 {len(items)} 项更新：\n{bullets(lines)}")
    for item in already:
        when = f"于{clock(item.at, tz)}" if item.at else ""
        parts.append(f"「{item.path}」已由{item.by or '他人'}{when}登记过，未重复登记。")
    if skipped:
        parts.append(f"以下项目不属于您负责的单位，未登记：\n{bullets(skipped)}")
    if items:
        parts.append("如登记有误，30分钟内可发送 /undo 撤销。")
    return "\n".join(parts)


def button(result: DoneResult, who: str, tz: ZoneInfo) -> tuple[Reply, str | None]:
    """(the toast or alert, the line to add under the reminder or None)."""
    match result:
        case Logged(items=[item, *_]):
            when = clock(item.at, tz) if item.at else ""
            return Reply(f"已登记：{item.path}"[:190]), f"✅ {who} {when} 已登记：{logged_line(item)}"
        case Logged(already=[item, *_]):
            return Reply(f"已由{item.by or '他人'}登记过，无需重复登记。"), None
        case Stranger():
            return Reply("您还没有绑定单位，不能登记。请联系系统管理员获取邀请。", alert=True), None
        case NotYours(path=path, units=units):
            return Reply(
                f"「{path}」由{'、'.join(units) or '其他单位'}负责，您不能登记。"[:190], alert=True
            ), None
        case ItemGone():
            return Reply("该栏目或账号已不在清单中。"), None
        case NameTheUnit():
            return Reply(name_the_unit(result)[:190], alert=True), None
    return Reply(BUTTON_EXPIRED), None


def undone(result: Undone | NothingToUndo | Stranger, today: date, tz: ZoneInfo) -> Reply:
    match result:
        case Undone(items=[item], logged_at=at):
            extra = f"（{item.count}条）" if item.count > 1 else ""
            return Reply(
                f"↩️ 已撤销 {clock(at, tz)} 对「{item.path}」的更新登记{extra}。\n"
                f"当前状态：{state_words(item.state, item.days_late)}，更新期限：{day(item.due_on, today)}。"
            )
        case Undone(items=items, logged_at=at):
            lines = [
                f"{i.path} — 当前状态：{state_words(i.state, i.days_late)}，更新期限：{day(i.due_on, today)}"
                for i in items
            ]
            return Reply(f"↩️ 已撤销 {clock(at, tz)} 一次登记的全部 {len(items)} 项更新：\n{bullets(lines)}")
        case NothingToUndo():
            return Reply("没有可以撤销的登记（只能撤销您本人30分钟内的最后一次登记）。")
    return Reply(problem(result))


EVENT_USAGE = (
    "用法：/event 栏目名称 [日期] [备注]\n"
    "例如：/event 财政预决算 2026-11-20 预算调整\n"
    "日期默认为今天；事项公开后请发送 /done 栏目名称。"
)


def event(result: object, today: date, tz: ZoneInfo) -> Reply:
    match result:
        case EventRecorded(already=True, path=path):
            return Reply(f"该事项已记录过（{path}），未重复记录。")
        case EventRecorded(path=path, occurred_on=on, due_on=due_on, state=code, counts=True, days_late=late):
            return Reply(
                f"📌 已记录事项：{path}，发生日期 {day(on, today)}。\n"
                f"应在 {day(due_on, today)} 前完成公开（当前状态：{state_words(code, late)}）。\n"
                f"公开后请发送 /done {path.split(' / ')[-1]}。"
            )
        case EventRecorded(path=path, occurred_on=on):
            return Reply(
                f"📌 已记录事项：{path}，发生日期 {day(on, today)}。\n"
                "说明：该栏目的更新要求不按事项计时，这条记录不影响它的更新期限。"
            )
        case Usage():
            return Reply(EVENT_USAGE)
        case FutureDate(day=d):
            return Reply(f"事项日期不能晚于今天（您写的是 {day(d, today)}）。")
        case BadDate(text=text):
            return Reply(f"日期「{text}」无效，请按“年-月-日”填写，例如 2026-11-20。")
        case Ambiguous(text=text, candidates=candidates):
            return Reply(
                f"{_which(text, candidates)}请写出完整的名称或路径（例如 重点领域/财政预决算）：\n"
                + bullets([c.path for c in candidates[:MAX_BUTTONS]])
            )
        case ItemUnknown() | NotYours():
            return Reply(not_found(result))
    return Reply(problem(result))


# ------------------------------------------------------------------------------------------------
# Invitations, /start, groups

INVITE_USAGE = (
    "用法：/invite 单位名称 角色\n"
    "角色：网站维护员（负责更新栏目）、分管领导、系统管理员（管理本网站的全部单位）\n"
    "（也可写 webmaster、leader、admin）\n"
    "例如：/invite 单位名称 网站维护员\n"
    "　　　/invite 全部 系统管理员"
)
# The old word for a webmaster: "管理员" alone now means only the administrator.
OLD_WEBMASTER_HINT = (
    "提示：“{old}”已按“网站维护员”（负责更新栏目的人员）处理。为免与“系统管理员”混淆，今后请写“网站维护员”。"
)


def invited(result: object, bot_username: str, days: int) -> Reply:
    match result:
        case Invited(code=code, unit=unit, role=role, old_word=old):
            who = f"单位：{unit}，角色：{ROLE_LABELS[role]}" if unit else "角色：系统管理员（全部单位）"
            hint = f"\n\n{OLD_WEBMASTER_HINT.format(old=old)}" if old else ""
            return Reply(
                f"已生成邀请（{who}；{days}天内有效，只能使用一次）。\n"
                "请把下面的链接发给对方，对方点击后按“开始”即可绑定：\n"
                f"https://t.me/{bot_username}?start={code}\n"
                "也可以请对方在与我的私聊中发送：\n"
                f"/start {code}{hint}"
            )
        case RoleUnknown(text=text):
            return Reply(
                f"无法识别角色「{text}」。可用角色：网站维护员、分管领导、系统管理员。\n\n{INVITE_USAGE}"
            )
        case AllNeedsAdminRole():
            return Reply("“全部”只能用于邀请系统管理员：/invite 全部 系统管理员")
    return Reply(problem(result))


WELCOME = (
    "您好！我是「值日」提醒机器人，帮助各单位按时更新政府网站栏目和政务新媒体账号。\n\n"
    "使用前需要绑定单位：请联系{admin}的系统管理员，请其发送 /invite 单位名称 角色 生成邀请链接，"
    "点击链接即可完成绑定。\n发送 /help 查看全部命令。"
)


def welcome(actor: Actor, words: SiteWords) -> Reply:
    if not takes_part(actor) or actor.speaker is None:
        return Reply(WELCOME.format(admin=words.admin_office))
    return Reply(f"您好，{actor.speaker.name}！您已完成绑定，可以直接使用。发送 /help 查看可以使用的命令。")


def joined(
    result: Joined | InviteUnknown | InviteUsed | InviteExpired | InviteRevoked, name: str, today: date
) -> Reply:
    match result:
        case Joined(unit=unit, role=role, already=True):
            where = f"「{unit}」的{ROLE_LABELS[role]}" if unit else "系统管理员"
            return Reply(f"您已经是{where}，无需重复绑定。这个邀请码没有被使用，可以转给其他需要的人。")
        case Joined(unit=None):
            return Reply(
                f"欢迎，{name}！您已成为系统管理员（负责全部单位）。\n发送 /help 查看可以使用的命令。"
            )
        case Joined(unit=unit, role=role):
            return Reply(
                f"欢迎，{name}！您已绑定为「{unit}」的{ROLE_LABELS[role]}。\n"
                "以后可以用 /done 登记更新、用 /mine 查看您负责的栏目。发送 /help 查看全部命令。"
            )
        case InviteUnknown():
            return Reply("邀请码无效，请检查是否完整复制。如仍有问题，请联系管理员重新生成邀请。")
        case InviteUsed(by_you=True):
            return Reply("您已经使用过这个邀请码了，无需再次绑定。发送 /help 查看可以使用的命令。")
        case InviteUsed():
            return Reply("这个邀请码已被使用（每个邀请码只能使用一次）。请联系管理员重新生成邀请。")
        case InviteExpired(expired_at=at):
            return Reply(f"这个邀请码已于 {day(at.date(), today)} 过期。请联系管理员重新生成邀请。")
        case InviteRevoked():
            return Reply("这个邀请码已被管理员撤销，不能再使用。如需绑定，请联系管理员重新生成邀请。")
    return Reply(APOLOGY)


BINDCHAT_USAGE = (
    "用法：/bindchat 单位名称 [单位名称 …]\n"
    "例如：/bindchat 单位名称 另一单位名称\n"
    "　　　/bindchat 全部（本群接收全部单位的提醒）"
)


def bound(result: object) -> Reply:
    match result:
        case Bound(all_units=True, units=units):
            also = f"（另单独绑定：{'、'.join(units)}）" if units else ""
            return Reply(f"✅ 本群已绑定到全部单位{also}，各单位的提醒都会发到这里。")
        case Bound(added=(), units=units):
            return Reply(f"本群已经绑定了这些单位，无需重复绑定。当前绑定：{'、'.join(units)}。")
        case Bound(units=units):
            return Reply(f"✅ 本群已绑定到：{'、'.join(units)}。\n这些单位的提醒会发到本群。")
    return Reply(problem(result))


def unbound(result: Unbound | NotBound | NotAdmin) -> Reply:
    match result:
        case Unbound(units=units, all_units=everything, remaining=remaining):
            removed = "、".join(([] if not everything else ["全部单位"]) + list(units)) or "（无）"
            rest = f"\n仍绑定：{'、'.join(remaining)}。" if remaining else ""
            return Reply(f"已解除本群与以下单位的绑定：{removed}。本群将不再收到这些单位的提醒。{rest}")
        case NotBound():
            return Reply("本群还没有绑定任何单位。")
    return Reply(problem(result))


def removed_notice(
    title: str, units: tuple[str, ...], all_units: bool, kicked: bool, withdrawn: Withdrawn
) -> str:
    """The administrators' message when the bot is removed from a group: what it was bound to, and what
    became of the messages that were still waiting to go there."""
    what = "被移出" if kicked else "离开了"
    bound_to = "全部单位" if all_units else ("、".join(units) or "未绑定单位")
    lines = [
        f"⚠️ 机器人{what}群组「{title or '未命名群'}」（绑定：{bound_to}）。",
        "该群的提醒已暂停，绑定关系已保留；把机器人重新加入该群即可恢复。",
        *undelivered_lines(withdrawn.readdressed, withdrawn.kinds),
    ]
    return "\n".join(lines)


def presence(result: ChatPresence, present: bool) -> Reply | None:
    """What the bot says in a group it was just added to (None: say nothing)."""
    if not present:
        return None
    if result.bound and result.changed:
        units = "全部单位" if result.all_units else "、".join(result.units)
        return Reply(f"我回来了，本群的绑定已恢复：{units}。")
    if not result.bound:
        return Reply(
            "大家好！我是「值日」提醒机器人。\n请系统管理员在本群发送 /bindchat 单位名称，"
            "把本群绑定到相应单位，之后这些单位的提醒会发到这里。"
        )
    return None


# ------------------------------------------------------------------------------------------------
# Asking


def _webmasters(lines: Sequence[PersonLine]) -> str:
    return f"网站维护员：{people(lines)}" if lines else "未绑定网站维护员"


SUMMARY_UNITS = 15  # units named in a long /overdue's summary, the most late items first
SUMMARY_ITEMS = LATE_NAMED  # items named there, the longest late first
SUMMARY_OTHERS = 10  # website problems and rules to fix named there; the rest are counted


def overdue(result: object) -> Reply:
    """/overdue: every late item by unit, or, when that would not fit on a screen or two (a county, a
    province), a summary a person can read — counts by unit, the worst first, the longest late named — with
    the full list as a spreadsheet. A view that holds only the counts (`OverdueView.summary`) gets the
    summary alone: the spreadsheet follows, from `overdue_list` (`overdue_table`)."""
    if not isinstance(result, OverdueView):
        return Reply(problem(result))
    today = result.today
    scope = f"{result.narrowed_to} 的" if result.narrowed_to else ""
    if result.summary is not None:
        return Reply("\n".join(_overdue_lines(result, scope, today, limit=SUMMARY_OTHERS, summary=True)))
    full = "\n".join(_overdue_lines(result, scope, today, limit=None))
    if full.count("\n") + 1 <= LONG_LIST:
        return Reply(full)
    return Reply(
        "\n".join(_overdue_lines(result, scope, today, limit=SUMMARY_OTHERS, summary=True)),
        table=overdue_table(result.units),
    )


def overdue_table(units: Sequence[UnitLate]) -> Table:
    """The whole /overdue list as a spreadsheet, a row per unit and item, the longest late first."""
    rows = tuple(
        (
            unit.unit,
            i.path + whose(i.shares),
            KIND_LABELS.get(i.kind, i.kind),
            i.due_on,
            i.days_late,
            people(i.webmasters),
        )
        for unit in units
        for i in _late_first(unit.items)
    )
    return Table(
        "逾期", ("单位", "栏目/账号", "类型", "更新期限", "逾期天数", "网站维护员"), rows, "逾期栏目.xlsx"
    )


def _late_first(items: Sequence[LateItem]) -> list[LateItem]:
    return sorted(items, key=lambda x: (-x.days_late, x.path))


def _late_line(i: LateItem, today: date, unit: str | None = None) -> str:
    """• 首页 / 部门动态（市教育局）— 逾期 3 天（期限 11月12日）— webmasters; the unit named when the line is
    not under its unit's heading."""
    named = f"（{unit}）" if unit else ""
    overdue_by = f"逾期 {i.days_late} 天（期限 {day(i.due_on, today)}）"
    return f"• {i.path}{whose(i.shares)}{named} — {overdue_by} — {_webmasters(i.webmasters)}"


def _overdue_lines(
    result: OverdueView, scope: str, today: date, *, limit: int | None, summary: bool = False
) -> list[str]:
    lines: list[str] = []
    late = result.summary or summarise(result.units, SUMMARY_ITEMS)
    if not late.total:
        lines.append(f"目前没有{scope}逾期的栏目或账号。" if scope else "目前没有逾期的栏目或账号。")
    elif not summary:
        lines.append(f"{scope}逾期栏目和账号共 {late.total} 项（截至 {day(today, today)}，逾期最久的在前）：")
        for unit in result.units:
            lines.append(f"\n【{unit.unit}】{len(unit.items)} 项")
            lines.extend(_late_line(i, today) for i in _late_first(unit.items))
    else:
        lines.append(
            f"{scope}逾期栏目和账号共 {late.total} 项，涉及 {len(late.units)} 个单位"
            f"（截至 {day(today, today)}）。完整清单见附件，可按单位筛选。"
        )
        lines.append("\n按单位（逾期项数多的在前）：")
        for count in late.units[:SUMMARY_UNITS]:
            lines.append(f"• {count.unit} {count.items} 项（最久逾期 {count.worst} 天）")
        if len(late.units) > SUMMARY_UNITS:
            rest = late.units[SUMMARY_UNITS:]
            lines.append(f"• 其余 {len(rest)} 个单位共 {sum(u.items for u in rest)} 项，见附件")
        worst_items = late.worst[:SUMMARY_ITEMS]
        lines.append(f"\n逾期最久的 {len(worst_items)} 项：")
        lines.extend(_late_line(i, today, unit_name) for unit_name, i in worst_items)
    if result.website:
        lines.append(f"\n网站读取发现的问题（{result.website_total} 项，检查时会被扣分或否决）：")
        shown = result.website[:limit]
        for w in shown:
            problem_text = "空白栏目（无内容）" if w.read_status == ReadStatus.EMPTY else "页面无法访问"
            lines.append(f"• {w.path} — {problem_text} — {'、'.join(w.units)}")
        if result.website_total > len(shown):
            more = result.website_total - len(shown)
            lines.append(f"……另有 {more} 项，发送 /overdue 单位名称 查看某个单位的。")
    if result.empty_columns_site > 2:
        veto = "已达到单项否决线（5个）" if result.empty_columns_site >= 5 else "达到5个即单项否决"
        lines.append(f"\n⚠️ 全站空白栏目 {result.empty_columns_site} 个，{veto}，请尽快补充内容。")
    if result.needs_rule:
        lines.append(f"\n待补充规则（{result.needs_rule_total} 项，更新要求无法识别，请管理员修改）：")
        listed = result.needs_rule[:limit]
        lines.extend(f"• {i.path} — 原文：「{i.rule_text or '（空）'}」" for i in listed)
        if result.needs_rule_total > len(listed):
            more = result.needs_rule_total - len(listed)
            lines.append(f"……另有 {more} 项，全部列在 zhiri export 导出的清单中（状态为待补充规则）。")
    return lines


def _items_table(title: str, items: Sequence[ItemLine]) -> Table:
    rows = tuple(
        (
            "、".join(i.units),
            i.path + whose(i.shares),
            KIND_LABELS.get(i.kind, i.kind),
            _state_of(i),
            i.due_on,
        )
        for i in items
    )
    return Table(title, ("单位", "栏目/账号", "类型", "状态", "更新期限"), rows, f"{title}.xlsx")


def _state_of(line: ItemLine) -> str:
    return state_words(line.state, line.days_late, line.unknown)


def mine(result: MineView | Stranger) -> Reply:
    if not isinstance(result, MineView):
        return Reply(problem(result))
    today = result.today
    if not result.items:
        if result.admin:
            return Reply("您是系统管理员，没有直接负责的栏目或账号。查看全部逾期情况请发送 /overdue。")
        return Reply("您负责的单位目前没有登记栏目或账号。")
    lines = [f"您负责的栏目和账号共 {len(result.items)} 项（最紧急的在前）："]
    for i in result.items:
        mark = STATE_MARKS.get(i.state, "▫️")
        due = f" — 期限 {day(i.due_on, today)}" if i.due_on else ""
        lines.append(f"{mark} {_state_of(i)}｜{i.path}{whose(i.shares)}{due}")
    lines.append("\n登记更新：/done 名称；撤销：/undo")
    return _with_table("\n".join(lines), _items_table("我的栏目", result.items))


def due(result: DueView | Stranger) -> Reply:
    if not isinstance(result, DueView):
        return Reply(problem(result))
    today = result.today
    head = f"未来 {result.workdays} 个工作日内（至 {day(result.until, today)}）"
    late = f"\n另有 {result.overdue} 项已逾期，发送 /overdue 查看。" if result.overdue else ""
    if not result.items:
        return Reply(f"{head}没有到期的栏目或账号。{late}")
    lines = [f"{head}到期的栏目和账号共 {len(result.items)} 项："]
    lines.extend(
        f"• {day(i.due_on, today)} {i.path}{whose(i.shares)}（{'、'.join(i.units)}）" for i in result.items
    )
    return _with_table("\n".join(lines) + late, _items_table("近期到期", result.items))


DUE_USAGE = "请在 /due 后面写工作日天数（1 到 60），例如：/due 10"


def with_scores(reply: Reply, scores: Sequence[SiteScore]) -> Reply:
    """/status for the administrators: each site's inspection verdict under the counts."""
    verdicts = "\n".join(f"{s.site}：{verdict_line(s.score)}" for s in scores)
    return replace(reply, text=f"{reply.text}\n\n{verdicts}\n发送 /score 查看详情和优先整改项。")


def table_caption(table: Table) -> str:
    """Under a long list's spreadsheet."""
    return f"完整列表共 {len(table.rows)} 行，见附件。"


def status(result: StatusView | NotAdmin) -> Reply:
    if not isinstance(result, StatusView):
        return Reply(problem(result))
    by = result.items_by_state
    counts = "｜".join(f"{label} {by.get(code, 0)}" for code, label in STATE_LABELS.items())
    lines = [
        f"值日运行概况（{day(result.today, result.today)}）",
        f"栏目 {result.columns} 个，账号 {result.accounts} 个，单位 {result.units} 个",
        f"状态：{counts}",
        f"已绑定人员 {result.people} 人（系统管理员 {result.admins} 人）",
        f"群组：使用中 {result.groups_active} 个，已停用 {result.groups_inactive} 个，"
        f"未绑定单位 {result.groups_unbound} 个",
        f"尚未使用的邀请：{result.invitations_open} 个",
    ]
    if result.needs_rule:
        lines.append(f"\n⚠️ 有 {result.needs_rule} 项的更新要求无法识别，发送 /overdue 查看“待补充规则”。")
    if result.set_aside:
        lines.append(
            f"\n⚠️ 有 {result.set_aside} 条消息多次发送失败，已暂存、尚未发出（不会丢失）。"
            "请在服务器上用 zhiri outbox 查看原因，排除问题后用 zhiri outbox --retry 重新发送。"
        )
    return Reply("\n".join(lines))


def _unit_marks(u: UnitPeople) -> str:
    """（单位组）/（角色，待指定单位）and the office's other names, after a unit's name in /units."""
    marks = []
    if u.is_group:
        word = "角色" if u.kind == UnitKind.ROLE else "单位组"
        marks.append(f"{word}，待补充成员单位" if u.unfilled else word)
    if u.aliases:
        marks.append(f"又名{'、'.join(u.aliases)}")
    return f"（{'；'.join(marks)}）" if marks else ""


def people_list(result: object) -> Reply:
    if not isinstance(result, PeopleView):
        return Reply(problem(result))
    if not result.units:
        return Reply("还没有任何单位。请管理员先导入栏目清单（zhiri import）。")
    lines: list[str] = []
    if result.detail:
        if result.admins and not result.narrowed_to:
            lines.append(f"系统管理员：{people(result.admins)}\n")
        for u in result.units:
            group = "（单位组）" if u.is_group else ""
            lines.append(f"【{u.unit}】{group}栏目 {u.columns} 个，账号 {u.accounts} 个，逾期 {u.overdue} 项")
            lines.append(f"  网站维护员：{people(u.webmasters)}")
            lines.append(f"  分管领导：{people(u.leaders)}")
            if u.admins:
                lines.append(f"  单位管理员：{people(u.admins)}")
            if result.chats.get(u.unit):
                lines.append(f"  群组：{'、'.join(result.chats[u.unit])}")
    else:
        lines.append(f"单位共 {len(result.units)} 个：")
        for u in result.units:
            lines.append(
                f"• {u.unit}{_unit_marks(u)}：栏目 {u.columns}，账号 {u.accounts}，逾期 {u.overdue}，"
                f"网站维护员 {len(u.webmasters)} 人，分管领导 {len(u.leaders)} 人"
            )
    headers = ("单位", "栏目数", "账号数", "逾期数", "网站维护员", "分管领导")
    rows = tuple(
        (u.unit, u.columns, u.accounts, u.overdue, people(u.webmasters), people(u.leaders))
        for u in result.units
    )
    table = Table("单位", headers, rows, "单位与人员.xlsx")
    return _with_table("\n".join(lines), table)


RULE_USAGE = (
    "用法：/rule 更新要求原文\n例如：/rule 2周内更新\n　　　/rule 自该政府信息形成之日起20个工作日内予以公开"
)


def rule(parsed: Rule) -> Reply:
    if parsed.ok:
        return Reply(f"「{parsed.text}」\n我的理解：{describe_rule(parsed)}")
    reason = parsed.reason or "无法识别更新要求。"
    examples = (
        ""
        if "如" in reason
        else "\n可以参考这些写法：2周内更新、每月一次、每年不少于6次、自信息形成之日起20个工作日内公开。"
    )
    return Reply(f"「{parsed.text}」\n抱歉，我没能理解这条要求。\n{reason}{examples}")


def help_text(actor: Actor, words: SiteWords) -> Reply:
    """The commands the sender may use, each with an example in the site's own names."""
    lines = ["「值日」帮助各单位按时更新政府网站栏目和政务新媒体账号。可以使用的命令："]
    names = {"unit": words.unit(0), "unit2": words.unit(1), "group": words.group_name}
    for c in COMMANDS:
        if c.admin and not administers(actor):
            continue
        where = "（在群里使用）" if not c.private else ""
        lines.append(f"\n/{c.name} — {c.description}{where}\n  例：{c.example.format(**names)}")
    lines.append("\n在群里请用 /命令@机器人名 的形式，或直接回复我发出的提醒。")
    lines.append(f"\n网站维护员：负责更新栏目的人员；系统管理员：{words.admin_office}负责本网站的管理员。")
    if not takes_part(actor):
        lines.append(f"\n{STRANGER}")
    return Reply("\n".join(lines))


# ------------------------------------------------------------------------------------------------
# /group

GROUP_USAGE = (
    "用法：/group 单位组 [成员单位 …]\n例如：/group 单位组名称 单位名称 另一单位名称\n"
    "只写单位组名称则列出其成员单位。"
)


def group(result: object) -> Reply:
    match result:
        case GroupMembers(group=name, members=members, added=added):
            head = f"已将 {'、'.join(added)} 加入「{name}」。" if added else f"「{name}」的成员单位："
            listing = "、".join(members) if members else "（尚无成员单位）"
            tail = "" if members else f"\n请用 /group 单位组 成员单位… 补充，例如：/group {name} 单位名称"
            return Reply(f"{head}\n「{name}」现有成员单位 {len(members)} 个：{listing}{tail}")
        case GroupUsage(groups=groups):
            known = f"\n现有单位组：{'、'.join(groups)}" if groups else "\n目前没有单位组。"
            return Reply(GROUP_USAGE + known)
        case NotAGroup(unit=unit):
            return Reply(
                f"「{unit}」是一个具体单位，不是单位组（如“各部门”“各乡镇”）或角色（如“实施单位”）。"
                "发送 /group 查看单位组。"
            )
    return Reply(problem(result))


# ------------------------------------------------------------------------------------------------
# /check

CHECK_USAGE = (
    "请在 /check 后面写栏目名称，例如：/check 部门动态\n"
    "我会立即读取该栏目页面，告诉您网站上最新一条信息的日期。"
)


def check_refused(result: object) -> Reply:
    match result:
        case CheckUsage():
            return Reply(CHECK_USAGE)
        case NoUrl(path=path):
            return Reply(f"「{path}」没有登记栏目网址，无法读取。请管理员在责任清单中补充网址后重新导入。")
        case Ambiguous(text=text, candidates=candidates):
            names = bullets([c.path for c in candidates[:MAX_BUTTONS]])
            return Reply(f"{_which(text, candidates)}请写得更具体些，例如 /check 首页/部门动态：\n{names}")
        case ItemUnknown() | NotYours():
            return Reply(not_found(result))  # the same answers as /done gives
    return Reply(problem(result))


def _http(status: int | None) -> str:
    return f"HTTP {status}" if status is not None else "无响应"


def seen_line(s: Seen, tz: ZoneInfo) -> str:
    """One past reading as the page showed it: when, the response, and the newest item or why none."""
    parts = [f"{clock(s.at, tz)} {READ_LABELS.get(s.status, s.status)}（{_http(s.http_status)}）"]
    if s.newest is not None:
        title = f"「{s.title}」" if s.title else ""
        parts.append(f"最新 {day(s.newest)}{title}{' ' + s.link if s.link else ''}")
    elif s.reason:
        parts.append(s.reason)
    if s.logged:
        parts.append("已据此登记")
    if s.held:
        parts.append("页面读取有争议，未登记")
    if s.marked_wrong:
        parts.append("已被管理员标记为错误")
    return "· " + "，".join(parts)


def checked(result: Checked, tz: ZoneInfo) -> Reply:
    now = result.history[0] if result.history else None
    http = f"（{_http(now.http_status)}）" if now is not None else ""
    lines = [f"已读取「{result.path}」：{READ_LABELS.get(result.status, result.status)}{http}"]
    if result.newest is not None:
        title = f"「{now.title}」" if now is not None and now.title else ""
        lines.append(f"网站上最新一条信息：{day(result.newest)}{title}")
        if now is not None and now.link:
            lines.append(f"链接：{now.link}")
    if result.status in (ReadStatus.BROKEN, ReadStatus.UNKNOWN, ReadStatus.EMPTY) and result.reason:
        lines.append(f"说明：{result.reason}")
    if result.logged:
        lines.append("已据此登记为网站更新，无需再发送 /done。")
    if result.disputed is not None:
        why = f"（{result.disputed.note}）" if result.disputed.note else ""
        lines.append(
            f"注意：管理员已于 {clock(result.disputed.at, tz)} 将此页面的读取标记为错误{why}。修复之前，"
            "机器人不会根据此页面自动登记更新，请更新后发送 /done。修复后，管理员发送 /readok 栏目名称 恢复。"
        )
    lines.append(
        f"当前状态：{state_words(result.state, result.days_late)}；下次更新期限：{day(result.due_on)}"
    )
    if result.dead_links:
        today = result.today or result.dead_links[0].since
        lines.append(f"页面上有{len(result.dead_links)}个链接打不开（每天检查一次），请修改或删除：")
        listed = result.dead_links[:MAX_LISTED]
        lines.extend(dead_link_line(d, today) for d in listed)
        if len(result.dead_links) > len(listed):
            lines.append(f"……另有{len(result.dead_links) - len(listed)}个未列出。")
    if len(result.history) > 1:
        lines.append("最近几次读取（页面当时显示的内容）：")
        lines.extend(seen_line(s, tz) for s in result.history)
    return Reply("\n".join(lines))


# ------------------------------------------------------------------------------------------------
# /revoke, /remove, /history

REVOKE_USAGE = "用法：/revoke 邀请码（或整条邀请链接）\n只发送 /revoke 可列出尚未使用的邀请。"
REMOVE_USAGE = (
    "用法：/remove 人员 [单位]\n人员可写姓名、@用户名或 Telegram 数字 ID，例如：\n"
    "/remove @wxm 单位名称\n/remove 王小明\n移除后对方立即失去该单位的权限，已登记的记录保留。"
)
HISTORY_USAGE = "用法：/history 栏目或账号名称，例如：/history 财政预决算"


def _role_where(unit: str | None, role: str) -> str:
    return f"「{unit}」的{ROLE_LABELS.get(role, role)}" if unit else ROLE_LABELS.get(role, role)


def revoked(result: object, tz: ZoneInfo) -> Reply:
    match result:
        case Pending(invitations=()):
            return Reply("目前没有尚未使用的邀请。")
        case Pending(invitations=rows):
            lines = [
                f"{_role_where(r.unit, r.role)}，{clock(r.expires_at, tz)} 前有效\n  /revoke {r.code}"
                for r in rows
            ]
            return Reply(f"尚未使用的邀请 {len(rows)} 个，发送对应的命令即可撤销：\n{bullets(lines)}")
        case Revoked(invitation=r):
            return Reply(
                f"已撤销邀请：{_role_where(r.unit, r.role)}。该邀请链接已失效，任何人都不能再用它绑定。"
            )
        case NoSuchInvitation(code=code):
            return Reply(
                f"没有找到邀请码「{code}」（或它不属于您管理的单位）。发送 /revoke 查看尚未使用的邀请。"
            )
        case InvitationClosed(used=True):
            return Reply("这个邀请已经被使用，无法撤销。如需取消对方的权限，请用 /remove 人员 单位。")
        case InvitationClosed(revoked=True):
            return Reply("这个邀请此前已被撤销，无需重复操作。")
        case InvitationClosed():
            return Reply("这个邀请已过期，无需撤销。")
    return Reply(problem(result))


def removed(result: object) -> Reply:
    match result:
        case Removed(person=person, unit=unit, roles=roles):
            what = "、".join(ROLE_LABELS.get(r, r) for r in roles)
            where = f"「{unit}」" if unit else "全部单位"
            return Reply(
                f"已将 {person} 从{where}移除（{what}）。对方即刻失去该单位的权限；其以往登记的记录保留，"
                "可用 /history 查看。"
            )
        case RemoveUsage():
            return Reply(REMOVE_USAGE)
        case PersonUnknown(text=text):
            return Reply(f"没有找到绑定过单位的人员「{text}」。发送 /people 查看各单位人员。")
        case PersonAmbiguous(text=text, candidates=candidates):
            return Reply(
                f"「{text}」对应多位人员，请改用 @用户名 或 Telegram 数字 ID：\n{bullets(candidates)}"
            )
        case WhichUnit(person=person, units=units):
            return Reply(
                f"{person} 绑定了多个单位：{'、'.join(units)}。请写明从哪个单位移除，例如："
                f"/remove {person.split('（')[0]} {units[0]}"
            )
        case NotMember(person=person, unit=unit, units=units):
            where = f"「{unit}」" if unit else "您管理的单位"
            have = f"（目前绑定：{'、'.join(units)}）" if units else ""
            return Reply(f"{person} 没有绑定{where}，无需移除{have}。")
        case ConfiguredAdmin(person=person):
            return Reply(
                f"{person} 是部署配置中指定的系统管理员（ADMIN_TELEGRAM_IDS），不能在聊天中移除；"
                "请运维人员修改配置后重启机器人。"
            )
    return Reply(problem(result))


def history(result: object, tz: ZoneInfo) -> Reply:
    match result:
        case History(path=path, entries=()):
            return Reply(f"「{path}」还没有任何登记、事项或检查记录。")
        case History(path=path, entries=entries, total=total):
            shown = entries[:HISTORY_LIMIT]
            lines = [
                f"{clock(e.at, tz)} {AUDIT_LABELS.get(e.kind, e.kind)}"
                + (f"（{e.who}）" if e.who else "")
                + f"：{e.detail}"
                for e in shown
            ]
            more = (
                f"\n（共 {total} 条，仅显示最近 {len(shown)} 条，完整记录见附件）"
                if total > len(shown)
                else ""
            )
            table = Table(
                f"{path}的记录",
                ("时间", "操作", "人员", "说明"),
                tuple((clock(e.at, tz), AUDIT_LABELS.get(e.kind, e.kind), e.who, e.detail) for e in entries),
                "记录.xlsx",
            )
            return Reply(
                f"「{path}」的记录（最新在前）：\n{bullets(lines)}{more}",
                table=table if total > len(shown) else None,
            )
        case Usage():
            return Reply(HISTORY_USAGE)
        case Ambiguous(text=text, candidates=candidates):
            names = bullets([c.path for c in candidates[:MAX_BUTTONS]])
            return Reply(f"{_which(text, candidates)}请写出完整的名称或路径：\n{names}")
        case NotYours(path=path, units=units):
            return Reply(f"「{path}」由{'、'.join(units) or '其他单位'}负责，您只能查看本单位栏目的记录。")
        case ItemUnknown():
            return Reply(not_found(result))
    return Reply(problem(result))


WRONGREAD_USAGE = (
    "用法：/wrongread 栏目名称 [说明]\n例如：/wrongread 部门动态 日期是置顶文章的，不是最新一条\n"
    "把该栏目最近一次的网站读取标记为错误：据此登记的更新会被撤销，修复前不再根据此页面自动登记。"
)
READOK_USAGE = (
    "用法：/readok 栏目名称\n例如：/readok 部门动态\n页面或读取已修复后使用，恢复根据此页面自动登记更新。"
)


def disputed(result: object, tz: ZoneInfo) -> Reply:
    match result:
        case DisputeUsage(clear=clear):
            return Reply(READOK_USAGE if clear else WRONGREAD_USAGE)
        case NoReading(path=path):
            return Reply(f"「{path}」还没有网站读取记录，无需标记。可先发送 /check {path} 读取一次。")
        case MarkedWrong(path=path, seen=seen, undone=undone):
            lines = [f"已将「{path}」最近一次的网站读取标记为错误：", seen_line(seen, tz)]
            if undone:
                lines.append("据此登记的网站更新已撤销，栏目状态已重新计算。")
            lines.append(
                "修复之前，机器人仍会读取此页面，但不会据此自动登记更新。"
                f"页面或读取修复后，请发送 /readok {path} 恢复。"
            )
            return Reply("\n".join(lines))
        case Cleared(path=path, count=count):
            if not count:
                return Reply(f"「{path}」的网站读取没有被标记为错误，无需恢复。")
            return Reply(f"已恢复：机器人将重新根据「{path}」页面的读取自动登记更新。")
    return check_refused(result)
