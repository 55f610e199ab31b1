"""The one send seam: everything Zhiri sends leaves through a transport's `send`. Platform-neutral.

A transport turns an outbox row into a message on one platform and turns the platform's failures into a
`TransportError` the sender understands: wait as asked (`retry_after`), the platform is unreachable
(`outage`: everyone waits), follow the chat elsewhere (`migrate_to`), or give up (`permanent`; `chat_gone`
when the whole chat is lost, not just this message). Anything else, a TransportError with none of these or
any other exception, is unexpected: that one message is retried with backoff and set aside after a few tries,
while the other chats go on. A send the platform accepted is never reported as failed, however odd its answer.
Telegram's transport is `channels.telegram_send.TelegramTransport`; a WeCom / DingTalk / Feishu group robot
would be another class with the same `send` and the same errors. Tests fake this seam.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.actions import Offer
from domain.notice import TELEGRAM, Mention


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
        outage: bool = False,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent or chat_gone
        self.retry_after = retry_after
        self.migrate_to = migrate_to
        self.chat_gone = chat_gone
        self.outage = outage
        # Why a chat is gone, in the platform-neutral words of `domain.wording.GONE_REASONS` ("removed",
        # "blocked" …); None: the platform's own message says it.
        self.reason = reason

    def __repr__(self) -> str:
        return (
            f"TransportError({str(self)!r}, permanent={self.permanent}, retry_after={self.retry_after}, "
            f"migrate_to={self.migrate_to}, chat_gone={self.chat_gone}, outage={self.outage})"
        )


@dataclass(frozen=True)
class Outgoing:
    """What a transport needs of an outbox row."""

    chat_id: int
    text: str
    offers: tuple[tuple[Offer, ...], ...] = ()  # the actions offered under it, platform-neutral
    document: bytes | None = None
    document_name: str | None = None
    platform: str = TELEGRAM  # the chat's platform: `channels.registry.Channels` hands it to that transport
    # The one unit the chat is bound to (`Outbox.unit_id`; None: several, or all): a robot's signed links
    # are bound to it.
    unit_id: int | None = None
    # Whom a group robot @s (`Outbox.mentions`, as planned); Telegram's transport ignores it.
    mentions: tuple[Mention, ...] = ()


class Transport(Protocol):
    async def send(self, message: Outgoing) -> int | None:
        """Deliver one message; return the platform's message id. Raise TransportError when not delivered."""
        ...
