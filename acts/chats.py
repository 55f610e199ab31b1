"""Group chats: `/bindchat` binds a group to units; the bot leaving or re-joining a group, and a group
becoming a supergroup, keep the binding right.

Each act takes `(session, now, actor, …)` (the bot's own events: `(session, now, …)`) and leaves committing
to the caller's `session_scope`. Results are frozen dataclasses; refusals are values, turned into words by
the handlers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from domain.access import Act, administers, permits
from domain.model import Role
from domain.notice import TELEGRAM, MessageKind, make_key
from storage import audit, outbox
from storage.items import Judge
from storage.models import (
    Chat,
    ChatUnit,
    Membership,
    Person,
    Unit,
)
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
    resolve_unit_for,
)


@dataclass(frozen=True)
class ChatRef:
    address: int
    title: str = ""
    type: str = "group"


@dataclass(frozen=True)
class Bound:
    title: str
    units: tuple[str, ...]  # every unit the group is bound to now
    all_units: bool
    added: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotBound:
    pass


@dataclass(frozen=True)
class Unbound:
    title: str
    units: tuple[str, ...]
    all_units: bool
    remaining: tuple[str, ...] = ()


_LIST_SEPARATORS = re.compile(r"[,，、;；]+")


def unit_words(words: Sequence[str]) -> list[str]:
    return [part for w in words for part in (p.strip() for p in _LIST_SEPARATORS.split(clean(w))) if part]


def _chat_row(session: Session, now: datetime, chat: ChatRef) -> Chat:
    row = session.exec(select(Chat).where(Chat.address == chat.address, Chat.platform == TELEGRAM)).first()
    if row is None:
        row = Chat(address=chat.address, created_at=now)
    row.title, row.type = chat.title or row.title, chat.type
    row.active, row.inactive_reason = True, None
    session.add(row)
    session.flush()
    return row


def _bound_units(session: Session, chat_row_id: int) -> tuple[str, ...]:
    return tuple(
        session.exec(
            select(Unit.name)
            .join(ChatUnit, col(ChatUnit.unit_id) == col(Unit.id))
            .where(ChatUnit.chat_id == chat_row_id)
            .order_by(col(Unit.name))
        ).all()
    )


def bind_chat(
    session: Session,
    now: datetime,
    actor: Actor,
    chat: ChatRef,
    words: Sequence[str],
) -> Bound | NotAdmin | UnitUnknown | UnitAmbiguous | NotYourUnit:
    """`/bindchat UNIT …`: the group hears about these units (added to what it had). `全部`: every unit."""
    if not administers(actor):
        return NotAdmin()
    texts = unit_words(words)
    everything = any(name_key(t) in ALL_WORDS for t in texts)
    units: list[UnitRef] = []
    if everything and not permits(actor, Act.ADMINISTER, None):
        return NotAdmin()
    for text in [] if everything else texts:
        found = resolve_unit_for(session, text, actor, Act.ADMINISTER)
        if not isinstance(found, UnitRef):
            return found
        units.append(found)
    row = _chat_row(session, now, chat)
    assert row.id is not None
    before = set(_bound_units(session, row.id))
    bound: list[int | None] = [None] if everything and not row.all_units else []
    if everything:
        row.all_units = True
    for unit in units:
        if session.get(ChatUnit, (row.id, unit.id)) is None:
            session.add(ChatUnit(chat_id=row.id, unit_id=unit.id))
            bound.append(unit.id)
    if bound:
        who = person_id_of(session, now, actor)
        audit.record(session, now, audit.CHAT_BIND, person_id=who, unit_ids=bound, chat_id=row.id)
    session.flush()
    now_bound = _bound_units(session, row.id)
    return Bound(row.title, now_bound, row.all_units, tuple(u for u in now_bound if u not in before))


def unbind_chat(
    session: Session, now: datetime, actor: Actor, chat: ChatRef
) -> Unbound | NotBound | NotAdmin:
    """`/unbindchat`: the group no longer hears about its units (a unit administrator removes only theirs)."""
    if not administers(actor):
        return NotAdmin()
    row = session.exec(select(Chat).where(Chat.address == chat.address, Chat.platform == TELEGRAM)).first()
    if row is None or row.id is None:
        return NotBound()
    before = _bound_units(session, row.id)
    if not before and not row.all_units:
        return NotBound()
    whole = permits(actor, Act.ADMINISTER, None)  # the deployment's administrators unbind everything
    removed_all = row.all_units and whole
    which = [col(ChatUnit.chat_id) == row.id]
    if whole:
        row.all_units = False
    else:
        which.append(col(ChatUnit.unit_id).in_(actor.admin_units))
    remove = delete(ChatUnit).where(*which)
    unbound: list[int | None] = [None] if removed_all else []
    unbound += session.exec(select(ChatUnit.unit_id).where(*which)).all()
    if unbound:
        who = person_id_of(session, now, actor)
        audit.record(session, now, audit.CHAT_UNBIND, person_id=who, unit_ids=unbound, chat_id=row.id)
    session.execute(remove)
    session.add(row)
    session.flush()
    remaining = _bound_units(session, row.id)
    return Unbound(row.title, tuple(u for u in before if u not in remaining), removed_all, remaining)


@dataclass(frozen=True)
class ChatPresence:
    """What the bot's joining or leaving a group changed."""

    bound: bool  # the group has a binding (to some units or all)
    changed: bool  # the binding went inactive (left) or active again (back)
    units: tuple[str, ...] = ()
    all_units: bool = False
    notified: int = 0  # administrators told


def _admin_telegram_ids(session: Session, configured: Iterable[int], unit_names: Sequence[str]) -> list[int]:
    ids = set(configured)
    rows = session.exec(
        select(Person.telegram_id, Membership.unit_id, Unit.name)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .join(Unit, col(Unit.id) == col(Membership.unit_id), isouter=True)
        .where(Membership.role == Role.ADMIN, col(Membership.active).is_(True))
    ).all()
    ids.update(
        tid for tid, unit_id, name in rows if tid is not None and (unit_id is None or name in unit_names)
    )
    return sorted(ids)


def bot_membership_changed(
    session: Session,
    now: datetime,
    judge: Judge,
    chat: ChatRef,
    configured: Iterable[int],
    *,
    present: bool,
    kicked: bool = False,
    event_key: str = "",
    notice: Callable[[str, tuple[str, ...], bool, bool, outbox.Withdrawn], str],
) -> ChatPresence:
    """The bot was removed from a group (binding inactive, administrators told) or added back (active again).

    `notice(title, units, all_units, kicked, withdrawn)` writes the administrators' message; `event_key`
    identifies the Telegram event, so the same removal delivered twice tells nobody twice. A removed group's
    unsent messages are withdrawn at once (sent to another group of the unit, or given up and said so in the
    same notice): sending them would only be refused, and tell the administrators a second time.
    """
    row = session.exec(select(Chat).where(Chat.address == chat.address, Chat.platform == TELEGRAM)).first()
    if row is None or row.id is None:
        return ChatPresence(bound=False, changed=False)
    units = _bound_units(session, row.id)
    bound = bool(units) or row.all_units
    if present == row.active:
        return ChatPresence(bound, changed=False, units=units, all_units=row.all_units)
    row.active = present
    row.inactive_reason = None if present else ("kicked" if kicked else "left")
    row.title = chat.title or row.title
    session.add(row)
    if bound:
        unit_ids = session.exec(select(ChatUnit.unit_id).where(ChatUnit.chat_id == row.id)).all()
        audit.record(
            session,
            now,
            audit.CHAT_BACK if present else audit.CHAT_GONE,
            unit_ids=[None] if row.all_units else unit_ids,
            chat_id=row.id,
            detail=f"群“{row.title}”"
            + ("" if present else ("，机器人被移出" if kicked else "，机器人已退出")),
        )
    notified = 0
    withdrawn = (
        outbox.withdraw_unsent(session, now, chat.address, row.inactive_reason or "left")
        if not present
        else outbox.Withdrawn()
    )
    if not present and (bound or withdrawn.dead):
        day = judge.today(now)
        text = notice(row.title, units, row.all_units, kicked, withdrawn)
        for tid in _admin_telegram_ids(session, configured, units):
            key = make_key(MessageKind.ADMIN_NOTICE, tid, day, extra=f"chat_left:{chat.address}:{event_key}")
            _, created = outbox.enqueue(
                session, now, kind=MessageKind.ADMIN_NOTICE, chat_id=tid, text=text, day=day, key=key
            )
            notified += created
    session.flush()
    return ChatPresence(bound, changed=True, units=units, all_units=row.all_units, notified=notified)


@dataclass(frozen=True)
class Migrated:
    bound: bool
    redirected: int  # unsent outbox messages that now go to the new id


def migrate_chat(session: Session, now: datetime, old_id: int, new_id: int) -> Migrated:
    """A group became a supergroup (new chat id): the binding and unsent messages follow. Idempotent."""
    old = session.exec(select(Chat).where(Chat.address == old_id, Chat.platform == TELEGRAM)).first()
    new = session.exec(select(Chat).where(Chat.address == new_id, Chat.platform == TELEGRAM)).first()
    redirected = outbox.redirect(session, old_id, new_id)
    if old is None:
        return Migrated(bound=new is not None, redirected=redirected)
    if new is None:
        old.address, old.migrated_from, old.type = new_id, old_id, "supergroup"
        session.add(old)
    else:
        # The new supergroup was bound before the migration message arrived: merge the old binding into it.
        assert new.id is not None and old.id is not None
        have = set(session.exec(select(ChatUnit.unit_id).where(ChatUnit.chat_id == new.id)).all())
        for unit_id in session.exec(select(ChatUnit.unit_id).where(ChatUnit.chat_id == old.id)).all():
            if unit_id not in have:
                session.add(ChatUnit(chat_id=new.id, unit_id=unit_id))
        new.all_units = new.all_units or old.all_units
        new.migrated_from = old_id
        old.active, old.inactive_reason, old.migrated_to = False, "migrated", new_id
        session.add_all([new, old])
    session.flush()
    return Migrated(bound=True, redirected=redirected)
