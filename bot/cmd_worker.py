"""`zhiri worker`: read the websites' pages the task queue holds (READ_QUEUE=procrastinate, PostgreSQL).

`zhiri run` queues each site's daily reading, one job per host; run as many workers as the sites need, on
this machine or others with the same `.env` (docs/PRODUCTION.md). A worker stops on SIGINT or SIGTERM
after the jobs it is running are done; a worker killed outright has its job handed to another.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.cli_support import Refusal, database
from bot.cmd_run import configure_logging
from bot.config import load_settings
from jobs import queue
from jobs.routine import calendar_fallback
from storage.items import Judge, load_calendar

log = logging.getLogger("zhiri")

NOT_QUEUED = """\
READ_QUEUE 未设为 procrastinate：zhiri run 会自己读取网站，不会有任务交给 zhiri worker。
如需多个进程分担读取，请在 .env 中设置 READ_QUEUE=procrastinate（zhiri run 与 zhiri worker 使用同一设置）。
READ_QUEUE is not procrastinate: zhiri run reads the websites itself and queues nothing for a worker.
To spread the reading over workers, set READ_QUEUE=procrastinate in .env (the same for run and workers)."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "worker",
        help="读取任务队列中的网站页面（READ_QUEUE=procrastinate）/ read the queued website pages",
    )
    p.add_argument(
        "--concurrency", type=int, help="同时读取的主机数（默认 WORKER_CONCURRENCY）/ hosts read at once"
    )


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    refused = settings.queue_refusal() or (None if settings.queued_reading else NOT_QUEUED)
    if refused:
        raise Refusal(refused)
    configure_logging()
    concurrency = max(1, args.concurrency or settings.worker_concurrency)
    with database(settings) as engine:
        tools = queue.Tools(
            engine=engine,
            reader=settings.reader,
            judge=lambda session: Judge(
                tz=settings.tz,
                calendar=load_calendar(session, on_fallback=calendar_fallback),
                policy=settings.policy,
            ),
            stalled_after=settings.worker_stalled_after,
        )
        # The pool: a connection listening for new jobs, one for the heartbeat, one per running job.
        app = queue.make_app(settings.database_url, pool_size=concurrency + 2)
        log.info("worker: reading queued pages, %d hosts at once", concurrency)
        asyncio.run(queue.work(app, tools, concurrency=concurrency))
    return 0
