"""Invitations: an administrator invites a person to a unit and role; the person joins with the code.

Each act takes `(session, now, actor, …)`, asks the one permission policy and leaves committing to the
caller's `session_scope`. Results are frozen dataclasses; refusals are values, turned into words by the
handlers.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from domain.access import Act, administers, permits
from domain.model import Role
from storage.models import (
    Invitation,
    Membership,
    Person,
    Unit,
)
from storage.people import (
    ensure_person,
    person_id_of,
)
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
    resolve_unit_for,
)

ROLE_ALIASES: dict[str, Role] = {
    "webmaster": Role.WEBMASTER,
    "网站维护员": Role.WEBMASTER,
    "维护员": Role.WEBMASTER,
    "网站管理员": Role.WEBMASTER,  # the old word: accepted, with a hint (OLD_WEBMASTER_WORDS)
    "管理员": Role.WEBMASTER,
    "运维": Role.WEBMASTER,
    "运维人员": Role.WEBMASTER,
    "新媒体运维": Role.WEBMASTER,
    "leader": Role.LEADER,
    "分管领导": Role.LEADER,
    "领导": Role.LEADER,
    "admin": Role.ADMIN,
    "系统管理员": Role.ADMIN,
}


# Old words for a webmaster that collide with the administrator (系统管理员): accepted with a hint.
OLD_WEBMASTER_WORDS = frozenset({"网站管理员", "管理员"})


CODE_BYTES = 12  # secrets.token_urlsafe(12): 16 characters of A-Za-z0-9_-


def parse_role(text: str) -> Role | None:
    return ROLE_ALIASES.get(name_key(text))


@dataclass(frozen=True)
class Invited:
    code: str
    unit: str | None  # None: deployment-wide (全部)
    role: str
    expires_at: datetime
    old_word: str | None = None  # the role was written the old way (网站管理员): the reply says the new word


@dataclass(frozen=True)
class RoleUnknown:
    text: str


@dataclass(frozen=True)
class AllNeedsAdminRole:
    """`/invite 全部 …` only makes sense for a deployment-wide administrator."""


def create_invitation(
    session: Session,
    now: datetime,
    actor: Actor,
    unit_text: str,
    role_text: str,
    days: int,
) -> Invited | NotAdmin | RoleUnknown | AllNeedsAdminRole | UnitUnknown | UnitAmbiguous | NotYourUnit:
    if not administers(actor):
        return NotAdmin()
    role = parse_role(role_text)
    if role is None:
        return RoleUnknown(role_text)
    unit: UnitRef | None = None
    if name_key(unit_text) in ALL_WORDS:
        if role != Role.ADMIN:
            return AllNeedsAdminRole()
        if not permits(actor, Act.ADMINISTER, None):
            return NotAdmin()
    else:
        found = resolve_unit_for(session, unit_text, actor, Act.ADMINISTER)
        if not isinstance(found, UnitRef):
            return found
        unit = found
    invitation = Invitation(
        code=secrets.token_urlsafe(CODE_BYTES),
        unit_id=unit.id if unit else None,
        role=role,
        created_by=person_id_of(session, now, actor),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(invitation)
    session.flush()
    old = name_key(role_text) if name_key(role_text) in OLD_WEBMASTER_WORDS else None
    return Invited(invitation.code, unit.name if unit else None, role, invitation.expires_at, old)


@dataclass(frozen=True)
class Joined:
    unit: str | None
    role: str
    already: bool = False  # was bound like this before; the code was left unused


@dataclass(frozen=True)
class InviteUnknown:
    pass


@dataclass(frozen=True)
class InviteUsed:
    by_you: bool


@dataclass(frozen=True)
class InviteExpired:
    expired_at: datetime


@dataclass(frozen=True)
class InviteRevoked:
    """An administrator revoked the invitation (/revoke) before anyone used it."""


_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def accept_invitation(
    session: Session, now: datetime, actor: Actor, code: str
) -> Joined | InviteUnknown | InviteUsed | InviteExpired | InviteRevoked:
    """`/start CODE`: bind the person speaking to the invitation's unit and role. A code works once."""
    sender = actor.speaker
    if sender is None:
        raise ValueError("an invitation is accepted by a person in a chat")
    code = clean(code)
    invitation = (
        session.exec(select(Invitation).where(Invitation.code == code)).first() if _CODE.match(code) else None
    )
    if invitation is None:
        return InviteUnknown()
    person = session.exec(select(Person).where(Person.telegram_id == sender.telegram_id)).first()
    if invitation.used_at is not None:
        return InviteUsed(by_you=person is not None and invitation.used_by == person.id)
    if invitation.revoked_at is not None:
        return InviteRevoked()
    if invitation.expires_at <= now:
        return InviteExpired(invitation.expires_at)
    unit = session.get(Unit, invitation.unit_id) if invitation.unit_id is not None else None
    unit_name = unit.name if unit else None
    person = ensure_person(session, now, sender)
    existing = session.exec(
        select(Membership).where(
            Membership.person_id == person.id,
            Membership.unit_id == invitation.unit_id,
            Membership.role == invitation.role,
            col(Membership.active).is_(True),
        )
    ).first()
    if existing is not None:
        return Joined(unit_name, invitation.role, already=True)
    # Conditional: of two people racing for one code, only one gets it.
    won = session.execute(
        update(Invitation)
        .where(
            col(Invitation.id) == invitation.id,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(used_at=now, used_by=person.id)
    )
    if not won.rowcount:  # type: ignore[attr-defined]
        return InviteUsed(by_you=False)
    assert person.id is not None
    session.add(
        Membership(person_id=person.id, unit_id=invitation.unit_id, role=invitation.role, created_at=now)
    )
    session.flush()
    return Joined(unit_name, invitation.role)
