"""`zhiri crawl [--unit UNIT]`: read every column's list page (or one unit's) now and log what is new."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from bot.cli_support import Refusal, unit_named
from bot.config import Settings, load_settings
from domain.text import READ_LABELS
from jobs.crawl import crawl
from storage.db import session_scope, upgrade
from storage.items import Judge, load_calendar


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("crawl", help="立即读取栏目页面，记录网站上的更新、空白栏目和失效链接")
    p.add_argument("--unit", help="只读取该责任单位的栏目")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = settings.make_engine()
    upgrade(engine)
    with session_scope(engine) as session:
        unit_ids = [unit_named(session, args.unit).id] if args.unit else None
        judge = Judge(tz=settings.tz, calendar=load_calendar(session), policy=settings.policy)
    now = datetime.now(UTC)
    if settings.queued_reading:
        return _queue(settings, engine, now, unit_ids)

    async def go() -> int:
        # The same politeness as the daily reading: these are the site's servers too.
        async with settings.reader() as reader:
            summary = await crawl(engine, judge, now, reader=reader, unit_ids=unit_ids)
        counts = "，".join(f"{READ_LABELS.get(k, k)} {v}" for k, v in sorted(summary.by_status.items()))
        print(f"已读取 {summary.read} 个栏目页面（{counts or '无'}），登记网站更新 {summary.logged} 条。")
        for path, status, reason in summary.problems:
            print(f"  - {path}：{READ_LABELS.get(status, status)}（{reason}）")
        for path in summary.held:
            print(
                f"  - {path}：页面显示有更新，但此页面的读取已被标记为错误，未自动登记"
                "（修复后运行 zhiri reading ok）"
            )
        return 0

    return asyncio.run(go())


def _queue(settings: Settings, engine: Engine, now: datetime, unit_ids: list[int] | None) -> int:
    """With READ_QUEUE=procrastinate the pages are read by the workers, within the same politeness."""
    refused = settings.queue_refusal()
    if refused:
        raise Refusal(refused)
    from jobs import queue

    jobs, pages = queue.queue_now(
        engine, queue.make_app(settings.database_url), now, tz=settings.tz, unit_ids=unit_ids
    )
    print(
        f"已把 {pages} 个栏目页面的读取排入队列（{jobs} 个任务，按站点主机分组），由 zhiri worker 读取；"
        "读取结果用 zhiri reading show 查看。"
    )
    return 0
