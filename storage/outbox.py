"""The outbox: every message Zhiri sends on its own initiative is a row here before it is sent.

Writing is idempotent through `key` (kind:chat:day:items). A sender claims a row with a conditional
UPDATE (only one worker wins), sends it, and marks it sent only after Telegram accepted it. A crash between
claim and mark leaves a stale claim that is taken over after CLAIM_TIMEOUT: a message may then be sent
again only if the crash fell between Telegram's acceptance and our commit, the narrowest window we can get.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from storage.models import Outbox

CLAIM_TIMEOUT = timedelta(minutes=2)


def make_key(kind: str, chat: int | str | None, day: date, items: Sequence[int] = (), extra: str = "") -> str:
    items_part = ",".join(str(i) for i in sorted(set(items)))
    return f"{kind}:{chat if chat is not None else '-'}:{day.isoformat()}:{items_part}:{extra}"


def enqueue(
    session: Session,
    now: datetime,
    *,
    kind: str,
    chat_id: int | None,
    text: str,
    day: date,
    items: Sequence[int] = (),
    key: str | None = None,
    reply_markup: dict[str, Any] | None = None,
    unit_id: int | None = None,
    person_id: int | None = None,
    not_before: datetime | None = None,
) -> tuple[Outbox, bool]:
    """Write a message to the outbox unless one with the same key exists. Returns (row, created)."""
    key = key or make_key(kind, chat_id, day, items)
    existing = session.exec(select(Outbox).where(Outbox.key == key)).first()
    if existing is not None:
        return existing, False
    row = Outbox(
        key=key,
        kind=kind,
        chat_id=chat_id,
        unit_id=unit_id,
        person_id=person_id,
        day=day,
        text=text,
        reply_markup=json.dumps(reply_markup, ensure_ascii=False) if reply_markup else None,
        items=json.dumps(sorted(set(items))),
        created_at=now,
        not_before=not_before or now,
    )
    session.add(row)
    session.flush()
    return row, True


def pending(session: Session, now: datetime, limit: int = 100) -> Sequence[Outbox]:
    """Rows ready to send, oldest first (so each chat gets its messages in the order they were written)."""
    stale = now - CLAIM_TIMEOUT
    return session.exec(
        select(Outbox)
        .where(
            col(Outbox.sent_at).is_(None),
            col(Outbox.dead_at).is_(None),
            col(Outbox.chat_id).is_not(None),
            Outbox.not_before <= now,
            or_(col(Outbox.claimed_at).is_(None), col(Outbox.claimed_at) < stale),
        )
        .order_by(col(Outbox.id))
        .limit(limit)
    ).all()


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
        .values(claimed_at=now, claimed_by=worker, attempts=Outbox.attempts + 1)  # type: ignore[operator]
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(session: Session, now: datetime, row_id: int, message_id: int | None) -> None:
    session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id)
        .values(sent_at=now, telegram_message_id=message_id, last_error=None)
    )


def mark_failed(
    session: Session, now: datetime, row_id: int, error: str, *, retry_at: datetime | None, dead: bool = False
) -> None:
    """Record a failed attempt: released for a retry at `retry_at`, or given up (`dead`) to be reported."""
    values: dict[str, Any] = {"last_error": error[:500], "claimed_at": None, "claimed_by": None}
    if dead:
        values["dead_at"] = now
    if retry_at is not None:
        values["not_before"] = retry_at
    session.execute(update(Outbox).where(col(Outbox.id) == row_id).values(**values))


def redirect(session: Session, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup: unsent messages follow it to its new id."""
    result = session.execute(
        update(Outbox)
        .where(col(Outbox.chat_id) == old_chat_id, col(Outbox.sent_at).is_(None))
        .values(chat_id=new_chat_id, claimed_at=None, claimed_by=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def find_by_message(session: Session, chat_id: int, message_id: int) -> Outbox | None:
    """The outbox row behind a message the bot sent (for /done replied to a reminder)."""
    return session.exec(
        select(Outbox).where(Outbox.chat_id == chat_id, Outbox.telegram_message_id == message_id)
    ).first()


def item_ids(row: Outbox) -> list[int]:
    return [int(i) for i in json.loads(row.items or "[]")]
