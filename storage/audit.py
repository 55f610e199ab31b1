"""The audit trail: who did what, read from the rows the acts left.

Updates logged and undone (`UpdateLog`), events (`Event`), half-month answers (`HalfMonthAnswer`), people
bound and removed (`Membership`), invitations made, used and revoked (`Invitation`). Acts that leave no dated
row of their own write an `AuditRecord` with `record`: chats bound and unbound, the bot removed from a group
or back, units added to a unit group, items retired and brought back, website readings marked wrong and
cleared, key columns marked for the availability probe. `/history ITEM` in the chat and `zhiri log [--unit]
[--since]` on the command line read it all, newest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.access import Act, permits, takes_part
from domain.model import CheckResult, Role, UpdateSource
from storage.items import REFRESH_BATCH as BATCH
from storage.models import (
    AuditRecord,
    Chat,
    Event,
    HalfMonthAnswer,
    Invitation,
    Item,
    ItemUnit,
    Membership,
    Person,
    Robot,
    Unit,
    UpdateLog,
)
from storage.people import Ambiguous, ItemUnknown, NotYours, Usage, find_item
from storage.queries import Actor, Stranger, clean

# Kinds of entry, with the words people read for them (in the chat and on the command line).
LOG, UNDO, EVENT, CHECK, BIND, REMOVE, INVITE, REVOKE, ROBOT, UNROBOT, JOIN = (
    "log",
    "undo",
    "event",
    "check",
    "bind",
    "remove",
    "invite",
    "revoke",
    "robot",
    "unrobot",
    "join",
)
# Kinds kept as AuditRecord rows (`record`).
(
    CHAT_BIND,
    CHAT_UNBIND,
    CHAT_GONE,
    CHAT_BACK,
    GROUP_ADD,
    RETIRE,
    UNRETIRE,
    READ_WRONG,
    READ_OK,
    PROBE_KEY,
    PROBE_UNKEY,
) = (
    "chat_bind",
    "chat_unbind",
    "chat_gone",
    "chat_back",
    "group_add",
    "retire",
    "unretire",
    "read_wrong",
    "read_ok",
    "probe_key",
    "probe_unkey",
)
AUDIT_LABELS = {
    LOG: "登记更新",
    UNDO: "撤销登记",
    EVENT: "记录事项",
    CHECK: "半月查",
    BIND: "绑定",
    REMOVE: "移除人员",
    INVITE: "生成邀请",
    REVOKE: "撤销邀请",
    ROBOT: "绑定群机器人",
    UNROBOT: "解除群机器人",
    JOIN: "使用邀请",
    CHAT_BIND: "绑定群",
    CHAT_UNBIND: "解除群绑定",
    CHAT_GONE: "机器人离开群",
    CHAT_BACK: "机器人回到群",
    GROUP_ADD: "补充单位组",
    RETIRE: "停更",
    UNRETIRE: "恢复",
    READ_WRONG: "标记网站读取错误",
    READ_OK: "恢复网站读取",
    PROBE_KEY: "设为重点栏目（可访问性监测）",
    PROBE_UNKEY: "取消重点栏目",
}
ALL_UNITS = "全部单位"


def record(
    session: Session,
    now: datetime,
    kind: str,
    *,
    person_id: int | None = None,
    unit_ids: Iterable[int | None] = (None,),
    chat_id: int | None = None,
    item_id: int | None = None,
    detail: str = "",
) -> None:
    """Keep an act for the trail, one row per unit it concerns (None: every unit, or none in particular)."""
    for unit_id in dict.fromkeys(unit_ids):
        session.add(
            AuditRecord(
                at=now,
                kind=kind,
                person_id=person_id,
                unit_id=unit_id,
                chat_id=chat_id,
                item_id=item_id,
                detail=detail,
            )
        )


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    who: str  # the person who did it ("" for the website reader or an import)
    unit: str  # the unit(s) concerned, joined with 、
    item: str  # the item's path, or "" (bindings, invitations)
    detail: str  # what exactly: source and count of a log, the note, the role …


@dataclass(frozen=True)
class History:
    path: str
    entries: tuple[Entry, ...]  # newest first
    total: int  # entries there are in all (entries may be the newest of them only)


def _names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in set(ids) if i is not None)
    out: dict[int, str] = {}
    for k in range(0, len(wanted), BATCH):
        rows = session.exec(
            select(Person.id, Person.name, Person.username).where(col(Person.id).in_(wanted[k : k + BATCH]))
        )
        out.update(
            {pid: name or (f"@{username}" if username else f"#{pid}") for pid, name, username in rows if pid}
        )
    return out


def _items(session: Session, item_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """item id -> (path, its units)."""
    wanted = sorted(set(item_ids))
    out: dict[int, tuple[str, list[str]]] = {}
    for k in range(0, len(wanted), BATCH):
        rows = session.exec(
            select(Item.id, Item.path, Unit.name)
            .join(ItemUnit, col(ItemUnit.item_id) == col(Item.id), isouter=True)
            .join(Unit, col(Unit.id) == col(ItemUnit.unit_id), isouter=True)
            .where(col(Item.id).in_(wanted[k : k + BATCH]))
        )
        for item_id, path, unit in rows:
            if item_id is not None:
                units = out.setdefault(item_id, (path, []))[1]
                if unit:
                    units.append(unit)
    return {i: (path, "、".join(units)) for i, (path, units) in out.items()}


def trail(
    session: Session,
    *,
    item_ids: Sequence[int] | None = None,
    unit_ids: Sequence[int] | None = None,
    since: datetime | None = None,
) -> list[Entry]:
    """Every act on these items (or on the items and people of these units; everything when both are
    None) since `since`, newest first. Bindings and invitations are included unless `item_ids` is given."""
    entries: list[Entry] = []

    logs = select(UpdateLog)
    events = select(Event)
    answers = select(HalfMonthAnswer)
    # The items as a subquery when they are a unit's (a county-wide unit may own tens of thousands): no
    # statement grows with the site. A caller's own list of ids is short (one item's history).
    items_of: Any = None
    if item_ids is not None:
        items_of = list(item_ids)
    elif unit_ids is not None:
        items_of = sa_select(col(ItemUnit.item_id)).where(col(ItemUnit.unit_id).in_(unit_ids))
    if items_of is not None:
        logs = logs.where(col(UpdateLog.item_id).in_(items_of))
        events = events.where(col(Event.item_id).in_(items_of))
        answers = answers.where(col(HalfMonthAnswer.item_id).in_(items_of))
    if since is not None:
        logs = logs.where(UpdateLog.logged_at >= since)
        events = events.where(Event.created_at >= since)
        answers = answers.where(HalfMonthAnswer.at >= since)
    log_rows, event_rows, answer_rows = (
        session.exec(logs).all(),
        session.exec(events).all(),
        session.exec(answers).all(),
    )
    items = _items(
        session,
        [r.item_id for r in log_rows] + [r.item_id for r in event_rows] + [r.item_id for r in answer_rows],
    )
    people = _names(
        session,
        [r.person_id for r in log_rows]
        + [r.person_id for r in event_rows]
        + [r.person_id for r in answer_rows],
    )
    logged_at = {r.id: r.logged_at for r in log_rows}  # what an undo took back, by log id

    def item(item_id: int) -> tuple[str, str]:
        path, units = items.get(item_id, ("", ""))
        return units, path

    for r in log_rows:
        unit, path = item(r.item_id)
        who = people.get(r.person_id or 0, "")
        if r.source == UpdateSource.UNDO:
            target = logged_at.get(r.undoes_id or 0)
            detail = f"撤销 {target:%Y-%m-%d %H:%M} 的登记" if target else "撤销一次登记"
            entries.append(Entry(r.logged_at, UNDO, who, unit, path, detail))
            continue
        parts = [SOURCE_WORDS.get(r.source, r.source)]
        if r.count > 1:
            parts.append(f"{r.count}条")
        if r.note:
            parts.append(f"备注：{r.note}")
        if r.undone_at is not None:
            parts.append("（已撤销）")
        entries.append(Entry(r.logged_at, LOG, who, unit, path, "，".join(parts)))
    for e in event_rows:
        unit, path = item(e.item_id)
        note = f"，备注：{e.note}" if e.note else ""
        entries.append(
            Entry(
                e.created_at,
                EVENT,
                people.get(e.person_id or 0, ""),
                unit,
                path,
                f"事项日期 {e.occurred_on}{note}",
            )
        )
    for a in answer_rows:
        unit, path = item(a.item_id)
        detail = f"{a.period:%Y-%m-%d}期：" + ("正常" if a.result == CheckResult.OK else "有问题")
        if a.note:
            detail += f"，整改情况：{a.note}"
        entries.append(Entry(a.at, CHECK, people.get(a.person_id or 0, "") or a.name, unit, path, detail))

    entries.extend(
        _records(session, items_of, unit_ids, since, people_too=item_ids is None or unit_ids is not None)
    )
    if item_ids is None or unit_ids is not None:
        entries.extend(_people_entries(session, unit_ids, since))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _records(
    session: Session,
    items_of: Any,
    unit_ids: Sequence[int] | None,
    since: datetime | None,
    *,
    people_too: bool,
) -> list[Entry]:
    """AuditRecord rows: those about the items (`items_of`); unless only items were asked for, also those
    about the units (a binding to every unit concerns each of them), or all when nothing narrows it."""
    query = select(AuditRecord)
    about_items = col(AuditRecord.item_id).in_(items_of) if items_of is not None else None
    if not people_too:
        assert about_items is not None
        query = query.where(about_items)
    elif unit_ids is not None:
        about_units = or_(
            col(AuditRecord.unit_id).in_(unit_ids),
            and_(col(AuditRecord.unit_id).is_(None), col(AuditRecord.item_id).is_(None)),
        )
        query = query.where(or_(about_units, about_items) if about_items is not None else about_units)
    if since is not None:
        query = query.where(AuditRecord.at >= since)
    rows = session.exec(query).all()
    people = _names(session, [r.person_id for r in rows])
    units = _unit_names(session, [r.unit_id for r in rows])
    items = _items(session, [r.item_id for r in rows if r.item_id is not None])
    chats = {
        cid: title
        for cid, title in session.exec(
            select(Chat.id, Chat.title).where(col(Chat.id).in_({r.chat_id for r in rows if r.chat_id}))
        )
        if cid is not None
    }
    out = []
    for r in rows:
        path, item_units = items.get(r.item_id or 0, ("", ""))
        if r.unit_id is not None:
            unit = units.get(r.unit_id, "")
        else:
            unit = item_units if r.item_id is not None else ALL_UNITS
        detail = r.detail
        if r.chat_id is not None and not detail:
            detail = f"群“{chats.get(r.chat_id, '')}”"
        out.append(Entry(r.at, r.kind, people.get(r.person_id or 0, ""), unit, path, detail))
    return out


def _unit_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, str] = {}
    for k in range(0, len(wanted), BATCH):
        rows = session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(wanted[k : k + BATCH])))
        out.update({uid: name for uid, name in rows if uid is not None})
    return out


SOURCE_WORDS: dict[str, str] = {
    UpdateSource.DONE: "/done 登记",
    UpdateSource.BUTTON: "按钮登记",
    UpdateSource.IMPORT: "导入",
    UpdateSource.WEBSITE: "网站读取",
    UpdateSource.ADMIN: "管理员登记",
    UpdateSource.LINK: "链接登记",
}
ROLE_WORDS: dict[str, str] = {Role.WEBMASTER: "网站管理员", Role.LEADER: "分管领导", Role.ADMIN: "系统管理员"}


def _people_entries(session: Session, unit_ids: Sequence[int] | None, since: datetime | None) -> list[Entry]:
    memberships = select(Membership)
    invitations = select(Invitation)
    if unit_ids is not None:
        memberships = memberships.where(col(Membership.unit_id).in_(unit_ids))
        invitations = invitations.where(col(Invitation.unit_id).in_(unit_ids))
    m_rows, i_rows = session.exec(memberships).all(), session.exec(invitations).all()
    units = {uid: name for uid, name in session.exec(select(Unit.id, Unit.name)) if uid is not None}
    people = _names(
        session,
        [m.person_id for m in m_rows]
        + [m.ended_by for m in m_rows]
        + [i.created_by for i in i_rows]
        + [i.used_by for i in i_rows]
        + [i.revoked_by for i in i_rows],
    )
    out: list[Entry] = []
    for m in m_rows:
        unit = units.get(m.unit_id, "") if m.unit_id is not None else ALL_UNITS
        role = ROLE_WORDS.get(m.role, m.role)
        person = people.get(m.person_id, "")
        out.append(Entry(m.created_at, BIND, person, unit, "", f"绑定为{role}"))
        if m.ended_at is not None:
            by = people.get(m.ended_by or 0, "")
            out.append(Entry(m.ended_at, REMOVE, by, unit, "", f"移除 {person}（{role}）"))
    for i in i_rows:
        unit = units.get(i.unit_id, "") if i.unit_id is not None else ALL_UNITS
        role = ROLE_WORDS.get(i.role, i.role)
        code = f"邀请码 {i.code[:4]}…"
        out.append(
            Entry(i.created_at, INVITE, people.get(i.created_by or 0, ""), unit, "", f"邀请{role}（{code}）")
        )
        if i.used_at is not None:
            user = people.get(i.used_by or 0, "")
            out.append(Entry(i.used_at, JOIN, user, unit, "", f"使用邀请（{code}）成为{role}"))
        if i.revoked_at is not None:
            out.append(
                Entry(
                    i.revoked_at, REVOKE, people.get(i.revoked_by or 0, ""), unit, "", f"撤销邀请（{code}）"
                )
            )
    out.extend(_robot_entries(session, unit_ids, units))
    return [e for e in out if since is None or e.at >= since]


ROBOT_KINDS = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}


def _robot_entries(session: Session, unit_ids: Sequence[int] | None, units: dict[int, str]) -> list[Entry]:
    """Group robots bound and unbound (`storage.robots`): the webhook's host only, never its token."""
    rows = select(Robot)
    if unit_ids is not None:
        rows = rows.where(col(Robot.unit_id).in_(unit_ids))
    found = session.exec(rows).all()
    people = _names(session, [r.created_by for r in found] + [r.removed_by for r in found])
    out: list[Entry] = []
    for r in found:
        unit = units.get(r.unit_id, "") if r.unit_id is not None else ALL_UNITS
        what = f"{ROBOT_KINDS.get(r.kind, r.kind)}群机器人（{urlsplit(r.url).hostname or ''}）"
        out.append(Entry(r.created_at, ROBOT, people.get(r.created_by or 0, ""), unit, "", what))
        if r.removed_at is not None:
            out.append(Entry(r.removed_at, UNROBOT, people.get(r.removed_by or 0, ""), unit, "", what))
    return out


HISTORY_LIMIT = 30  # entries in the chat; the whole history goes into the spreadsheet


def item_history(
    session: Session, _now: datetime, actor: Actor, words: Sequence[str]
) -> History | Usage | Ambiguous | ItemUnknown | NotYours | Stranger:
    """`/history ITEM`: what happened to an item, for those who may see it (domain.access: SEE)."""
    if not takes_part(actor):
        return Stranger()
    words = [w for w in (clean(w) for w in words) if w]
    if not words:
        return Usage()
    found = find_item(session, actor, words)
    if not isinstance(found, tuple):
        return found
    ref, _rest = found
    units = session.exec(select(ItemUnit.unit_id).where(ItemUnit.item_id == ref.id)).all()
    if not permits(actor, Act.SEE, units):
        return NotYours(ref.path, ref.unit_names)
    entries = trail(session, item_ids=[ref.id])
    return History(ref.path, tuple(entries), len(entries))
