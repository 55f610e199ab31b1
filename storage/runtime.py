"""The running bot's own records: updates kept from arrival until handled, and its heartbeat.

An update is written (`receive`) before Telegram learns that it arrived — before the next getUpdates offset
confirms it, or before the webhook answers 200 — and marked handled (`mark_handled`) once its handlers ran.
After a crash, `unhandled` gives back what arrived but was not handled; an update Telegram delivers again
after a crash is recognised by its update_id and not handled twice.

The Bot API calls made while handling an update are recorded with Telegram's answers (`record_call`): an
update handled again after a crash gets the recorded answer instead of sending the same reply twice. With
the storage operations' own idempotency (`origin`: a message logs its update once), the update's effects
happen once. Left: the instant between Telegram accepting a call and its record being written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, text, update
from sqlmodel import Session, col, select

from storage.db import insert_new
from storage.models import Heartbeat, InboundUpdate, Outbox, UpdateCall

# Telegram numbers updates in sequence, but picks a random next id after a week without updates: handled
# rows are kept a week (a redelivery comes within seconds), so an old id cannot hide a new update for long.
KEEP_HANDLED = timedelta(days=7)


def receive(session: Session, now: datetime, update_id: int, payload: str) -> bool:
    """Keep an update that just arrived. False: it was already kept (delivered again), so do not handle it."""
    values: dict[str, Any] = {
        "update_id": update_id,
        "payload": payload,
        "received_at": now,
        "handled_at": None,
    }
    return insert_new(session, InboundUpdate, values, "update_id") is not None


def mark_handled(session: Session, now: datetime, update_id: int) -> None:
    session.execute(
        update(InboundUpdate)
        .where(col(InboundUpdate.update_id) == update_id, col(InboundUpdate.handled_at).is_(None))
        .values(handled_at=now)
    )


def unhandled(session: Session) -> list[tuple[int, str]]:
    """(update_id, payload) of every kept update not handled yet, oldest first."""
    rows = session.exec(
        select(InboundUpdate.update_id, InboundUpdate.payload)
        .where(col(InboundUpdate.handled_at).is_(None))
        .order_by(col(InboundUpdate.update_id))
    ).all()
    return [(update_id, payload) for update_id, payload in rows]


def prune(session: Session, now: datetime, keep: timedelta = KEEP_HANDLED) -> int:
    """Forget handled updates older than `keep`, and their calls. Returns how many updates."""
    old = select(InboundUpdate.update_id).where(
        col(InboundUpdate.handled_at).is_not(None), col(InboundUpdate.handled_at) < now - keep
    )
    session.execute(delete(UpdateCall).where(col(UpdateCall.update_id).in_(old)))
    result = session.execute(delete(InboundUpdate).where(col(InboundUpdate.update_id).in_(old)))
    return int(getattr(result, "rowcount", 0) or 0)


def recorded_call(session: Session, update_id: int, seq: int) -> bytes | None:
    """Telegram's answer to the `seq`-th successful call made while handling the update, if there was one."""
    row = session.get(UpdateCall, (update_id, seq))
    return row.response if row is not None else None


def record_call(
    session: Session, now: datetime, update_id: int, seq: int, endpoint: str, response: bytes
) -> None:
    session.add(UpdateCall(update_id=update_id, seq=seq, endpoint=endpoint, response=response, at=now))


def beat(
    session: Session,
    now: datetime,
    name: str,
    *,
    pid: int | None = None,
    mode: str | None = None,
    started: bool = False,
    api_ok: bool = False,
    tick: bool = False,
    stopped: bool = False,
) -> None:
    """Record what the running bot just managed. `started` (with pid and mode) begins a new run."""
    row = session.get(Heartbeat, name)
    if row is None:
        # Two processes starting together on one database both find no row: the second one's insert does
        # nothing (it waits for the first's), and both go on with the row, rather than one of them stopping on
        # the duplicate key.
        values = {"name": name, "pid": pid or 0, "mode": mode or "", "started_at": now}
        insert_new(session, Heartbeat, values, "name")
        row = session.get(Heartbeat, name)
        assert row is not None
    if started:
        row.pid, row.mode, row.started_at = pid or 0, mode or "", now
        row.api_ok_at = row.tick_at = row.stopped_at = None
    if api_ok:
        row.api_ok_at = now
    if tick:
        row.tick_at = now
    if stopped:
        row.stopped_at = now
    session.add(row)


@dataclass(frozen=True)
class Health:
    heartbeat: Heartbeat | None
    unhandled_updates: int
    oldest_unhandled: datetime | None
    outbox_backlog: int  # messages due to be sent and not sent yet
    oldest_backlog: datetime | None
    set_aside: int = 0  # messages set aside after repeated unexpected errors, waiting for an administrator
    reading: ReadQueue | None = None  # with READ_QUEUE=procrastinate: the reading's task queue


def health(session: Session, now: datetime, name: str) -> Health:
    """What `zhiri health` judges: the heartbeat, updates waiting to be handled, the outbox backlog."""
    waiting = session.exec(
        select(func.count(), func.min(InboundUpdate.received_at)).where(
            col(InboundUpdate.handled_at).is_(None)
        )
    ).one()
    backlog = session.exec(
        select(func.count(), func.min(Outbox.not_before)).where(
            col(Outbox.sent_at).is_(None),
            col(Outbox.dead_at).is_(None),
            col(Outbox.set_aside_at).is_(None),
            col(Outbox.not_before) <= now,
        )
    ).one()
    set_aside = session.exec(
        select(func.count())
        .select_from(Outbox)
        .where(
            col(Outbox.set_aside_at).is_not(None),
            col(Outbox.sent_at).is_(None),
            col(Outbox.dead_at).is_(None),
        )
    ).one()
    return Health(
        heartbeat=session.get(Heartbeat, name),
        unhandled_updates=int(waiting[0]),
        oldest_unhandled=waiting[1],
        outbox_backlog=int(backlog[0]),
        oldest_backlog=backlog[1],
        set_aside=int(set_aside),
    )


@dataclass(frozen=True)
class ReadQueue:
    """The website reading's task queue (READ_QUEUE=procrastinate), as `zhiri health` reports it."""

    workers: int  # `zhiri worker` processes whose heartbeat is recent
    waiting: int  # reading jobs that could start and have not
    oldest_waiting: datetime | None  # since when the oldest of them could
    failed: int  # reading jobs that failed for good within `since`


def read_queue(
    session: Session, now: datetime, *, task: str, alive: timedelta, since: timedelta
) -> ReadQueue:
    """What procrastinate's tables say of the reading jobs (`task`): live workers, jobs waiting, failures."""
    workers = session.execute(
        text("SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > :after"),
        {"after": now - alive},
    ).scalar_one()
    waiting = session.execute(
        text(
            "SELECT count(*), min(coalesce(j.scheduled_at, e.at)) FROM procrastinate_jobs j"
            " LEFT JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred'"
            " WHERE j.task_name = :task AND j.status = 'todo'"
            " AND (j.scheduled_at IS NULL OR j.scheduled_at <= :now)"  # a retry set for later is not late
        ),
        {"task": task, "now": now},
    ).one()
    failed = session.execute(
        text(
            "SELECT count(DISTINCT j.id) FROM procrastinate_jobs j"
            " JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'failed'"
            " WHERE j.task_name = :task AND j.status = 'failed' AND e.at > :after"
        ),
        {"task": task, "after": now - since},
    ).scalar_one()
    return ReadQueue(int(workers), int(waiting[0]), waiting[1], int(failed))
