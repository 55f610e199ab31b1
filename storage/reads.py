"""What the website reader saw, folded into the item's log.

A reading is always kept (`PageRead`), so a leader can ask why Zhiri thinks a column is stale. Only an
"ok" reading with a date not later than today and later than the last logged update becomes an update
(source "website"): a webmaster who published but did not say /done is then not nagged. "unknown" readings
never log anything — a wrong date would hide a stale column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlmodel import Session, col, select

from storage.items import Judge, judge_items, log_update
from storage.models import Item, ItemUnit, PageRead
from storage.people import Ambiguous, ItemUnknown, NotYours, find_item
from storage.queries import Sender, Stranger, actor_for

READ_KINDS = ("column",)  # accounts have no list page Zhiri can read (yet)


def readable_items(session: Session, unit_ids: Sequence[int] | None = None) -> Sequence[Item]:
    """Live columns with a list-page URL, optionally only those of some units."""
    query = select(Item).where(
        col(Item.retired_at).is_(None),
        col(Item.url).is_not(None),
        Item.url != "",
        col(Item.kind).in_(READ_KINDS),
    )
    if unit_ids is not None:
        query = query.where(
            col(Item.id).in_(select(ItemUnit.item_id).where(col(ItemUnit.unit_id).in_(list(unit_ids))))
        )
    return session.exec(query.order_by(col(Item.id))).all()


def record_reading(
    session: Session,
    now: datetime,
    judge: Judge,
    item: Item,
    *,
    url: str,
    status: str,
    newest: date | None,
    items: int,
    reason: str,
) -> PageRead:
    """Keep one reading of `item`'s page; log an update when it shows a newer item than Zhiri knows of."""
    assert item.id is not None
    today = judge.today(now)
    read = PageRead(
        item_id=item.id, url=url, at=now, status=status, newest=newest, items=items, reason=reason[:500]
    )
    logged = None
    if status == "ok" and newest is not None and newest <= today:
        known = judge.local_day(item.last_update_at) if item.last_update_at else None
        if known is None or newest > known:
            # The page gives a day, not a time: noon local time keeps it on that day in every time zone view.
            moment = datetime.combine(newest, time(12, 0), tzinfo=judge.tz)
            logged = log_update(session, now, judge, item, source="website", at=min(moment, now), note=url)
            read.logged_update_id = logged.id
    item.read_status = status
    item.read_at = now
    session.add(item)
    session.add(read)
    session.flush()
    return read


def readings(session: Session, item_id: int, limit: int = 10) -> Sequence[PageRead]:
    """The latest readings of one item, newest first."""
    return session.exec(
        select(PageRead).where(PageRead.item_id == item_id).order_by(col(PageRead.at).desc()).limit(limit)
    ).all()


# ------------------------------------------------------------------------------------------------
# /check ITEM: read one column's page now, on request


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
    session: Session, now: datetime, sender: Sender, admin_ids: Iterable[int], words: Sequence[str]
) -> CheckTarget | NoUrl | CheckUsage | Stranger | Ambiguous | ItemUnknown | NotYours:
    """Which column `/check 名称` means, among the sender's own (all, for administrators)."""
    actor = actor_for(session, sender, admin_ids)
    if not actor.known:
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
    status: str,
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
