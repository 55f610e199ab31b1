"""People and what a person means: the person behind an account, and the item their words name.

`find_item` reads the first words of a command as one of the person's items (asking when it is not clear);
the acts (`acts/updates.py`, `acts/retire.py` …) and the permission-checked reads (`/history`, `/check`)
share it. The acts people do live in `acts/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from storage.models import (
    Person,
)
from storage.queries import (
    Actor,
    ItemRef,
    Speaker,
    clean,
    clearly_meant,
    item_refs,
    match_items,
    split_count,
)


def ensure_person(session: Session, now: datetime, sender: Speaker) -> Person:
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


def person_id_of(session: Session, now: datetime, actor: Actor) -> int | None:
    """The acting person's row (created on first need); None for the operator at the command line."""
    if actor.person_id is not None:
        return actor.person_id
    if actor.speaker is None:
        return None
    person = ensure_person(session, now, actor.speaker)
    assert person.id is not None
    return person.id


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
