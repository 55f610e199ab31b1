"""The thin I/O shell around `extract`: fetch list pages politely and turn every failure into a reading.

Government sites are small servers behind strict firewalls; a burst of requests from one address gets it
blocked (and blocked means every column of the site reads "broken"). So: a clear User-Agent, few requests
per host at a time with a pause between them, one retry at most, and hard limits on time and size.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from types import TracebackType
from urllib.parse import urljoin

import httpx

from domain.model import ReadStatus
from webread.extract import PageReading, extract, refresh_target
from webread.pagelinks import page_links
from webread.polite import Hosts

USER_AGENT = "Zhiri/0.1 (+government website freshness check; contact: site administrator)"
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Content types that are surely not a list page; a column "URL" is sometimes a PDF or a Word file.
_NOT_HTML = (
    *("application/pdf", "application/msword", "application/vnd.", "application/zip"),
    *("image/", "video/", "audio/", "application/octet-stream"),
)


class _Failed(Exception):
    """A fetch that ends the reading as broken, with a Chinese reason."""

    def __init__(self, reason: str, *, retry: bool = False, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.http_status = http_status


class _NotPage(Exception):
    def __init__(self, reason: str, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


@dataclass(slots=True)
class _Fetched:
    body: bytes
    headers: httpx.Headers
    url: str
    status: int = 200


class Reader:
    """Reads column list pages. Use as `async with Reader() as reader: await reader.read(url, today=...)`.

    Limits: `per_host` concurrent requests to one host (default 2) with `host_delay` seconds between the
    starts of two requests to it (default 0.5), `global_limit` requests at once overall (default 16),
    `timeout` seconds for a whole request (default 15; connect and read each get the same bound), at most
    `retries` retry (default 1) after a connect error or a timeout, at most `max_redirects` redirects,
    and `max_bytes` of body (default 5 MB; the rest is not downloaded).
    """

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        per_host: int = 2,
        host_delay: float = 0.5,
        global_limit: int = 16,
        retries: int = 1,
        max_redirects: int = 10,
        max_bytes: int = 5 * 1024 * 1024,
        max_refreshes: int = 2,
        user_agent: str = USER_AGENT,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        offload: bool = True,
        clock: Callable[[], datetime] | None = None,
        hosts: Hosts | None = None,
    ) -> None:
        # when a page was fetched is evidence kept with the reading: the one clock the reader reads
        self.clock = clock or (lambda: datetime.now(UTC))
        self.timeout = timeout
        self.per_host = max(1, per_host)
        self.host_delay = max(0.0, host_delay)
        self.retries = max(0, min(retries, 1))  # never a retry storm against a struggling server
        self.max_redirects = max_redirects
        self.max_bytes = max_bytes
        self.max_refreshes = max_refreshes
        self.user_agent = user_agent
        self.offload = offload
        self.global_limit = max(1, global_limit)
        self._global = asyncio.Semaphore(self.global_limit)
        # `hosts`: another's politeness to share (a prober's), so both together stay within its limits
        self.hosts = hosts or Hosts(per_host=self.per_host, delay=self.host_delay)
        self._client = client
        self._own_client = client is None
        self._transport = transport

    async def __aenter__(self) -> Reader:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport,
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,  # followed by hand: loops are reported, hops are counted
                headers={
                    "User-Agent": self.user_agent,
                    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                    "Accept-Language": "zh-CN,zh;q=0.9",
                },
                limits=httpx.Limits(
                    max_connections=self.global_limit, max_keepalive_connections=self.global_limit
                ),
            )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

    # -- public -------------------------------------------------------------------------------------------

    async def read(self, url: str, *, today: date) -> PageReading:
        """Fetch `url` and read it. Never raises for network or content trouble: that is a reading too."""
        current = url
        for _ in range(self.max_refreshes + 1):
            try:
                fetched = await self._fetch(current)
            except _Failed as failed:
                return PageReading(
                    ReadStatus.BROKEN,
                    None,
                    0,
                    failed.reason,
                    http_status=failed.http_status,
                    fetched_at=self.clock(),
                )
            except _NotPage as not_page:
                return PageReading(
                    ReadStatus.UNKNOWN,
                    None,
                    0,
                    not_page.reason,
                    http_status=not_page.http_status,
                    fetched_at=self.clock(),
                )
            fetched_at = self.clock()
            reading = await self._extract(fetched, today)
            link = urljoin(fetched.url, reading.link) if reading.link else ""
            reading = replace(reading, http_status=fetched.status, fetched_at=fetched_at, link=link)
            if reading.status == ReadStatus.UNKNOWN:
                # A column address is often a stub that forwards with <meta refresh> or location.href.
                # (Not after a soft 404: "returning to the home page" must not read the home page.)
                target = refresh_target(fetched.body, url=fetched.url, headers=fetched.headers)
                if target and target != fetched.url and target.startswith(("http://", "https://")):
                    current = target
                    continue
            if len(fetched.body) >= self.max_bytes:  # cut short by _body
                reading = replace(
                    reading, reason=f"{reading.reason}（页面过大，只读了前{self.max_bytes // 1024}KB）"
                )
            return reading
        return PageReading(ReadStatus.BROKEN, None, 0, "页面跳转次数过多（meta refresh）")

    async def read_many(self, urls: Iterable[str], *, today: date) -> dict[str, PageReading]:
        """Read several pages at once, within the limits. Duplicates are read once."""
        unique = list(dict.fromkeys(urls))
        readings = await asyncio.gather(*(self.read(u, today=today) for u in unique))
        return dict(zip(unique, readings, strict=True))

    async def rest(self) -> None:
        """Return once every host read is ready for its next request (the pause after the last one has
        passed): a queued job ends with this before it lets go of its host."""
        await self.hosts.rest()

    # -- internals ----------------------------------------------------------------------------------------

    async def _extract(self, fetched: _Fetched, today: date) -> PageReading:
        try:
            if self.offload:
                # parsing is CPU work; a thread keeps the event loop (and the bot on it) responsive
                return await asyncio.to_thread(_read_page, fetched, today)
            return _read_page(fetched, today)
        except Exception as exc:  # a reader bug must not stop the other columns' readings
            return PageReading(ReadStatus.UNKNOWN, None, 0, f"解析页面出错：{type(exc).__name__}")

    async def _fetch(self, url: str) -> _Fetched:
        if not url.lower().startswith(("http://", "https://")):
            raise _Failed("网址无效（须以 http:// 或 https:// 开头）")
        host = self.hosts.of(url)
        attempt = 0
        while True:
            async with host.slots:
                await host.pace()
                async with self._global:
                    try:
                        async with asyncio.timeout(self.timeout):
                            return await self._get(url)
                    except TimeoutError:
                        failure = _Failed(f"请求超时（{self.timeout:g}秒）", retry=True)
                    except _Failed as failed:
                        failure = failed
                    finally:
                        host.ended()
            if not failure.retry or attempt >= self.retries:
                raise failure
            attempt += 1

    async def _get(self, url: str) -> _Fetched:
        client = self._client
        if client is None:
            raise RuntimeError("Reader is not open: use `async with Reader() as reader`")
        seen = {url}
        current = url
        for _ in range(self.max_redirects + 1):
            try:
                request = client.build_request("GET", current)
                response = await client.send(request, stream=True)
            except httpx.InvalidURL:
                raise _Failed("网址无效") from None
            except httpx.UnsupportedProtocol:
                raise _Failed("网址协议不受支持") from None
            except httpx.TimeoutException as exc:
                raise _Failed(_timeout_reason(exc, self.timeout), retry=True) from None
            except httpx.ConnectError as exc:
                reason = _connect_reason(exc)
                raise _Failed(reason, retry=reason != _BAD_CERTIFICATE) from None  # a retry cannot mend it
            except httpx.HTTPError as exc:
                raise _Failed(f"连接出错：{type(exc).__name__}") from None
            try:
                if response.status_code in _REDIRECT_CODES:
                    location = response.headers.get("location")
                    if not location:
                        raise _Failed(f"HTTP {response.status_code} 跳转缺少目标地址")
                    target = str(response.url.join(location))
                    if target in seen:
                        raise _Failed("重定向循环")
                    seen.add(target)
                    current = target
                    continue
                if response.status_code >= 400:
                    raise _Failed(
                        f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                        http_status=response.status_code,
                    )
                content_type = response.headers.get("content-type", "").lower()
                if content_type.startswith(_NOT_HTML):
                    raise _NotPage(f"不是网页（{content_type.split(';')[0]}）", response.status_code)
                body = await self._body(response)
                return _Fetched(body, response.headers, str(response.url), response.status_code)
            except httpx.TimeoutException as exc:
                raise _Failed(_timeout_reason(exc, self.timeout), retry=True) from None
            except httpx.HTTPError as exc:
                raise _Failed(f"读取中断：{type(exc).__name__}") from None
            finally:
                await response.aclose()
        raise _Failed(f"重定向循环（超过{self.max_redirects}次跳转）")

    async def _body(self, response: httpx.Response) -> bytes:
        """The body, at most `max_bytes` of it."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes * 4:
            raise _NotPage(f"页面过大（{int(declared) // 1048576}MB），不像栏目列表页")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= self.max_bytes:
                # the newest items are at the top of a list page; the tail of a huge page adds nothing
                return b"".join(chunks)[: self.max_bytes]
        return b"".join(chunks)


def _read_page(fetched: _Fetched, today: date) -> PageReading:
    """What the page says, and the links it shows (for the broken-link check)."""
    reading = extract(fetched.body, headers=fetched.headers, today=today)
    links = page_links(fetched.body, url=fetched.url, headers=fetched.headers)
    return replace(reading, links=tuple(links))


def _timeout_reason(exc: httpx.TimeoutException, timeout: float) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"连接超时（{timeout:g}秒）"
    if isinstance(exc, httpx.ReadTimeout):
        return f"读取超时（{timeout:g}秒）"
    return f"请求超时（{timeout:g}秒）"


def _is_certificate(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


_BAD_CERTIFICATE = "SSL证书校验失败"
_DNS_FAILURES = (
    *("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo"),
    *("no address associated", "errno -2", "errno -3", "errno -5"),
)


def _connect_reason(exc: httpx.ConnectError) -> str:
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        text += f" {cause}"
        cause = cause.__cause__ or cause.__context__
    lowered = text.lower()
    if _is_certificate(exc):
        return _BAD_CERTIFICATE
    if any(s in lowered for s in _DNS_FAILURES):
        return "域名解析失败"
    if "refused" in lowered or "errno 111" in lowered:
        return "连接被拒绝"
    if "unreachable" in lowered:
        return "网络不可达"
    if "ssl" in lowered or "tls" in lowered:
        return "SSL/TLS握手失败"
    return "无法连接服务器"
