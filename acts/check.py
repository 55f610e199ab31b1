"""`/check ITEM`: read one column's page now, on request, and keep the reading like the daily one.

`check_target` asks the one permission policy which column the person means (among their own; all, for
administrators); the page is read by the caller (`webread`), and `record_check` keeps what it saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from domain.access import takes_part
from domain.model import ReadStatus
from storage.items import Judge, judge_items
from storage.models import Item
from storage.people import Ambiguous, ItemUnknown, NotYours, find_item
from storage.queries import Actor, Stranger
from storage.reads import readings, record_reading


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
    history: tuple[tuple[datetime, str, date | None, str], ...]  # (at, status, newest, reason), newest first
    days_late: int = 0


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
    *,
    status: ReadStatus,
    newest: date | None,
    items: int,
    reason: str,
) -> Checked:
    """Keep the reading taken on request, like the daily one, and answer with the item's recent history."""
    item = session.get(Item, target.item_id)
    assert item is not None
    read = record_reading(
        session, now, judge, item, url=target.url, status=status, newest=newest, items=items, reason=reason
    )
    history = tuple((r.at, r.status, r.newest, r.reason) for r in readings(session, target.item_id, limit=5))
    judged = judge_items(session, [item], judge, now)[target.item_id]
    return Checked(
        path=item.path,
        status=status,
        newest=newest,
        items=items,
        reason=reason,
        logged=read.logged_update_id is not None,
        state=judged.state.value,
        due_on=judged.due,
        history=history,
        days_late=judged.days_late,
    )
