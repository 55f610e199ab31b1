"""Binding group robots (DingTalk, WeCom, Feishu) to units: `zhiri channel …`, and `/robot …` in a private
chat.

Administrators only, through the one policy (`domain.access`): a deployment administrator binds to any unit
and to 全部 (the all-units group); a unit administrator to their own units only. What is typed (webhook,
secret, kind) is checked by `domain.robots.robot_to_bind` before anything is written. Bindings are rows
(`storage.robots`), which the audit trail reads. Sending the test message is the entrance's business (it
holds the transport): `robots_to_test` only says which robots, after the same policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from domain import robots as posting
from domain.access import Act, administers, permits
from domain.robots import NAMES, Kind, masked, robot_to_bind
from storage import robots
from storage.models import Chat, Person, Robot, Unit
from storage.outbox import Withdrawn
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
from storage.sealed import KeyRefused

ALL = "全部"


@dataclass(frozen=True)
class Where:
    """A unit, or 全部 (`unit` None): where a robot is bound."""

    unit: UnitRef | None

    @property
    def label(self) -> str:
        return self.unit.name if self.unit is not None else ALL

    @property
    def unit_id(self) -> int | None:
        return self.unit.id if self.unit is not None else None


@dataclass(frozen=True)
class BadRobot:
    """The webhook, secret or kind cannot be used; `reason` says what to fix."""

    reason: str


@dataclass(frozen=True)
class RobotBound:
    where: str
    kind: str
    webhook: str  # masked
    created: bool  # False: it was bound there already
    secret_changed: bool
    reactivated: bool


@dataclass(frozen=True)
class NoRobots:
    where: str
    webhook: str | None = None  # masked: none of this webhook there


@dataclass(frozen=True)
class RobotLine:
    where: str
    kind: str
    webhook: str  # masked
    bound_at: datetime
    bound_by: str  # "" : the command line
    active: bool
    why_not: str | None = None  # in force but inactive: why (the platform's refusal, in its words)
    removed_at: datetime | None = None
    removed_by: str = ""


@dataclass(frozen=True)
class RobotList:
    lines: tuple[RobotLine, ...]


@dataclass(frozen=True)
class RobotsToTest:
    where: str
    robots: tuple[posting.Robot, ...]  # one per group bound there now: the entrance sends to each


@dataclass(frozen=True)
class RobotsRemoved:
    where: str
    webhooks: tuple[str, ...]  # masked, one per binding ended
    closed: int  # groups with no binding left, now inactive
    withdrawn: Withdrawn


Refused = NotAdmin | UnitUnknown | UnitAmbiguous | NotYourUnit


def where_of(session: Session, actor: Actor, text: str) -> Where | Refused:
    """UNIT or 全部, as the actor may administer it."""
    if not administers(actor):
        return NotAdmin()
    if name_key(text) in ALL_WORDS:
        return Where(None) if permits(actor, Act.ADMINISTER, None) else NotAdmin()
    found = resolve_unit_for(session, clean(text), actor, Act.ADMINISTER)
    return Where(found) if isinstance(found, UnitRef) else found


def add_robot(
    session: Session,
    now: datetime,
    actor: Actor,
    where_text: str,
    url: str,
    secret: str | None = None,
    kind: str | None = None,
) -> RobotBound | BadRobot | Refused:
    """`zhiri channel add UNIT|全部 URL [--secret S] [--kind K]`: the group of this robot gets the unit's
    reminders (added to what it had); the same webhook again refreshes its secret."""
    where = where_of(session, actor, where_text)
    if not isinstance(where, Where):
        return where
    try:
        robot = robot_to_bind(url, secret, kind)
    except ValueError as exc:
        return BadRobot(str(exc))
    try:
        bound = robots.bind(
            session,
            now,
            kind=robot.kind.value,
            url=robot.url,
            secret=robot.secret,
            unit_id=where.unit_id,
            title=f"{where.label}的{NAMES[robot.kind]}群",
            person_id=actor.person_id,
        )
    except KeyRefused as exc:  # nothing written: the webhook is never kept in the clear
        return BadRobot(str(exc))
    return RobotBound(
        where.label,
        robot.kind.value,
        masked(robot.url),
        bound.created,
        bound.secret_changed,
        bound.reactivated,
    )


def list_robots(session: Session, _now: datetime, actor: Actor) -> RobotList | NotAdmin:
    """`zhiri channel list`: every binding the actor administers, in force first, newest first within."""
    if not administers(actor):
        return NotAdmin()
    rows = session.exec(
        select(Robot, Chat, Unit)
        .join(Chat, col(Chat.id) == col(Robot.chat_id))
        .join(Unit, col(Unit.id) == col(Robot.unit_id), isouter=True)
        .order_by(col(Robot.id).desc())
    ).all()
    mine = [
        (r, c, u)
        for r, c, u in rows
        if permits(actor, Act.ADMINISTER, None if r.unit_id is None else [r.unit_id])
    ]
    ids = {p for r, _, _ in mine for p in (r.created_by, r.removed_by) if p is not None}
    names = {
        p.id: p.name or (f"@{p.username}" if p.username else f"#{p.id}")
        for p in session.exec(select(Person).where(col(Person.id).in_(ids))).all()
    }
    lines = [
        RobotLine(
            where=u.name if u is not None else ALL,
            kind=r.kind,
            webhook=r.url_hint,
            bound_at=r.created_at,
            bound_by=names.get(r.created_by or 0, ""),
            active=r.removed_at is None and c.active,
            why_not=None if r.removed_at is not None else c.inactive_reason,
            removed_at=r.removed_at,
            removed_by=names.get(r.removed_by or 0, ""),
        )
        for r, c, u in mine
    ]
    lines.sort(key=lambda line: line.removed_at is not None)  # stable: newest first within each
    return RobotList(tuple(lines))


def robots_to_test(
    session: Session, _now: datetime, actor: Actor, where_text: str
) -> RobotsToTest | NoRobots | BadRobot | Refused:
    """`zhiri channel test UNIT|全部`: the robots bound there now, one per group."""
    where = where_of(session, actor, where_text)
    if not isinstance(where, Where):
        return where
    targets: dict[int, posting.Robot] = {}
    try:
        for row in robots.bindings(session, where.unit_id):
            targets.setdefault(row.chat_id, robots.target(row))
    except KeyRefused as exc:
        return BadRobot(str(exc))
    if not targets:
        return NoRobots(where.label)
    return RobotsToTest(where.label, tuple(targets.values()))


def remove_robot(
    session: Session, now: datetime, actor: Actor, where_text: str, url: str | None = None
) -> RobotsRemoved | NoRobots | Refused:
    """`zhiri channel remove UNIT|全部 [URL]`: the unit's robots (or that one) no longer get its reminders.
    A group with no binding left goes inactive; its unsent messages are withdrawn; the history stays."""
    where = where_of(session, actor, where_text)
    if not isinstance(where, Where):
        return where
    wanted = url.strip() if url else None
    rows = robots.bindings(session, where.unit_id, wanted)
    if not rows:
        return NoRobots(where.label, masked(wanted) if wanted else None)
    ended: list[str] = []
    closed = readdressed = 0
    dead: list[int] = []
    kinds: list[str] = []
    for row in rows:
        result = robots.unbind(session, now, row, actor.person_id)
        ended.append(row.url_hint)
        closed += result.closed
        readdressed += result.withdrawn.readdressed
        dead.extend(result.withdrawn.dead)
        kinds.extend(result.withdrawn.kinds)
    return RobotsRemoved(where.label, tuple(ended), closed, Withdrawn(readdressed, tuple(dead), tuple(kinds)))


def kind_name(kind: str) -> str:
    try:
        return NAMES[Kind(kind)]
    except ValueError:
        return kind
