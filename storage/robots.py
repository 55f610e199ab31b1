"""Group robots bound to units: one `Robot` row per binding of a robot's webhook to a unit (or to 全部),
all the bindings of one webhook sharing one `Chat` (the group), whose units are those of its bindings.

A binding is never deleted: removing it sets `removed_at`/`removed_by`, so the audit trail (`storage.audit`)
reads who bound and unbound what, when. A chat with no binding left goes inactive and its unsent messages
are withdrawn, as when the bot leaves a Telegram group (`storage.outbox.withdraw_unsent`). Operations take
`(session, now, …)` and leave committing to the caller. Kinds are the plain words of `domain.robots.Kind`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from domain import robots as posting
from storage import outbox, sealed
from storage.models import Chat, ChatUnit, Robot

ROBOT = "robot"  # Chat.type of a group reached through its robot
REMOVED = "removed"  # Chat.inactive_reason once its last binding is removed


def active(session: Session, chat_ids: Sequence[int] | None = None) -> list[Robot]:
    """The bindings in force (of these chats), oldest first."""
    stmt = select(Robot).where(col(Robot.removed_at).is_(None))
    if chat_ids is not None:
        stmt = stmt.where(col(Robot.chat_id).in_(list(chat_ids)))
    return list(session.exec(stmt.order_by(col(Robot.id))).all())


def target(row: Robot) -> posting.Robot:
    """Where a binding's messages are posted, and the secret they are signed with, opened with the process's
    keys (`storage.sealed.KeyRefused` when they cannot open it)."""
    keys = sealed.keys()
    secret = None if row.secret is None else keys.open(row.secret)
    return posting.Robot(posting.Kind(row.kind), keys.open(row.url), secret)


def check(session: Session) -> int:
    """Open every binding in force with the process's keys, as `zhiri run` does before it starts: a key that
    is missing or wrong is refused at once (`KeyRefused`), not found out by each robot's first message.
    Returns how many were opened."""
    rows = active(session)
    for row in rows:
        target(row)
    return len(rows)


def rekey(session: Session) -> int:
    """Seal every binding's webhook and secret (ended ones too) again with the first key of CHANNEL_KEY
    (`zhiri channel rekey`, rotation). Returns how many rows were sealed again."""
    keys = sealed.keys()
    rows = list(session.exec(select(Robot)).all())
    for row in rows:
        row.url = keys.reseal(row.url)
        if row.secret is not None:
            row.secret = keys.reseal(row.secret)
        session.add(row)
    session.flush()
    return len(rows)


def webhook(session: Session, address: int) -> posting.Robot | None:
    """The robot a robot chat's messages go to (its address is its own `Chat.id`), None when it has none in
    force (every binding removed)."""
    row = session.exec(
        select(Robot).where(Robot.chat_id == address, col(Robot.removed_at).is_(None)).order_by(col(Robot.id))
    ).first()
    return None if row is None else target(row)


def chat_of(session: Session, url: str) -> Chat | None:
    """The group a webhook posts to, whether or not it is bound now (a robot added again keeps its group)."""
    found = select(Robot).where(Robot.url_digest == sealed.digest(url)).order_by(col(Robot.id).desc())
    row = session.exec(found).first()
    return None if row is None else session.get(Chat, row.chat_id)


@dataclass(frozen=True)
class Binding:
    created: bool  # a new binding (else it was already in force)
    chat: Chat
    secret_changed: bool = False
    reactivated: bool = False  # the group had been inactive (its robot refused, or every binding removed)


def bind(
    session: Session,
    now: datetime,
    *,
    kind: str,
    url: str,
    secret: str | None,
    unit_id: int | None,
    title: str,
    person_id: int | None,
) -> Binding:
    """Bind the robot at `url` to a unit (None: 全部). The same webhook given again is the same group: its
    secret and kind are refreshed (an administrator fixing a wrong secret adds it again) and an inactive
    group is active again. The webhook and secret are kept sealed (`storage.sealed`; `KeyRefused` without a
    usable key)."""
    keys = sealed.keys()
    chat = chat_of(session, url)
    if chat is None:
        # The address is the chat's own id, known once the row is written: a placeholder nobody else can
        # hold until then (negative, random), replaced before the transaction ends.
        chat = Chat(address=-secrets.randbits(62), platform=kind, type=ROBOT, title=title, created_at=now)
        session.add(chat)
        session.flush()
        assert chat.id is not None
        chat.address = chat.id
    assert chat.id is not None
    reactivated = not chat.active
    chat.active, chat.inactive_reason, chat.platform = True, None, kind
    rows = active(session, [chat.id])
    secret_changed = any(
        (None if r.secret is None else keys.open(r.secret)) != secret or r.kind != kind for r in rows
    )
    sealed_secret = None if secret is None else keys.seal(secret)
    for r in rows:
        r.secret, r.kind = sealed_secret, kind
        session.add(r)
    created = not any(r.unit_id == unit_id for r in rows)
    if created:
        session.add(
            Robot(
                chat_id=chat.id,
                unit_id=unit_id,
                kind=kind,
                url=keys.seal(url),
                secret=sealed_secret,
                url_digest=sealed.digest(url),
                url_hint=posting.masked(url),
                created_at=now,
                created_by=person_id,
            )
        )
        if unit_id is None:
            chat.all_units = True
        elif session.get(ChatUnit, (chat.id, unit_id)) is None:
            session.add(ChatUnit(chat_id=chat.id, unit_id=unit_id))
    session.add(chat)
    session.flush()
    return Binding(created, chat, secret_changed, reactivated)


def bindings(session: Session, unit_id: int | None, url: str | None = None) -> list[Robot]:
    """The bindings in force to a unit (None: to 全部), of one webhook when `url` is given."""
    stmt = select(Robot).where(col(Robot.removed_at).is_(None))
    stmt = stmt.where(col(Robot.unit_id).is_(None) if unit_id is None else Robot.unit_id == unit_id)
    if url is not None:
        stmt = stmt.where(Robot.url_digest == sealed.digest(url))
    return list(session.exec(stmt.order_by(col(Robot.id))).all())


@dataclass(frozen=True)
class Unbound:
    robot: Robot
    chat: Chat
    closed: bool  # it was the group's last binding: the group is inactive now
    withdrawn: outbox.Withdrawn


def unbind(session: Session, now: datetime, row: Robot, person_id: int | None) -> Unbound:
    """End one binding. The group's last one closes the group: it goes inactive and its unsent messages are
    withdrawn (sent to another group of the unit on the same platform, or given up and said so)."""
    chat = session.get(Chat, row.chat_id)
    assert chat is not None and chat.id is not None
    row.removed_at, row.removed_by = now, person_id
    session.add(row)
    if row.unit_id is None:
        chat.all_units = False
    else:
        link = session.get(ChatUnit, (chat.id, row.unit_id))
        if link is not None:
            session.delete(link)
    session.flush()
    closed = not active(session, [chat.id])
    withdrawn = outbox.Withdrawn()
    if closed:
        chat.active, chat.inactive_reason = False, REMOVED
        withdrawn = outbox.withdraw_unsent(session, now, chat.address, "robot removed", chat.platform)
    session.add(chat)
    session.flush()
    return Unbound(row, chat, closed, withdrawn)
