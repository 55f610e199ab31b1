"""People and chats, and the acts people do through the bot.

Invitations bind a person to a unit and role; `/bindchat` binds a group to units; the bot leaving or
re-joining a group, and a group becoming a supergroup, keep the binding right. The acts people do by
message (`/done`, a button, `/undo`, `/event`) are here too, because who may do them is the point:
only a person bound to the item's unit, or an administrator, can log it.

Each operation takes `(session, now, …)`, does one act and leaves committing to the caller's
`session_scope`. Results are frozen dataclasses; refusals are values, turned into Chinese by the handlers.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from domain.access import Act
from domain.model import STATE_URGENCY
from storage import outbox
from storage.items import Judge, item_rule, judge_items, log_update, record_event, undo_last
from storage.models import (
    Chat,
    ChatUnit,
    Event,
    Invitation,
    Item,
    Membership,
    Outbox,
    Person,
    Unit,
    UnitGroupMember,
    UpdateLog,
)
from storage.queries import (
    ALL_WORDS,
    Actor,
    ItemRef,
    NotAdmin,
    NotYourUnit,
    Sender,
    Stranger,
    UnitAmbiguous,
    UnitRef,
    UnitUnknown,
    actor_for,
    clean,
    clearly_meant,
    item_refs,
    item_units,
    match_items,
    name_key,
    resolve_unit,
    resolve_unit_for,
    split_count,
)

ROLE_ALIASES: dict[str, str] = {
    "webmaster": "webmaster",
    "网站维护员": "webmaster",
    "维护员": "webmaster",
    "网站管理员": "webmaster",  # the old word: accepted, with a hint (OLD_WEBMASTER_WORDS)
    "管理员": "webmaster",
    "运维": "webmaster",
    "运维人员": "webmaster",
    "新媒体运维": "webmaster",
    "leader": "leader",
    "分管领导": "leader",
    "领导": "leader",
    "admin": "admin",
    "系统管理员": "admin",
}
# Old words for a webmaster that collide with the administrator (系统管理员): accepted with a hint.
OLD_WEBMASTER_WORDS = frozenset({"网站管理员", "管理员"})
MAX_COUNT = 100  # /done ITEM 3: a bigger number is a typo, not a day's work
CODE_BYTES = 12  # secrets.token_urlsafe(12): 16 characters of A-Za-z0-9_-


def parse_role(text: str) -> str | None:
    return ROLE_ALIASES.get(name_key(text))


def ensure_person(session: Session, now: datetime, sender: Sender) -> Person:
    """The person behind a Telegram account, created on first need; name and username kept current."""
    person = session.exec(select(Person).where(Person.telegram_id == sender.telegram_id)).first()
    if person is None:
        person = Person(
            telegram_id=sender.telegram_id, name=sender.name, username=sender.username, created_at=now
        )
    elif (person.name, person.username) != (sender.name, sender.username):
        person.name, person.username = sender.name, sender.username
    else:
        return person
    session.add(person)
    session.flush()
    return person


def _flat(groups: Iterable[Iterable[int]]) -> set[int]:
    return {x for g in groups for x in g}


def _person_id(session: Session, now: datetime, actor: Actor) -> int:
    if actor.person_id is not None:
        return actor.person_id
    person = ensure_person(session, now, actor.sender)
    assert person.id is not None
    return person.id


# ------------------------------------------------------------------------------------------------
# Invitations


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
    sender: Sender,
    admin_ids: Iterable[int],
    unit_text: str,
    role_text: str,
    days: int,
) -> Invited | NotAdmin | RoleUnknown | AllNeedsAdminRole | UnitUnknown | UnitAmbiguous | NotYourUnit:
    actor = actor_for(session, sender, admin_ids)
    if not actor.is_admin:
        return NotAdmin()
    role = parse_role(role_text)
    if role is None:
        return RoleUnknown(role_text)
    unit: UnitRef | None = None
    if name_key(unit_text) in ALL_WORDS:
        if role != "admin":
            return AllNeedsAdminRole()
        if not actor.may(Act.ADMINISTER, None):
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
        created_by=_person_id(session, now, actor),
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
    session: Session, now: datetime, sender: Sender, code: str
) -> Joined | InviteUnknown | InviteUsed | InviteExpired | InviteRevoked:
    """`/start CODE`: bind the sender to the invitation's unit and role. A code works once."""
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


# ------------------------------------------------------------------------------------------------
# Groups


@dataclass(frozen=True)
class ChatRef:
    telegram_chat_id: int
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


def _split_units(words: Sequence[str]) -> list[str]:
    return [part for w in words for part in (p.strip() for p in _LIST_SEPARATORS.split(clean(w))) if part]


def _chat_row(session: Session, now: datetime, chat: ChatRef) -> Chat:
    row = session.exec(select(Chat).where(Chat.telegram_chat_id == chat.telegram_chat_id)).first()
    if row is None:
        row = Chat(telegram_chat_id=chat.telegram_chat_id, created_at=now)
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
    sender: Sender,
    admin_ids: Iterable[int],
    chat: ChatRef,
    words: Sequence[str],
) -> Bound | NotAdmin | UnitUnknown | UnitAmbiguous | NotYourUnit:
    """`/bindchat UNIT …`: the group hears about these units (added to what it had). `全部`: every unit."""
    actor = actor_for(session, sender, admin_ids)
    if not actor.is_admin:
        return NotAdmin()
    texts = _split_units(words)
    everything = any(name_key(t) in ALL_WORDS for t in texts)
    units: list[UnitRef] = []
    if everything and not actor.may(Act.ADMINISTER, None):
        return NotAdmin()
    for text in [] if everything else texts:
        found = resolve_unit_for(session, text, actor, Act.ADMINISTER)
        if not isinstance(found, UnitRef):
            return found
        units.append(found)
    row = _chat_row(session, now, chat)
    assert row.id is not None
    before = set(_bound_units(session, row.id))
    if everything:
        row.all_units = True
    for unit in units:
        if session.get(ChatUnit, (row.id, unit.id)) is None:
            session.add(ChatUnit(chat_id=row.id, unit_id=unit.id))
    session.flush()
    now_bound = _bound_units(session, row.id)
    return Bound(row.title, now_bound, row.all_units, tuple(u for u in now_bound if u not in before))


def unbind_chat(
    session: Session, now: datetime, sender: Sender, admin_ids: Iterable[int], chat: ChatRef
) -> Unbound | NotBound | NotAdmin:
    """`/unbindchat`: the group no longer hears about its units (a unit administrator removes only theirs)."""
    actor = actor_for(session, sender, admin_ids)
    if not actor.is_admin:
        return NotAdmin()
    row = session.exec(select(Chat).where(Chat.telegram_chat_id == chat.telegram_chat_id)).first()
    if row is None or row.id is None:
        return NotBound()
    before = _bound_units(session, row.id)
    if not before and not row.all_units:
        return NotBound()
    whole = actor.may(Act.ADMINISTER, None)  # the deployment's administrators unbind everything
    removed_all = row.all_units and whole
    remove = delete(ChatUnit).where(col(ChatUnit.chat_id) == row.id)
    if whole:
        row.all_units = False
    else:
        remove = remove.where(col(ChatUnit.unit_id).in_(actor.admin_units))
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


def _admin_telegram_ids(session: Session, admin_ids: Iterable[int], unit_names: Sequence[str]) -> list[int]:
    ids = set(admin_ids)
    rows = session.exec(
        select(Person.telegram_id, Membership.unit_id, Unit.name)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .join(Unit, col(Unit.id) == col(Membership.unit_id), isouter=True)
        .where(Membership.role == "admin", col(Membership.active).is_(True))
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
    admin_ids: Iterable[int],
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
    row = session.exec(select(Chat).where(Chat.telegram_chat_id == chat.telegram_chat_id)).first()
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
    notified = 0
    withdrawn = (
        outbox.withdraw_unsent(session, now, chat.telegram_chat_id, row.inactive_reason or "left")
        if not present
        else outbox.Withdrawn()
    )
    if not present and (bound or withdrawn.dead):
        day = judge.today(now)
        text = notice(row.title, units, row.all_units, kicked, withdrawn)
        for tid in _admin_telegram_ids(session, admin_ids, units):
            key = outbox.make_key(
                "admin_notice", tid, day, extra=f"chat_left:{chat.telegram_chat_id}:{event_key}"
            )
            _, created = outbox.enqueue(
                session, now, kind="admin_notice", chat_id=tid, text=text, day=day, key=key
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
    old = session.exec(select(Chat).where(Chat.telegram_chat_id == old_id)).first()
    new = session.exec(select(Chat).where(Chat.telegram_chat_id == new_id)).first()
    redirected = outbox.redirect(session, old_id, new_id)
    if old is None:
        return Migrated(bound=new is not None, redirected=redirected)
    if new is None:
        old.telegram_chat_id, old.migrated_from, old.type = new_id, old_id, "supergroup"
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


# ------------------------------------------------------------------------------------------------
# Logging updates


@dataclass(frozen=True)
class LoggedItem:
    item_id: int
    path: str
    count: int
    note: str | None
    due_on: date | None
    state: str
    by: str = ""  # who logged it (for "already logged by …")
    at: datetime | None = None
    # Units an administrator logged it for (the administrator is not bound to any unit of the item): the
    # confirmation says on whose behalf. Empty when people log their own unit's item.
    on_behalf_of: tuple[str, ...] = ()
    days_late: int = 0


@dataclass(frozen=True)
class Logged:
    items: tuple[LoggedItem, ...]
    already: tuple[LoggedItem, ...] = ()  # logged before from the same message or button
    skipped: tuple[str, ...] = ()  # items of the reminder that belong to other units


@dataclass(frozen=True)
class Usage:
    pass


@dataclass(frozen=True)
class Ambiguous:
    text: str
    candidates: tuple[ItemRef, ...]
    count: int | None = None


@dataclass(frozen=True)
class ItemUnknown:
    text: str
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotYours:
    path: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class BadCount:
    value: int


@dataclass(frozen=True)
class WhichItem:
    """`/done` replied to a message that asked for no update (a daily read, a summary): which of its items?"""

    candidates: tuple[ItemRef, ...]
    more: int = 0  # items of the message not offered as buttons


@dataclass(frozen=True)
class ItemGone:
    pass


DoneResult = Logged | Usage | Ambiguous | ItemUnknown | NotYours | BadCount | Stranger | ItemGone | WhichItem
WHICH_CHOICES = 10  # buttons offered when a /done replies to a message that asked for no update


def _replied_message(session: Session, chat_id: int, message_id: int) -> Outbox | None:
    """The outbox row behind a bot message someone replied to (also under the group's pre-migration id)."""
    row = outbox.find_by_message(session, chat_id, message_id)
    if row is None:
        chat = session.exec(select(Chat).where(Chat.telegram_chat_id == chat_id)).first()
        if chat is not None and chat.migrated_from is not None:
            row = outbox.find_by_message(session, chat.migrated_from, message_id)
    return row


def _which_item(
    session: Session, now: datetime, judge: Judge, actor: Actor, item_ids: Sequence[int]
) -> WhichItem | Usage:
    """The replied message's items the sender may log, most urgent first (the live judgement), to choose
    from."""
    wanted = set(item_ids)
    refs = [r for r in item_refs(session, actor.scope) if r.id in wanted]
    if not refs:
        return Usage()
    items = session.exec(select(Item).where(col(Item.id).in_([r.id for r in refs]))).all()
    states = {i: s.state for i, s in judge_items(session, items, judge, now).items()}
    refs.sort(key=lambda r: (STATE_URGENCY[states[r.id]], r.path))
    return WhichItem(tuple(refs[:WHICH_CHOICES]), max(0, len(refs) - WHICH_CHOICES))


def find_item(
    session: Session, actor: Actor, words: Sequence[str]
) -> tuple[ItemRef, tuple[str, ...]] | Ambiguous | ItemUnknown | NotYours:
    """The item the first words name, among the actor's own. Only an exact name or a clearly unique part of
    one is taken; anything less is asked (`Ambiguous`, with the candidates). A name that is exactly another
    unit's item is not read as a part of one's own (`政府采购` is not one's `政府采购公告`)."""
    words = [w for w in (clean(w) for w in words) if w]
    found = match_items(item_refs(session, actor.scope), words)
    if actor.scope is not None and not found.exact:
        elsewhere = match_items(item_refs(session, None), words)
        if elsewhere.exact or (not found.hits and elsewhere.one is not None):
            theirs = elsewhere.hits[0]
            return NotYours(theirs.path, theirs.unit_names)
    one = clearly_meant(found)
    if one is not None:
        return one, found.rest
    if found.hits:
        count, _ = split_count(found.rest)
        return Ambiguous(found.text, found.hits, count)
    return ItemUnknown(" ".join(words), found.suggestions)


def _already(session: Session, item: Item, origin: str | None) -> LoggedItem | None:
    """What this message or button logged for the item before (a redelivered update, a second tap)."""
    if origin is None:
        return None
    row = session.exec(
        select(UpdateLog, Person.name)
        .join(Person, col(Person.id) == col(UpdateLog.person_id), isouter=True)
        .where(
            UpdateLog.item_id == item.id,
            UpdateLog.origin == origin,
            col(UpdateLog.undone_at).is_(None),
            UpdateLog.source != "undo",
        )
    ).first()
    if row is None:
        return None
    entry, by = row
    return _logged(item, entry, by or "")


def _logged(item: Item, entry: UpdateLog, by: str = "") -> LoggedItem:
    assert item.id is not None
    return LoggedItem(
        item.id,
        item.path,
        entry.count,
        entry.note,
        item.due_on,
        item.state,
        by,
        entry.logged_at,
        days_late=item.days_late,
    )


def _log_items(
    session: Session,
    now: datetime,
    judge: Judge,
    actor: Actor,
    item_ids: Sequence[int],
    *,
    source: str,
    count: int | None,
    note: str | None,
    origin: str | None,
) -> Logged | NotYours | ItemGone | BadCount:
    if count is not None and not 1 <= count <= MAX_COUNT:
        return BadCount(count)
    items = session.exec(
        select(Item).where(col(Item.id).in_(item_ids), col(Item.retired_at).is_(None)).order_by(col(Item.id))
    ).all()
    if not items:
        return ItemGone()
    units = item_units(session, item_ids)
    mine = [it for it in items if actor.may_touch(units.get(it.id or 0, []))]
    if not mine:
        names = session.exec(select(Unit.name).where(col(Unit.id).in_(units.get(items[0].id or 0, [])))).all()
        return NotYours(items[0].path, tuple(names))
    person_id = _person_id(session, now, actor)
    unit_names: dict[int | None, str] = dict(
        session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(_flat(units.values())))).all()
    )
    batch = uuid.uuid4().hex  # /undo takes back everything this act logs
    logged, already = [], []
    for item in mine:
        prior = _already(session, item, origin)
        if prior is not None:
            already.append(prior)
            continue
        entry = log_update(
            session, now, judge, item, source=source, person_id=person_id, count=count or 1, note=note
        )
        entry.origin, entry.batch = origin, batch
        session.add(entry)
        its = units.get(item.id or 0, [])
        behalf = () if actor.units.intersection(its) else tuple(sorted(unit_names[u] for u in its))
        logged.append(replace(_logged(item, entry), on_behalf_of=behalf))
    session.flush()
    skipped = tuple(it.path for it in items if it not in mine)
    return Logged(tuple(logged), tuple(already), skipped)


def log_done(
    session: Session,
    now: datetime,
    judge: Judge,
    sender: Sender,
    admin_ids: Iterable[int],
    words: Sequence[str],
    *,
    reply_to: tuple[int, int] | None = None,
    origin: str | None = None,
) -> DoneResult:
    """`/done ITEM [备注]`, or `/done [备注]` replied to a reminder (`reply_to` = (chat id, message id))."""
    actor = actor_for(session, sender, admin_ids)
    if not actor.known:
        return Stranger()
    words = [w for w in (clean(w) for w in words) if w]
    replied = _replied_message(session, *reply_to) if reply_to else None
    asked = outbox.asked_ids(replied) if replied is not None else []
    if asked:
        # A warning or an overdue notice: the reply logs what it asked to be updated, and nothing else; naming
        # one of those items logs that one only.
        named = match_items([r for r in item_refs(session, actor.scope) if r.id in set(asked)], words)
        if named.one is not None:
            asked, words = [named.one.id], list(named.rest)
        count, note = split_count(words)
        item_ids: Sequence[int] = asked
    elif not words:
        # Any other message (the daily read, a summary) lists items nobody asked to update: ask which one.
        listed = outbox.item_ids(replied) if replied is not None else []
        return _which_item(session, now, judge, actor, listed) if listed else Usage()
    else:
        found = find_item(session, actor, words)
        if not isinstance(found, tuple):
            return found
        item, rest = found
        count, note = split_count(rest)
        item_ids = [item.id]
    return _log_items(
        session, now, judge, actor, item_ids, source="done", count=count, note=note, origin=origin
    )


def log_button(
    session: Session,
    now: datetime,
    judge: Judge,
    sender: Sender,
    admin_ids: Iterable[int],
    item_id: int,
    *,
    count: int | None = None,
    origin: str | None = None,
) -> DoneResult:
    """A tap on `已更新 …` under a reminder. The same button logs its item once (`origin` = the message)."""
    actor = actor_for(session, sender, admin_ids)
    if not actor.known:
        return Stranger()
    return _log_items(
        session, now, judge, actor, [item_id], source="button", count=count, note=None, origin=origin
    )


@dataclass(frozen=True)
class Undone:
    """What one /undo took back: every item of the last act of logging (a /done may have logged several)."""

    items: tuple[LoggedItem, ...]
    logged_at: datetime


@dataclass(frozen=True)
class NothingToUndo:
    pass


def undo(
    session: Session, now: datetime, judge: Judge, sender: Sender, admin_ids: Iterable[int]
) -> Undone | NothingToUndo | Stranger:
    """`/undo`: take back the sender's last act of logging within the undo window (all the items it logged).
    The undo is itself recorded."""
    actor = actor_for(session, sender, admin_ids)
    if not actor.known:  # removed from every unit: nothing of theirs to take back any more
        return Stranger()
    if actor.person_id is None:
        return NothingToUndo()
    entries = undo_last(session, now, judge, actor.person_id)
    if not entries:
        return NothingToUndo()
    undone = []
    for entry in entries:
        item = session.get(Item, entry.item_id)
        assert item is not None
        undone.append(_logged(item, entry))
    return Undone(tuple(undone), entries[0].logged_at)


# ------------------------------------------------------------------------------------------------
# Events (after-event rules: 自信息形成之日起20个工作日内公开)


@dataclass(frozen=True)
class EventRecorded:
    path: str
    occurred_on: date
    due_on: date | None
    state: str
    counts: bool  # the item's rule runs from events; otherwise the event is kept but changes nothing
    already: bool = False
    days_late: int = 0


@dataclass(frozen=True)
class FutureDate:
    day: date


@dataclass(frozen=True)
class BadDate:
    text: str


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}


def _take_date(words: Sequence[str], today: date) -> tuple[date | None, list[str]] | BadDate:
    rest = [clean(w) for w in words if clean(w)]
    for i, word in enumerate(rest):
        m = _DATE.match(word)
        if m is not None:
            try:
                day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return BadDate(word)
            return day, rest[:i] + rest[i + 1 :]
        if word in _RELATIVE_DAYS:
            return today - timedelta(days=_RELATIVE_DAYS[word]), rest[:i] + rest[i + 1 :]
    return None, rest


def record_event_by(
    session: Session,
    now: datetime,
    judge: Judge,
    sender: Sender,
    admin_ids: Iterable[int],
    words: Sequence[str],
    *,
    origin: str | None = None,
) -> EventRecorded | Usage | Ambiguous | ItemUnknown | NotYours | Stranger | FutureDate | BadDate:
    """`/event ITEM [YYYY-MM-DD] [备注]`: an event (a document issued, a letter arrived) starts a deadline."""
    actor = actor_for(session, sender, admin_ids)
    if not actor.known:
        return Stranger()
    today = judge.today(now)
    taken = _take_date(words, today)
    if isinstance(taken, BadDate):
        return taken
    day, rest = taken
    if not rest:
        return Usage()
    if day is not None and day > today:
        return FutureDate(day)
    found = find_item(session, actor, rest)
    if not isinstance(found, tuple):
        return found
    ref, note_words = found
    item = session.get(Item, ref.id)
    assert item is not None and item.id is not None
    counts = item_rule(item).after_event is not None
    if origin is not None:
        prior = session.exec(select(Event).where(Event.item_id == item.id, Event.origin == origin)).first()
        if prior is not None:
            return EventRecorded(item.path, prior.occurred_on, item.due_on, item.state, counts, already=True)
    event = record_event(
        session,
        now,
        judge,
        item,
        occurred_on=day or today,
        person_id=_person_id(session, now, actor),
        note=" ".join(note_words) or None,
    )
    event.origin = origin
    session.add(event)
    session.flush()
    return EventRecorded(
        item.path, event.occurred_on, item.due_on, item.state, counts, days_late=item.days_late
    )


# ------------------------------------------------------------------------------------------------
# /group: fill a unit group (市属各部门, 各乡镇) with the units it stands for


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
    session: Session, now: datetime, sender: Sender, admin_ids: Iterable[int], words: Sequence[str]
) -> GroupMembers | GroupUsage | NotAGroup | NotAdmin | UnitUnknown | UnitAmbiguous:
    """`/group 组名 [单位 …]`: list a group's member units, or add units to it (administrators only).

    Items of a group (an item of 市属各部门) are then also the member units' items: their people see and log
    them, and their groups are reminded of them."""
    actor = actor_for(session, sender, admin_ids)
    if not actor.may(Act.ADMINISTER, None):
        return NotAdmin()
    texts = _split_units(words)
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
    return GroupMembers(group.name, after, tuple(n for n in after if n not in before))


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
