"""Wiring the routine into PTB's JobQueue: one repeating `tick` (catch-up + drain) and nothing else.

The schedule itself is in the database (`RoutineRun`), so the job only has to wake up often; a tick that is
still draining when the next one is due is skipped (one sender per process; `SenderState.lock`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from telegram.ext import Application, ContextTypes

from bot.pacing import PacedReplies
from channels.registry import Channel, Channels
from channels.telegram_send import TelegramTransport
from channels.transport import Transport
from domain.notice import TELEGRAM
from jobs.routine import RoutineConfig, TickReport, tick
from jobs.sender import SenderState

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0
JOB_NAME = "zhiri-routine"


def register(
    application: Application,
    engine: Engine,
    config: RoutineConfig,
    *,
    interval: float = TICK_SECONDS,
    clock: Callable[[], datetime] | None = None,
    transport: Transport | Channels | None = None,
    robots: Sequence[Channel] = (),
) -> SenderState:
    """Run `tick` right after start and every `interval` seconds. Returns the sender's state (for tests)."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    # The bot's replies and the outbox share one pacer (bot.app.make_bot installs it as PacedReplies).
    limiter = getattr(application.bot, "rate_limiter", None)
    pacer = limiter.pacer if isinstance(limiter, PacedReplies) else None
    state = SenderState(limits=config.limits, pacer=pacer)
    now = clock or (lambda: datetime.now(UTC))
    # The chat platforms the routine speaks on: Telegram (its style is the routine's settings') and the
    # group robots (`bot.robots`), each with its own style.
    send = transport or Channels(Channel(TELEGRAM, TelegramTransport(application.bot)), *robots)

    async def run(_context: ContextTypes.DEFAULT_TYPE) -> None:
        report: TickReport = await tick(engine, send, now(), config, state)
        if report.run.written or report.drain.sent or report.drain.dead:
            log.info("tick: %s; %s", report.run, report.drain)

    job_queue.run_repeating(
        run,
        interval=interval,
        first=1.0,
        name=JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )
    return state
