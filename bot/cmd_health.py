"""`zhiri health`: is the running bot alive and hearing Telegram? Exit 0 yes, 1 no (for systemd, a container
HEALTHCHECK or any monitor). It reads what `zhiri run` writes to the database (storage/runtime.py): the
heartbeat, the last successful call to the Bot API, updates waiting to be handled, and the outbox backlog."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.config import load_settings
from bot.heartbeat import NAME
from storage import runtime
from storage.db import session_scope

MAX_SILENCE = 180  # seconds: the heartbeat is written every 30 s, a long poll returns every 10 s
MAX_BACKLOG = (
    30  # minutes a message may wait to be sent (a large fan-out within Telegram's limits takes a few)
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    zh: str
    en: str


def judge(
    h: runtime.Health, now: datetime, tz: ZoneInfo, *, silence: timedelta, backlog: timedelta
) -> list[Check]:
    """What is wrong, in words, from what the database says at `now`."""
    beat = h.heartbeat
    if beat is None:
        return [
            Check(
                "running",
                False,
                "机器人从未在此数据库上运行（zhiri run）。",
                "The bot never ran on this database.",
            )
        ]

    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"

    if beat.stopped_at is not None:
        return [
            Check(
                "running",
                False,
                f"机器人已于 {when(beat.stopped_at)} 停止。",
                f"The bot stopped at {when(beat.stopped_at)}.",
            )
        ]
    starting = now - beat.started_at < silence
    running = Check(
        "running",
        True,
        f"机器人正在运行（进程 {beat.pid}，{beat.mode}，{when(beat.started_at)} 启动）。",
        f"The bot is running (pid {beat.pid}, {beat.mode}, started {when(beat.started_at)}).",
    )

    def recent(moment: datetime | None) -> bool:
        """Within `silence` of now; never yet is fine while the bot is still starting."""
        return now - moment < silence if moment is not None else starting

    def check(name: str, ok: bool, zh: str, en: str, zh_wrong: str, en_wrong: str) -> Check:
        return Check(name, ok, zh + ("" if ok else zh_wrong), en + ("" if ok else en_wrong))

    checks = [
        running,
        check(
            "heartbeat",
            recent(beat.tick_at),
            f"最后心跳：{when(beat.tick_at)}",
            f"Last heartbeat: {when(beat.tick_at)}",
            "——机器人没有响应（已崩溃或卡住）。",
            " — the bot is not responding.",
        ),
        check(
            "telegram",
            recent(beat.api_ok_at),
            f"最后一次成功连接 Telegram：{when(beat.api_ok_at)}",
            f"Last successful call to the Bot API: {when(beat.api_ok_at)}",
            "——连不上 Telegram，请检查网络和 TELEGRAM_API_URL。",
            " — Telegram is not reachable; check the network and TELEGRAM_API_URL.",
        ),
        check(
            "updates",
            h.oldest_unhandled is None or now - h.oldest_unhandled < silence,
            f"待处理的消息：{h.unhandled_updates} 条",
            f"Updates waiting to be handled: {h.unhandled_updates}",
            f"，最早收到于 {when(h.oldest_unhandled)}。",
            f", the oldest since {when(h.oldest_unhandled)}.",
        ),
        check(
            "outbox",
            h.oldest_backlog is None or now - h.oldest_backlog < backlog,
            f"待发送的消息：{h.outbox_backlog} 条",
            f"Messages waiting to be sent: {h.outbox_backlog}",
            f"，最早应于 {when(h.oldest_backlog)} 发出。",
            f", the oldest due since {when(h.oldest_backlog)}.",
        ),
        # Kept and reported to the administrators already; the bot itself is well, so this does not fail.
        Check(
            "set_aside",
            True,
            f"因异常暂存的消息：{h.set_aside} 条"
            + ("（用 zhiri outbox 查看，zhiri outbox --retry 重发）" if h.set_aside else ""),
            f"Messages set aside after repeated errors: {h.set_aside}"
            + (" (see `zhiri outbox`; `zhiri outbox --retry` sends them again)" if h.set_aside else ""),
        ),
    ]
    if h.reading is not None:
        checks += _reading(h.reading, now, backlog, when)
    return checks


def _reading(
    q: runtime.ReadQueue, now: datetime, backlog: timedelta, when: Callable[[datetime | None], str]
) -> list[Check]:
    """The website reading's task queue (READ_QUEUE=procrastinate): its jobs wait for `zhiri worker`."""
    late = q.oldest_waiting is not None and now - q.oldest_waiting >= backlog
    return [
        Check(
            "reading",
            not late,
            f"网站读取：{q.workers} 个读取进程（zhiri worker）在运行，{q.waiting} 个读取任务待执行"
            + (
                f"，最早的自 {when(q.oldest_waiting)} 起等待——请检查 zhiri worker 是否在运行。"
                if late
                else "。"
            ),
            f"Website reading: {q.workers} workers (`zhiri worker`) running, {q.waiting} reading jobs waiting"
            + (
                f", the oldest since {when(q.oldest_waiting)}; check that `zhiri worker` runs."
                if late
                else "."
            ),
        ),
        # Failed for good after the retries: the next day reads those pages again. Told, not failing.
        Check(
            "reading_failed",
            True,
            f"近24小时失败的读取任务：{q.failed} 个"
            + ("（详见 zhiri worker 的日志；次日的读取会重读这些页面）" if q.failed else ""),
            f"Reading jobs failed in the last 24 hours: {q.failed}"
            + (" (see the workers' log; the next day's reading reads those pages again)" if q.failed else ""),
        ),
    ]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "health",
        help="检查运行中的机器人是否正常（退出码 0 正常，1 异常）/ is the running bot healthy (exit 0/1)",
    )
    p.add_argument(
        "--max-silence",
        type=int,
        default=MAX_SILENCE,
        metavar="SECONDS",
        help=f"心跳或与 Telegram 的连接中断多少秒算异常（默认 {MAX_SILENCE}）",
    )
    p.add_argument(
        "--max-backlog",
        type=int,
        default=MAX_BACKLOG,
        metavar="MINUTES",
        help=f"消息待发送多少分钟算异常（默认 {MAX_BACKLOG}）",
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / JSON output")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = settings.make_engine()
    now = datetime.now(UTC)
    try:
        with session_scope(engine) as session:
            h = runtime.health(session, now, NAME)
            if settings.queued_reading and settings.queue_refusal() is None:
                # only here: the queue's module brings procrastinate and the reader, 1.5 s of CPU on every
                # call of a check a timer runs every two minutes
                from jobs.queue import READ_TASK

                reading = runtime.read_queue(
                    session,
                    now,
                    task=READ_TASK,
                    alive=timedelta(seconds=settings.worker_stalled_after),
                    since=timedelta(days=1),
                )
                h = replace(h, reading=reading)
    except (OperationalError, ProgrammingError) as exc:
        print(f"无法读取数据库（DATABASE_URL，或先运行 zhiri db upgrade）：{exc.orig or exc}")
        print(f"Cannot read the database (DATABASE_URL, or run `zhiri db upgrade` first): {exc.orig or exc}")
        return 1
    finally:
        engine.dispose()
    checks = judge(
        h,
        now,
        settings.tz,
        silence=timedelta(seconds=args.max_silence),
        backlog=timedelta(minutes=args.max_backlog),
    )
    healthy = all(c.ok for c in checks)
    if args.json:
        print(json.dumps({"healthy": healthy, "checks": [asdict(c) for c in checks]}, ensure_ascii=False))
    else:
        print("正常 / healthy" if healthy else "异常 / UNHEALTHY")
        for c in checks:
            mark = "✓" if c.ok else "✗"
            print(f"{mark} {c.zh}\n  {c.en}")
    return 0 if healthy else 1
