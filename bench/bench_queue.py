"""The queued website reading (READ_QUEUE=procrastinate): 1 vs 2 real `zhiri worker` processes on the
tests' PostgreSQL, reading local list pages (bench_reader's generated pages) served from several loopback
hosts by a child process, each answer taking LATENCY seconds as a small government server's does.

Two runs of each: "polite" with the deployment defaults (READER_PER_HOST=2, READER_HOST_DELAY=0.5), where
the time is the hosts' pauses and the workers' job slots (WORKER_CONCURRENCY); and "cpu" with no pause and
no latency, where the time is the parsing: a worker's pages per CPU second. Wall time is from the reading
being queued (workers already started) to its last job done; CPU is the workers' own (user + system, with
their start-up: about 3 s each).
docs/PRODUCTION.md sizes the workers from these figures.

Run: `scripts/uv.sh run --frozen python -m bench queue`.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

from bench.bench_reader import Page, generate

REPO = Path(__file__).resolve().parents[1]
LATENCY = 0.1  # seconds a page takes to come (polite run)


@dataclass(frozen=True)
class Run:
    name: str
    hosts: int
    pages: int  # per host
    per_host: int
    delay: float
    latency: float
    workers: int
    concurrency: int


RUNS = (
    *(Run("polite", 8, 20, 2, 0.5, LATENCY, w, 4) for w in (1, 2)),
    *(Run("cpu", 8, 50, 4, 0.0, 0.0, w, 4) for w in (1, 2)),
)


def _serve(pages: dict[str, Page], hosts: int, latency: float, conn: Connection) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)
            page = pages.get(self.path)
            body = page.body if page else b"not found"
            self.send_response(200 if page else 404)
            self.send_header("Content-Type", page.content_type if page else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    import threading

    ports = []
    for n in range(hosts):
        server = ThreadingHTTPServer((f"127.0.0.{n + 1}", 0), Handler)
        server.daemon_threads = True
        ports.append(server.server_address[1])
        threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send(ports)
    while True:
        time.sleep(3600)


def _cpu_seconds(pid: int) -> float:
    """A process's own CPU time so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _one(run: Run, server_url: str, tag: str, tmp: Path) -> tuple[float, float, int, int]:
    """(wall seconds, workers' CPU seconds, pages kept, the workers' connections at most) for one run."""
    from sqlalchemy import text
    from sqlmodel import func, select

    from jobs import queue
    from storage.db import make_engine, session_scope, upgrade
    from storage.models import PageRead
    from tests.conftest import SHANGHAI, at
    from tests.crawl.test_queue import seed
    from tests.support import postgres

    pages = generate(run.pages)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(pages, run.hosts, run.latency, child), daemon=True)
    server.start()
    ports = parent.recv()
    url = postgres.create_database(server_url, f"bench_queue_{tag}")
    engine = make_engine(url)
    upgrade(engine)
    seed(
        engine,
        {
            f"site{h}": [f"http://127.0.0.{h + 1}:{ports[h]}{path}" for path in pages]
            for h in range(run.hosts)
        },
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "READ", "WORKER_"))},
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": url,
        "READ_QUEUE": "procrastinate",
        "READER_PER_HOST": str(run.per_host),
        "READER_HOST_DELAY": str(run.delay),
        "WORKER_CONCURRENCY": str(run.concurrency),
    }
    procs = []
    for n in range(run.workers):
        log = (tmp / f"{tag}-{n}.log").open("wb")
        command = [sys.executable, "-m", "bot", "worker"]
        procs.append(subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=log))

    def scalar(sql: str) -> int:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    try:
        while scalar("SELECT count(*) FROM procrastinate_workers") < run.workers:
            time.sleep(0.1)
        now = at("2026-11-23 06:30")
        start = time.monotonic()
        queue.queue_if_due(engine, queue.make_app(url), now, tz=SHANGHAI, at=now.astimezone(SHANGHAI).time())
        pending = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'zhiri.read_host'"
        connections = 0  # the workers' at most: every connection to the database but the bench's own
        mine = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        while scalar(f"{pending} AND status IN ('todo', 'doing')"):
            connections = max(connections, scalar(mine))
            time.sleep(0.05)
        wall = time.monotonic() - start
        cpu = sum(_cpu_seconds(proc.pid) for proc in procs)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(60)
        server.kill()
    with session_scope(engine) as s:
        kept = int(s.exec(select(func.count()).select_from(PageRead)).one())
    engine.dispose()
    return wall, cpu, kept, connections


def main() -> int:
    from tests.support import postgres

    try:
        pg = postgres.start()
    except Exception as exc:
        print(f"queue: PostgreSQL not available ({exc}); skipped", flush=True)
        return 0
    ok = True
    try:
        with tempfile.TemporaryDirectory() as folder:
            for n, run in enumerate(RUNS):
                total = run.hosts * run.pages
                wall, cpu, kept, connections = _one(
                    run, pg.url, f"{run.name}_{run.workers}_{n}", Path(folder)
                )
                ok = ok and kept == total
                print(
                    f"queue {run.name}: {run.hosts} hosts × {run.pages} pages = {total}, "
                    f"READER_PER_HOST={run.per_host} READER_HOST_DELAY={run.delay} latency={run.latency}s, "
                    f"{run.workers} worker(s) × {run.concurrency} jobs: {wall:.1f} s wall, "
                    f"{total / wall:.1f} pages/s; workers' CPU {cpu:.1f} s "
                    f"({total / cpu:.0f} pages per CPU second); kept {kept}; "
                    f"{connections} connections",
                    flush=True,
                )
    finally:
        pg.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
