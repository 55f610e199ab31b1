"""The acts people do about an item's updates: `/done`, a button, `/undo`, `/event`.

Who may do them is the point: only a person bound to the item's unit, or an administrator, can log it (the
one policy, `domain.access.permits`). Each act takes `(session, now, actor, judge, …)`, the acting person
resolved once by the entrance (a handler, a channel, the command line), and leaves committing to the caller's
`session_scope`. Results are frozen dataclasses; refusals are values, turned into words by the handlers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from domain.access import Act, permits, takes_part
from domain.due import for_units
from domain.model import STATE_URGENCY, UpdateSource
from domain.notice import TELEGRAM
from storage import outbox
from storage.items import (
    Judge,
    contributing_units,
    item_rule,
    judge_items,
    log_update,
    record_event,
    undo_last,
)
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
    Stranger,
    UnitRef,
    clean,
    item_refs,
    item_units,
    match_items,
    match_units,
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
    # A per-unit duty (各乡镇每周不少于2条): the unit this update counts for.
    for_unit: str = ""


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


@dataclass(frozen=True)
class NameTheUnit:
    """A per-unit duty (各乡镇每周不少于2条) logged by someone who is not of exactly one of its units (an
    administrator, a person of two of them): which unit does the update count for? Nothing was logged."""

    path: str
    units: tuple[str, ...]  # the item's contributing units the sender may log for


DoneResult = (
    Logged
    | Usage
    | Ambiguous
    | ItemUnknown
    | NotYours
    | BadCount
    | Stranger
    | ItemGone
    | WhichItem
    | NameTheUnit
)


WHICH_CHOICES = 10  # buttons offered when a /done replies to a message that asked for no update


def _replied_message(session: Session, chat_id: int, message_id: int) -> Outbox | None:
    """The outbox row behind a bot message someone replied to (also under the group's pre-migration id)."""
    row = outbox.find_by_message(session, chat_id, message_id)
    if row is None:
        chat = session.exec(select(Chat).where(Chat.address == chat_id, Chat.platform == TELEGRAM)).first()
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
            UpdateLog.source != UpdateSource.UNDO,
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
    source: UpdateSource,
    count: int | None,
    note: str | None,
    origin: str | None,
    unit_word: str | None = None,
) -> Logged | NotYours | ItemGone | BadCount | NameTheUnit:
    if count is not None and not 1 <= count <= MAX_COUNT:
        return BadCount(count)
    items = session.exec(
        select(Item).where(col(Item.id).in_(item_ids), col(Item.retired_at).is_(None)).order_by(col(Item.id))
    ).all()
    if not items:
        return ItemGone()
    units = item_units(session, item_ids)
    mine = [it for it in items if permits(actor, Act.LOG, units.get(it.id or 0, []))]
    if not mine:
        names = session.exec(select(Unit.name).where(col(Unit.id).in_(units.get(items[0].id or 0, [])))).all()
        return NotYours(items[0].path, tuple(names))
    person_id = person_id_of(session, now, actor)
    unit_names: dict[int | None, str] = dict(
        session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(_flat(units.values())))).all()
    )
    counts_for = _counts_for(session, actor, mine, unit_word)
    if not isinstance(counts_for, dict):
        return counts_for
    batch = uuid.uuid4().hex  # /undo takes back everything this act logs
    logged, already = [], []
    for item in mine:
        prior = _already(session, item, origin)
        if prior is not None:
            already.append(prior)
            continue
        share = counts_for.get(item.id or 0)
        entry = log_update(
            session,
            now,
            judge,
            item,
            source=source,
            person_id=person_id,
            count=count or 1,
            note=note,
            unit_id=share.id if share else None,
        )
        entry.origin, entry.batch = origin, batch
        session.add(entry)
        its = [share.id] if share else units.get(item.id or 0, [])
        names = tuple(sorted(share.name if share else unit_names[u] for u in its))
        behalf = () if actor.units.intersection(its) else names
        done = replace(_logged(item, entry), on_behalf_of=behalf)
        if share is not None:
            # What the confirmation tells is the unit's own share: due next, its state now.
            own = for_units(judge_items(session, [item], judge, now)[done.item_id], [share.id])
            done = replace(
                done, for_unit=share.name, due_on=own.due, state=own.state.value, days_late=own.days_late
            )
        logged.append(done)
    session.flush()
    skipped = tuple(it.path for it in items if it not in mine)
    return Logged(tuple(logged), tuple(already), skipped)


def _counts_for(
    session: Session, actor: Actor, items: Sequence[Item], unit_word: str | None
) -> dict[int, UnitRef] | NameTheUnit | NotYours:
    """The unit each per-unit item's update counts for: the one named (`/done 乡镇动态 大河镇`), else the
    sender's own one among its contributing units. An administrator, or a person of two of them, names it."""
    per_unit = [it for it in items if it.id is not None and item_rule(it).per_unit]
    contributors = contributing_units(session, [it.id for it in per_unit if it.id is not None])
    ids = {u for us in contributors.values() for u in us}
    names = dict(session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(ids))).all()) if ids else {}
    out: dict[int, UnitRef] = {}
    for item in per_unit:
        assert item.id is not None
        theirs = contributors.get(item.id, ())
        if len(theirs) < 2:
            continue  # one unit: the column's own duty
        refs = [UnitRef(u, names.get(u, ""), "") for u in theirs]
        named = match_units(refs, unit_word).one if unit_word else None
        if named is not None and not permits(actor, Act.LOG, [named.id]):
            return NotYours(item.path, (named.name,))
        own = [r for r in refs if r.id in actor.units]
        chosen = named or (own[0] if len(own) == 1 else None)
        if chosen is None:
            allowed = sorted(r.name for r in refs if permits(actor, Act.LOG, [r.id]))
            return NameTheUnit(item.path, tuple(allowed))
        out[item.id] = chosen
    return out


def _unit_word(
    session: Session, item_ids: Sequence[int], words: Sequence[str]
) -> tuple[str | None, list[str]]:
    """`/done 乡镇动态 大河镇 …`: the first word after the item, when it names one of a per-unit item's
    contributing units, says which unit the update counts for; otherwise it is the count or the note."""
    if not words:
        return None, list(words)
    items = session.exec(select(Item).where(col(Item.id).in_(item_ids))).all()
    per_unit = [it.id for it in items if it.id is not None and item_rule(it).per_unit]
    if not per_unit:
        return None, list(words)
    ids = {u for us in contributing_units(session, per_unit).values() for u in us}
    rows = session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(ids)))
    refs = [UnitRef(u, n, "") for u, n in rows if u is not None]
    if match_units(refs, words[0]).one is None:
        return None, list(words)
    return words[0], list(words[1:])


def log_done(
    session: Session,
    now: datetime,
    actor: Actor,
    judge: Judge,
    words: Sequence[str],
    *,
    reply_to: tuple[int, int] | None = None,
    origin: str | None = None,
) -> DoneResult:
    """`/done ITEM [备注]`, or `/done [备注]` replied to a reminder (`reply_to` = (chat id, message id))."""
    if not takes_part(actor):
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
        unit_word, words = _unit_word(session, asked, words)
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
        item, named_rest = found
        unit_word, rest = _unit_word(session, [item.id], named_rest)
        count, note = split_count(rest)
        item_ids = [item.id]
    return _log_items(
        session,
        now,
        judge,
        actor,
        item_ids,
        source=UpdateSource.DONE,
        count=count,
        note=note,
        origin=origin,
        unit_word=unit_word,
    )


def log_button(
    session: Session,
    now: datetime,
    actor: Actor,
    judge: Judge,
    item_id: int,
    *,
    count: int | None = None,
    origin: str | None = None,
) -> DoneResult:
    """A tap on `已更新 …` under a reminder. The same button logs its item once (`origin` = the message)."""
    if not takes_part(actor):
        return Stranger()
    return _log_items(
        session,
        now,
        judge,
        actor,
        [item_id],
        source=UpdateSource.BUTTON,
        count=count,
        note=None,
        origin=origin,
    )


def log_link(
    session: Session,
    now: datetime,
    actor: Actor,
    judge: Judge,
    item_ids: Sequence[int],
    *,
    count: int | None = None,
    note: str | None = None,
    origin: str,
) -> DoneResult:
    """已更新 through a signed link on a group robot's message (the web page), with the count and note typed
    there. The same logging as /done and the button; `actor` is the link's unit (no person: a robot's group
    cannot say who tapped), the source `link`, and `origin` the link, so a link logs its items once."""
    if not takes_part(actor):
        return Stranger()
    note = clean(note or "") or None
    return _log_items(
        session,
        now,
        judge,
        actor,
        item_ids,
        source=UpdateSource.LINK,
        count=count,
        note=note,
        origin=origin,
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
    session: Session, now: datetime, actor: Actor, judge: Judge, origin: str | None = None
) -> Undone | NothingToUndo | Stranger:
    """`/undo`: take back the sender's last act of logging within the undo window (all the items it logged).
    The undo is itself recorded, with the message's `origin`: the same /undo handled again (an update kept
    by the inbox and replayed after a crash) answers what it took back the first time and takes back
    nothing more."""
    if not takes_part(actor):  # removed from every unit: nothing of theirs to take back any more
        return Stranger()
    if actor.person_id is None:
        return NothingToUndo()
    entries = _undone_by(session, origin) if origin is not None else []
    if not entries:
        entries = undo_last(session, now, judge, actor.person_id, origin)
    if not entries:
        return NothingToUndo()
    undone = []
    for entry in entries:
        item = session.get(Item, entry.item_id)
        assert item is not None
        undone.append(_logged(item, entry))
    return Undone(tuple(undone), entries[0].logged_at)


def _undone_by(session: Session, origin: str) -> list[UpdateLog]:
    """The logs an /undo from this message already took back (it is being handled a second time)."""
    undoes = select(UpdateLog.undoes_id).where(
        UpdateLog.origin == origin, UpdateLog.source == UpdateSource.UNDO
    )
    return list(
        session.exec(select(UpdateLog).where(col(UpdateLog.id).in_(undoes)).order_by(col(UpdateLog.id)))
    )


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
    actor: Actor,
    judge: Judge,
    words: Sequence[str],
    *,
    origin: str | None = None,
) -> EventRecorded | Usage | Ambiguous | ItemUnknown | NotYours | Stranger | FutureDate | BadDate:
    """`/event ITEM [YYYY-MM-DD] [备注]`: an event (a document issued, a letter arrived) starts a deadline."""
    if not takes_part(actor):
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
