"""The acts people do about an item's updates: `/done`, a button, `/undo`, `/event`.

Who may do them is the point: only a person bound to the item's unit, or an administrator, can log it (the
one policy, `domain.access`). Each act takes `(session, now, …)` and leaves committing to the caller's
`session_scope`. Results are frozen dataclasses; refusals are values, turned into words by the handlers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from domain.model import STATE_URGENCY
from storage import outbox
from storage.items import Judge, item_rule, judge_items, log_update, record_event, undo_last
from storage.models import (
    Chat,
    Event,
    Item,
    Outbox,
    Person,
    Unit,
    UpdateLog,
)
from storage.people import (
    Ambiguous,
    ItemUnknown,
    NotYours,
    Usage,
    find_item,
    person_id_of,
)
from storage.queries import (
    Actor,
    ItemRef,
    Speaker,
    Stranger,
    actor_for,
    clean,
    item_refs,
    item_units,
    match_items,
    split_count,
)

MAX_COUNT = 100  # /done ITEM 3: a bigger number is a typo, not a day's work


def _flat(groups: Iterable[Iterable[int]]) -> set[int]:
    return {x for g in groups for x in g}


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
    person_id = person_id_of(session, now, actor)
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
    sender: Speaker,
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
    sender: Speaker,
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
    session: Session, now: datetime, judge: Judge, sender: Speaker, admin_ids: Iterable[int]
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
    sender: Speaker,
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
        person_id=person_id_of(session, now, actor),
        note=" ".join(note_words) or None,
    )
    event.origin = origin
    session.add(event)
    session.flush()
    return EventRecorded(
        item.path, event.occurred_on, item.due_on, item.state, counts, days_late=item.days_late
    )
