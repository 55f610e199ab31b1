"""One canonical unit per office, with its other names (aliases): look-up, merge, rename, add an alias.

The importer reads every unit name through `find_unit`, so a list that still says 县市场监管局 after the
administrator merged it into 县市场监督管理局 changes nothing. Merging moves everything that pointed at the
old unit (items, chats, people, groups, invitations, messages) to the kept one and keeps the old name as an
alias: nothing anyone logged is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from domain.model import LinkRole, UnitKind
from domain.units import propose_merges, site_place
from storage.models import (
    ChatUnit,
    Invitation,
    ItemUnit,
    Membership,
    Outbox,
    Site,
    Unit,
    UnitAlias,
    UnitGroupMember,
)

__all__ = [
    "UnitProblem",
    "UnitRow",
    "add_alias",
    "find_unit",
    "list_units",
    "merge_units",
    "proposed_merges",
    "rename_unit",
]

_STRENGTH = {LinkRole.LEAD: 2, LinkRole.COLEAD: 2, LinkRole.HELPER: 0}


class UnitProblem(Exception):
    """A unit command that cannot be done as asked; the message (Chinese) says what to do."""


@dataclass(frozen=True)
class UnitRow:
    id: int
    name: str
    kind: str
    aliases: tuple[str, ...]
    members: tuple[str, ...]  # group and role placeholders: the units filling them


def find_unit(session: Session, site_id: int, name: str) -> Unit | None:
    """The site's unit of that name or alias."""
    unit = session.exec(select(Unit).where(Unit.site_id == site_id, Unit.name == name)).first()
    if unit is not None:
        return unit
    alias = session.exec(
        select(UnitAlias).where(UnitAlias.site_id == site_id, UnitAlias.name == name)
    ).first()
    return session.get(Unit, alias.unit_id) if alias is not None else None


def _named(session: Session, site_id: int, name: str) -> Unit:
    unit = find_unit(session, site_id, name)
    if unit is None:
        raise UnitProblem(f"没有找到单位“{name}”。发送 zhiri units 查看全部单位名称。")
    return unit


def list_units(session: Session, site_id: int) -> list[UnitRow]:
    units = session.exec(select(Unit).where(Unit.site_id == site_id).order_by(col(Unit.name))).all()
    aliases: dict[int, list[str]] = {}
    for name, unit_id in session.exec(
        select(UnitAlias.name, UnitAlias.unit_id)
        .where(UnitAlias.site_id == site_id)
        .order_by(col(UnitAlias.name))
    ):
        aliases.setdefault(unit_id, []).append(name)
    names = {u.id: u.name for u in units}
    members: dict[int, list[str]] = {}
    for group_id, member_id in session.exec(
        select(UnitGroupMember.group_id, UnitGroupMember.member_id).where(
            col(UnitGroupMember.group_id).in_(list(names))
        )
    ):
        members.setdefault(group_id, []).append(names.get(member_id, ""))
    return [
        UnitRow(
            u.id,
            u.name,
            u.kind if u.is_group else UnitKind.UNIT,
            tuple(aliases.get(u.id, ())),
            tuple(sorted(members.get(u.id, ()))),
        )
        for u in units
        if u.id is not None
    ]


def proposed_merges(session: Session, site: Site) -> list[tuple[str, str]]:
    """Names of the site's units that look like one office: (name, into the fuller name)."""
    names = session.exec(
        select(Unit.name).where(Unit.site_id == site.id, col(Unit.is_group).is_(False)).order_by(col(Unit.id))
    ).all()
    return propose_merges(names, site_place(site.name))


def _alias(session: Session, now: datetime, site_id: int, name: str, unit_id: int) -> None:
    row = session.exec(select(UnitAlias).where(UnitAlias.site_id == site_id, UnitAlias.name == name)).first()
    if row is None:
        session.add(UnitAlias(site_id=site_id, name=name, unit_id=unit_id, created_at=now))
    elif row.unit_id != unit_id:
        row.unit_id = unit_id
        session.add(row)


def add_alias(session: Session, now: datetime, site_id: int, name: str, alias: str) -> Unit:
    """`alias` is another name of the unit `name`."""
    unit = _named(session, site_id, name)
    other = session.exec(select(Unit).where(Unit.site_id == site_id, Unit.name == alias)).first()
    if other is not None and other.id != unit.id:
        raise UnitProblem(
            f"“{alias}”已经是一个单位。如果它与“{unit.name}”是同一个单位，"
            f"请用 zhiri units merge {alias} {unit.name} 合并。"
        )
    assert unit.id is not None
    if alias != unit.name:
        _alias(session, now, site_id, alias, unit.id)
    session.flush()
    return unit


def rename_unit(session: Session, now: datetime, site_id: int, name: str, new_name: str) -> Unit:
    """The unit is called `new_name` from now on; the old name stays as an alias (a re-import finds it)."""
    unit = _named(session, site_id, name)
    clash = session.exec(select(Unit).where(Unit.site_id == site_id, Unit.name == new_name)).first()
    if clash is not None and clash.id != unit.id:
        raise UnitProblem(
            f"已有名为“{new_name}”的单位。如果它们是同一个单位，"
            f"请用 zhiri units merge {unit.name} {new_name} 合并。"
        )
    assert unit.id is not None
    old = unit.name
    stale = session.exec(
        select(UnitAlias).where(UnitAlias.site_id == site_id, UnitAlias.name == new_name)
    ).first()
    if stale is not None:
        session.delete(stale)
        session.flush()
    unit.name = new_name
    session.add(unit)
    session.flush()
    if old != new_name:
        _alias(session, now, site_id, old, unit.id)
    session.flush()
    return unit


def merge_units(session: Session, now: datetime, site_id: int, name: str, into: str) -> Unit:
    """Merge the unit `name` into `into`: its items, chats, people, groups, invitations and messages move,
    its name becomes an alias of `into`, and the unit row goes."""
    source, target = _named(session, site_id, name), _named(session, site_id, into)
    if source.id == target.id:
        raise UnitProblem(f"“{name}”和“{into}”已经是同一个单位。")
    if source.is_group != target.is_group:
        raise UnitProblem("单位组（或角色）只能与单位组合并，具体单位只能与具体单位合并。")
    a, b = source.id, target.id
    assert a is not None and b is not None

    kept = {link.item_id: link for link in session.exec(select(ItemUnit).where(ItemUnit.unit_id == b))}
    for link in session.exec(select(ItemUnit).where(ItemUnit.unit_id == a)).all():
        other = kept.get(link.item_id)
        if other is None:
            session.add(ItemUnit(item_id=link.item_id, unit_id=b, lead=link.lead, role=link.role))
        elif _STRENGTH.get(link.role, 0) > _STRENGTH.get(other.role, 0):
            other.role, other.lead = link.role, link.lead
            session.add(other)
        session.delete(link)

    chats = set(session.exec(select(ChatUnit.chat_id).where(ChatUnit.unit_id == b)))
    for chat_link in session.exec(select(ChatUnit).where(ChatUnit.unit_id == a)).all():
        if chat_link.chat_id not in chats:
            session.add(ChatUnit(chat_id=chat_link.chat_id, unit_id=b))
        session.delete(chat_link)

    held = {
        (m.person_id, m.role)
        for m in session.exec(
            select(Membership).where(Membership.unit_id == b, col(Membership.active).is_(True))
        )
    }
    for ms in session.exec(select(Membership).where(Membership.unit_id == a)).all():
        if ms.active and (ms.person_id, ms.role) in held:
            ms.active, ms.ended_at = False, now  # the same person in the same role: one membership stays
        ms.unit_id = b
        session.add(ms)

    pairs = {(g, m) for g, m in session.exec(select(UnitGroupMember.group_id, UnitGroupMember.member_id))}
    for gm in session.exec(
        select(UnitGroupMember).where((UnitGroupMember.group_id == a) | (UnitGroupMember.member_id == a))
    ).all():
        group = b if gm.group_id == a else gm.group_id
        member = b if gm.member_id == a else gm.member_id
        session.delete(gm)
        if group != member and (group, member) not in pairs:
            session.add(UnitGroupMember(group_id=group, member_id=member))
            pairs.add((group, member))

    session.flush()
    session.execute(update(Invitation).where(col(Invitation.unit_id) == a).values(unit_id=b))
    session.execute(update(Outbox).where(col(Outbox.unit_id) == a).values(unit_id=b))
    session.execute(update(UnitAlias).where(col(UnitAlias.unit_id) == a).values(unit_id=b))
    old = source.name
    session.delete(source)
    session.flush()
    _alias(session, now, site_id, old, b)
    session.flush()
    return target
