"""What the website reader saw, folded into the item's log.

A reading is always kept (`PageRead`), so a leader can ask why Zhiri thinks a column is stale. Only an
"ok" reading with a date not later than today and later than the last logged update becomes an update
(source "website"): a webmaster who published but did not say /done is then not nagged. "unknown" readings
never log anything — a wrong date would hide a stale column.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from sqlmodel import Session, col, select

from domain.model import ItemKind, ReadStatus, UpdateSource
from storage.items import Judge, log_update
from storage.models import Item, ItemUnit, PageRead

READ_KINDS = (ItemKind.COLUMN,)  # accounts have no list page Zhiri can read (yet)


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
    status: ReadStatus,
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
    if status == ReadStatus.OK and newest is not None and newest <= today:
        known = judge.local_day(item.last_update_at) if item.last_update_at else None
        if known is None or newest > known:
            # The page gives a day, not a time: noon local time keeps it on that day in every time zone view.
            moment = datetime.combine(newest, time(12, 0), tzinfo=judge.tz)
            logged = log_update(
                session, now, judge, item, source=UpdateSource.WEBSITE, at=min(moment, now), note=url
            )
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
