"""`zhiri read --url URL [--json] [--today YYYY-MM-DD]`: read one column list page and print what it says."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.env import local_tz
from domain.text import READ_LABELS

if TYPE_CHECKING:
    from webread.extract import PageReading

# This command must start fast (a person waits for one page): the time zone is the only setting it reads,
# without pydantic (bot/env.py); asyncio, httpx and the page reader load when it fetches.


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("read", help="读取栏目列表页，判断最近更新日期 / read a column's list page")
    p.add_argument("--url", required=True, help="栏目列表页网址")
    p.add_argument("--json", action="store_true", help="输出一行 JSON")
    p.add_argument("--today", type=_day, default=None, help="以哪一天为今天（默认按 TZ_NAME 时区的今天）")
    p.add_argument("--timeout", type=float, default=15.0, help="超时秒数（默认 15）")


def to_json(url: str, reading: PageReading) -> str:
    return json.dumps(
        {
            "url": url,
            "status": reading.status,
            "newest": reading.newest.isoformat() if reading.newest else None,
            "items": reading.items,
            "reason": reading.reason,
        },
        ensure_ascii=False,
    )


def to_text(url: str, reading: PageReading) -> str:
    newest = reading.newest.isoformat() if reading.newest else "无"
    return (
        f"{url}\n状态：{READ_LABELS[reading.status]}；最新信息日期：{newest}；条目数：{reading.items}；"
        f"说明：{reading.reason}"
    )


async def _read(url: str, today: date, timeout: float) -> PageReading:
    from webread.fetch import Reader

    async with Reader(timeout=timeout, host_delay=0) as reader:
        return await reader.read(url, today=today)


def run(args: argparse.Namespace) -> int:
    # The only place the reader looks at the clock: the site's local date (TZ_NAME, as everywhere else).
    today: date = args.today or datetime.now(local_tz()).date()
    import asyncio

    reading = asyncio.run(_read(args.url, today, args.timeout))
    print(to_json(args.url, reading) if args.json else to_text(args.url, reading))
    return 1 if reading.status == "broken" else 0
