"""The bot's replies share the outbox sender's one pacer: PTB's rate limiter, filled by `PacedReplies`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from channels.telegram_send import OUTBOX, retry_seconds
from jobs.pace import Pacer, telegram

log = logging.getLogger(__name__)


class PacedReplies(BaseRateLimiter[str]):
    """The bot's rate limiter (bot.app.make_bot). Its calls to a chat (replies to people, edits) take their
    slot from the one pacer, the outbox sender's, and count against their chat there; a 429 pauses both, and
    the reply waits as Telegram asks, as an outbox message would (at most `tries` times: the next update waits
    behind it). The outbox's sends pass straight through: paced already, and retried by the outbox, never
    inside a claimed row."""

    def __init__(self, pacer: Pacer, *, tries: int = 3) -> None:
        self.pacer = pacer
        self.tries = tries

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args == OUTBOX:
            return await callback(*args, **kwargs)
        chat = data.get("chat_id")
        chat_id = chat if isinstance(chat, int) else None
        for attempt in range(1, self.tries + 1):
            if chat_id is not None:
                await self._slot(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                self.pacer.pause(time.monotonic() + wait)
                if attempt == self.tries:
                    raise
                log.warning("%s to %s: Telegram asks to wait %.0f s (try %d)", endpoint, chat, wait, attempt)
                if chat_id is None:
                    await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _slot(self, chat_id: int) -> None:
        # A reply waits for the overall rate only. Holding a person's answer for a chat's own limit (a group's
        # 20 a minute) would hold every update behind it; the reply is counted against its chat instead, so
        # that the outbox keeps its distance, and a 429 is waited out like any other.
        while True:
            t = time.monotonic()
            ready = self.pacer.global_ready_at()
            if ready <= t:
                self.pacer.took(telegram(chat_id), t)
                return
            await asyncio.sleep(ready - t)
