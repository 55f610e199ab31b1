"""The website reading spread over worker processes: a procrastinate task queue in the PostgreSQL database.

With READ_QUEUE=procrastinate, `zhiri run` does not read the sites itself: `queue_if_due` puts each due site's
daily reading in the queue, one job per host with that host's pages, in the same transaction that records
the site's reading slot (`RoutineRun`, unique per site, day and slot). A second process that queues the same
slot fails on that key and its jobs roll back with it: the day is queued once, however many processes run.
`zhiri worker` processes run the jobs (`work`).

Politeness across workers: a job's procrastinate `lock` is its host, and procrastinate never runs two jobs of
one lock at once, in any worker; inside the job the reader keeps READER_PER_HOST and READER_HOST_DELAY, and
the job waits out the last pause before it lets go of the host, so the next job on it starts no sooner.

Crashes: a job records its pages under the slot's moment (`jobs.crawl.read_pages`), each page as soon as it
is read. Retried after an error (procrastinate's retry strategy) or after its worker died (found by the
worker heartbeats, `retry_stalled`), it reads only the pages not yet kept and logs each update once.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy
from procrastinate.types import JSONValue
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from jobs.crawl import CRAWL_SLOT, due_sites, read_pages
from storage.db import session_scope
from storage.items import Judge
from storage.reads import readable_items
from storage.routine import record_runs, sites
from webread.fetch import Reader
from webread.polite import host_of

log = logging.getLogger(__name__)

READ_TASK = "zhiri.read_host"
STALLED_TASK = "zhiri.retry_stalled"
TOOLS = "zhiri"  # the key of the worker's `Tools` in procrastinate's additional context
# A job that raised (the database went away mid-job, a reader bug) is tried again: after 10 s, 70 s, 130 s,
# 190 s; then it stays failed (`procrastinate_jobs.status`) and the next day's reading reads the pages again.
RETRY = RetryStrategy(max_attempts=5, wait=10, linear_wait=60)
STALLED_EVERY = "* * * * * */10"  # every 10 seconds: procrastinate reads a sixth field as the seconds
PRUNE_TASK = "zhiri.prune"
PRUNE_AT = "17 3 * * *"  # daily (the workers' local time)
HOUSEKEEPING = "zhiri.housekeeping"  # the queue of the checks themselves: 8,640 a day, kept an hour
KEEP_READ_JOBS_HOURS = 30 * 24  # a reading job, done or failed, is kept a month (the reading itself forever)


@dataclass(frozen=True)
class Tools:
    """What a worker process gives its jobs: the database, a reader made to the deployment's politeness,
    the judgement (time zone, calendar, policy) and how long a silent worker is taken for dead."""

    engine: Engine
    reader: Callable[[], Reader]
    judge: Callable[[Session], Judge]
    stalled_after: float


def conninfo(database_url: str) -> str:
    """libpq's address of the database SQLAlchemy's URL names (`postgresql+psycopg://…` → `postgresql://…`)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(database_url: str, *, pool_size: int = 4, retry: RetryStrategy = RETRY) -> App:
    """The queue's procrastinate app with Zhiri's tasks. Its own connection pool (at most `pool_size`) is
    opened only by a worker; queueing goes through the caller's session instead (`queue_reading`)."""
    app = App(connector=PsycopgConnector(conninfo=conninfo(database_url), min_size=1, max_size=pool_size))
    app.task(name=READ_TASK, pass_context=True, retry=retry)(read_host)
    stalled = app.task(name=STALLED_TASK, pass_context=True, queue=HOUSEKEEPING, queueing_lock=STALLED_TASK)(
        retry_stalled
    )
    app.periodic(cron=STALLED_EVERY, periodic_id=STALLED_TASK)(stalled)
    pruning = app.task(name=PRUNE_TASK, pass_context=True, queue=HOUSEKEEPING, queueing_lock=PRUNE_TASK)
    app.periodic(cron=PRUNE_AT, periodic_id=PRUNE_TASK)(pruning(prune))
    return app


def host_lock(host: str) -> str:
    return f"host:{host}"


# ---------------------------------------------------------------------------------------------------------
# Queueing (in `zhiri run`)


def queue_reading(
    session: Session, app: App, *, site_id: int, day: date, now: datetime, pages: dict[str, list[int]]
) -> int:
    """Queue one site's reading, a job per host (`pages`: host -> item ids), on `session`'s own connection:
    the jobs are committed, or rolled back, with what else the session writes. Returns the jobs queued."""
    connection = session.connection().connection.dbapi_connection
    task = app.tasks[READ_TASK]
    for host, item_ids in sorted(pages.items()):
        task.configure(lock=host_lock(host), connection=connection).defer(
            site_id=site_id,
            day=day.isoformat(),
            at=now.isoformat(),
            host=host,
            item_ids=list[JSONValue](item_ids),
        )
    return len(pages)


def queue_if_due(engine: Engine, app: App, now: datetime, *, tz: ZoneInfo, at: time) -> int:
    """The daily reading, queued: once a day per site, at or after `at` local time, caught up after downtime
    like the routine's slots. Returns the jobs this process queued (0 when another process was first)."""
    queued = 0
    for site_id, day in due_sites(engine, now, tz=tz, at=at).items():
        try:
            with session_scope(engine) as session:
                pages: dict[str, list[int]] = defaultdict(list)
                for item in readable_items(session, site_id=site_id):
                    assert item.id is not None
                    pages[host_of(item.url or "")].append(item.id)
                count = sum(len(ids) for ids in pages.values())
                stats: dict[str, object] = {CRAWL_SLOT: {"queued": count, "hosts": len(pages)}}
                record_runs(session, now, site_id, day, [CRAWL_SLOT], {CRAWL_SLOT: 0}, stats)
                jobs = queue_reading(session, app, site_id=site_id, day=day, now=now, pages=pages)
        except IntegrityError:
            log.info("read queue: site %d's reading of %s was queued by another process", site_id, day)
            continue
        log.info("read queue: site %d, %s: %d pages in %d jobs", site_id, day, count, jobs)
        queued += jobs
    return queued


def queue_now(
    engine: Engine, app: App, now: datetime, *, tz: ZoneInfo, unit_ids: list[int] | None = None
) -> tuple[int, int]:
    """An on-demand reading (`zhiri crawl` with the queue on), of every column or of some units', queued like
    the daily one so that it keeps each host's politeness with the workers. Returns (jobs, pages)."""
    by_site: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    jobs = pages = 0
    with session_scope(engine) as session:
        for item in readable_items(session, unit_ids):
            assert item.id is not None
            by_site[item.site_id][host_of(item.url or "")].append(item.id)
            pages += 1
        zones = {site.id: site.zone(tz) for site in sites(session)}
        for site_id, hosts in by_site.items():
            day = now.astimezone(zones.get(site_id, tz)).date()
            jobs += queue_reading(session, app, site_id=site_id, day=day, now=now, pages=hosts)
    return jobs, pages


def reading_pending(session: Session, site_id: int, day: date) -> bool:
    """Whether some of a site's queued reading of `day` is still to be done (waiting, running, or to be
    retried): the broken-link check waits for it."""
    row = session.execute(
        text(
            "SELECT 1 FROM procrastinate_jobs WHERE task_name = :task AND status IN ('todo', 'doing')"
            " AND args @> CAST(:args AS jsonb) LIMIT 1"
        ),
        {"task": READ_TASK, "args": json.dumps({"site_id": site_id, "day": day.isoformat()})},
    ).first()
    return row is not None


# ---------------------------------------------------------------------------------------------------------
# The jobs (in `zhiri worker`)


async def read_host(
    context: JobContext, *, site_id: int, day: str, at: str, host: str, item_ids: list[int]
) -> dict[str, Any]:
    """Read one host's pages of a site's daily reading (the job's `lock` is the host)."""
    tools: Tools = context.additional_context[TOOLS]
    now = datetime.fromisoformat(at)
    with session_scope(tools.engine) as session:
        judge = tools.judge(session)
    async with tools.reader() as reader:
        summary = await read_pages(tools.engine, judge, now, reader=reader, item_ids=item_ids)
        await reader.rest()
    log.info(
        "read %s for site %d (%s): %d pages read, %d updates logged, %s",
        host,
        site_id,
        day,
        summary.read,
        summary.logged,
        dict(summary.by_status),
    )
    return {"read": summary.read, "logged": summary.logged}


async def retry_stalled(context: JobContext, timestamp: int) -> None:
    """Hand the jobs of a worker that stopped beating (killed, its machine gone) to the living ones."""
    tools: Tools = context.additional_context[TOOLS]
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(task_name=READ_TASK, seconds_since_heartbeat=tools.stalled_after)
    for job in stalled:
        log.warning("read queue: job %s (%s) was left by a stopped worker; retried", job.id, job.lock)
        await manager.retry_job(job)


async def prune(context: JobContext, timestamp: int) -> None:
    """Keep procrastinate's tables small: finished jobs (and their events) go after a while."""
    manager = context.app.job_manager
    await manager.delete_old_jobs(nb_hours=1, queue=HOUSEKEEPING, include_failed=True)
    await manager.delete_old_jobs(nb_hours=KEEP_READ_JOBS_HOURS, queue="default", include_failed=True)


async def work(
    app: App, tools: Tools, *, concurrency: int, install_signal_handlers: bool = True, wait: bool = True
) -> None:
    """Run a worker until it is stopped (SIGINT or SIGTERM: it lets its jobs finish first), or with `wait`
    False until the queue has nothing for it."""
    async with app.open_async():
        await app.run_worker_async(
            name=f"zhiri-{socket.gethostname()}-{os.getpid()}",
            concurrency=concurrency,
            wait=wait,
            additional_context={TOOLS: tools},
            update_heartbeat_interval=max(1.0, tools.stalled_after / 4),
            stalled_worker_timeout=tools.stalled_after,
            install_signal_handlers=install_signal_handlers,
        )
