"""Taking access back: revoking an unused invitation, removing a person from a unit.

Nothing is deleted. A revoked invitation keeps its row (`revoked_at`, `revoked_by`) and binds nobody any more;
a removed membership is ended (`active` off, `ended_at`, `ended_by`), so the person loses access at once
(every permission is read from active memberships) while everything they logged stays theirs.
Both are administering a unit, asked of the one policy (`domain.access`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from domain.access import Act, administers, permits
from storage.models import Invitation, Membership, Person, Unit
from storage.people import person_id_of
from storage.queries import (
    ALL_WORDS,
    Actor,
    NotAdmin,
    NotYourUnit,
    UnitAmbiguous,
    UnitRef,
    UnitUnknown,
    clean,
    name_key,
    persons_named,
    resolve_unit_for,
)

# ------------------------------------------------------------------------------------------------
# /revoke


@dataclass(frozen=True)
class PendingInvitation:
    code: str
    unit: str | None  # None: deployment-wide
    role: str
    expires_at: datetime


@dataclass(frozen=True)
class Pending:
    """`/revoke` alone: the unused invitations the administrator may revoke."""

    invitations: tuple[PendingInvitation, ...]


@dataclass(frozen=True)
class Revoked:
    invitation: PendingInvitation


@dataclass(frozen=True)
class NoSuchInvitation:
    code: str


@dataclass(frozen=True)
class InvitationClosed:
    """Used, expired or revoked already: there is nothing to revoke."""

    code: str
    used: bool
    revoked: bool


def _unit_names(session: Session, unit_ids: Iterable[int | None]) -> dict[int, str]:
    ids = [u for u in set(unit_ids) if u is not None]
    if not ids:
        return {}
    rows = session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(ids)))
    return {uid: name for uid, name in rows if uid is not None}


def revoke_invitation(
    session: Session, now: datetime, actor: Actor, words: Sequence[str]
) -> Pending | Revoked | NoSuchInvitation | InvitationClosed | NotAdmin:
    """`/revoke [CODE]`: list the unused invitations, or revoke one so that it binds nobody."""
    if not administers(actor):
        return NotAdmin()
    words = [w for w in (clean(w) for w in words) if w]
    if not words:
        rows = session.exec(
            select(Invitation)
            .where(
                col(Invitation.used_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                Invitation.expires_at > now,
            )
            .order_by(col(Invitation.created_at))
        ).all()
        mine = [r for r in rows if permits(actor, Act.ADMINISTER, None if r.unit_id is None else [r.unit_id])]
        names = _unit_names(session, (r.unit_id for r in mine))
        return Pending(tuple(_pending(r, names) for r in mine))
    # The whole link pasted, or only its code.
    code = re.sub(r"^.*(?:start=|/start\s+)", "", words[0]) if len(words) == 1 else words[-1]
    row = session.exec(select(Invitation).where(Invitation.code == code)).first()
    if row is None:
        return NoSuchInvitation(code[:20])
    if not permits(actor, Act.ADMINISTER, None if row.unit_id is None else [row.unit_id]):
        return NoSuchInvitation(code[:20])  # someone else's unit: do not even confirm it exists
    if row.used_at is not None or row.revoked_at is not None or row.expires_at <= now:
        return InvitationClosed(code[:20], used=row.used_at is not None, revoked=row.revoked_at is not None)
    row.revoked_at, row.revoked_by = now, person_id_of(session, now, actor)
    session.add(row)
    session.flush()
    return Revoked(_pending(row, _unit_names(session, [row.unit_id])))


def _pending(row: Invitation, names: dict[int, str]) -> PendingInvitation:
    return PendingInvitation(
        row.code, names.get(row.unit_id) if row.unit_id else None, row.role, row.expires_at
    )


# ------------------------------------------------------------------------------------------------
# /remove


@dataclass(frozen=True)
class Removed:
    person: str
    unit: str | None  # None: deployment-wide (an administrator)
    roles: tuple[str, ...]


@dataclass(frozen=True)
class RemoveUsage:
    pass


@dataclass(frozen=True)
class PersonUnknown:
    text: str
    unit: str | None = None  # looked for among this unit's people only


@dataclass(frozen=True)
class PersonAmbiguous:
    text: str
    candidates: tuple[str, ...]  # "王小明（@wxm）"


@dataclass(frozen=True)
class NotMember:
    person: str
    unit: str | None
    units: tuple[str, ...] = ()  # where the person is bound (that the administrator may see)


@dataclass(frozen=True)
class WhichUnit:
    person: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class ConfiguredAdmin:
    """An administrator by the deployment's configuration (ADMIN_TELEGRAM_IDS) is not removed by chat."""

    person: str


def _label(person: Person) -> str:
    return (
        f"{person.name}（@{person.username}）"
        if person.username
        else person.name or f"用户{person.telegram_id}"
    )


def _find_person(session: Session, text: str) -> Person | PersonUnknown | PersonAmbiguous:
    """A person by @username, Telegram id or name, among people with a binding now or before."""
    bound = select(Membership.person_id)
    hits = persons_named(text, session.exec(select(Person).where(col(Person.id).in_(bound))), lambda p: p)
    if len(hits) == 1:
        return hits[0]
    if hits:
        return PersonAmbiguous(text, tuple(_label(p) for p in hits[:10]))
    return PersonUnknown(text)


def remove_member(
    session: Session, now: datetime, actor: Actor, words: Sequence[str], *, configured: Collection[int] = ()
) -> (
    Removed
    | RemoveUsage
    | PersonUnknown
    | PersonAmbiguous
    | NotMember
    | WhichUnit
    | ConfiguredAdmin
    | NotAdmin
    | UnitUnknown
    | UnitAmbiguous
    | NotYourUnit
):
    """`/remove 人员 [单位]`: end a person's binding to a unit (all their roles there). Access ends at once;
    what they logged stays in the history. `configured`: the administrators' platform ids from the
    deployment's configuration, who keep their powers whatever their bindings (so are not removed by chat)."""
    if not administers(actor):
        return NotAdmin()
    words = [w for w in (clean(w) for w in words) if w]
    if not words:
        return RemoveUsage()
    person = _find_person(session, words[0])
    if not isinstance(person, Person):
        return person
    name = _label(person)
    if person.telegram_id is not None and person.telegram_id in configured:
        return ConfiguredAdmin(name)
    active = session.exec(
        select(Membership).where(Membership.person_id == person.id, col(Membership.active).is_(True))
    ).all()
    allowed = [
        m for m in active if permits(actor, Act.ADMINISTER, None if m.unit_id is None else [m.unit_id])
    ]
    names = _unit_names(session, (m.unit_id for m in allowed))
    unit_text = " ".join(words[1:])
    if unit_text and name_key(unit_text) in ALL_WORDS:
        if not permits(actor, Act.ADMINISTER, None):
            return NotAdmin()
        unit_id: int | None = None
        unit_name: str | None = None
    elif unit_text:
        unit = resolve_unit_for(session, unit_text, actor, Act.ADMINISTER)
        if not isinstance(unit, UnitRef):
            return unit
        unit_id, unit_name = unit.id, unit.name
    else:
        where = sorted({m.unit_id for m in allowed}, key=lambda u: (u is not None, names.get(u or 0, "")))
        if len(where) != 1:
            shown = tuple(names.get(u, "") if u is not None else "全部" for u in where)
            return WhichUnit(name, shown) if where else NotMember(name, None)
        unit_id = where[0]
        unit_name = names.get(unit_id) if unit_id is not None else None
    ending = [m for m in allowed if m.unit_id == unit_id]
    if not ending:
        shown = tuple(names.get(m.unit_id, "") if m.unit_id is not None else "全部" for m in allowed)
        return NotMember(name, unit_name, tuple(dict.fromkeys(shown)))
    by = person_id_of(session, now, actor)
    for m in ending:
        m.active, m.ended_at, m.ended_by = False, now, by
        session.add(m)
    session.flush()
    return Removed(name, unit_name, tuple(sorted({m.role for m in ending})))
