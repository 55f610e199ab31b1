"""A light availability probe: is the page answering at all, as an inspector's monitor would ask.

One HEAD request (a small GET when the server refuses HEAD), a whole-request time limit of 15 seconds by
default (the indicator's line), no retry (a retry would hide the very failure that is being counted), and
the same politeness as the reader: at most `per_host` requests at once to one host, spaced `host_delay`
seconds apart. A probe is reachable when a response with a status below 400 arrives in time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from webread.fetch import USER_AGENT
from webread.polite import Host, Hosts

_HEAD_REFUSED = frozenset({405, 501})


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    url: str
    reachable: bool
    http_status: int | None  # None: no answer at all
    elapsed: float  # seconds
    reason: str  # in Chinese, for people: why it counts as unreachable ("" when reachable)


class Prober:
    """Probes pages. Use as `async with Prober() as prober: await prober.probe(url)`."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        per_host: int = 1,
        host_delay: float = 1.0,
        user_agent: str = USER_AGENT,
        transport: httpx.AsyncBaseTransport | None = None,
        hosts: Hosts | None = None,
    ) -> None:
        self.timeout = timeout
        self.user_agent = user_agent
        self._transport = transport
        # `hosts`: another's politeness to share (a reader's), so both together stay within its limits
        self.hosts = hosts or Hosts(per_host=per_host, delay=host_delay)
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Prober:
        self._client = httpx.AsyncClient(
            headers={"User-Agent": self.user_agent, "Range": "bytes=0-1023"},
            follow_redirects=True,
            max_redirects=5,
            timeout=httpx.Timeout(self.timeout),
            transport=self._transport,
            verify=True,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def probe_many(self, urls: Iterable[str]) -> list[ProbeOutcome]:
        return list(await asyncio.gather(*(self.probe(u) for u in urls)))

    async def probe(self, url: str) -> ProbeOutcome:
        host = self.hosts.of(url)
        async with host.slots:
            started = 0.0
            try:
                started, status = await self._request(host, "HEAD", url)
                if status in _HEAD_REFUSED:
                    # a server that refuses HEAD: a GET for the first KB only, closed once the headers are in
                    started, status = await self._request(host, "GET", url)
            except TimeoutError:
                return self._out(url, None, started, f"{self.timeout:g}秒内没有响应")
            except httpx.ConnectError:
                return self._out(url, None, started, "无法连接（服务器拒绝连接或域名无法解析）")
            except httpx.TooManyRedirects:
                return self._out(url, None, started, "重定向次数过多")
            except httpx.HTTPError as exc:
                return self._out(url, None, started, f"连接出错：{type(exc).__name__}")
        return self._out(url, status, started, "" if status < 400 else f"HTTP {status}")

    async def _request(self, host: Host, method: str, url: str) -> tuple[float, int]:
        """One request, paced like every other to this host, within the time limit: (start, status)."""
        client = self._client
        if client is None:
            raise RuntimeError("Prober is not open: use `async with Prober() as prober`")
        await host.pace()
        started = time.monotonic()
        async with asyncio.timeout(self.timeout), client.stream(method, url) as response:
            return started, response.status_code

    @staticmethod
    def _out(url: str, status: int | None, started: float, reason: str) -> ProbeOutcome:
        return ProbeOutcome(url, not reason, status, time.monotonic() - started, reason)
