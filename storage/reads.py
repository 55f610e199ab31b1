"""What the website reader saw, folded into the item's log.

A reading is always kept (`PageRead`), with what the page said (HTTP status, fetch time, the newest
item's title and link), so a leader can ask why Zhiri thinks a column is stale. Only an "ok" reading with
a date not later than today and later than the last logged update becomes an update (source "website"): a
webmaster who published but did not say /done is then not nagged. "unknown" readings never log anything —
a wrong date would hide a stale column. An administrator can mark a reading wrong (`mark_wrong`): its
update is taken back and the reader logs nothing from that page (it still reads and keeps it) until the
mark is cleared (`clear_wrong`). Both are kept in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlmodel import Session, col, select

from domain.model import ItemKind, ReadStatus, UpdateSource
from storage import audit
from storage.items import REFRESH_BATCH, Judge, log_update, undo_logs
from storage.models import Item, ItemUnit, PageRead, UpdateLog
from webread.extract import PageReading

READ_KINDS = (ItemKind.COLUMN,)  # accounts have no list page Zhiri can read (yet)


def readable_items(
    session: Session,
    unit_ids: Sequence[int] | None = None,
    *,
    site_id: int | None = None,
    item_ids: Sequence[int] | None = None,
) -> Sequence[Item]:
    """Live columns with a list-page URL, optionally only those of some units, of one site, or among some
    items (at most `REFRESH_BATCH` of them in one call)."""
    query = select(Item).where(
        col(Item.retired_at).is_(None),
        col(Item.url).is_not(None),
        Item.url != "",
        col(Item.kind).in_(READ_KINDS),
    )
    if site_id is not None:
        query = query.where(Item.site_id == site_id)
    if item_ids is not None:
        query = query.where(col(Item.id).in_(list(item_ids)))
    if unit_ids is not None:
        query = query.where(
            col(Item.id).in_(select(ItemUnit.item_id).where(col(ItemUnit.unit_id).in_(list(unit_ids))))
        )
    return session.exec(query.order_by(col(Item.id))).all()


def record_reading(
    session: Session, now: datetime, judge: Judge, item: Item, url: str, reading: PageReading
) -> PageRead:
    """Keep one reading of `item`'s page at `url`; log an update when it shows a newer item than Zhiri knows
    of, unless an administrator disputed this page's readings (then it is kept, marked held, and logs
    nothing). The links the page shows are the caller's to keep (`storage.links.keep_links`)."""
    assert item.id is not None
    today = judge.today(now)
    status, newest = reading.status, reading.newest
    read = PageRead(
        item_id=item.id,
        url=url,
        at=now,
        status=status,
        newest=newest,
        items=reading.items,
        reason=reading.reason[:500],
        http_status=reading.http_status,
        fetched_at=reading.fetched_at,
        newest_title=reading.title[:200],
        newest_link=reading.link[:500],
    )
    logged = None
    if status == ReadStatus.OK and newest is not None and newest <= today:
        known = judge.local_day(item.last_update_at) if item.last_update_at else None
        if (known is None or newest > known) and dispute(session, item.id, url) is not None:
            read.held = True
        elif known is None or newest > known:
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


def read_at(session: Session, item_ids: Sequence[int], at: datetime) -> set[int]:
    """Which of `item_ids` have a reading kept at `at`, the moment one run of the reading is recorded under:
    a run taken up again after a crash (a queued job retried) reads and records only the others."""
    found: set[int] = set()
    ids = list(item_ids)
    for k in range(0, len(ids), REFRESH_BATCH):
        found.update(
            session.exec(
                select(PageRead.item_id).where(
                    col(PageRead.item_id).in_(ids[k : k + REFRESH_BATCH]), PageRead.at == at
                )
            )
        )
    return found


def readings(session: Session, item_id: int, limit: int = 10) -> Sequence[PageRead]:
    """The latest readings of one item, newest first."""
    return session.exec(
        select(PageRead).where(PageRead.item_id == item_id).order_by(col(PageRead.at).desc()).limit(limit)
    ).all()


def dispute(session: Session, item_id: int, url: str) -> PageRead | None:
    """The reading of this page an administrator marked wrong and nobody has cleared since, if any."""
    return session.exec(
        select(PageRead)
        .where(
            PageRead.item_id == item_id,
            PageRead.url == url,
            col(PageRead.marked_wrong_at).is_not(None),
            col(PageRead.cleared_at).is_(None),
        )
        .order_by(col(PageRead.marked_wrong_at).desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class Seen:
    """One reading as evidence: what the page said when it was read."""

    at: datetime
    status: str
    newest: date | None
    reason: str
    http_status: int | None
    title: str
    link: str
    logged: bool
    held: bool
    marked_wrong: bool

    @classmethod
    def of(cls, r: PageRead) -> Seen:
        return cls(
            at=r.fetched_at or r.at,
            status=r.status,
            newest=r.newest,
            reason=r.reason,
            http_status=r.http_status,
            title=r.newest_title,
            link=r.newest_link,
            logged=r.logged_update_id is not None,
            held=r.held,
            marked_wrong=r.marked_wrong_at is not None,
        )


@dataclass(frozen=True)
class Disputed:
    """The page's readings are disputed: since when, and the administrator's note."""

    at: datetime
    note: str | None


def disputed(session: Session, item: Item) -> Disputed | None:
    """Whether `item`'s page (at its current address) is disputed, for the words of a reply."""
    assert item.id is not None
    held = dispute(session, item.id, item.url or "")
    if held is None or held.marked_wrong_at is None:
        return None
    return Disputed(held.marked_wrong_at, held.marked_wrong_note)


@dataclass(frozen=True)
class NoReading:
    path: str


@dataclass(frozen=True)
class MarkedWrong:
    path: str
    seen: Seen
    undone: bool  # the update that reading had logged was taken back


@dataclass(frozen=True)
class Cleared:
    path: str
    count: int  # how many marks were cleared (0: the page was not disputed)


def mark_wrong(
    session: Session, now: datetime, judge: Judge, item: Item, *, person_id: int | None, note: str | None
) -> MarkedWrong | NoReading:
    """Mark the item's latest reading wrong: take back the update it logged, and hold its page."""
    assert item.id is not None
    latest = readings(session, item.id, limit=1)
    if not latest:
        return NoReading(item.path)
    read = latest[0]
    read.marked_wrong_at = now
    read.marked_wrong_by = person_id
    read.marked_wrong_note = (note or "")[:300] or None
    read.cleared_at = None
    session.add(read)
    undone = False
    if read.logged_update_id is not None:
        log = session.get(UpdateLog, read.logged_update_id)
        if log is not None and log.undone_at is None:
            undo_logs(session, now, judge, [log], person_id)
            undone = True
    detail = f"{read.url}；{read.marked_wrong_note}" if read.marked_wrong_note else read.url
    audit.record(session, now, audit.READ_WRONG, person_id=person_id, item_id=item.id, detail=detail)
    session.flush()
    return MarkedWrong(item.path, Seen.of(read), undone)


def clear_wrong(session: Session, now: datetime, item: Item, *, person_id: int | None) -> Cleared:
    """The reading is fixed (the page or the reader was corrected): the reader may log from it again."""
    marks = session.exec(
        select(PageRead).where(
            PageRead.item_id == item.id,
            col(PageRead.marked_wrong_at).is_not(None),
            col(PageRead.cleared_at).is_(None),
        )
    ).all()
    for read in marks:
        read.cleared_at = now
        session.add(read)
    if marks:
        audit.record(session, now, audit.READ_OK, person_id=person_id, item_id=item.id, detail=item.url or "")
    session.flush()
    return Cleared(item.path, len(marks))
