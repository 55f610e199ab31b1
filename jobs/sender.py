"""Draining the outbox: every message goes out once, in order per chat, within each platform's limits.

- Order: only each chat's oldest unsent message is ever a candidate (`outbox.heads`), and a chat has at most
  one message in flight, so a chat never sees a later message before an earlier one — also across retries.
- Limits: one pacer (jobs/pace.py) and one retry policy on the sending path. The bot's replies to people take
  their slots from the same pacer (bot.pacing.PacedReplies); PTB's AIORateLimiter is gone, whose retries
  ran inside a claimed row. The pacer keys every chat by (platform, address). Telegram: 29 messages a second
  overall, evenly spaced (a hair under 30 so that network jitter never puts 30 into one second); 20 a minute
  per group; one a second per private chat; a 429 pauses all of Telegram for its retry_after, as Telegram
  asks. A group robot: its platform's documented rate per robot, and its "too fast" (DingTalk's 10-minute
  throttle …) pauses that robot's chat only. Either way the message waits in the outbox, unclaimed.
- Never lost, never doubled: a row is claimed by a conditional UPDATE and marked sent in its own commit right
  after Telegram accepted it. After a crash, a claimed-but-unmarked row is retried once its claim is stale.
- Failures are judged by the failure itself, never by what other chats are doing (the only active chat may
  have no neighbour to compare with). An outage (no answer at all: the network, a timeout; a gateway's
  502/503/504 standing in for the API; the token refused) opens a circuit for an exponentially growing,
  capped delay (the API being down is every chat's problem on that platform: one circuit per platform, so a
  robot platform that is away holds its robots, not Telegram); the message waits in place, so
  the chat's order holds and it is never set aside for it. Permanent
  errors: the chat goes inactive, its messages go to another group of the same unit or are given up, and the
  administrators are told. ChatMigrated: the binding and the unsent messages follow the new id. Any other
  error, an answer from the API that is none of these (a 500 for this chat, say) or an exception, is this
  message's own ("poison"): it waits with a growing delay while its chat waits behind it and
  every other chat goes on; after `set_aside_after` tries it is set aside (kept, shown by `zhiri health` and
  `zhiri outbox`, sent again with `zhiri outbox --retry`), the administrators are told once, and its chat goes
  on. A send the transport reports accepted is marked sent, never sent again.

Pacing runs on the monotonic clock (it is about real seconds at the platform); database times are `now`
(passed in by the tick) plus the monotonic time elapsed since, so a test can run the sender "an hour later".
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from acts.chats import migrate_chat
from channels.registry import Channels
from channels.transport import Outgoing, Transport, TransportError
from domain.actions import Offer
from domain.notice import TELEGRAM, Mention, MessageKind, Report
from domain.wording import chat_gone_notice, late_note, rejected_notice, set_aside_notice
from jobs.pace import Key, Pacer, SendLimits
from reports.halfmonth import render_report
from storage import outbox
from storage.db import session_scope
from storage.routine import chat_gone, tell_admins

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Circuit:
    """One platform's outage: consecutive failures with no answer, and until when its sends wait."""

    failures: int = 0
    down_until: datetime | None = None


@dataclass
class SenderState:
    """What the sender remembers between ticks: pacing, and per platform the circuit that is open while the
    platform is away (Telegram's API down holds Telegram's chats; a robot platform's, its robots' only)."""

    limits: SendLimits = field(default_factory=SendLimits)
    worker: str = field(default_factory=lambda: _worker_id())
    # The one pacer of the process: shared with the bot's replies (bot.app.make_bot, jobs.pace.PacedReplies)
    # when there is one, so that replies and the outbox together keep Telegram's limits.
    pacer: Pacer | None = None
    circuits: dict[str, Circuit] = field(default_factory=dict)  # platform -> its circuit
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Sent, but the database could not record it (locked, gone): row id -> (when, Telegram's message id).
    # This process never sends those rows again and records them as soon as the database lets it.
    unmarked: dict[int, tuple[datetime, int | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.pacer is None:
            self.pacer = Pacer(self.limits)

    def circuit(self, platform: str = TELEGRAM) -> Circuit:
        return self.circuits.setdefault(platform, Circuit())

    def backoff(self, platform: str = TELEGRAM) -> timedelta:
        failures = self.circuit(platform).failures
        seconds = min(self.limits.backoff_cap, self.limits.backoff_base * 2 ** max(0, failures - 1))
        return timedelta(seconds=seconds)

    def row_backoff(self, failures: int) -> timedelta:
        """How long one message waits after its `failures`-th unexpected error (its chat waits with it)."""
        seconds = min(self.limits.retry_cap, self.limits.retry_base * 2 ** max(0, failures - 1))
        return timedelta(seconds=seconds)


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0  # transient failures and 429s: the message waits and goes later
    rate_limited: int = 0
    migrated: int = 0
    dead: int = 0
    readdressed: int = 0
    notices: int = 0  # administrators' reports of undeliverable messages
    failed: int = 0  # unexpected errors of one message (it waits; its chat waits; the others go on)
    set_aside: int = 0  # messages set aside after `set_aside_after` unexpected errors
    skipped: bool = False  # the circuit was open, or another drain was running
    seconds: float = 0.0


@dataclass(frozen=True)
class _Row:
    id: int
    chat_id: int
    kind: str
    text: str
    offers: tuple[tuple[Offer, ...], ...]
    document: bytes | None
    document_name: str | None
    day: date
    failures: int
    platform: str
    unit_id: int | None = None
    report: Report | None = None  # a spreadsheet's rows as planned: built into `document` when sent
    mentions: tuple[Mention, ...] = ()  # whom a group robot @s, as planned


def _key(row: _Row) -> Key:
    return (row.platform, row.chat_id)


async def drain(
    engine: Engine,
    transport: Transport | Channels,
    now: datetime,
    *,
    state: SenderState | None = None,
    admin_ids: Iterable[int] = (),
    tz: ZoneInfo = SHANGHAI,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    max_seconds: float | None = None,
) -> DrainReport:
    """Send what is ready, until nothing is ready (or `max_seconds` pass). Safe to run from several
    processes at once: a row goes to whoever claims it. Each row goes through its platform's transport
    (`transport`: the registry of channels, or one transport, Telegram's)."""
    state = state or SenderState()
    if state.lock.locked():
        return DrainReport(skipped=True)
    async with state.lock:
        run = _Drain(
            engine, Channels.of(transport), now, state, tuple(admin_ids), tz, clock, sleep, max_seconds
        )
        return await run.run()


class _Drain:
    def __init__(
        self,
        engine: Engine,
        transport: Channels,
        now: datetime,
        state: SenderState,
        admin_ids: tuple[int, ...],
        tz: ZoneInfo,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        max_seconds: float | None,
    ) -> None:
        self.engine, self.transport, self.state = engine, transport, state
        self.admin_ids, self.tz, self.clock, self.sleep = admin_ids, tz, clock, sleep
        self.limits = state.limits
        assert state.pacer is not None
        self.pacer = state.pacer
        self.start = clock()
        self.now0 = now
        self.deadline = self.start + max_seconds if max_seconds is not None else None
        self.report = DrainReport()
        self.in_flight: dict[Key, asyncio.Task[None]] = {}  # (platform, address) -> its send

    def wall(self) -> datetime:
        return self.now0 + timedelta(seconds=self.clock() - self.start)

    def circuit_open(self, platform: str = TELEGRAM) -> bool:
        down = self.state.circuit(platform).down_until
        return down is not None and self.wall() < down

    def all_down(self) -> bool:
        """Every platform the bot sends on is away: nothing to do until one is back."""
        return all(self.circuit_open(p) for p in self.transport.platforms or (TELEGRAM,))

    async def run(self) -> DrainReport:
        if self.all_down():
            self.report.skipped = True
            return self.report
        try:
            await self._drain()
        except OperationalError as exc:
            # The database is busy (a long import on SQLite) or away: nothing is lost, the next tick goes on.
            log.warning("sending paused, the database is not available: %s", exc)
            self.report.skipped = True
        self.report.seconds = self.clock() - self.start
        return self.report

    async def _drain(self) -> None:
        self._record_unmarked()
        buffer: deque[_Row] = deque()
        fetched_at = float("-inf")
        try:
            while not self.all_down():
                t = self.clock()
                if self.deadline is not None and t >= self.deadline:
                    break
                if not buffer or t - fetched_at >= self.limits.refetch:
                    buffer = deque(self._fetch())
                    fetched_at = t
                row, wait = self._pick(buffer, t)
                if row is None:
                    if self.in_flight:
                        await asyncio.wait(
                            list(self.in_flight.values()),
                            timeout=min(wait, self.limits.refetch),
                            return_when=asyncio.FIRST_COMPLETED,
                        )
                        fetched_at = float("-inf")  # a finished chat may have its next message ready
                        continue
                    if not buffer:
                        wait = self._until_next_ready()
                    if wait > self.limits.linger:
                        break
                    await self.sleep(min(wait, self.limits.refetch))
                    fetched_at = float("-inf")
                    continue
                buffer.remove(row)
                await self._dispatch(row)
        finally:
            if self.in_flight:
                await asyncio.gather(*self.in_flight.values(), return_exceptions=True)

    def _record_unmarked(self) -> None:
        """Record the sends the database refused to record before (raises while it still refuses)."""
        for row_id, (sent_at, message_id) in list(self.state.unmarked.items()):
            with session_scope(self.engine) as s:
                outbox.mark_sent(s, sent_at, row_id, message_id)
            del self.state.unmarked[row_id]
            log.info("outbox row %s recorded as sent (it was sent at %s)", row_id, sent_at)

    def _fetch(self) -> list[_Row]:
        with session_scope(self.engine) as s:
            rows = outbox.heads(s, self.wall(), self.limits.batch, exclude_chats=list(self.in_flight))
            return [
                _Row(
                    r.id,
                    r.chat_id,
                    r.kind,
                    r.text,
                    outbox.offered(r),
                    r.document,
                    r.document_name,
                    r.day,
                    r.failures,
                    r.platform,
                    r.unit_id,
                    outbox.report_of(r),
                    outbox.mentioned(r),
                )
                for r in rows
                if r.id is not None and r.chat_id is not None and r.id not in self.state.unmarked
            ]

    def _until_next_ready(self) -> float:
        """Seconds until a waiting message (a 429's retry) is ready; infinity when none is about to be."""
        with session_scope(self.engine) as s:
            ready = outbox.next_ready_at(s)
        if ready is None:
            return float("inf")
        seconds = (ready - self.wall()).total_seconds()
        # Ready already but not among the heads: blocked behind its chat's older message or claimed by
        # another worker. Nothing to wait for here.
        return seconds if seconds > 0 else float("inf")

    def _pick(self, buffer: deque[_Row], t: float) -> tuple[_Row | None, float]:
        """The oldest candidate whose chat may send now, or None and how long until one may."""
        wait = float("inf")
        for row in buffer:
            if _key(row) in self.in_flight or self.circuit_open(row.platform):
                continue
            ready = self.pacer.chat_ready_at(_key(row), t)
            if ready <= t:
                return row, 0.0
            wait = min(wait, ready - t)
        return None, wait

    async def _dispatch(self, row: _Row) -> None:
        key = _key(row)
        circuit = self.state.circuit(row.platform)
        # After an outage: one message at a time to that platform until one goes through.
        while len(self.in_flight) >= self.limits.max_in_flight or (
            circuit.failures and any(platform == row.platform for platform, _ in self.in_flight)
        ):
            await asyncio.wait(list(self.in_flight.values()), return_when=asyncio.FIRST_COMPLETED)
        if self.circuit_open(row.platform):
            return
        delay = self.pacer.slot_at(key) - self.clock()
        if delay > 1.0:  # paused by a 429: wait unclaimed, then look at the outbox afresh
            await self.sleep(delay)
            return
        if row.document is None and row.report is not None:
            # The spreadsheet is built from the rows the plan wrote, before the claim: a long list's workbook
            # takes a while, and a claim must not wait on it (CLAIM_TIMEOUT). Off the loop: the messages in
            # flight go on meanwhile.
            try:
                document = await asyncio.to_thread(render_report, row.report)
            except Exception as exc:  # a bug, never the platform's: this message's own problem
                log.exception("building the spreadsheet of outbox row %s failed", row.id)
                self._failed(row, TransportError(f"{type(exc).__name__}: {exc}"))
                return
            row = replace(row, document=document)
        # Claim before waiting for the global slot: the database round trip then costs no sending time.
        with session_scope(self.engine) as s:
            if not outbox.claim(s, self.wall(), row.id, self.state.worker):
                return
        delay = self.pacer.slot_at(key) - self.clock()
        if delay > 0:
            await self.sleep(delay)
        if self.circuit_open(row.platform):  # the platform went down while we waited: give the claim back
            with session_scope(self.engine) as s:
                outbox.release(s, row.id)
            return
        took = self.clock()
        self.pacer.took(key, took)
        task = asyncio.create_task(self._send(row, took))
        self.in_flight[key] = task
        task.add_done_callback(functools.partial(self._done, key))

    def _done(self, key: Key, _task: asyncio.Task[None]) -> None:
        self.in_flight.pop(key, None)

    async def _send(self, row: _Row, took: float) -> None:
        text = row.text
        today = self.wall().astimezone(self.tz).date()
        if row.day < today:
            text = f"{late_note(row.day, today)}\n{text}"
        message = Outgoing(
            row.chat_id,
            text,
            row.offers,
            row.document,
            row.document_name,
            row.platform,
            row.unit_id,
            row.mentions,
        )
        try:
            message_id = await self.transport.send(message)
        except TransportError as exc:
            if exc.outage:
                self.pacer.untook(_key(row), took)
            self._failed(row, exc)
            return
        except Exception as exc:  # a bug or an unexpected library error: this message's own problem
            log.exception("sending outbox row %s failed unexpectedly", row.id)
            self._failed(row, TransportError(f"{type(exc).__name__}: {exc}"))
            return
        # No await between Telegram's answer and this commit: the window for a double send is this short.
        sent_at = self.wall()
        try:
            with session_scope(self.engine) as s:
                outbox.mark_sent(s, sent_at, row.id, message_id)
        except Exception:
            # Sent but not recorded (the database locked or away): remembered, so that it is not sent again
            # when its claim goes stale, and recorded on a later tick. Only a crash now could double it.
            self.state.unmarked[row.id] = (sent_at, message_id)
            log.exception("outbox row %s was sent but could not be marked sent yet", row.id)
            return
        self.report.sent += 1
        circuit = self.state.circuit(row.platform)
        if circuit.failures:
            log.info("%s reachable again after %d failed attempts", row.platform, circuit.failures)
        circuit.failures, circuit.down_until = 0, None

    def _failed(self, row: _Row, exc: TransportError) -> None:
        now = self.wall()
        with session_scope(self.engine) as s:
            if exc.migrate_to is not None:
                migrate_chat(s, now, row.chat_id, exc.migrate_to)
                outbox.mark_failed(s, now, row.id, f"migrated to {exc.migrate_to}", retry_at=None)
                self.report.migrated += 1
            elif exc.retry_after is not None:
                # Telegram's wait holds all of Telegram; a robot's, that robot's chat only (jobs/pace.py).
                self.pacer.pause(self.clock() + exc.retry_after, _key(row))
                retry = now + timedelta(seconds=exc.retry_after)
                outbox.mark_failed(s, now, row.id, str(exc), retry_at=retry)
                self.report.rate_limited += 1
                self.report.retried += 1
            elif exc.chat_gone:
                gone = chat_gone(s, now, row.chat_id, str(exc), row.platform)
                self.report.dead += len(gone.withdrawn.dead)
                self.report.readdressed += gone.withdrawn.readdressed
                text = chat_gone_notice(
                    gone.title,
                    gone.units,
                    exc.reason,
                    str(exc),
                    gone.withdrawn.readdressed,
                    gone.withdrawn.kinds,
                    self.transport.style(row.platform),
                )
                self.report.notices += self._tell_admins(s, now, row, f"gone:{row.chat_id}", text)
            elif exc.permanent:
                outbox.mark_failed(s, now, row.id, str(exc), retry_at=None, dead=True)
                self.report.dead += 1
                text = rejected_notice(row.kind, row.text, str(exc), self.transport.style(row.platform))
                self.report.notices += self._tell_admins(s, now, row, f"rejected:{row.id}", text)
            elif not exc.outage:
                self._poisoned(s, now, row, exc)
            else:
                # Messages in flight together fail together: one outage, one step of the backoff.
                circuit = self.state.circuit(row.platform)
                if not self.circuit_open(row.platform):
                    circuit.failures += 1
                    circuit.down_until = now + self.state.backoff(row.platform)
                outbox.mark_failed(s, now, row.id, str(exc), retry_at=circuit.down_until)
                self.report.retried += 1
                log.warning(
                    "sending to %s failed (%s); pausing it until %s (failure %d)",
                    row.platform,
                    exc,
                    circuit.down_until,
                    circuit.failures,
                )

    def _poisoned(self, s: Session, now: datetime, row: _Row, exc: TransportError) -> None:
        """An unexpected error of this one message: it waits alone, and is set aside if it keeps failing."""
        failures = row.failures + 1
        if failures < self.limits.set_aside_after:
            retry = now + self.state.row_backoff(failures)
            outbox.mark_failed(s, now, row.id, str(exc), retry_at=retry, failures=failures)
            self.report.failed += 1
            log.warning("outbox row %s failed (%s), try %d; retried at %s", row.id, exc, failures, retry)
            return
        outbox.mark_failed(s, now, row.id, str(exc), retry_at=None, failures=failures, set_aside=True)
        self.report.set_aside += 1
        log.error("outbox row %s set aside after %d failures: %s", row.id, failures, exc)
        # One notice per chat and day, however many of its messages are set aside.
        text = set_aside_notice(row.kind, row.text, failures, str(exc))
        self.report.notices += self._tell_admins(s, now, row, f"set_aside:{row.chat_id}", text)

    def _tell_admins(self, s: Session, now: datetime, failed: _Row, what: str, text: str) -> int:
        # Not through the chat that failed (an administrator's own private chat); a robot's address is no
        # Telegram id, whatever its number.
        skip = failed.chat_id if failed.platform == TELEGRAM else None
        day = now.astimezone(self.tz).date()
        told, _ = tell_admins(
            s, now, self.admin_ids, MessageKind.ADMIN_NOTICE, text, day=day, extra=what, skip=skip
        )
        if not told:
            log.error("undeliverable message and no other administrator to tell: %s", text)
        return told
