"""The routine's real path at province size: 2,000 units each with its own group and one county-wide group,
10,000 and 100,000 items (1,000,000 with `ZHIRI_BENCH_1M=1`), on a SQLite file and on PostgreSQL (the tests'
server, when its binaries are on this machine). The database comes from `bench.gen`, settled to the day before
(yesterday's schedule stored, as a running deployment's is).

For each, in a fresh process (so that the peak memory is the path's own):
- `judge`: every live item judged through the real path — its columns loaded, its facts read, its state
  decided (`storage.items.judge_items`, what the export, `/overdue` and the snapshot ask), all at once;
- `pages`: an administrator's `/status` (`storage.queries.status_view`), which judges every live item a
  keyset page of 2,000 at a time (`storage.items.judge_pages`) to count them by state: memory holds one page;
- `preview`: what `zhiri preview` does — gather the snapshot from the database (judging every item) and plan
  every slot of a day on which they all run;
- `tick`: what the 09:00 tick does before sending — `jobs.routine.run_due`: refresh the stored states, gather,
  plan, and write every message to the outbox;
- `files`: what the sender then does besides talking to Telegram — build every spreadsheet the tick wrote as
  rows (`Outbox.report`) into its file, as it does when each message goes (the tick builds none since issue
  16; this line keeps that work in view rather than hiding it).
Printed: CPU seconds of the process, wall seconds (PostgreSQL's own work is in the wall time), peak memory,
messages, and the ratio to the goal of issue 16 (100,000 items in at most 10 s).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

SIZES = (10_000, 100_000)
BIG = 1_000_000
GOAL_ITEMS, GOAL_S = 100_000, 10.0
JUDGE_GOAL_S = 20.0  # issue 16: 1M items judged through the real path (load, facts, judge) in ≤ 20 s
ADMIN = 9_000_001  # the generated database's administrator (`bench.gen`)
MOMENT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai: every slot of that Tuesday is due


def _measure(url: str, path: str) -> dict[str, float | int]:
    """One path, in this process (a fresh one): its figures."""
    from sqlmodel import Session

    from bot.config import Settings
    from jobs.routine import preview_day, run_due
    from storage.db import make_engine
    from storage.items import load_calendar
    from storage.routine import sites

    settings = Settings(database_url=url, telegram_bot_token="1:x", admin_telegram_ids=[ADMIN])
    config = settings.routine_config()
    engine = make_engine(url)
    t0, w0 = time.process_time(), time.perf_counter()
    if path == "files":
        from sqlmodel import select

        from reports.halfmonth import render_report
        from storage.models import Outbox
        from storage.outbox import report_of

        messages = 0
        with Session(engine) as session:
            for row in session.exec(select(Outbox).where(Outbox.report.is_not(None))):  # type: ignore[union-attr]
                report = report_of(row)
                assert report is not None
                render_report(report)
                messages += 1
    elif path == "judge":
        from sqlmodel import col

        from storage.items import Judge, judge_items, live_items
        from storage.models import Item

        with Session(engine) as session:
            judge = Judge(config.tz, load_calendar(session), config.policy)
            live = live_items(session, col(Item.retired_at).is_(None))
            messages = len(judge_items(session, live, judge, MOMENT))
    elif path == "pages":
        from storage.items import Judge
        from storage.queries import Speaker, StatusView, actor_for, status_view

        with Session(engine) as session:  # an administrator's /status, as its handler asks it
            judge = Judge(config.tz, load_calendar(session), config.policy)
            admin = actor_for(session, Speaker(ADMIN), [ADMIN])
            view = status_view(session, MOMENT, admin, judge, configured=[ADMIN])
            assert isinstance(view, StatusView)
            messages = sum(view.items_by_state.values())
    elif path == "preview":
        with Session(engine) as session:
            calendar = load_calendar(session)
            (site,) = sites(session)
            messages = len(preview_day(session, site, MOMENT, calendar, config)[1])
    else:
        messages = run_due(engine, MOMENT, config).written
    return {
        "cpu": time.process_time() - t0,
        "wall": time.perf_counter() - w0,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "messages": messages,
    }


_COUNTED = {
    "judge": "items judged",
    "pages": "items judged",
    "preview": "messages",
    "tick": "messages",
    "files": "files",
}


def _run(*args: str) -> str:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "bench.bench_routine", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return done.stdout


def backends(tmp: Path) -> list[tuple[str, object]]:
    """(name, a function giving a fresh database URL for a size)."""
    out: list[tuple[str, object]] = [("sqlite", lambda n: f"sqlite:///{tmp / f'bench-{n}.db'}")]
    try:
        from tests.support import postgres

        server = postgres.start()
    except Exception as exc:  # no PostgreSQL binaries here: SQLite only, said so
        print(f"routine: PostgreSQL not available ({exc}); SQLite only", flush=True)
        return out
    out.append(("postgres", lambda n: postgres.create_database(server.url, f"bench_routine_{n}")))
    out.append(("_server", server))
    return out


def databases(sizes: tuple[int, ...]) -> Iterator[tuple[str, int, str, float]]:
    """(backend, items, URL, seconds it took to build) of a fresh `bench.gen` database of each size on each
    backend (SQLite, and PostgreSQL when its binaries are here), settled to the day before."""
    with tempfile.TemporaryDirectory() as tmp:
        found = backends(Path(tmp))
        server = dict(found).get("_server")
        try:
            for name, url_for in found:
                if name == "_server":
                    continue
                for n in sizes:
                    url = url_for(n)  # type: ignore[operator]
                    t0 = time.perf_counter()
                    _run("--populate", url, str(n))
                    yield name, n, url, time.perf_counter() - t0
        finally:
            if server is not None:
                server.stop()  # type: ignore[attr-defined]


def main() -> int:
    sizes = SIZES + ((BIG,) if os.environ.get("ZHIRI_BENCH_1M") else ())
    ok = True
    for name, n, url, built in databases(sizes):
        for path in ("judge", "pages", "preview", "tick", "files"):
            ok = _report(name, n, url, built, path) and ok
    # The tick and the preview again with every log at its own time (`bench.gen`'s `distinct_times`), as
    # updates logged by hand are: each distinct stored time is converted once, so the hour-aligned times above
    # flatter that cache.
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'distinct.db'}"
        t0 = time.perf_counter()
        _run("--populate", url, str(GOAL_ITEMS), "--distinct-times")
        built = time.perf_counter() - t0
        for path in ("preview", "tick"):
            ok = _report("sqlite, every log at its own time", GOAL_ITEMS, url, built, path) and ok
    return 0 if ok else 1


def _report(name: str, n: int, url: str, built: float, path: str) -> bool:
    """Measure one path in a fresh process and print its line; whether it met its goal."""
    got = json.loads(_run("--one", url, path))
    line = (
        f"routine {path}: {name}, {n} items, 2000 groups: {got['cpu']:.1f} s CPU, "
        f"{got['wall']:.1f} s wall, peak {got['peak_mb']} MB, {got['messages']} "
        f"{_COUNTED[path]}"
        f" (database built in {built:.0f} s)"
    )
    ok = True
    if path in ("judge", "pages"):
        share = JUDGE_GOAL_S * n / BIG  # the goal's time for this many items
        line += f"; goal 1M ≤ {JUDGE_GOAL_S:.0f} s: {got['wall'] / share:.2f}× pro rata"
    elif n == GOAL_ITEMS and path != "files":
        line += f"; goal ≤ {GOAL_S:.0f} s: {got['wall'] / GOAL_S:.2f}×"
        ok = got["wall"] <= GOAL_S
    print(line, flush=True)
    return ok


if __name__ == "__main__":
    if sys.argv[1:2] == ["--populate"]:
        from bench.gen import main as populate_main

        sys.exit(populate_main(sys.argv[2:]))
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(_measure(sys.argv[2], sys.argv[3])))
        sys.exit(0)
    sys.exit(main())
