"""The reading queue looked after (READ_QUEUE=procrastinate, on the tests' real PostgreSQL): `zhiri health`
reports the workers, the reading jobs waiting for one and those that failed for good, and fails when the
reading has waited too long; the daily prune removes finished jobs after their time and keeps the rest."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from procrastinate import RetryStrategy
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.cmd_health import judge as health_checks
from domain.calendar import WorkCalendar
from jobs import queue
from storage.db import make_engine, session_scope
from storage.items import Judge
from storage.models import Heartbeat
from storage.runtime import Health, read_queue
from tests.conftest import SHANGHAI, db_name
from tests.crawl.test_queue import CRAWL_AT, NOW, jobs, seed, url_of
from tests.support import postgres
from webread.fetch import Reader

pytestmark = pytest.mark.slow
ALIVE, DAY = timedelta(seconds=30), timedelta(days=1)


@pytest.fixture
def pg_engine(pg_server, pg_template) -> Iterator[Engine]:
    url = postgres.create_database(
        pg_server.url, db_name(f"zhiri_qhealth_{time.monotonic_ns()}"), pg_template
    )
    engine = make_engine(url)
    yield engine
    engine.dispose()


class Broken(httpx.AsyncBaseTransport):
    """Every request fails in a way the reader does not turn into a reading: the job itself fails."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("the job broke")


def reading_checks(engine: Engine, now: datetime) -> dict[str, tuple[bool, str]]:
    with session_scope(engine) as s:
        q = read_queue(s, now, task=queue.READ_TASK, alive=ALIVE, since=DAY)
    beat = Heartbeat(name="bot", pid=7, mode="polling", started_at=now, tick_at=now, api_ok_at=now)
    h = Health(beat, 0, None, 0, None, reading=q)
    # the bot's own checks are another test's (tests/bot/test_health.py); here what the queue adds
    checks = health_checks(h, now, SHANGHAI, silence=timedelta(seconds=180), backlog=timedelta(minutes=30))
    return {c.name: (c.ok, c.zh) for c in checks if c.name.startswith("reading")}


def test_health_tells_the_reading_waiting_for_a_worker_and_the_jobs_that_failed(pg_engine):
    seed(pg_engine, {"甲县人民政府网站": ["http://127.0.0.1:9/a", "http://127.0.0.2:9/b"]})
    app = queue.make_app(url_of(pg_engine), retry=RetryStrategy(max_attempts=1))
    assert queue.queue_if_due(pg_engine, app, NOW, tz=SHANGHAI, at=CRAWL_AT) == 2
    now = datetime.now(UTC)
    with session_scope(pg_engine) as s:
        q = read_queue(s, now, task=queue.READ_TASK, alive=ALIVE, since=DAY)
    assert (q.workers, q.waiting, q.failed) == (0, 2, 0)
    assert q.oldest_waiting is not None and abs(q.oldest_waiting - now) < timedelta(minutes=1)

    # just queued: well; still waiting half an hour later with no worker: said, with what to do
    assert reading_checks(pg_engine, now)["reading"][0]
    ok, said = reading_checks(pg_engine, now + timedelta(minutes=31))["reading"]
    assert not ok
    assert "0 个读取进程（zhiri worker）在运行，2 个读取任务待执行" in said and "请检查 zhiri worker" in said

    # a worker takes them; each fails for good (one attempt): nothing waits, two failed, told not failing
    tools = queue.Tools(
        engine=pg_engine,
        reader=lambda: Reader(per_host=1, host_delay=0, timeout=5, transport=Broken()),
        judge=lambda s: Judge(tz=SHANGHAI, calendar=WorkCalendar()),
        stalled_after=30,
    )
    asyncio.run(queue.work(app, tools, concurrency=1, install_signal_handlers=False, wait=False))
    assert sorted(j["status"] for j in jobs(pg_engine) if j["args"].get("host")) == ["failed", "failed"]
    later = datetime.now(UTC) + timedelta(minutes=31)
    checks = reading_checks(pg_engine, later)
    assert checks["reading"] == (True, "网站读取：0 个读取进程（zhiri worker）在运行，0 个读取任务待执行。")
    assert checks["reading_failed"][0] and "近24小时失败的读取任务：2 个" in checks["reading_failed"][1]
    # a day on, the failures are no longer "recent"
    assert "失败的读取任务：0 个" in reading_checks(pg_engine, later + DAY)["reading_failed"][1]


def _job(engine: Engine, queue_name: str, status: str, ended: timedelta) -> int:
    """A job of `queue_name` that reached `status` `ended` ago (its events moved back in time)."""
    with engine.begin() as conn:
        job_id = conn.execute(
            text(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, args)"
                " VALUES (:queue, :task, '{}') RETURNING id"
            ),
            {"queue": queue_name, "task": queue.READ_TASK if queue_name == "default" else queue.PRUNE_TASK},
        ).scalar_one()
        if status != "todo":
            conn.execute(
                text(
                    "UPDATE procrastinate_jobs SET status = CAST(:status AS procrastinate_job_status)"
                    " WHERE id = :id"
                ),
                {"status": status, "id": job_id},
            )
            conn.execute(
                text(
                    "INSERT INTO procrastinate_events (job_id, type)"
                    " VALUES (:id, CAST(:type AS procrastinate_job_event_type))"
                ),
                {"id": job_id, "type": status},
            )
        conn.execute(
            text("UPDATE procrastinate_events SET at = now() - CAST(:ago AS interval) WHERE job_id = :id"),
            {"ago": f"{int(ended.total_seconds())} seconds", "id": job_id},
        )
    return int(job_id)


def test_the_daily_prune_removes_finished_jobs_after_their_time_and_keeps_the_rest(pg_engine):
    month = timedelta(hours=queue.KEEP_READ_JOBS_HOURS)
    kept = {
        "a reading done lately": _job(pg_engine, "default", "succeeded", month - timedelta(days=1)),
        "a reading failed lately": _job(pg_engine, "default", "failed", month - timedelta(days=1)),
        "a reading still to do": _job(pg_engine, "default", "todo", month * 2),
        "a check done a minute ago": _job(pg_engine, queue.HOUSEKEEPING, "succeeded", timedelta(minutes=1)),
    }
    gone = {
        "a reading done long ago": _job(pg_engine, "default", "succeeded", month + timedelta(days=1)),
        "a reading failed long ago": _job(pg_engine, "default", "failed", month + timedelta(days=1)),
        "a check done two hours ago": _job(pg_engine, queue.HOUSEKEEPING, "succeeded", timedelta(hours=2)),
    }
    app = queue.make_app(url_of(pg_engine))

    async def prune() -> None:
        async with app.open_async():
            await queue.prune(SimpleNamespace(app=app), 0)  # type: ignore[arg-type]  # prune reads only .app

    asyncio.run(prune())
    left = {j["id"] for j in jobs(pg_engine)}
    assert {name for name, job_id in kept.items() if job_id not in left} == set()
    assert {name for name, job_id in gone.items() if job_id in left} == set()


def test_zhiri_health_reports_the_queue_when_the_reading_goes_through_it(pg_engine, monkeypatch, capsys):
    from bot.cli import main
    from bot.heartbeat import NAME

    seed(pg_engine, {"甲县人民政府网站": ["http://127.0.0.1:9/a"]})
    app = queue.make_app(url_of(pg_engine))
    assert queue.queue_if_due(pg_engine, app, NOW, tz=SHANGHAI, at=CRAWL_AT) == 1
    now = datetime.now(UTC)
    with session_scope(pg_engine) as s:
        s.add(Heartbeat(name=NAME, pid=7, mode="polling", started_at=now, tick_at=now, api_ok_at=now))
    monkeypatch.setenv("DATABASE_URL", url_of(pg_engine))
    monkeypatch.setenv("READ_QUEUE", "procrastinate")
    assert main(["health", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    reading = {c["name"]: c for c in report["checks"]}["reading"]
    assert reading["ok"] and "1 个读取任务待执行" in reading["zh"]
    monkeypatch.setenv("READ_QUEUE", "local")
    assert main(["health", "--json"]) == 0
    assert "reading" not in {c["name"] for c in json.loads(capsys.readouterr().out)["checks"]}
