"""The running bot's heartbeat: what it last managed, written to the database for `zhiri health`, and
systemd's watchdog (sd_notify) when it runs under systemd with WatchdogSec.

sd_notify is a datagram of `KEY=value` lines to the unix socket named in $NOTIFY_SOCKET; the protocol is
those few lines, so it is written here rather than taken from a library (sdnotify has not been released
since 2017; systemd-python needs libsystemd's headers to build).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from telegram import Bot
from telegram.error import TelegramError

from storage import runtime
from storage.db import session_scope

log = logging.getLogger("zhiri")

NAME = "bot"  # the heartbeat row of `zhiri run`
TICK_SECONDS = 30.0  # how often the heartbeat is written (and systemd's watchdog fed)
API_OK_EVERY = timedelta(seconds=5)  # a busy long poll succeeds many times a second: write at most this often
# Handled updates are forgotten after a week (storage/runtime.py) while the bot runs, not only when it starts:
# a bot that runs for months would otherwise keep every update, and every answer to the calls it made.
PRUNE_EVERY = timedelta(hours=6)


def sd_notify(message: str) -> bool:
    """Tell systemd `message` (READY=1, WATCHDOG=1, STOPPING=1, STATUS=…). False when not under systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as exc:
        log.warning("could not notify systemd (%s)", exc)
        return False
    return True


class Heartbeat:
    def __init__(self, engine: Engine, clock: Callable[[], datetime], *, mode: str) -> None:
        self.engine = engine
        self.clock = clock
        self.mode = mode
        self._api_ok_written: datetime | None = None
        self.connected = False  # set once getMe answered: before that, no other call is made
        self._pruned_at = clock()  # bot.inbox.recover prunes at start-up

    def _beat(self, **what: bool) -> None:
        with session_scope(self.engine) as session:
            runtime.beat(session, self.clock(), NAME, pid=os.getpid(), mode=self.mode, **what)

    async def started(self) -> None:
        await asyncio.to_thread(self._beat, started=True)

    async def api_ok(self) -> None:
        now = self.clock()
        if self._api_ok_written is None or now - self._api_ok_written >= API_OK_EVERY:
            self._api_ok_written = now
            await asyncio.to_thread(self._beat, api_ok=True)

    async def stopped(self) -> None:
        sd_notify("STOPPING=1")
        await asyncio.to_thread(self._beat, stopped=True)

    async def run(self, bot: Bot, interval: float = TICK_SECONDS) -> None:
        """`tick` every `interval`."""
        while True:
            try:
                await self.tick(bot)
            except Exception:  # the database away for a moment: the next tick tries again
                log.exception("could not write the heartbeat")
            await asyncio.sleep(interval)

    async def tick(self, bot: Bot) -> None:
        """Write the tick (the event loop is alive), feed systemd's watchdog, and now and then forget old
        handled updates. With a webhook, nothing is polled, so getWebhookInfo stands in for the last
        successful call to the API."""
        if self.mode == "webhook" and self.connected:
            try:
                await bot.get_webhook_info()
                await self.api_ok()
            except TelegramError as exc:
                log.warning("Bot API not reachable for getWebhookInfo (%s)", exc)
        await asyncio.to_thread(self._beat, tick=True)
        sd_notify("WATCHDOG=1")
        now = self.clock()
        if now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            await asyncio.to_thread(self._prune, now)

    def _prune(self, now: datetime) -> None:
        with session_scope(self.engine) as session:
            forgotten = runtime.prune(session, now)
        if forgotten:
            log.info("forgot %d handled updates older than a week", forgotten)
