"""The chat platforms the bot speaks on, keyed by platform: each one's `Style` and transport.

The routine cuts every message to the style of its recipient's platform (`Chat.platform`, kept on the outbox
row), and the sender hands each row to its platform's transport: `Channels` is itself the sender's one
transport. Each transport draws the offered actions its own way with its platform's encoder (Telegram's:
`channels.telegram.keyboard`; a group robot's: signed links to the web page). `bot.schedule` registers
Telegram and the three group robots (`bot.robots.robot_channels`); another platform is one more `Channel`
here, nothing else in the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from channels.transport import Outgoing, Transport, TransportError
from domain.notice import TELEGRAM
from domain.wording import Style


@dataclass(frozen=True)
class Channel:
    platform: str  # the key stored with each chat and outbox row ("telegram")
    transport: Transport
    style: Style | None = None  # None: the routine's settings decide (`RoutineSettings.max_text` …)


class Channels:
    """Every registered platform; `send` hands a message to its platform's transport."""

    def __init__(self, *channels: Channel) -> None:
        self._by: dict[str, Channel] = {}
        for channel in channels:
            if channel.platform in self._by:
                raise ValueError(f"platform registered twice: {channel.platform}")
            self._by[channel.platform] = channel

    @classmethod
    def of(cls, transport: Transport | Channels, style: Style | None = None) -> Channels:
        """`transport` as the registry: a bare transport is Telegram's (tests, and the tools that send)."""
        if isinstance(transport, Channels):
            return transport
        return cls(Channel(TELEGRAM, transport, style))

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(self._by)

    @property
    def styles(self) -> Mapping[str, Style]:
        """The platforms' own styles, for the routine's rendering (the others are cut by its settings)."""
        return {platform: c.style for platform, c in self._by.items() if c.style is not None}

    def style(self, platform: str) -> Style:
        channel = self._by.get(platform)
        return channel.style if channel is not None and channel.style is not None else Style()

    async def send(self, message: Outgoing) -> int | None:
        channel = self._by.get(message.platform)
        if channel is None:
            # Kept and reported like any refused message, never dropped in silence.
            raise TransportError(f"no transport for the platform {message.platform!r}", permanent=True)
        return await channel.transport.send(message)
