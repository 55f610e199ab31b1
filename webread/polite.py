"""Politeness towards one host, shared by the reader and the availability probe.

A government site is a small server behind a strict firewall: at most `per_host` requests to one host at
once, and the starts of two requests to it at least `delay` seconds apart. A reader and a prober that are
given the same `Hosts` share these limits, so probing never adds a burst to a reading of the same site.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(slots=True)
class Host:
    slots: asyncio.Semaphore  # hold one for the whole request
    delay: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0
    ended_at: float = 0.0  # when the last request to this host ended (its answer read, or it failed)

    async def pace(self) -> None:
        """Wait until `delay` seconds have passed since the start of the last request to this host."""
        if not self.delay:
            return
        loop = asyncio.get_running_loop()
        async with self.lock:
            wait = self.next_at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.next_at = loop.time() + self.delay

    def ended(self) -> None:
        self.ended_at = asyncio.get_running_loop().time()

    async def rest(self) -> None:
        """Wait out the pause after the last request, counted from when it started and from when it ended:
        whoever reads this host next (another worker process, which knows nothing of this one's clock) may
        then start at once and the host still had `delay` seconds of quiet since its last answer."""
        wait = max(self.next_at, self.ended_at + self.delay if self.ended_at else 0.0)
        wait -= asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)


def host_of(url: str) -> str:
    """The host a URL's requests go to, as politeness counts them."""
    return (urlsplit(url).hostname or "").lower()


class Hosts:
    """The hosts requests went to, each with its own limit and pace."""

    def __init__(self, *, per_host: int, delay: float) -> None:
        self.per_host = max(1, per_host)
        self.delay = max(0.0, delay)
        self._hosts: dict[str, Host] = {}

    def of(self, url: str) -> Host:
        key = host_of(url)
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = Host(asyncio.Semaphore(self.per_host), self.delay)
        return host

    async def rest(self) -> None:
        """Wait out every host's pause (`Host.rest`)."""
        for host in list(self._hosts.values()):
            await host.rest()
