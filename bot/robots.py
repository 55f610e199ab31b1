"""The three group robots as channels of the bot (`channels.registry`): each its platform's `Style`, all
sharing one `RobotTransport` over one `httpx.AsyncClient`, which finds a chat's robot in the database.

The lookup reads the chat's binding on every send rather than caching it: one indexed read, measured at
1.7 ms (SQLite) and 8.8 ms (PostgreSQL) per lookup on a busy 2-core machine (2000 lookups over 50 robots), the
same order as the claim and mark-sent transactions the sender already makes for every message, against a
robot's pace of at most 20 messages a minute; and a binding added, fixed or removed from the command line
(another process) holds for the very next message, with no cache to go stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from channels.registry import Channel
from channels.robots.common import Links
from channels.robots.transport import PLATFORMS, RobotTransport
from channels.transport import TransportError
from domain.robots import Kind, Robot
from domain.wording import Style
from storage import robots
from storage.sealed import KeyRefused

TIMEOUT = httpx.Timeout(15.0, connect=10.0)
ROBOT_CLIENT = "robot_client"  # the application's bot_data key of the robots' HTTP client


def lookup(engine: Engine) -> Callable[[int], Robot | None]:
    """A robot chat's address (its own `Chat.id`) to the robot bound to it now, or None."""

    def find(address: int) -> Robot | None:
        with Session(engine) as session:
            try:
                return robots.webhook(session, address)
            except KeyRefused as exc:
                # A binding sealed under another key (added by a command line with another CHANNEL_KEY):
                # retried, then set aside and reported to the administrators with what to do; never dropped.
                raise TransportError(str(exc)) from None

    return find


def robot_channels(engine: Engine, client: httpx.AsyncClient, links: Links) -> tuple[Channel, ...]:
    """DingTalk, WeCom and Feishu as channels, their messages carrying `links` (`bot.webpage.robot_links`:
    signed links to the web page, or none without it)."""
    transport = RobotTransport(lookup(engine), client, links)
    return tuple(Channel(kind.value, transport, PLATFORMS[kind].style) for kind in Kind)


def robot_styles() -> dict[str, Style]:
    """Each robot platform's message style, for what is worded outside the routine (the link check)."""
    return {kind.value: PLATFORMS[kind].style for kind in Kind}


def robot_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT)


async def close_robots(bot_data: Mapping[str, object]) -> None:
    """Close the robots' HTTP client at shutdown (`zhiri run`)."""
    client = bot_data.get(ROBOT_CLIENT)
    if isinstance(client, httpx.AsyncClient):
        await client.aclose()
