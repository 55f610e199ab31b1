"""Unit groups (市属各部门, 各乡镇): an administrator fills a group with its member units."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from acts.chats import (
    unit_words,
)
from domain.access import Act, permits
from storage import audit
from storage.models import (
    Unit,
    UnitGroupMember,
)
from storage.people import person_id_of
from storage.queries import (
    Actor,
    NotAdmin,
    UnitAmbiguous,
    UnitRef,
    UnitUnknown,
    resolve_unit,
)


@dataclass(frozen=True)
class GroupMembers:
    group: str
    members: tuple[str, ...]
    added: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotAGroup:
    unit: str


@dataclass(frozen=True)
class GroupUsage:
    groups: tuple[str, ...]  # the groups that exist, so the administrator sees what to fill


def fill_group(
    session: Session, now: datetime, actor: Actor, words: Sequence[str]
) -> GroupMembers | GroupUsage | NotAGroup | NotAdmin | UnitUnknown | UnitAmbiguous:
    """`/group 组名 [单位 …]`: list a group's member units, or add units to it (administrators only).

    Items of a group (an item of 市属各部门) are then also the member units' items: their people see and log
    them, and their groups are reminded of them."""
    if not permits(actor, Act.ADMINISTER, None):
        return NotAdmin()
    texts = unit_words(words)
    if not texts:
        groups = session.exec(select(Unit.name).where(col(Unit.is_group).is_(True)).order_by(col(Unit.name)))
        return GroupUsage(tuple(groups.all()))
    group = resolve_unit(session, texts[0])
    if not isinstance(group, UnitRef):
        return group
    if not group.is_group:
        return NotAGroup(group.name)
    members: list[UnitRef] = []
    for text in texts[1:]:
        found = resolve_unit(session, text)
        if not isinstance(found, UnitRef):
            return found
        members.append(found)
    before = set(_members(session, group.id))
    add_group_members(session, group.id, [u.id for u in members])
    session.flush()
    after = _members(session, group.id)
    added = tuple(n for n in after if n not in before)
    if added:
        who = person_id_of(session, now, actor)
        detail = f"加入单位组“{group.name}”：{'、'.join(added)}"
        audit.record(session, now, audit.GROUP_ADD, person_id=who, unit_ids=[group.id], detail=detail)
    return GroupMembers(group.name, after, added)


def add_group_members(session: Session, group_id: int, member_ids: Iterable[int]) -> int:
    """Add units to a group unit (市属各部门), never twice, never itself. Returns how many were new."""
    have = set(session.exec(select(UnitGroupMember.member_id).where(UnitGroupMember.group_id == group_id)))
    new = [m for m in dict.fromkeys(member_ids) if m != group_id and m not in have]
    session.add_all(UnitGroupMember(group_id=group_id, member_id=m) for m in new)
    return len(new)


def _members(session: Session, group_id: int) -> tuple[str, ...]:
    rows = session.exec(
        select(Unit.name)
        .join(UnitGroupMember, col(UnitGroupMember.member_id) == Unit.id)
        .where(UnitGroupMember.group_id == group_id)
        .order_by(col(Unit.name))
    )
    return tuple(rows.all())
