"""Checking links politely: does the address open for a person who clicks it?

A HEAD request (a small GET, the first KB only, when the server refuses HEAD: many government servers answer
HEAD with 403, 405 or 501), redirects followed, within `timeout` seconds; a timeout or a connection error
(a name that does not resolve included) is tried once more, after the host's pause, before the link is
called dead (a busy server drops a request now and then; one failure is not a broken link). The same
politeness as the reader: at most `per_host` requests at once to one host, their starts `host_delay`
seconds apart, and at most `global_limit` requests at once overall.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from domain.links import LinkState, state_of
from webread.fetch import _BAD_CERTIFICATE, USER_AGENT, _connect_reason
from webread.polite import Hosts

# What a server that does not take HEAD answers to one: a GET tells the truth about these.
_HEAD_REFUSED = frozenset({400, 403, 404, 405, 501})


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    url: str
    state: LinkState
    http_status: int | None  # the final answer's (redirects followed); None: no answer at all
    reason: str  # in Chinese, for people: why it does not open ("" when it does)
    attempts: int  # requests made (HEAD, GET and the retry count each)


class _NoAnswer(Exception):
    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry  # a timeout or a refused connection may pass; a bad address or certificate not


class LinkChecker:
    """Checks links. Use as `async with LinkChecker() as checker: await checker.check_many(urls)`."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        per_host: int = 1,
        host_delay: float = 1.0,
        global_limit: int = 8,
        retries: int = 1,
        user_agent: str = USER_AGENT,
        transport: httpx.AsyncBaseTransport | None = None,
        hosts: Hosts | None = None,
    ) -> None:
        self.timeout = timeout
        self.retries = max(0, min(retries, 2))
        self.user_agent = user_agent
        self.global_limit = max(1, global_limit)
        self._global = asyncio.Semaphore(self.global_limit)
        self._transport = transport
        self.hosts = hosts or Hosts(per_host=per_host, delay=host_delay)
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> LinkChecker:
        self._client = httpx.AsyncClient(
            headers={"User-Agent": self.user_agent, "Accept": "*/*", "Accept-Language": "zh-CN,zh;q=0.9"},
            follow_redirects=True,
            max_redirects=5,
            timeout=httpx.Timeout(self.timeout),
            transport=self._transport,
            limits=httpx.Limits(max_connections=self.global_limit),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def check_many(
        self, urls: Iterable[str], *, progress: Callable[[int, int], None] | None = None
    ) -> list[LinkOutcome]:
        """Check every address within the limits; `progress(done, total)` after each (a terminal's bar)."""
        urls = list(urls)
        done = 0

        async def one(url: str) -> LinkOutcome:
            nonlocal done
            outcome = await self.check(url)
            done += 1
            if progress is not None:
                progress(done, len(urls))
            return outcome

        return list(await asyncio.gather(*(one(u) for u in urls)))

    async def check(self, url: str) -> LinkOutcome:
        attempts = 0
        reason = ""
        for _ in range(self.retries + 1):
            try:
                attempts += 1
                status = await self._request("HEAD", url)
                if status in _HEAD_REFUSED:
                    attempts += 1
                    status = await self._request("GET", url)
            except _NoAnswer as failed:
                reason = failed.reason
                if failed.retry:
                    continue  # once more, after the host's pause
                break
            return LinkOutcome(
                url, state_of(status), status, "" if status < 400 else f"HTTP {status}", attempts
            )
        return LinkOutcome(url, state_of(None), None, reason, attempts)

    async def _request(self, method: str, url: str) -> int:
        """One request to the link's host, paced like every other to it: the final status."""
        client = self._client
        if client is None:
            raise RuntimeError("LinkChecker is not open: use `async with LinkChecker() as checker`")
        host = self.hosts.of(url)
        async with host.slots:
            await host.pace()
            async with self._global:
                headers = {"Range": "bytes=0-1023"} if method == "GET" else None
                try:
                    async with (
                        asyncio.timeout(self.timeout),
                        client.stream(method, url, headers=headers) as response,
                    ):
                        return response.status_code
                except TimeoutError:
                    raise _NoAnswer(f"{self.timeout:g}秒内没有响应") from None
                except httpx.TimeoutException:
                    raise _NoAnswer(f"{self.timeout:g}秒内没有响应") from None
                except httpx.ConnectError as exc:
                    reason = _connect_reason(exc)
                    raise _NoAnswer(reason, retry=reason != _BAD_CERTIFICATE) from None
                except httpx.TooManyRedirects:
                    raise _NoAnswer("重定向次数过多", retry=False) from None
                except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                    raise _NoAnswer("网址无效", retry=False) from None
                except httpx.HTTPError as exc:
                    raise _NoAnswer(f"连接出错：{type(exc).__name__}") from None
