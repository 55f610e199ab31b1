"""Updates are kept in the database from arrival until handled (storage/runtime.py), so a crash loses none.

Two seams of PTB carry it, one at each end of the application's update queue:
- `KeptUpdates` is the update queue: `put` writes the update before queueing it. The long-polling loop
  (bot/runner.py) puts every fetched update before its next getUpdates offset confirms them, and PTB's
  webhook handler puts the update before it answers 200, so Telegram is never told "received" about an
  update that is not in the database. An update already kept (Telegram delivering it again after a crash)
  is not queued a second time.
- `MarkHandled` is the update processor: after the handlers ran (PTB catches their errors and calls the
  error handler, which answers the person), the update is marked handled.
At start-up, `recover` queues what was kept but not handled, oldest first, before anything new is fetched.

The update being handled when the process died is handled again. Its storage operations are idempotent
(`origin`); its replies are made so by `RecordedCalls`, the bot's request: each Bot API call that succeeds
while an update is handled is recorded with Telegram's answer, and on the second handling the same call
gets the recorded answer instead of going out again. So a person gets one answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import Application, SimpleUpdateProcessor
from telegram.request import BaseRequest, RequestData

from channels.telegram_send import Wrapped
from storage import runtime
from storage.db import session_scope

log = logging.getLogger("zhiri")


class KeptUpdates(asyncio.Queue[object]):
    """The application's update queue. Anything that is not an Update (PTB's stop signal) passes as is."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.again: set[int] = set()  # recovered updates: their calls may have been made before the restart

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not (await asyncio.to_thread(self._keep, item))[0]:
            log.info("update %d was delivered again: it is already kept", item.update_id)
            return
        await super().put(item)

    async def put_all(self, updates: Sequence[Update]) -> None:
        """A batch from one getUpdates, kept in one transaction."""
        kept = await asyncio.to_thread(self._keep, *updates)
        for update, new in zip(updates, kept, strict=True):
            if new:
                await super().put(update)
            else:
                log.info("update %d was delivered again: it is already kept", update.update_id)

    def _keep(self, *updates: Update) -> list[bool]:
        with session_scope(self.engine) as session:
            now = self.clock()
            return [runtime.receive(session, now, u.update_id, u.to_json()) for u in updates]

    def requeue(self, update: Update) -> None:
        """Queue an update that is already kept (recovered after a restart): handled again."""
        self.again.add(update.update_id)
        super().put_nowait(update)


@dataclass
class Handling:
    """The update being handled in this task, whether it is handled again (recovered after a restart), and
    how many of its Bot API calls succeeded so far."""

    update_id: int
    again: bool = False
    seq: int = 0


HANDLING: ContextVar[Handling | None] = ContextVar("zhiri_handling", default=None)


class RecordedCalls(Wrapped):
    """The bot's request (wrapping PTB's own): calls made while an update is handled are recorded, and
    answered from the record when the update is handled again. Reads (get*) are not recorded."""

    def __init__(self, inner: BaseRequest, engine: Engine, clock: Callable[[], datetime]) -> None:
        super().__init__(inner)
        self.engine = engine
        self.clock = clock

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        handling = HANDLING.get()
        endpoint = url.rstrip("/").rsplit("/", 1)[-1]
        recorded = handling is not None and not endpoint.lower().startswith("get")
        if handling is not None and recorded and handling.again:
            answer = await asyncio.to_thread(self._recorded, handling.update_id, handling.seq)
            if answer is not None:
                log.info(
                    "update %d: %s already done before the restart, not repeated",
                    handling.update_id,
                    endpoint,
                )
                handling.seq += 1
                return 200, answer
        code, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if handling is not None and recorded and 200 <= code <= 299:
            # Only calls that succeeded count: a retried call (429, a timeout) is matched by its success.
            # Written at once, on the event loop (one small INSERT): no hop to a worker thread widens the
            # instant in which Telegram has the reply and the record does not.
            self._record(handling.update_id, handling.seq, endpoint, payload)
            handling.seq += 1
        return code, payload

    def _recorded(self, update_id: int, seq: int) -> bytes | None:
        with session_scope(self.engine) as session:
            return runtime.recorded_call(session, update_id, seq)

    def _record(self, update_id: int, seq: int, endpoint: str, payload: bytes) -> None:
        try:
            with session_scope(self.engine) as session:
                runtime.record_call(session, self.clock(), update_id, seq, endpoint, payload)
        except SQLAlchemyError as exc:  # Telegram has done it: the call succeeded, whatever the record says
            log.warning("update %d: could not record %s (%s)", update_id, endpoint, exc)


class MarkHandled(SimpleUpdateProcessor):
    """One update at a time (PTB's default), each marked handled once its handlers ran."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime], queue: KeptUpdates) -> None:
        super().__init__(max_concurrent_updates=1)
        self._engine = engine
        self._clock = clock
        self._queue = queue
        self._unmarked: list[int] = []  # handled, not yet marked so in the database

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        again = update.update_id in self._queue.again
        token = HANDLING.set(Handling(update.update_id, again=again))
        try:
            await coroutine
        finally:
            HANDLING.reset(token)
        # One small UPDATE, on the event loop: a hop to a worker thread per update slows a burst down.
        self._unmarked.append(update.update_id)
        self._mark()
        self._queue.again.discard(update.update_id)

    def _mark(self) -> None:
        """Mark the handled updates, with those a locked database refused before. If it refuses again they
        wait for the next update (and, should the bot stop first, are handled again at the restart, their
        calls answered from the record)."""
        try:
            with session_scope(self._engine) as session:
                now = self._clock()
                for update_id in self._unmarked:
                    runtime.mark_handled(session, now, update_id)
        except SQLAlchemyError as exc:
            log.warning("could not mark updates %s handled (%s); trying again later", self._unmarked, exc)
        else:
            self._unmarked.clear()


async def recover(application: Application, engine: Engine, clock: Callable[[], datetime]) -> int:
    """Queue what arrived before a crash and was not handled, oldest first. Returns how many."""

    def load() -> list[tuple[int, str]]:
        with session_scope(engine) as session:
            runtime.prune(session, clock())
            return runtime.unhandled(session)

    queue = application.update_queue
    assert isinstance(queue, KeptUpdates)
    kept = await asyncio.to_thread(load)
    for _update_id, payload in kept:
        update = Update.de_json(json.loads(payload), application.bot)
        queue.requeue(update)
    if kept:
        log.info("handling %d updates that arrived before the last stop but were not handled", len(kept))
    return len(kept)
