"""`/check ITEM`: read one column's page now, on request, and keep the reading like the daily one.

`check_target` asks the one permission policy which column the person means (among their own; all, for
administrators); the page is read by the caller (`webread`), and `record_check` keeps what it saw, with the
evidence (HTTP status, fetch time, the newest item's title and link).

`/wrongread ITEM [说明]` and `/readok ITEM` (and `zhiri reading wrong|ok`): an administrator of the item's
units disputes the last reading (its update is taken back; the reader logs nothing from that page until it
is cleared) or clears the dispute. `zhiri reading show` lists the last readings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from domain.access import Act, administers, permits, takes_part
from domain.links import DeadLink
from storage.items import Judge, judge_items
from storage.links import dead_links, keep_links
from storage.models import Item
from storage.people import Ambiguous, ItemUnknown, NotYours, find_item, person_id_of
from storage.queries import Actor, NotAdmin, Stranger, item_units
from storage.reads import (
    Cleared,
    Disputed,
    MarkedWrong,
    NoReading,
    Seen,
    clear_wrong,
    disputed,
    mark_wrong,
    readings,
    record_reading,
)
from webread.extract import PageReading


@dataclass(frozen=True)
class CheckTarget:
    item_id: int
    path: str
    url: str


@dataclass(frozen=True)
class NoUrl:
    path: str


@dataclass(frozen=True)
class CheckUsage:
    pass


@dataclass(frozen=True)
class Checked:
    path: str
    status: str
    newest: date | None
    items: int
    reason: str
    logged: bool
    state: str  # the one judgement at the moment of the check (not the stored cache)
    due_on: date | None
    history: tuple[Seen, ...]  # newest first, this reading included
    days_late: int = 0
    disputed: Disputed | None = None
    # the links on the page that did not open at their last daily check (the check itself is daily: a
    # person waiting for /check is not kept waiting for every link's server)
    dead_links: tuple[DeadLink, ...] = ()
    today: date | None = None


def check_target(
    session: Session, now: datetime, actor: Actor, words: Sequence[str]
) -> CheckTarget | NoUrl | CheckUsage | Stranger | Ambiguous | ItemUnknown | NotYours:
    """Which column `/check 名称` means, among the sender's own (all, for administrators)."""
    if not takes_part(actor):
        return Stranger()
    if not words:
        return CheckUsage()
    found = find_item(session, actor, words)
    if not isinstance(found, tuple):
        return found
    ref, _rest = found
    item = session.get(Item, ref.id)
    if item is None or not item.url:
        return NoUrl(ref.path)
    return CheckTarget(ref.id, item.path, item.url)


def record_check(
    session: Session,
    now: datetime,
    judge: Judge,
    target: CheckTarget,
    reading: PageReading,
) -> Checked:
    """Keep the reading taken on request, like the daily one (the links the page shows too, for the next
    daily check), and answer with the item's recent history and the page's dead links."""
    item = session.get(Item, target.item_id)
    assert item is not None
    read = record_reading(session, now, judge, item, target.url, reading)
    today = judge.today(now)
    if reading.links:
        keep_links(session, item.site_id, item, target.url, today, reading.links)
    history = tuple(Seen.of(r) for r in readings(session, target.item_id, limit=5))
    judged = judge_items(session, [item], judge, now)[target.item_id]
    return Checked(
        path=item.path,
        status=reading.status,
        newest=reading.newest,
        items=reading.items,
        reason=reading.reason,
        logged=read.logged_update_id is not None,
        state=judged.state.value,
        due_on=judged.due,
        history=history,
        days_late=judged.days_late,
        disputed=disputed(session, item),
        dead_links=tuple(dead_links(session, item.site_id, item_ids=[target.item_id])),
        today=today,
    )


# ------------------------------------------------------------------------------------------------
# /wrongread ITEM, /readok ITEM (and `zhiri reading`): an administrator disputes what the reader saw


@dataclass(frozen=True)
class DisputeUsage:
    clear: bool


@dataclass(frozen=True)
class Readings:
    """`zhiri reading show`: a column's page, whether it is disputed, and its last readings."""

    path: str
    url: str
    disputed: Disputed | None
    history: tuple[Seen, ...]  # newest first


def _administered(
    session: Session, actor: Actor, words: Sequence[str], *, clear: bool
) -> tuple[Item, str] | DisputeUsage | NotAdmin | Ambiguous | ItemUnknown | NotYours:
    """The item the first words name (and the words after it), if the actor administers its units."""
    if not administers(actor):
        return NotAdmin()
    if not words:
        return DisputeUsage(clear)
    found = find_item(session, actor, words)
    if not isinstance(found, tuple):
        return found
    ref, rest = found
    if not permits(actor, Act.ADMINISTER, item_units(session, [ref.id]).get(ref.id, ())):
        return NotAdmin()
    item = session.get(Item, ref.id)
    assert item is not None
    return item, " ".join(rest)


def dispute_reading(
    session: Session, now: datetime, actor: Actor, judge: Judge, words: Sequence[str]
) -> MarkedWrong | NoReading | DisputeUsage | NotAdmin | Ambiguous | ItemUnknown | NotYours:
    """/wrongread 栏目 [说明]: an administrator says the last reading of a column is wrong."""
    found = _administered(session, actor, words, clear=False)
    if not isinstance(found, tuple):
        return found
    item, note = found
    return mark_wrong(
        session, now, judge, item, person_id=person_id_of(session, now, actor), note=note or None
    )


def clear_dispute(
    session: Session, now: datetime, actor: Actor, words: Sequence[str]
) -> Cleared | DisputeUsage | NotAdmin | Ambiguous | ItemUnknown | NotYours:
    """/readok 栏目: the page (or the reader) is fixed; its readings may log updates again."""
    found = _administered(session, actor, words, clear=True)
    if not isinstance(found, tuple):
        return found
    return clear_wrong(session, now, found[0], person_id=person_id_of(session, now, actor))


def show_readings(
    session: Session, now: datetime, actor: Actor, words: Sequence[str], limit: int = 10
) -> Readings | DisputeUsage | NotAdmin | Ambiguous | ItemUnknown | NotYours:
    """`zhiri reading show 栏目`: what the reader saw on the column's page, newest first."""
    found = _administered(session, actor, words, clear=False)
    if not isinstance(found, tuple):
        return found
    item = found[0]
    assert item.id is not None
    history = tuple(Seen.of(r) for r in readings(session, item.id, limit=limit))
    return Readings(item.path, item.url or "", disputed(session, item), history)
