"""An administrator marks a column as key (重点栏目): its page is probed for availability with the site's
home page (jobs.probe), or no longer. Kept on the item over re-imports, and in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.access import Act, administers, permits
from domain.model import ItemKind
from storage import audit
from storage.models import Item
from storage.people import Ambiguous, ItemUnknown, NotYours, find_item, person_id_of
from storage.queries import Actor, NotAdmin, item_units


@dataclass(frozen=True)
class KeySet:
    path: str
    key: bool  # now a key column (True) or no longer (False)
    url: str | None  # None: the column has no address, so nothing can be probed until it has one
    changed: bool


@dataclass(frozen=True)
class NotAColumn:
    path: str


def mark_key(
    session: Session, now: datetime, actor: Actor, words: Sequence[str], *, key: bool
) -> KeySet | NotAColumn | NotAdmin | Ambiguous | ItemUnknown | NotYours:
    """`zhiri probe key 栏目 [--off]`: an administrator of the column's units marks it key, or unmarks it."""
    if not administers(actor):
        return NotAdmin()
    found = find_item(session, actor, words)
    if not isinstance(found, tuple):
        return found
    ref = found[0]
    if not permits(actor, Act.ADMINISTER, item_units(session, [ref.id]).get(ref.id, ())):
        return NotAdmin()
    item = session.get(Item, ref.id)
    assert item is not None
    if item.kind != ItemKind.COLUMN:
        return NotAColumn(item.path)
    changed = item.probe_key != key
    if changed:
        item.probe_key = key
        session.add(item)
        audit.record(
            session,
            now,
            audit.PROBE_KEY if key else audit.PROBE_UNKEY,
            person_id=person_id_of(session, now, actor),
            item_id=item.id,
            detail=item.url or "",
        )
    return KeySet(item.path, key, item.url or None, changed)
