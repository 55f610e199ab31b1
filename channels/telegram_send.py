"""Telegram's transport: an outbox message sent through the bot, and Telegram's failures mapped onto the
platform-neutral `channels.transport.TransportError` the sender understands.

A send Telegram accepted is never reported as failed, however odd its answer (`NoteAccepted`, the bot's
request wrapper, notes the HTTP status each send was answered with); an answer from the API (a 500 for one
chat) is told from no answer at all (an outage). `Wrapped` is the pass-through request both Bot API wrappers
(this one and the inbox's `RecordedCalls`) build on.
"""

from __future__ import annotations

import io
import logging
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile, LinkPreviewOptions
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

from channels import telegram as telegram_channel
from channels.transport import Outgoing, TransportError

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024


# Bad Request texts that mean the chat itself is unusable, not just this message.
_CHAT_GONE = (
    "chat not found",
    "group chat was deactivated",
    "user is deactivated",
    "peer_id_invalid",
    "not enough rights to send",
    "have no rights to send",
    "chat_write_forbidden",
    "bot is not a member",
)


# Answers that mean every message fails alike, like no answer at all: the token is refused (401/404: an
# operator fixes it) or the Bot API itself is away (its gateway answers for it).
_EVERYONES = (401, 404, 502, 503, 504)


class _Note:
    status: int | None = None  # the HTTP status of the send's last answer; None: no answer came

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status <= 299


# Set by TelegramTransport around one send (each send runs in its own task, so its own context); NoteAccepted
# writes into it the HTTP status the Bot API answered that send with.
_SENDING: ContextVar[_Note | None] = ContextVar("zhiri_sending", default=None)


class Wrapped(BaseRequest):
    """A request around another (PTB's own): everything passes through; a wrapper overrides `do_request`
    and calls `super().do_request` for the real call."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

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
        return await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )


class NoteAccepted(Wrapped):
    """The bot's request (around PTB's own, in bot.app.make_bot): notes how the Bot API answered a send, so
    that an accepted send (2xx) whose answer PTB cannot read is not sent again, and an answer from the API
    (say a 500 for one chat) is told from no answer at all (an outage)."""

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
        code, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        note = _SENDING.get()
        if note is not None:
            note.status = code
        return code, payload


# The `rate_limit_args` of the outbox's own sends: paced by the sender already, and retried by the outbox
# (bot.pacing.PacedReplies lets them pass).
OUTBOX = "outbox"


class TelegramTransport:
    """Sends through a `telegram.Bot`: the one `bot.app.make_bot` builds (production and the fault tests)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: Outgoing) -> int | None:
        note = _Note()
        token = _SENDING.set(note)
        try:
            return await self._send(message)
        except TransportError as exc:
            if note.accepted:
                self._accepted(message, exc)
                return None
            if exc.outage and note.status is not None and note.status not in _EVERYONES:
                # The API answered (a 500 for this chat, say): this message's problem, not an outage.
                raise TransportError(str(exc)) from exc
            raise
        except Exception as exc:
            if note.accepted:
                self._accepted(message, exc)
                return None
            raise
        finally:
            _SENDING.reset(token)

    def _accepted(self, message: Outgoing, exc: Exception) -> None:
        # Telegram has the message; only its answer was odd. Sending it again would double it.
        log.warning("a message to %s was accepted; its answer was unreadable: %r", message.chat_id, exc)

    async def _send(self, message: Outgoing) -> int | None:
        paced: dict[str, Any] = {}
        if isinstance(self.bot, ExtBot) and self.bot.rate_limiter is not None:
            paced["rate_limit_args"] = OUTBOX
        markup = telegram_channel.keyboard(message.offers)
        try:
            if message.document is not None:
                name = message.document_name or "report.xlsx"
                sent = await self.bot.send_document(
                    chat_id=message.chat_id,
                    document=InputFile(io.BytesIO(message.document), filename=name),
                    caption=message.text[:CAPTION_LIMIT] or None,
                    reply_markup=markup,
                    **paced,
                )
            else:
                sent = await self.bot.send_message(
                    chat_id=message.chat_id,
                    text=message.text,
                    reply_markup=markup,
                    # Lists carry many links: one preview card of the first would bury the list.
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    **paced,
                )
        except RetryAfter as exc:
            raise TransportError(str(exc), retry_after=retry_seconds(exc)) from exc
        except ChatMigrated as exc:
            raise TransportError(str(exc), migrate_to=int(exc.new_chat_id)) from exc
        except Forbidden as exc:
            # Kicked from the group, blocked by the user, or never started by them: the chat is lost to us.
            raise TransportError(str(exc), chat_gone=True, reason=gone_reason(str(exc))) from exc
        except BadRequest as exc:  # before NetworkError: BadRequest is one of its subclasses
            gone = any(w in exc.message.lower() for w in _CHAT_GONE)
            reason = gone_reason(str(exc)) if gone else None
            raise TransportError(str(exc), permanent=True, chat_gone=gone, reason=reason) from exc
        except (TimedOut, NetworkError, InvalidToken) as exc:
            # InvalidToken too: a revoked or mistyped token is fixed by an operator; keep the messages.
            raise TransportError(f"{type(exc).__name__}: {exc}", outage=True) from exc
        except TelegramError as exc:  # an error Telegram is not known to give: this message's problem
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return int(sent.message_id)


# Telegram's words for a lost chat -> the neutral reason (`domain.wording.GONE_REASONS`), first match wins.
_GONE_REASONS = (
    ("kicked", "removed"),
    ("blocked", "blocked"),
    ("not found", "missing"),
    ("deactivated", "deactivated"),
    ("initiate", "not_started"),
)


def gone_reason(error: str) -> str | None:
    low = error.lower()
    return next((reason for words, reason in _GONE_REASONS if words in low), None)


def retry_seconds(exc: RetryAfter) -> float:
    value = exc._retry_after  # a timedelta in PTB 22; the public property warns about its future type
    if isinstance(value, timedelta):
        return max(0.0, value.total_seconds())
    return max(0.0, float(value))
