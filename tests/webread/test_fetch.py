"""The HTTP shell: failures become readings, limits hold, the site is treated politely."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, date, datetime

import httpx

from tests.webread.server import Site
from webread import USER_AGENT, Reader

TODAY = date(2026, 11, 23)


async def test_http_errors_are_broken_with_the_status(site: Site) -> None:
    async with Reader(host_delay=0) as reader:
        r404 = await reader.read(site.url("/status/404"), today=TODAY)
        r500 = await reader.read(site.url("/status/500"), today=TODAY)
    assert (r404.status, r404.newest, r404.items) == ("broken", None, 0)
    assert "404" in r404.reason
    assert r500.status == "broken" and "500" in r500.reason


async def test_redirect_loop_is_broken(site: Site) -> None:
    async with Reader(host_delay=0) as reader:
        loop = await reader.read(site.url("/loop/a"), today=TODAY)
        chain = await reader.read(site.url("/chain/0"), today=TODAY)
    assert loop.status == "broken" and "重定向循环" in loop.reason
    assert chain.status == "broken" and "重定向循环" in chain.reason
    assert site.hits.get("/chain/11", 0) == 0  # the hop limit (10) held


async def test_redirects_are_followed(site: Site) -> None:
    async with Reader(host_delay=0) as reader:
        reading = await reader.read(site.url("/moved"), today=TODAY)
    assert reading.status == "ok" and reading.newest == date(2026, 11, 18)


async def test_meta_refresh_stub_is_followed(site: Site) -> None:
    async with Reader(host_delay=0) as reader:
        reading = await reader.read(site.url("/stub"), today=TODAY)
    assert reading.status == "ok" and reading.newest == date(2026, 11, 20)


async def test_timeout_is_broken_after_one_retry(site: Site) -> None:
    before = site.hits.get("/slow", 0)
    started = time.monotonic()
    async with Reader(host_delay=0, timeout=0.3) as reader:
        reading = await reader.read(site.url("/slow"), today=TODAY)
    assert reading.status == "broken" and "超时" in reading.reason
    assert site.hits.get("/slow", 0) - before == 2  # the first try and exactly one retry
    assert time.monotonic() - started < 1.5


async def test_one_retry_rescues_a_single_timeout(site: Site) -> None:
    async with Reader(host_delay=0, timeout=0.8) as reader:
        reading = await reader.read(site.url("/slow-once"), today=TODAY)
    assert reading.status == "ok" and reading.newest == date(2026, 11, 20)
    assert site.hits["/slow-once"] == 2


async def test_connection_refused_is_broken(closed_port: int) -> None:
    async with Reader(host_delay=0, timeout=2) as reader:
        reading = await reader.read(f"http://127.0.0.1:{closed_port}/list.html", today=TODAY)
    assert reading.status == "broken" and reading.reason == "连接被拒绝"


async def test_unresolvable_host_is_broken() -> None:
    def refuse_dns(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    async with Reader(host_delay=0, transport=httpx.MockTransport(refuse_dns)) as reader:
        reading = await reader.read("http://no-such-site.example.gov.cn/", today=TODAY)
    assert reading.status == "broken" and reading.reason == "域名解析失败"


async def test_a_bad_certificate_is_broken_without_a_retry() -> None:
    tries = 0

    def bad_certificate(request: httpx.Request) -> httpx.Response:
        nonlocal tries
        tries += 1
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate has expired", request=request)

    async with Reader(host_delay=0, transport=httpx.MockTransport(bad_certificate)) as reader:
        reading = await reader.read("https://www.cxs.gov.cn/tzgg/", today=TODAY)
    assert (reading.status, reading.reason, tries) == ("broken", "SSL证书校验失败", 1)


async def test_a_refused_connection_is_retried_once() -> None:
    tries = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal tries
        tries += 1
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    async with Reader(host_delay=0, transport=httpx.MockTransport(refuse)) as reader:
        reading = await reader.read("http://www.cxs.gov.cn/tzgg/", today=TODAY)
    assert (reading.status, reading.reason, tries) == ("broken", "连接被拒绝", 2)


async def test_bad_urls_are_broken() -> None:
    async with Reader(host_delay=0) as reader:
        reading = await reader.read("www.cxs.gov.cn/tzgg/", today=TODAY)
    assert reading.status == "broken" and "网址无效" in reading.reason


async def test_body_size_is_capped(site: Site) -> None:
    # /big is about 320 KB: read up to the cap and parse what came (the newest items are on top) ...
    async with Reader(host_delay=0, max_bytes=100_000) as reader:
        reading = await reader.read(site.url("/big"), today=TODAY)
    assert reading.status == "ok" and reading.newest == date(2026, 11, 18)
    assert reading.items < 4000 and "页面过大" in reading.reason
    # ... and when the declared length is far beyond it, do not download at all
    async with Reader(host_delay=0, max_bytes=20_000) as reader:
        refused = await reader.read(site.url("/big"), today=TODAY)
    assert refused.status == "unknown" and "页面过大" in refused.reason


async def test_non_html_is_unknown(site: Site) -> None:
    async with Reader(host_delay=0) as reader:
        reading = await reader.read(site.url("/pdf"), today=TODAY)
    assert reading.status == "unknown" and "application/pdf" in reading.reason


async def test_user_agent_is_clear(site: Site) -> None:
    async with Reader(host_delay=0) as reader:
        await reader.read(site.url("/corpus/em_date.html"), today=TODAY)
    assert site.user_agents[-1] == USER_AGENT


class _Timed(httpx.AsyncHTTPTransport):
    """The real transport, noting when the reader hands it each request (on the client's clock: the server's
    arrival times also carry the scheduling of a loaded machine, which made this test flaky)."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.starts.append(time.monotonic())
        return await super().handle_async_request(request)


async def test_per_host_delay_spaces_requests(site: Site) -> None:
    paths = [f"/corpus/em_date.html?n={i}" for i in range(4)]
    timed = _Timed()
    async with Reader(host_delay=0.15, per_host=4, transport=timed) as reader:
        readings = await reader.read_many([site.url(p) for p in paths], today=TODAY)
    assert [r.status for r in readings.values()] == ["ok"] * 4, readings
    assert len(timed.starts) == 4 and len(site.starts) >= 4  # the requests did reach the site
    gaps = [b - a for a, b in itertools.pairwise(sorted(timed.starts))]
    assert all(gap >= 0.12 for gap in gaps), gaps  # the reader waits 0.15 s; a little scheduling slack


async def test_per_host_limit_holds() -> None:
    active = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.05)
        active -= 1
        return httpx.Response(
            200, html="<ul><li><a href='/a'>楚雄市工作动态标题</a><span>2026-11-18</span></li></ul>"
        )

    urls = [f"http://www.example.gov.cn/list_{i}.html" for i in range(8)]
    async with Reader(host_delay=0, per_host=2, transport=httpx.MockTransport(handler)) as reader:
        readings = await reader.read_many(urls, today=TODAY)
    assert peak == 2
    assert {r.status for r in readings.values()} == {"ok"}


async def test_read_many_dedupes_and_keys_by_url(site: Site) -> None:
    url = site.url("/corpus/em_date.html?dedupe")
    async with Reader(host_delay=0) as reader:
        readings = await reader.read_many([url, url, site.url("/status/404")], today=TODAY)
    assert list(readings) == [url, site.url("/status/404")]
    assert readings[url].status == "ok"


async def test_a_reader_bug_is_a_reading_not_a_crash(site: Site, monkeypatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("webread.fetch.extract", explode)
    async with Reader(host_delay=0) as reader:
        reading = await reader.read(site.url("/corpus/em_date.html"), today=TODAY)
    assert reading.status == "unknown" and "RuntimeError" in reading.reason


async def test_a_reading_keeps_the_evidence_status_time_title_and_link(site: Site) -> None:
    fixed = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
    async with Reader(host_delay=0, clock=lambda: fixed) as reader:
        ok = await reader.read(site.url("/corpus/real_trs_yearless_link_year.html"), today=TODAY)
        gone = await reader.read(site.url("/status/404"), today=TODAY)
    assert (ok.status, ok.newest, ok.http_status, ok.fetched_at) == ("ok", date(2017, 10, 19), 200, fixed)
    assert ok.title == "江西（樟树）医药产业招商引资推介会举行"
    assert ok.link == site.url("/corpus/201710/t20171019_398276.html")  # made absolute
    assert (gone.status, gone.http_status, gone.fetched_at) == ("broken", 404, fixed)
