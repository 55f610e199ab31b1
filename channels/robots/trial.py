"""One test message through each of some robots, straight through the robots' transport (not the outbox):
what `zhiri channel test` and `/robot test` send, to show an administrator at once whether a binding works."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

from channels.robots.common import NoLinks
from channels.robots.transport import RobotTransport
from channels.transport import Outgoing, TransportError
from domain.robots import Robot

TIMEOUT = 10.0  # seconds: an administrator is waiting


def _only(robot: Robot) -> Callable[[int], Robot | None]:
    return lambda _address: robot


async def try_robots(
    robots: Sequence[Robot], text: str, client: httpx.AsyncClient | None = None
) -> list[TransportError | None]:
    """Each robot's answer to `text`: None when it accepted the message, else why not. One at a time."""
    own = client is None
    http = client or httpx.AsyncClient(timeout=TIMEOUT)
    results: list[TransportError | None] = []
    try:
        for robot in robots:
            transport = RobotTransport(_only(robot), http, NoLinks())
            try:
                await transport.send(Outgoing(chat_id=0, text=text, platform=robot.kind.value))
            except TransportError as exc:
                results.append(exc)
            else:
                results.append(None)
    finally:
        if own:
            await http.aclose()
    return results
