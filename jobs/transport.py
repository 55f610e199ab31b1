"""The one send seam: everything Zhiri sends leaves through a transport's `send`.

A transport turns an outbox row into a message on one platform and turns the platform's failures into a
`TransportError` the sender understands: try again later (`retry_after`, or a plain transient error), follow
the chat elsewhere (`migrate_to`), or give up (`permanent`; `chat_gone` when the whole chat is lost, not just
this message). Telegram is the only transport today; a WeCom / DingTalk / Feishu group robot would be another
class with the same `send` (its chat ids would be robot webhooks) and the same errors. Tests fake this seam.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
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

CAPTION_LIMIT = 1024


class TransportError(Exception):
    """A send that did not go through, and what to do about it."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        migrate_to: int | None = None,
        chat_gone: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent or chat_gone
        self.retry_after = retry_after
        self.migrate_to = migrate_to
        self.chat_gone = chat_gone

    def __repr__(self) -> str:
        return (
            f"TransportError({str(self)!r}, permanent={self.permanent}, retry_after={self.retry_after}, "
            f"migrate_to={self.migrate_to}, chat_gone={self.chat_gone})"
        )


@dataclass(frozen=True)
class Outgoing:
    """What a transport needs of an outbox row."""

    chat_id: int
    text: str
    reply_markup: str | None = None  # JSON of an InlineKeyboardMarkup
    document: bytes | None = None
    document_name: str | None = None


class Transport(Protocol):
    async def send(self, message: Outgoing) -> int | None:
        """Deliver one message; return the platform's message id. Raise TransportError when not delivered."""
        ...


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


class TelegramTransport:
    """Sends through a `telegram.Bot` (the application's, with its AIORateLimiter, in production)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: Outgoing) -> int | None:
        markup = None
        if message.reply_markup:
            markup = InlineKeyboardMarkup.de_json(json.loads(message.reply_markup), self.bot)
        try:
            if message.document is not None:
                name = message.document_name or "report.xlsx"
                sent = await self.bot.send_document(
                    chat_id=message.chat_id,
                    document=InputFile(io.BytesIO(message.document), filename=name),
                    caption=message.text[:CAPTION_LIMIT] or None,
                    reply_markup=markup,
                )
            else:
                sent = await self.bot.send_message(
                    chat_id=message.chat_id,
                    text=message.text,
                    reply_markup=markup,
                    # Lists carry many links: one preview card of the first would bury the list.
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
        except RetryAfter as exc:
            raise TransportError(str(exc), retry_after=_seconds(exc)) from exc
        except ChatMigrated as exc:
            raise TransportError(str(exc), migrate_to=int(exc.new_chat_id)) from exc
        except Forbidden as exc:
            # Kicked from the group, blocked by the user, or never started by them: the chat is lost to us.
            raise TransportError(str(exc), chat_gone=True) from exc
        except BadRequest as exc:  # before NetworkError: BadRequest is one of its subclasses
            gone = any(w in exc.message.lower() for w in _CHAT_GONE)
            raise TransportError(str(exc), permanent=True, chat_gone=gone) from exc
        except (TimedOut, NetworkError, InvalidToken) as exc:
            # InvalidToken too: a revoked or mistyped token is fixed by an operator; keep the messages.
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        except TelegramError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return int(sent.message_id)


def _seconds(exc: RetryAfter) -> float:
    value = exc._retry_after  # a timedelta in PTB 22; the public property warns about its future type
    if isinstance(value, timedelta):
        return max(0.0, value.total_seconds())
    return max(0.0, float(value))
