"""Retiring an item: a topic that has ended, a column merged into another, an account closed.

Two ways an item stops being reminded of, kept apart on the row (`Item.retired_at` is set for both):

- an administrator retires it, with a reason (`/retire`, `zhiri retire`, or the list's 状态 column saying
  停更): `retired_by_admin` is set, and a re-import leaves it retired unless the list's 状态 column says it is
  in use again (在用, 恢复 …);
- it left the imported list (dropped, `retired_by_admin` unset, no reason): reappearing in a list brings it
  back.

Either way nothing is deleted: its history, events and half-month answers stay, and `/unretire` (or the list)
brings it back with them. Each operation takes `(session, now, …)` (the acts people do, `(session, now, actor,
…)`) and leaves committing to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from domain.access import Act, administers, permits
from storage import audit
from storage.items import Judge, refresh_item
from storage.models import Item, ItemUnit, Unit
from storage.people import Ambiguous, ItemUnknown, person_id_of
from storage.queries import (
    Actor,
    ItemRef,
    NotAdmin,
    clean,
    item_units,
    match_items,
)

REASON_MAX = 200


@dataclass(frozen=True)
class Retired:
    path: str
    reason: str
    already: bool = False  # it was retired by an administrator before (the reason is updated)


@dataclass(frozen=True)
class Unretired:
    path: str
    reason: str | None  # why it had been retired


@dataclass(frozen=True)
class NotRetired:
    path: str


@dataclass(frozen=True)
class RetireUsage:
    """The command needs an item (and, to retire, a reason)."""

    retire: bool


def retire(
    session: Session, now: datetime, item: Item, *, reason: str, person_id: int | None = None
) -> Retired:
    """An administrator retires `item` with a reason: it leaves every reminder and view, keeps its history."""
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise ValueError("a retirement needs a reason")
    already = item.retired_at is not None and item.retired_by_admin
    if item.retired_at is None:
        item.retired_at = now
    item.retired_by_admin, item.retired_reason, item.retired_by = True, reason, person_id
    session.add(item)
    session.flush()  # an item the import has just added gets its id
    audit.record(session, now, audit.RETIRE, person_id=person_id, item_id=item.id, detail=f"原因：{reason}")
    return Retired(item.path, reason, already)


def unretire(
    session: Session,
    now: datetime,
    judge: Judge,
    item: Item,
    person_id: int | None = None,
    *,
    refresh: bool = True,
) -> Unretired | NotRetired:
    """Bring a retired item back (by an administrator, or because the list names it again). `refresh=False`:
    the caller judges the item itself (the import, for its whole chunk)."""
    if item.retired_at is None:
        return NotRetired(item.path)
    reason = item.retired_reason
    item.retired_at, item.retired_by_admin, item.retired_reason, item.retired_by = None, False, None, None
    session.add(item)
    detail = f"停更原因曾为：{reason}" if reason else ""
    audit.record(session, now, audit.UNRETIRE, person_id=person_id, item_id=item.id, detail=detail)
    session.flush()
    if refresh:
        refresh_item(session, item, judge, now)
    return Unretired(item.path, reason)


def _refs(session: Session, *, retired: bool, site_id: int | None = None) -> list[ItemRef]:
    """Live or retired items (of one site, or all), to find one by name."""
    stmt = select(Item.id, Item.name, Item.path).where(
        col(Item.retired_at).is_not(None) if retired else col(Item.retired_at).is_(None)
    )
    if site_id is not None:
        stmt = stmt.where(Item.site_id == site_id)
    return [ItemRef(i, n, p, ()) for i, n, p in session.exec(stmt.order_by(col(Item.path))) if i is not None]


def _find(refs: Sequence[ItemRef], words: Sequence[str]) -> tuple[ItemRef, str] | Ambiguous | ItemUnknown:
    found = match_items(refs, words)
    if found.one is not None:
        return found.one, " ".join(found.rest)
    text = " ".join(words)
    if found.hits:
        return Ambiguous(text, found.hits)
    return ItemUnknown(text, found.suggestions)


def _target(
    session: Session, actor: Actor, words: Sequence[str], *, retired: bool
) -> tuple[Item, str] | RetireUsage | NotAdmin | Ambiguous | ItemUnknown:
    """The item the first words name (and the words after it) among the live (or retired) items the
    permission policy lets the sender administer."""
    if not administers(actor):
        return NotAdmin()
    words = [w for w in (clean(w) for w in words) if w]
    if not words:
        return RetireUsage(retire=not retired)
    refs = _refs(session, retired=retired)
    units = item_units(session, [r.id for r in refs])
    found = _find([r for r in refs if permits(actor, Act.ADMINISTER, units.get(r.id, ()))], words)
    if not isinstance(found, tuple):
        return found
    item = session.get(Item, found[0].id)
    assert item is not None
    return item, found[1]


def retire_by(
    session: Session, now: datetime, actor: Actor, words: Sequence[str]
) -> Retired | RetireUsage | NotAdmin | Ambiguous | ItemUnknown:
    """`/retire 栏目 原因`: an administrator (of the item's units) retires it."""
    found = _target(session, actor, words, retired=False)
    if not isinstance(found, tuple):
        return found
    item, reason = found
    if not reason:
        return RetireUsage(retire=True)
    return retire(session, now, item, reason=reason, person_id=person_id_of(session, now, actor))


def unretire_by(
    session: Session,
    now: datetime,
    actor: Actor,
    judge: Judge,
    words: Sequence[str],
) -> Unretired | RetireUsage | NotAdmin | Ambiguous | ItemUnknown:
    """`/unretire 栏目`: an administrator (of the item's units) brings a retired item back."""
    found = _target(session, actor, words, retired=True)
    if not isinstance(found, tuple):
        return found
    result = unretire(session, now, judge, found[0], person_id_of(session, now, actor))
    assert isinstance(result, Unretired)
    return result


def retired_items(session: Session, site_id: int | None = None) -> list[tuple[Item, str]]:
    """Items an administrator retired, with their units' names (for the export and `zhiri retire --list`)."""
    wanted: list[ColumnElement[bool]] = [
        col(Item.retired_at).is_not(None),
        col(Item.retired_by_admin).is_(True),
    ]
    if site_id is not None:
        wanted.append(col(Item.site_id) == site_id)
    items = session.exec(select(Item).where(*wanted).order_by(col(Item.path))).all()
    names: dict[int, list[str]] = {}
    # The units by the same condition joined, not by a list of the ids: no statement grows with the site.
    for item_id, unit in session.exec(
        select(ItemUnit.item_id, Unit.name)
        .join(Unit, col(Unit.id) == ItemUnit.unit_id)
        .join(Item, col(Item.id) == ItemUnit.item_id)
        .where(*wanted)
        .order_by(col(ItemUnit.item_id), col(ItemUnit.unit_id))
    ):
        names.setdefault(item_id, []).append(unit)
    return [(i, "、".join(names.get(i.id or 0, []))) for i in items]


def find_item_in_site(
    session: Session, site_id: int, text: str, *, retired: bool
) -> int | tuple[str, ...] | ItemUnknown:
    """An item of the site by name (`zhiri retire`): its id, the paths it could be, or ItemUnknown.
    `retired`: look among retired items (to restore one) instead of live ones."""
    found = _find(
        _refs(session, retired=retired, site_id=site_id), [w for w in (clean(w) for w in text.split()) if w]
    )
    if isinstance(found, tuple):
        return found[0].id
    if isinstance(found, Ambiguous):
        return tuple(c.path for c in found.candidates)
    return found
