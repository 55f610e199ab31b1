"""The outbox: every message Zhiri sends on its own initiative is a row here before it is sent.

Writing is idempotent through `key` (kind:chat:day:items): an INSERT that conflicts on the key does nothing,
so two writers racing on the same plan still make one row. A sender takes each chat's *oldest* unsent row
only (`heads`; a chat is its (platform, address): a robot group's address, its own `Chat.id`, may equal a
Telegram chat's id), so a chat never gets a later message before an earlier one; it claims the row with a
conditional UPDATE (only one worker wins), sends it, and marks it sent in its own commit right after
Telegram accepted it. A crash between claim and mark leaves a claim that is taken over after CLAIM_TIMEOUT:
the message is then sent again only if the crash fell between Telegram's acceptance and our commit — the
narrowest window there is, since the Bot API has no idempotency key of its own (at least once, never lost).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, tuple_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, or_, select

from domain.actions import Offer, offers_from_rows, offers_to_rows
from domain.notice import TELEGRAM, Mention, Report, make_key
from storage.db import MANY_BATCH, insert_all_new, insert_new
from storage.models import Chat, ChatUnit, Outbox

# Longer than any single send can take (the transport's timeouts are well below it), so a live worker's claim
# is never taken over; after a crash the in-doubt messages wait this long before they are retried.
CLAIM_TIMEOUT = timedelta(minutes=2)
WRITE_BATCH = MANY_BATCH  # messages written per statement by `enqueue_all`'s callers that gather them
_ID_BY_KEY = sa_select(col(Outbox.id)).where(col(Outbox.key) == bindparam("key"))


def message_row(
    now: datetime,
    *,
    kind: str,
    chat_id: int | None,
    text: str,
    day: date,
    items: Sequence[int] = (),
    asks: Sequence[int] = (),
    key: str | None = None,
    offers: Sequence[Sequence[Offer]] = (),
    unit_id: int | None = None,
    person_id: int | None = None,
    not_before: datetime | None = None,
    document: bytes | None = None,
    document_name: str | None = None,
    report: Report | None = None,
    platform: str = TELEGRAM,
    mentions: Sequence[Mention] = (),
) -> dict[str, Any]:
    """A message's outbox row, as `enqueue` writes it (see there); `enqueue_all` writes many."""
    return {
        "key": key or make_key(kind, chat_id, day, items, platform=platform),
        "kind": kind,
        "chat_id": chat_id,
        "unit_id": unit_id,
        "person_id": person_id,
        "day": day,
        "text": text,
        "actions": json.dumps(offers_to_rows(offers), ensure_ascii=False) if any(offers) else None,
        "items": json.dumps(sorted(set(items))),
        "asks": json.dumps(sorted(set(asks))),
        "created_at": now,
        "not_before": not_before or now,
        "attempts": 0,
        "document": document,
        "document_name": report.filename if report is not None else document_name,
        "report": _report_json(report) if report is not None else None,
        "platform": platform,
        "mentions": json.dumps([m.to_json() for m in mentions]) if mentions else None,
    }


def enqueue(session: Session, now: datetime, **fields: Any) -> tuple[int, bool]:
    """Write a message to the outbox unless one with the same key exists. Returns (its row's id, created):
    the row itself is not read back (which cost more than the insert on the routine's path), and a new row's
    id comes with the insert.

    `items`: what the message is about; `asks`: those it asks to be updated (a reply /done logs these).
    `document`: a file's bytes; or `report`, a spreadsheet's rows, kept as data and built into the file by
    the sender (`report_of`). `mentions`: whom a group robot's message @s, kept with it (`mentioned`).
    These are `message_row`'s keyword arguments, passed on (a wrong name fails there, at once)."""
    values = message_row(now, **fields)
    row_id = insert_new(session, Outbox, values, "key")
    if row_id is not None:
        return row_id, True
    return session.execute(_ID_BY_KEY, {"key": values["key"]}).scalar_one(), False


def enqueue_all(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Write many messages (`message_row`s), each unless one with its key exists, a batch of rows per
    statement rather than one statement each (the routine's day writes thousands). Returns the keys
    written."""
    return set(insert_all_new(session, Outbox, list(rows), "key", returning="key"))


def _unsent() -> tuple[Any, ...]:
    """Waiting to be sent: not sent, not given up, not set aside (those wait for an administrator)."""
    return (
        col(Outbox.sent_at).is_(None),
        col(Outbox.dead_at).is_(None),
        col(Outbox.set_aside_at).is_(None),
        col(Outbox.chat_id).is_not(None),
    )


def heads(
    session: Session, now: datetime, limit: int = 200, exclude_chats: Collection[tuple[str, int]] = ()
) -> Sequence[Outbox]:
    """Each chat's oldest unsent message, when it is ready (not waiting for a retry, not claimed by a live
    worker), oldest first. A chat whose oldest message waits blocks its later ones: per-chat order.
    `exclude_chats`: (platform, address) of chats to leave out (those with a message in flight)."""
    stale = now - CLAIM_TIMEOUT
    stmt = select(Outbox).where(
        col(Outbox.id).in_(_first_per_chat()),
        Outbox.not_before <= now,
        or_(col(Outbox.claimed_at).is_(None), col(Outbox.claimed_at) < stale),
    )
    if exclude_chats:
        stmt = stmt.where(tuple_(col(Outbox.platform), col(Outbox.chat_id)).not_in(list(exclude_chats)))
    return session.exec(stmt.order_by(col(Outbox.id)).limit(limit)).all()


def unsent_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Outbox).where(*_unsent())).one()


def _first_per_chat() -> Any:
    return select(func.min(Outbox.id)).where(*_unsent()).group_by(col(Outbox.platform), col(Outbox.chat_id))


def next_ready_at(session: Session) -> datetime | None:
    """When the earliest waiting chat head becomes ready (for a sender deciding how long to sleep)."""
    return session.exec(
        select(func.min(Outbox.not_before)).where(col(Outbox.id).in_(_first_per_chat()))
    ).one()


def claim(session: Session, now: datetime, row_id: int, worker: str) -> bool:
    """Claim one row for sending; True only for the one worker whose conditional UPDATE matched."""
    stale = now - CLAIM_TIMEOUT
    result = session.execute(
        update(Outbox)
        .where(
            col(Outbox.id) == row_id,
            col(Outbox.sent_at).is_(None),
            col(Outbox.dead_at).is_(None),
            or_(col(Outbox.claimed_at).is_(None), col(Outbox.claimed_at) < stale),
        )
        .values(claimed_at=now, claimed_by=worker, attempts=col(Outbox.attempts) + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(session: Session, now: datetime, row_id: int, message_id: int | None) -> None:
    session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.sent_at).is_(None))
        .values(sent_at=now, telegram_message_id=message_id, last_error=None)
    )


def mark_failed(
    session: Session,
    now: datetime,
    row_id: int,
    error: str,
    *,
    retry_at: datetime | None,
    dead: bool = False,
    failures: int | None = None,
    set_aside: bool = False,
) -> None:
    """Record a failed attempt: released for a retry at `retry_at`, given up (`dead`) or set aside for an
    administrator (`set_aside`), both to be reported. `failures`: the row's unexpected failures so far."""
    values: dict[str, Any] = {"last_error": error[:500], "claimed_at": None, "claimed_by": None}
    if dead:
        values["dead_at"] = now
    if set_aside:
        values["set_aside_at"] = now
    if failures is not None:
        values["failures"] = failures
    if retry_at is not None:
        values["not_before"] = retry_at
    session.execute(update(Outbox).where(col(Outbox.id) == row_id).values(**values))


def _set_aside() -> tuple[Any, ...]:
    return (
        col(Outbox.set_aside_at).is_not(None),
        col(Outbox.sent_at).is_(None),
        col(Outbox.dead_at).is_(None),
    )


def set_aside_rows(session: Session) -> Sequence[Outbox]:
    """Messages set aside after repeated unexpected errors, oldest first: kept, waiting for `retry`."""
    return session.exec(select(Outbox).where(*_set_aside()).order_by(col(Outbox.id))).all()


def set_aside_count(session: Session) -> int:
    """How many messages are set aside, waiting for an administrator's `zhiri outbox --retry`."""
    return int(session.exec(select(func.count()).select_from(Outbox).where(*_set_aside())).one())


def retry(session: Session, now: datetime, row_ids: Collection[int] | None = None) -> int:
    """Put set-aside messages (all, or those of `row_ids`) back in their chats' queues, to go at once, ahead
    of their chats' later messages. Returns how many."""
    stmt = update(Outbox).where(*_set_aside())
    if row_ids is not None:
        stmt = stmt.where(col(Outbox.id).in_(list(row_ids)))
    result = session.execute(
        stmt.values(set_aside_at=None, failures=0, not_before=now, claimed_at=None, claimed_by=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, row_id: int) -> None:
    """Give a claim back untouched (the sender stopped before sending)."""
    session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.sent_at).is_(None))
        .values(claimed_at=None, claimed_by=None, attempts=col(Outbox.attempts) - 1)
    )


def redirect(session: Session, old_chat_id: int, new_chat_id: int) -> int:
    """A Telegram group became a supergroup: unsent messages follow it to its new id."""
    result = session.execute(
        update(Outbox)
        .where(
            col(Outbox.chat_id) == old_chat_id,
            col(Outbox.platform) == TELEGRAM,
            col(Outbox.sent_at).is_(None),
            col(Outbox.dead_at).is_(None),
        )
        .values(chat_id=new_chat_id, claimed_at=None, claimed_by=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def find_by_message(session: Session, chat_id: int, message_id: int) -> Outbox | None:
    """The outbox row behind a message the bot sent to a Telegram chat (for /done replied to a reminder)."""
    return session.exec(
        select(Outbox).where(
            Outbox.chat_id == chat_id, Outbox.platform == TELEGRAM, Outbox.telegram_message_id == message_id
        )
    ).first()


def offered(row: Outbox) -> tuple[tuple[Offer, ...], ...]:
    """The actions offered under the message, as the planner decided them."""
    return offers_from_rows(json.loads(row.actions)) if row.actions else ()


def _report_json(report: Report) -> str:
    return json.dumps(
        {
            "filename": report.filename,
            "sheets": [[t, h, rows] for t, h, rows in report.sheets],  # tuples are JSON arrays as lists are
        },
        ensure_ascii=False,
    )


def report_of(row: Outbox) -> Report | None:
    """The spreadsheet the message carries as the plan wrote it (its file is built when it is sent)."""
    if row.report is None:
        return None
    data = json.loads(row.report)
    sheets = tuple(
        (str(title), tuple(header), tuple(tuple(r) for r in rows)) for title, header, rows in data["sheets"]
    )
    return Report(filename=data["filename"], sheets=sheets)


def mentioned(row: Outbox) -> tuple[Mention, ...]:
    """Whom the message @s, as the plan resolved them (a retry @s the same people)."""
    if not row.mentions:
        return ()
    return tuple(Mention(m.get("phone"), m.get("user_id")) for m in json.loads(row.mentions))


def item_ids(row: Outbox) -> list[int]:
    return [int(i) for i in json.loads(row.items or "[]")]


def asked_ids(row: Outbox) -> list[int]:
    """The items the message asked to be updated (warnings, overdue notices); none for a daily read."""
    return [int(i) for i in json.loads(row.asks or "[]")]


@dataclass(frozen=True)
class Withdrawn:
    """What became of a lost chat's unsent messages."""

    readdressed: int = 0  # sent to another active group of the same unit instead
    dead: tuple[int, ...] = ()  # outbox ids given up
    kinds: tuple[str, ...] = ()  # the kind of each message given up

    @property
    def any(self) -> bool:
        return bool(self.readdressed or self.dead)


def withdraw_unsent(
    session: Session, now: datetime, address: int, reason: str, platform: str = TELEGRAM
) -> Withdrawn:
    """A chat can no longer be written to: each unsent message goes to another active group of its unit on
    the same platform (its words were cut to that platform) when there is one, else is given up (kept, marked
    dead, never silently: callers tell the administrators)."""
    other: dict[tuple[int, str], int] = {}
    for unit_id, to, chat_platform in session.exec(
        select(ChatUnit.unit_id, Chat.address, Chat.platform)
        .join(Chat, col(Chat.id) == col(ChatUnit.chat_id))
        .where(col(Chat.active).is_(True), or_(Chat.address != address, Chat.platform != platform))
        .order_by(col(Chat.id))
    ):
        other.setdefault((unit_id, chat_platform), to)
    readdressed = 0
    dead: list[int] = []
    kinds: list[str] = []
    for row in session.exec(
        select(Outbox)
        .where(
            Outbox.chat_id == address,
            Outbox.platform == platform,
            col(Outbox.sent_at).is_(None),
            col(Outbox.dead_at).is_(None),
        )
        .order_by(col(Outbox.id))
    ):
        target = other.get((row.unit_id, row.platform)) if row.unit_id is not None else None
        if target is not None:
            row.chat_id, row.claimed_at, row.claimed_by = target, None, None
            readdressed += 1
        else:
            row.dead_at, row.claimed_at, row.claimed_by = now, None, None
            row.last_error = reason[:500]
            assert row.id is not None
            dead.append(row.id)
            kinds.append(row.kind)
        session.add(row)
    session.flush()
    return Withdrawn(readdressed, tuple(dead), tuple(kinds))
