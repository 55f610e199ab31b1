"""The web page's entrance: a signed link (`web.links`) turned into the acting unit, and the same acts and
views the Telegram handlers call.

A robot's group cannot say who tapped, so the actor is the link's unit: an `Actor` with no person, bound to
the unit the link names (or the chat's units as bound now), asked by the one permission policy like anyone.
已更新 logs through `acts.updates.log_link` (source `link`, origin `link:<nonce>`), 已巡查 through
`acts.routine.record_read`, the half-month check's 正常 / 有问题 through `record_answer` (the half-month is
the one the link was issued in, as the checklist's own); the list is
`storage.queries.mine_view` and `overdue_view`, the same judgement /mine and /overdue show (and a page
about a link's items, `mine_lines`: those items' lines of /mine).
An acting link is recorded in `UsedLink` in the same transaction as what it logged:
used once, and a second tap is told when and what. Every function here is one transaction, `now` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from acts.routine import AnswerRecorded, ReadRecorded, record_answer, record_read
from acts.updates import MAX_COUNT, BadCount, ItemGone, Logged, NameTheUnit, NotYours, log_link
from domain.actions import Action, Verb
from domain.model import CheckResult
from domain.routine import half_month_period
from domain.text import md
from domain.wording import half_month
from replies.format import clock, logged_line
from storage.db import session_scope
from storage.items import Judge
from storage.models import Chat, ChatUnit, Item, ReadConfirmation, Unit, UsedLink
from storage.queries import (
    Actor,
    ItemLine,
    MineView,
    OverdueView,
    mine_lines,
    mine_view,
    overdue_view,
    unit_actor,
)
from web.links import LIST, Expired, Grant, LinkKey, Opened, Tampered

MAX_NOTE = 200  # characters of the note typed on the page


@dataclass(frozen=True)
class Problem:
    """The link cannot be used: why, and what to do instead (Chinese, for the page)."""

    title: str
    text: str
    status: int


@dataclass(frozen=True)
class Used:
    """An acting link tapped again: it was used at `at`, and logged `summary`."""

    at: str
    summary: str


@dataclass(frozen=True)
class Where:
    """Whose link it is: the unit's (or the group's) name, as the page heads it."""

    unit: str
    chat: str


@dataclass(frozen=True)
class DonePage:
    where: Where
    items: tuple[ItemLine, ...]
    today: date
    error: str = ""
    count: str = ""
    note: str = ""


@dataclass(frozen=True)
class DoneResult:
    where: Where
    summary: str
    items: tuple[ItemLine, ...]
    today: date
    already: bool = False  # logged before through the same link (a retried form)


@dataclass(frozen=True)
class ReadPage:
    where: Where
    day: date
    by: tuple[str, ...]  # who confirmed the day's read so far


@dataclass(frozen=True)
class ReadResult:
    where: Where
    day: date
    by: tuple[str, ...]


@dataclass(frozen=True)
class CheckPage:
    """半月查 for one item (ok: 正常; else 有问题, with the problem and its fix to type)."""

    where: Where
    period: date
    items: tuple[ItemLine, ...]
    today: date
    ok: bool
    error: str = ""
    note: str = ""


@dataclass(frozen=True)
class CheckListPage:
    """半月查 for a part of a robot's checklist: each item 正常 (chosen to begin with) or 有问题 with the
    problem and its fix typed; what was typed is shown again with `error` when the form is refused."""

    where: Where
    period: date
    items: tuple[ItemLine, ...]
    today: date
    error: str = ""
    chosen: tuple[tuple[int, bool, str], ...] = ()  # (item id, ok, note) as the form sent them

    def ok(self, item_id: int) -> bool:
        return next((ok for i, ok, _ in self.chosen if i == item_id), True)

    def note(self, item_id: int) -> str:
        return next((n for i, _, n in self.chosen if i == item_id), "")


@dataclass(frozen=True)
class CheckResultPage:
    where: Where
    period: date
    summary: str


@dataclass(frozen=True)
class ListPage:
    where: Where
    mine: MineView
    overdue: OverdueView


Page = (
    Problem
    | Used
    | DonePage
    | DoneResult
    | ReadPage
    | ReadResult
    | CheckPage
    | CheckListPage
    | CheckResultPage
    | ListPage
)

EXPIRED = Problem(
    "链接已过期",
    "这个链接已超过有效期，不能再使用。请点开群里最新一条提醒中的链接；"
    "或请本单位网站管理员在 Telegram 中用 /done 登记，或请管理员代为登记。",
    410,
)
TAMPERED = Problem(
    "链接无效",
    "这个链接不完整或被改动过，无法识别。请回到群消息中重新点开完整的链接（不要手工修改地址）；"
    "仍然不行时，请在群里告知管理员，或在 Telegram 中用 /done 登记。",
    400,
)
UNBOUND = Problem(
    "该群已解除绑定",
    "发出这个链接的群已不再绑定本单位（或机器人已被移除），链接不能再使用。请联系管理员重新绑定，"
    "或在 Telegram 中用 /done 登记。",
    410,
)
UNKNOWN_ACTION = Problem(
    "无法在网页上完成",
    "这个链接对应的操作不能在网页上完成。请在 Telegram 群中操作，或联系管理员。",
    400,
)


@dataclass(frozen=True)
class Web:
    """What the page needs: the database, the one judgement, the link key."""

    engine: Engine
    judge: Judge
    key: LinkKey


def _when(web: Web, moment: datetime) -> str:
    return clock(moment, web.judge.tz)


def _chat(session: Session, grant: Grant) -> Chat | None:
    return session.exec(
        select(Chat).where(Chat.platform == grant.platform, Chat.address == grant.chat)
    ).first()


def link_actor(session: Session, grant: Grant) -> tuple[Actor, Where, Chat] | None:
    """The link's unit as the acting party (None: its chat is gone or no longer bound to that unit)."""
    chat = _chat(session, grant)
    if chat is None or chat.id is None or not chat.active:
        return None
    bound: set[int] | None = None
    if not chat.all_units:
        bound = set(session.exec(select(ChatUnit.unit_id).where(ChatUnit.chat_id == chat.id)).all())
    if grant.unit is not None:
        if bound is not None and grant.unit not in bound:
            return None
        units = {grant.unit}
    elif bound is None:
        units = {u for u in session.exec(select(Unit.id)).all() if u is not None}
    else:
        units = bound
    if not units:
        return None
    names = session.exec(select(Unit.name).where(col(Unit.id).in_(units)).order_by(col(Unit.name))).all()
    label = names[0] if len(names) == 1 else (chat.title or "本群各单位")
    return unit_actor(session, units), Where(label, chat.title), chat


def _used(web: Web, session: Session, grant: Grant) -> Used | None:
    row = session.exec(select(UsedLink).where(UsedLink.nonce == grant.nonce)).first()
    return Used(_when(web, row.used_at), row.summary) if row is not None else None


def _open(web: Web, token: str, now: datetime) -> Opened | Problem:
    opened = web.key.open(token, now)
    if isinstance(opened, Expired):
        return EXPIRED
    if isinstance(opened, Tampered):
        return TAMPERED
    assert isinstance(opened, Opened)
    return opened


def _period(web: Web, opened: Opened) -> date:
    """The half-month a check link answers for: the one its message was sent in (the link's issue time)."""
    return half_month_period(web.judge.local_day(opened.issued))


def show(web: Web, token: str, now: datetime) -> Page:
    """What a tap (GET) shows: never acts, since chat apps open links to preview them."""
    opened = _open(web, token, now)
    if isinstance(opened, Problem):
        return opened
    grant = opened.grant
    with session_scope(web.engine) as session:
        found = link_actor(session, grant)
        if found is None:
            return UNBOUND
        actor, where, chat = found
        if grant.what == LIST:
            mine = mine_view(session, now, actor, web.judge)
            overdue = overdue_view(session, now, actor, web.judge, None, listed=None)
            if not isinstance(mine, MineView) or not isinstance(overdue, OverdueView):
                return UNBOUND
            return ListPage(where, mine, overdue)
        used = _used(web, session, grant)
        if used is not None:
            return used
        action = grant.action
        if action is not None and action.verb is Verb.DONE:
            lines = mine_lines(session, now, actor, web.judge, action.items)
            if not lines:
                return _gone(session, action)
            return DonePage(where, lines, web.judge.today(now))
        if action is not None and action.verb is Verb.READ and action.day is not None:
            return ReadPage(where, action.day, _readers(session, chat, action.day))
        if action is not None and action.verb is Verb.CHECK:
            lines = mine_lines(session, now, actor, web.judge, action.items)
            if not lines:
                return _gone(session, action)
            return CheckPage(where, _period(web, opened), lines, web.judge.today(now), bool(action.ok))
        if action is not None and action.verb is Verb.CHECK_LIST:
            lines = mine_lines(session, now, actor, web.judge, action.items)
            if not lines:
                return _gone(session, action)
            return CheckListPage(where, _period(web, opened), lines, web.judge.today(now))
        return UNKNOWN_ACTION


def _gone(session: Session, action: Action) -> Problem:
    paths = session.exec(select(Item.path).where(col(Item.id).in_(action.items))).all()
    named = "、".join(paths) or "这些栏目"
    return Problem(
        "栏目已不在清单中",
        f"{named} 已停用或不属于本单位，无需登记。如有疑问请联系管理员。",
        410,
    )


def _readers(session: Session, chat: Chat, day: date) -> tuple[str, ...]:
    rows = session.exec(
        select(ReadConfirmation.name)
        .where(ReadConfirmation.chat_id == chat.id, ReadConfirmation.day == day)
        .order_by(col(ReadConfirmation.at))
    ).all()
    return tuple(rows)


class _Refused(Exception):
    """An act that logged nothing: roll the transaction back and show why (the link stays usable)."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page


BAD_COUNT = f"条数请填写1到{MAX_COUNT}之间的整数，或留空（按1条登记）。"


def parse_count(text: str) -> int | None:
    """The optional count typed on the page: None when blank; raises ValueError when it is not a whole
    number (its range is the act's to judge, as for /done: `BadCount`)."""
    text = text.strip()
    if not text:
        return None
    if not text.isdecimal():  # isdigit() also takes ² and ①, which int() refuses
        raise ValueError(text)
    return int(text)


def _summary(logged: Logged) -> str:
    return "已更新：" + "；".join(logged_line(it) for it in (*logged.items, *logged.already))


def act(web: Web, token: str, now: datetime, form: dict[str, str]) -> Page:
    """What the form (POST) does: the link's action through its act, once."""
    opened = _open(web, token, now)
    if isinstance(opened, Problem):
        return opened
    grant = opened.grant
    try:
        with session_scope(web.engine) as session:
            return _act(web, session, opened, now, form)
    except _Refused as refused:
        return refused.page
    except IntegrityError:
        # Used at the same moment by another tap: its UsedLink row took the nonce, and that one counted.
        with session_scope(web.engine) as session:
            used = _used(web, session, grant)
        if used is None:
            raise  # not the race: another constraint failed, and that is a fault, not a bad link
        return used


def _act(web: Web, session: Session, opened: Opened, now: datetime, form: dict[str, str]) -> Page:
    grant = opened.grant
    found = link_actor(session, grant)
    if found is None:
        return UNBOUND
    actor, where, chat = found
    used = _used(web, session, grant)
    if used is not None:
        return used
    action = grant.action
    if action is not None and action.verb is Verb.DONE:
        summary, page = _done(web, session, now, actor, where, action, grant, form)
    elif action is not None and action.verb is Verb.READ and action.day is not None:
        name = form.get("name", "").strip()[:40]
        result = record_read(
            session, now, actor, chat.address, action.day, by_link=name, platform=chat.platform
        )
        if not isinstance(result, ReadRecorded):
            raise _Refused(UNBOUND)
        summary = f"{md(action.day)}日查已巡查" + (f"（{name}）" if name else "")
        page = ReadResult(where, action.day, result.by)
    elif action is not None and action.verb is Verb.CHECK:
        summary, page = _check(web, session, now, actor, where, chat, opened, action, form)
    elif action is not None and action.verb is Verb.CHECK_LIST:
        summary, page = _check_list(web, session, now, actor, where, chat, opened, action, form)
    else:
        return UNKNOWN_ACTION
    session.add(
        UsedLink(
            nonce=grant.nonce,
            action=grant.what,
            chat_id=chat.id,
            unit_id=grant.unit,
            used_at=now,
            summary=summary,
        )
    )
    session.flush()  # a second tap at the same moment fails here, and its transaction logs nothing
    return page


def _done(
    web: Web,
    session: Session,
    now: datetime,
    actor: Actor,
    where: Where,
    action: Action,
    grant: Grant,
    form: dict[str, str],
) -> tuple[str, Page]:
    count_text, note = form.get("count", ""), form.get("note", "").strip()

    def again(error: str) -> _Refused:  # the form shown again with what was typed, and what to fix
        lines = mine_lines(session, now, actor, web.judge, action.items)
        return _Refused(DonePage(where, lines, web.judge.today(now), error, count_text, note))

    try:
        count = parse_count(count_text)
    except ValueError:
        raise again(BAD_COUNT) from None
    if len(note) > MAX_NOTE:
        raise again(f"备注请不要超过{MAX_NOTE}个字。")
    result = log_link(
        session,
        now,
        actor,
        web.judge,
        action.items,
        count=count,
        note=note or None,
        origin=f"link:{grant.nonce}",
    )
    if isinstance(result, Logged):
        lines = mine_lines(session, now, actor, web.judge, action.items)
        return _summary(result), DoneResult(
            where, _summary(result), lines, web.judge.today(now), already=not result.items
        )
    if isinstance(result, BadCount):
        raise again(BAD_COUNT)
    if isinstance(result, NameTheUnit):
        raise _Refused(
            Problem(
                "请说明为哪个单位登记",
                f"{result.path} 由多个单位分别更新，这个链接无法判断为哪个单位登记。"
                f"请在 Telegram 中用 /done {result.path} 单位名称 登记（可选：{'、'.join(result.units)}）。",
                409,
            )
        )
    if isinstance(result, ItemGone | NotYours):
        raise _Refused(_gone(session, action))
    raise _Refused(UNBOUND)


def _check(
    web: Web,
    session: Session,
    now: datetime,
    actor: Actor,
    where: Where,
    chat: Chat,
    opened: Opened,
    action: Action,
    form: dict[str, str],
) -> tuple[str, Page]:
    period, name = _period(web, opened), form.get("name", "").strip()[:40]
    signed = f"（{name}）" if name else ""
    note = form.get("note", "").strip()
    if not action.ok and not note:
        lines = mine_lines(session, now, actor, web.judge, action.items)
        error = "请填写发现的问题和整改情况。"
        raise _Refused(CheckPage(where, period, lines, web.judge.today(now), False, error=error))
    if len(note) > MAX_NOTE * 5:
        lines = mine_lines(session, now, actor, web.judge, action.items)
        error = f"问题和整改情况请不要超过{MAX_NOTE * 5}个字。"
        raise _Refused(CheckPage(where, period, lines, web.judge.today(now), False, error=error, note=note))
    said = _answer(session, now, actor, chat, action, action.item, period, bool(action.ok), note, name)
    summary = f"{half_month(period)}检查：{said}{signed}"
    return summary, CheckResultPage(where, period, summary)


def _answer(
    session: Session,
    now: datetime,
    actor: Actor,
    chat: Chat,
    action: Action,
    item_id: int,
    period: date,
    ok: bool,
    note: str,
    name: str,
) -> str:
    """One item's half-month answer through the act Telegram's buttons use, as the result page says it."""
    answer = record_answer(
        session,
        now,
        actor,
        item_id,
        period,
        CheckResult.OK if ok else CheckResult.PROBLEM,
        chat.address,
        by_link=name,
        note=None if ok else note,
        platform=chat.platform,
    )
    if not isinstance(answer, AnswerRecorded):
        raise _Refused(_gone(session, action))
    return f"{answer.item} {'正常' if ok else f'有问题：{note}'}"


def _check_list(
    web: Web,
    session: Session,
    now: datetime,
    actor: Actor,
    where: Where,
    chat: Chat,
    opened: Opened,
    action: Action,
    form: dict[str, str],
) -> tuple[str, Page]:
    """Every item the page listed answered at once (`r<id>`: ok | bad, `n<id>`: the problem and its fix);
    nothing is recorded unless every answer can be."""
    period, name = _period(web, opened), form.get("name", "").strip()[:40]
    lines = mine_lines(session, now, actor, web.judge, action.items)
    if not lines:
        raise _Refused(_gone(session, action))
    chosen = tuple(
        (line.item_id, form.get(f"r{line.item_id}", "ok") != "bad", form.get(f"n{line.item_id}", "").strip())
        for line in lines
    )
    today = web.judge.today(now)
    paths = {line.item_id: line.path for line in lines}
    missing = [paths[i] for i, ok, note in chosen if not ok and not note]
    if missing:
        error = f"请填写发现的问题和整改情况：{'、'.join(missing)}。"
        raise _Refused(CheckListPage(where, period, lines, today, error, chosen))
    if any(len(note) > MAX_NOTE for _, _, note in chosen):
        error = f"每项的问题和整改情况请不要超过{MAX_NOTE}个字。"
        raise _Refused(CheckListPage(where, period, lines, today, error, chosen))
    said = [_answer(session, now, actor, chat, action, i, period, ok, note, name) for i, ok, note in chosen]
    signed = f"（{name}）" if name else ""
    summary = f"{half_month(period)}检查：" + "；".join(said) + signed
    return summary, CheckResultPage(where, period, summary)
