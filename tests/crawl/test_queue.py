"""The website reading spread over worker processes (READ_QUEUE=procrastinate, issue 16), on the tests' real
PostgreSQL: `queue_if_due` queues each site's day once, one job per host; real `zhiri worker` processes read
local multi-host sites; every page is read once, every reading kept once, one host never asked twice at once
and its pause held across workers; a job whose worker died, or that failed, is done again and logs once."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from procrastinate import RetryStrategy
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from domain.calendar import WorkCalendar
from jobs import queue
from jobs.crawl import CRAWL_SLOT, due_sites
from storage.db import make_engine, session_scope
from storage.items import Judge, set_rule
from storage.models import Item, ItemUnit, PageRead, RoutineRun, Site, Unit, UpdateLog
from storage.runtime import read_queue
from tests.bot.e2e import REPO, bot_env
from tests.conftest import SHANGHAI, at, db_name
from tests.crawl.hosts import Hosts
from tests.support import postgres
from webread.fetch import Reader

pytestmark = pytest.mark.slow
NOW = at("2026-11-23 06:30")
CRAWL_AT = NOW.astimezone(SHANGHAI).time()
DELAY = 1.0  # READER_HOST_DELAY in these tests: seconds between the starts of two requests to one host
SLACK = 1.0  # how much later than sent the server may note a job's first request (assert_polite)


@pytest.fixture
def pg_engine(pg_server, pg_template) -> Iterator[Engine]:
    url = postgres.create_database(pg_server.url, db_name(f"zhiri_queue_{time.monotonic_ns()}"), pg_template)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def seed(engine: Engine, sites: dict[str, list[str]]) -> dict[str, int]:
    """Sites (name -> their columns' list-page addresses), each column due every two weeks. Returns each
    address's item id."""
    judge = Judge(tz=SHANGHAI, calendar=WorkCalendar())
    created = at("2026-09-01 09:00")
    ids: dict[str, int] = {}
    with session_scope(engine) as s:
        for name, urls in sites.items():
            site = Site(name=name, created_at=created)
            s.add(site)
            s.flush()
            unit = Unit(site_id=site.id, name=f"{name}办公室", created_at=created)
            s.add(unit)
            s.flush()
            for n, url in enumerate(urls):
                item = Item(
                    site_id=site.id,
                    kind="column",
                    key=f"column:首页/栏目{n}",
                    name=f"栏目{n}",
                    path=f"首页 / 栏目{n}",
                    level1="首页",
                    level2=f"栏目{n}",
                    url=url,
                    category="news",
                    created_at=created,
                )
                s.add(item)
                s.flush()
                s.add(ItemUnit(item_id=item.id, unit_id=unit.id, lead=True))
                set_rule(s, created, judge, item, "2周内更新")
                ids[url] = item.id
    return ids


def worker_env(engine: Engine, **extra: str) -> dict[str, str]:
    return bot_env(
        DATABASE_URL=url_of(engine),
        READ_QUEUE="procrastinate",
        READER_PER_HOST="1",
        READER_HOST_DELAY=str(DELAY),
        READER_TIMEOUT="10",
        WORKER_CONCURRENCY="2",
        WORKER_STALLED_AFTER="3",
        **extra,
    )


def spawn_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "worker"], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(20)


def wait_until(check, timeout: float, what: str, logs: list[Path] = ()) -> None:  # type: ignore[assignment]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            tails = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs)
            raise AssertionError(f"timed out waiting for {what}\n{tails}")
        time.sleep(0.2)


def jobs(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        query = "SELECT id, lock, status::text AS status, attempts, args FROM procrastinate_jobs ORDER BY id"
        rows = conn.execute(text(query))
        return [dict(r._mapping) for r in rows]


def read_jobs_done(engine: Engine) -> bool:
    found = [j for j in jobs(engine) if j["args"].get("host")]
    return bool(found) and all(j["status"] == "succeeded" for j in found)


def workers(engine: Engine) -> int:
    """The workers alive, as `zhiri health` counts them."""
    with session_scope(engine) as s:
        alive = timedelta(seconds=30)
        return read_queue(s, datetime.now(UTC), task=queue.READ_TASK, alive=alive, since=alive).workers


def readings_per_item(engine: Engine) -> Counter[int]:
    with session_scope(engine) as s:
        return Counter(r.item_id for r in s.exec(select(PageRead)))


def website_logs_per_item(engine: Engine) -> Counter[int]:
    with session_scope(engine) as s:
        return Counter(u.item_id for u in s.exec(select(UpdateLog).where(UpdateLog.source == "website")))


def assert_polite(hosts: Hosts) -> None:
    """What a host sees, whoever sent the requests: never two at once; from one job to the next (another
    worker, or the same one later) at least DELAY of quiet after the last answer (the job waits it out
    before it lets go of the host); and within a job the reader's pace, as far as it can be measured here.

    The reader spaces the starts it sends DELAY apart; the server notes each arrival a little later, by a
    varying amount on this shared 2-core machine (0.3-0.5 s seen for a worker's first request, sent while it
    still loads its HTTP code, or while another page is being parsed), so within a job only the overall pace
    is checked, with SLACK. (Without the lock, two jobs' requests overlapped; without the pause held at
    the end of a job, the next job's first request came about 0.1 s after the last answer.)"""
    for host, hits in hosts.by_host().items():
        for before, after in itertools.pairwise(hits):
            assert after.start >= before.end, f"two requests to {host} at once: {before} {after}"
            if before.path[1] != after.path[1]:  # /a… then /b…: one job handed the host to the next
                handed = f"{host} handed over too soon: {before} {after}"
                assert after.start - before.end >= DELAY - 0.05, handed
        for job in {hit.path[1] for hit in hits}:
            mine = [hit for hit in hits if hit.path[1] == job]
            span = mine[-1].start - mine[0].start
            assert span >= (len(mine) - 1) * DELAY - SLACK, f"{host} read too fast: {mine}"


def test_two_workers_read_every_page_once_and_keep_each_host_polite(tmp_path, pg_engine):
    hosts = Hosts(4).start()
    # Two sites share the first host (a province's county sites on one platform): their two jobs hold one
    # lock, so with four free job slots they still never read it at once.
    pages = {
        "甲县人民政府网站": [f"{hosts.bases[h]}/a{n}" for h in (0, 1, 2) for n in range(5)],
        "乙县人民政府网站": [f"{hosts.bases[h]}/b{n}" for h in (0, 3) for n in range(5)],
    }
    ids = seed(pg_engine, pages)
    app = queue.make_app(url_of(pg_engine))
    env = worker_env(pg_engine)
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    procs = [spawn_worker(env, log) for log in logs]
    try:
        wait_until(lambda: workers(pg_engine) == 2, 60, "both workers to start", logs)
        # Two `zhiri run` processes find the day's reading due at once: one queues it.
        with ThreadPoolExecutor(2) as pool:
            engines = [make_engine(url_of(pg_engine)) for _ in range(2)]
            queued = list(
                pool.map(lambda e: queue.queue_if_due(e, app, NOW, tz=SHANGHAI, at=CRAWL_AT), engines)
            )
            for e in engines:
                e.dispose()
        assert sum(queued) == 5, queued  # 3 hosts + 2 hosts, each site's day queued once
        assert queue.queue_if_due(pg_engine, app, NOW, tz=SHANGHAI, at=CRAWL_AT) == 0
        assert due_sites(pg_engine, NOW, tz=SHANGHAI, at=CRAWL_AT) == {}
        with session_scope(pg_engine) as s:
            site_ids = [site.id for site in s.exec(select(Site))]
            assert all(queue.reading_pending(s, sid, NOW.astimezone(SHANGHAI).date()) for sid in site_ids)
        wait_until(lambda: read_jobs_done(pg_engine), 120, "the queued reading", logs)
        with session_scope(pg_engine) as s:
            assert not any(queue.reading_pending(s, sid, NOW.astimezone(SHANGHAI).date()) for sid in site_ids)
            runs = s.exec(select(RoutineRun).where(RoutineRun.slot == CRAWL_SLOT)).all()
    finally:
        for proc in procs:
            stop(proc)
        hosts.stop()

    every = [url for urls in pages.values() for url in urls]
    assert len(runs) == 2  # one reading slot per site
    assert hosts.requests() == Counter(f"{urlsplit(url).hostname}{urlsplit(url).path}" for url in every)
    assert readings_per_item(pg_engine) == Counter({ids[url]: 1 for url in every})
    assert website_logs_per_item(pg_engine) == Counter({ids[url]: 1 for url in every})
    assert_polite(hosts)
    done = [j for j in jobs(pg_engine) if j["args"].get("host")]
    assert len(done) == 5 and all(j["attempts"] == 1 for j in done)
    # Both workers read: the work was spread, not done by one.
    assert all("pages read" in log.read_text() for log in logs), [log.read_text()[-2000:] for log in logs]
    with session_scope(pg_engine) as s:
        item = s.get(Item, ids[every[0]])
        assert item is not None and item.last_update_source == "website"


def test_a_job_left_by_a_killed_worker_is_finished_by_another_and_logs_each_update_once(tmp_path, pg_engine):
    hosts = Hosts(1, slow=0.25).start()
    urls = [f"{hosts.bases[0]}/p{n}" for n in range(8)]
    ids = seed(pg_engine, {"甲县人民政府网站": urls})
    app = queue.make_app(url_of(pg_engine))
    env = worker_env(pg_engine)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = spawn_worker(env, first_log)
    second = None
    try:
        wait_until(lambda: workers(pg_engine) == 1, 60, "the worker to start", [first_log])
        assert queue.queue_if_due(pg_engine, app, NOW, tz=SHANGHAI, at=CRAWL_AT) == 1
        kept = lambda: sum(readings_per_item(pg_engine).values()) >= 3  # noqa: E731
        wait_until(kept, 60, "some pages kept", [first_log])
        first.kill()  # SIGKILL mid-job: its job stays "doing" under a worker that never beats again
        first.wait(20)
        kept_before = set(readings_per_item(pg_engine))
        assert 3 <= len(kept_before) < len(urls)
        second = spawn_worker(env, second_log)
        wait_until(
            lambda: read_jobs_done(pg_engine),
            120,
            f"the job to be finished (jobs: {jobs(pg_engine)})",
            [first_log, second_log],
        )
    finally:
        stop(first)
        if second is not None:
            stop(second)
        hosts.stop()

    assert readings_per_item(pg_engine) == Counter({ids[url]: 1 for url in urls})
    assert website_logs_per_item(pg_engine) == Counter({ids[url]: 1 for url in urls})
    assert "left by a stopped worker" in second_log.read_text()
    asked = hosts.requests()
    # What the first worker kept is not asked again; only the page in flight at the kill may be.
    assert sum(asked.values()) <= len(urls) + 1, asked
    assert_polite(hosts)


class FailOnce(httpx.AsyncBaseTransport):
    """The network as it is, except that the `nth` request of the whole test fails once with an error the
    reader does not turn into a reading (as a bug, or the database going away under the job, would)."""

    def __init__(self, nth: int, seen: list[int]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.nth = nth
        self.seen = seen  # shared by the readers of every attempt

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(1)
        if len(self.seen) == self.nth:
            raise RuntimeError("the job broke mid-way")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_job_that_fails_is_retried_and_logs_each_update_once(pg_engine):
    hosts = Hosts(1, slow=0.01).start()
    urls = [f"{hosts.bases[0]}/p{n}" for n in range(6)]
    ids = seed(pg_engine, {"甲县人民政府网站": urls})
    app = queue.make_app(url_of(pg_engine), retry=RetryStrategy(max_attempts=3))
    assert queue.queue_if_due(pg_engine, app, NOW, tz=SHANGHAI, at=CRAWL_AT) == 1
    seen: list[int] = []
    tools = queue.Tools(
        engine=pg_engine,
        reader=lambda: Reader(per_host=1, host_delay=0.05, timeout=5, transport=FailOnce(4, seen)),
        judge=lambda s: Judge(tz=SHANGHAI, calendar=WorkCalendar()),
        stalled_after=30,
    )
    try:
        asyncio.run(queue.work(app, tools, concurrency=1, install_signal_handlers=False, wait=False))
    finally:
        hosts.stop()

    [job] = [j for j in jobs(pg_engine) if j["args"].get("host")]
    assert job["status"] == "succeeded" and job["attempts"] == 2
    assert readings_per_item(pg_engine) == Counter({ids[url]: 1 for url in urls})
    assert website_logs_per_item(pg_engine) == Counter({ids[url]: 1 for url in urls})
    # The retry asked only for the pages not kept yet: every page at least once, and again at most the one
    # whose reading was in hand when the job broke (kept or not, depending on where the failure caught it).
    asked = hosts.requests()
    pages = {f"{urlsplit(url).hostname}{urlsplit(url).path}" for url in urls}
    assert set(asked) == pages and sum(asked.values()) <= len(urls) + 1, hosts.by_host()


def test_the_queue_needs_postgresql_and_says_so(sqlite_url, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("READ_QUEUE", "procrastinate")
    assert main(["worker"]) == 2
    assert "READ_QUEUE=procrastinate 需要 PostgreSQL" in capsys.readouterr().err
    monkeypatch.setenv("READ_QUEUE", "local")
    assert main(["worker"]) == 2
    assert "READ_QUEUE 未设为 procrastinate" in capsys.readouterr().err


def test_zhiri_crawl_queues_the_pages_for_the_workers_when_the_queue_is_on(pg_engine, monkeypatch, capsys):
    from bot.cli import main

    seed(
        pg_engine,
        {"甲县人民政府网站": ["http://127.0.0.1:9/a", "http://127.0.0.2:9/b", "http://127.0.0.2:9/c"]},
    )
    monkeypatch.setenv("DATABASE_URL", url_of(pg_engine))
    monkeypatch.setenv("READ_QUEUE", "procrastinate")
    assert main(["crawl"]) == 0
    assert "已把 3 个栏目页面的读取排入队列（2 个任务" in capsys.readouterr().out
    queued = jobs(pg_engine)
    assert sorted((j["lock"], len(j["args"]["item_ids"])) for j in queued) == [
        ("host:127.0.0.1", 1),
        ("host:127.0.0.2", 2),
    ]
    assert all(j["status"] == "todo" for j in queued)
    with session_scope(pg_engine) as s:
        assert s.exec(select(RoutineRun)).all() == []  # an on-demand reading is no day's slot


async def test_zhiri_run_queues_the_days_reading_instead_of_reading(pg_engine):
    from bot.app import build_application
    from bot.config import Settings
    from tests.support.recording import RecordingRequest

    seed(pg_engine, {"甲县人民政府网站": ["http://127.0.0.1:9/a", "http://127.0.0.2:9/b"]})
    settings = Settings(
        telegram_bot_token="123456:TEST",
        telegram_api_url="http://telegram.invalid/bot",
        database_url=url_of(pg_engine),
        read_queue="procrastinate",
        crawl_at=CRAWL_AT,
        routine_enabled=False,
        probe_enabled=False,
        links_enabled=False,
    )
    app = build_application(settings, clock=lambda: NOW, request=RecordingRequest(date=int(NOW.timestamp())))
    assert app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name("zhiri-crawl")
    await job.callback(None)  # type: ignore[arg-type]  # the minute's tick: the day's reading is due
    await job.callback(None)  # type: ignore[arg-type]  # and the next minute's: queued already
    assert sorted(j["lock"] for j in jobs(pg_engine)) == ["host:127.0.0.1", "host:127.0.0.2"]
    with session_scope(pg_engine) as s:
        assert len(s.exec(select(RoutineRun).where(RoutineRun.slot == CRAWL_SLOT)).all()) == 1
