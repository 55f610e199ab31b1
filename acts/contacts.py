"""Who is who on each group robot's platform: a responsible person's mobile number and their user id on
DingTalk, WeCom and Feishu, so that a robot's reminder @s them (`domain.robots.mention_of`).

An administrator records them for the people of the units they administer (`zhiri person …`); a webmaster
or leader who does not use Telegram is added to their unit here, with no Telegram account. A person records
their own mobile number (`/phone` in a private chat). What was typed is checked by `domain.robots` (a
mainland mobile: 11 digits starting with 1; a user id as the platform's @ takes it) and refused with a value
that says what to fix. Phone numbers are personal data: results carry them masked (138****5678), and nothing
here logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from acts.roster import PersonAmbiguous, PersonUnknown
from domain.access import Act, administers, permits, takes_part
from domain.model import Role
from domain.robots import Kind, masked_phone, mobile, user_id
from storage.models import Membership, Person, Unit
from storage.queries import (
    Actor,
    NotAdmin,
    NotYourUnit,
    Stranger,
    UnitAmbiguous,
    UnitRef,
    UnitUnknown,
    clean,
    name_key,
    persons_named,
    resolve_unit_for,
)

_ID_FIELD = {Kind.DINGTALK: "dingtalk_id", Kind.WECOM: "wecom_id", Kind.FEISHU: "feishu_id"}


@dataclass(frozen=True)
class Change:
    """What to record: a value sets, "" clears, None leaves as it is."""

    phone: str | None = None
    ids: Mapping[Kind, str | None] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.phone is None and all(v is None for v in self.ids.values())


@dataclass(frozen=True)
class BadContact:
    """What was typed cannot be @-ed by: the reason and what to type instead, in Chinese."""

    reason: str


def checked(change: Change) -> Change | BadContact:
    """The change with the mobile number and the ids as the platforms take them, or what is wrong."""
    try:
        phone = mobile(change.phone) if change.phone else change.phone
        ids = {k: user_id(k, v) if v else v for k, v in change.ids.items()}
    except ValueError as exc:
        return BadContact(str(exc))
    return Change(phone, ids)


@dataclass(frozen=True)
class ContactLine:
    """A person as the contacts list shows them: the phone masked, the ids as recorded."""

    person_id: int
    name: str
    role: Role
    unit: str
    telegram: bool  # has a Telegram account (reminded there by name or @username)
    phone: str | None  # masked
    ids: tuple[tuple[Kind, str], ...]

    @property
    def nothing(self) -> bool:
        return self.phone is None and not self.ids


def _line(person: Person, role: Role, unit: str) -> ContactLine:
    assert person.id is not None
    return ContactLine(
        person.id,
        person.name or (f"@{person.username}" if person.username else f"用户{person.telegram_id}"),
        role,
        unit,
        person.telegram_id is not None,
        masked_phone(person.phone) if person.phone else None,
        tuple((k, v) for k in Kind if (v := getattr(person, _ID_FIELD[k]))),
    )


@dataclass(frozen=True)
class ContactSet:
    line: ContactLine
    created: bool = False  # a new person added to the unit
    changed: bool = True  # False: everything was already so


@dataclass(frozen=True)
class NameMissing:
    """`zhiri person add` without a name."""


@dataclass(frozen=True)
class ContactList:
    lines: tuple[ContactLine, ...]
    unit: str | None = None  # narrowed to this unit


Refused = NotAdmin | NotYourUnit | UnitUnknown | UnitAmbiguous


def _apply(person: Person, change: Change) -> bool:
    """Write the change on the person; whether anything changed."""
    changed = False
    if change.phone is not None and (change.phone or None) != person.phone:
        person.phone = change.phone or None
        changed = True
    for kind, value in change.ids.items():
        if value is not None and (value or None) != getattr(person, _ID_FIELD[kind]):
            setattr(person, _ID_FIELD[kind], value or None)
            changed = True
    return changed


def _unit(session: Session, actor: Actor, text: str) -> UnitRef | Refused:
    if not administers(actor):
        return NotAdmin()
    return resolve_unit_for(session, text, actor, Act.ADMINISTER)


def add_person(
    session: Session, now: datetime, actor: Actor, unit_text: str, name: str, role: Role, change: Change
) -> ContactSet | BadContact | NameMissing | Refused:
    """An administrator adds a webmaster or leader to a unit by name (no Telegram account needed), with their
    mobile number and platform ids. Adding the same name to the same unit again records onto that person."""
    unit = _unit(session, actor, unit_text)
    if not isinstance(unit, UnitRef):
        return unit
    name = clean(name)
    if not name:
        return NameMissing()
    good = checked(change)
    if isinstance(good, BadContact):
        return good
    same = [
        p
        for p in session.exec(
            select(Person)
            .join(Membership, col(Membership.person_id) == col(Person.id))
            .where(Membership.unit_id == unit.id, Membership.role == role, col(Membership.active).is_(True))
        )
        if name_key(p.name) == name_key(name)
    ]
    if same:
        person = same[0]
        changed = _apply(person, good)
        session.add(person)
        session.flush()
        return ContactSet(_line(person, role, unit.name), changed=changed)
    person = Person(name=name, created_at=now)
    _apply(person, good)
    session.add(person)
    session.flush()
    assert person.id is not None
    session.add(Membership(person_id=person.id, unit_id=unit.id, role=role, created_at=now))
    session.flush()
    return ContactSet(_line(person, role, unit.name), created=True)


def _members(session: Session, unit_ids: Sequence[int] | None) -> list[tuple[Person, Role, str, int]]:
    """Active webmasters and leaders (of these units; None: every unit) with their role, unit name and unit
    id, by unit name and person name."""
    stmt = (
        select(Person, Membership.role, Unit.name, Unit.id)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .where(col(Membership.active).is_(True), col(Membership.role).in_((Role.WEBMASTER, Role.LEADER)))
        .order_by(col(Unit.name), col(Membership.role).desc(), col(Person.name), col(Person.id))
    )
    if unit_ids is not None:
        stmt = stmt.where(col(Membership.unit_id).in_(list(unit_ids)))
    return [(p, Role(r), u, uid) for p, r, u, uid in session.exec(stmt) if uid is not None]


def set_contact(
    session: Session, now: datetime, actor: Actor, person_text: str, unit_text: str | None, change: Change
) -> ContactSet | BadContact | PersonUnknown | PersonAmbiguous | Refused:
    """An administrator records (or clears) a person's mobile number and platform ids. The person is named as
    people type them (name, @username or Telegram id), among the webmasters and leaders of the units the
    administrator administers (`unit_text` narrows to one unit)."""
    if not administers(actor):
        return NotAdmin()
    unit_ids: list[int] | None = None
    if unit_text:
        unit = _unit(session, actor, unit_text)
        if not isinstance(unit, UnitRef):
            return unit
        unit_ids = [unit.id]
    good = checked(change)
    if isinstance(good, BadContact):
        return good
    members = [
        (p, r, u) for p, r, u, uid in _members(session, unit_ids) if permits(actor, Act.ADMINISTER, [uid])
    ]
    hits: dict[int, tuple[Person, Role, str]] = {}
    for p, r, u in persons_named(person_text, members, lambda m: m[0]):
        if p.id is not None:
            hits.setdefault(p.id, (p, r, u))  # a person in several units: the first
    if len(hits) == 1:
        person, role, unit_name = next(iter(hits.values()))
        changed = _apply(person, good)
        session.add(person)
        session.flush()
        return ContactSet(_line(person, role, unit_name), changed=changed)
    if hits:
        return PersonAmbiguous(
            person_text, tuple(f"{p.name}（{u} {ROLE_NAMES[r]}）" for p, r, u in hits.values())[:10]
        )
    return PersonUnknown(person_text, unit_text)


def _unit_ids_of(session: Session, person: Person) -> list[int]:
    return [
        u
        for u in session.exec(
            select(Membership.unit_id).where(
                Membership.person_id == person.id, col(Membership.active).is_(True)
            )
        )
        if u is not None
    ]


ROLE_NAMES = {Role.WEBMASTER: "网站维护员", Role.LEADER: "分管领导", Role.ADMIN: "管理员"}


def own_phone(session: Session, now: datetime, actor: Actor, text: str) -> ContactSet | BadContact | Stranger:
    """A person records (or, with "清除", clears) their own mobile number, so that a DingTalk group robot @s
    them. Only someone bound to a unit: the number is for the unit's robot groups."""
    if not takes_part(actor) or actor.person_id is None:
        return Stranger()
    words = clean(text)
    change = Change(phone="" if words in CLEAR_WORDS else words)
    good = checked(change)
    if isinstance(good, BadContact):
        return good
    person = session.get(Person, actor.person_id)
    assert person is not None
    changed = _apply(person, good)
    session.add(person)
    session.flush()
    first = _members(session, _unit_ids_of(session, person))
    role, unit = next(((r, u) for p, r, u, _ in first if p.id == person.id), (Role.WEBMASTER, ""))
    return ContactSet(_line(person, role, unit), changed=changed)


CLEAR_WORDS = frozenset({"清除", "删除", "clear", "-"})


def contact_list(session: Session, actor: Actor, unit_text: str | None = None) -> ContactList | Refused:
    """The webmasters and leaders of the units the administrator administers (or one unit), each with what a
    robot @s them by: the phone masked, the platform ids."""
    if not administers(actor):
        return NotAdmin()
    unit_name: str | None = None
    if unit_text:
        unit = _unit(session, actor, unit_text)
        if not isinstance(unit, UnitRef):
            return unit
        rows = _members(session, [unit.id])
        unit_name = unit.name
    else:
        scope = None if actor.global_admin else sorted(actor.admin_units)
        rows = _members(session, scope)
    return ContactList(tuple(_line(p, r, u) for p, r, u, _ in rows), unit_name)
