"""`zhiri crawl [--unit UNIT]`: read every column's list page (or one unit's) now and log what is new."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from sqlmodel import col, select

from bot.config import load_settings
from jobs.crawl import crawl
from storage.db import make_engine, session_scope, upgrade
from storage.items import Judge, load_calendar
from storage.models import Unit
from webread.fetch import Reader

STATUS_ZH = {"ok": "正常", "empty": "空白栏目", "broken": "无法访问", "unknown": "无法判断"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("crawl", help="立即读取栏目页面，记录网站上的更新、空白栏目和失效链接")
    p.add_argument("--unit", help="只读取该责任单位的栏目")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    unit_ids = None
    with session_scope(engine) as session:
        if args.unit:
            units = session.exec(select(Unit).where(col(Unit.name).contains(args.unit.strip()))).all()
            exact = [u for u in units if u.name == args.unit.strip()]
            units = exact or list(units)
            if len(units) != 1:
                names = "、".join(u.name for u in units[:10]) or "无"
                print(f"找不到唯一的责任单位「{args.unit}」（匹配：{names}）。请写出单位全称。")
                return 2
            unit_ids = [units[0].id or 0]
        judge = Judge(tz=settings.tz, calendar=load_calendar(session), policy=settings.policy)
    now = datetime.now(UTC)

    async def go() -> int:
        # The same politeness as the daily reading: these are the site's servers too.
        reader = Reader(
            per_host=settings.reader_per_host,
            host_delay=settings.reader_host_delay,
            timeout=settings.reader_timeout,
        )
        async with reader:
            summary = await crawl(engine, judge, now, reader=reader, unit_ids=unit_ids)
        counts = "，".join(f"{STATUS_ZH.get(k, k)} {v}" for k, v in sorted(summary.by_status.items()))
        print(f"已读取 {summary.read} 个栏目页面（{counts or '无'}），登记网站更新 {summary.logged} 条。")
        for path, status, reason in summary.problems:
            print(f"  - {path}：{STATUS_ZH.get(status, status)}（{reason}）")
        return 0

    return asyncio.run(go())
