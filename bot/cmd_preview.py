"""`zhiri preview --at "YYYY-MM-DD HH:MM" [--json]`: what the routine would send at that moment.

Reads the current database and prints the messages of the routine's slots at that minute (earlier slots of
the day count as done), without sending or writing anything — the session is never committed. A unit with
no bound group is previewed all the same, addressed to the unit and marked as having nowhere to go: before
any group is bound, this is how administrators check a new list.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, time

from sqlmodel import Session

from bot.config import load_settings
from domain.notice import Planned, Slot
from domain.routine import slots_on
from domain.text import ymd
from domain.wording import KIND_NAMES
from jobs.routine import preview_day
from storage.db import SchemaOutOfDate, check_schema
from storage.items import load_calendar
from storage.routine import sites

SLOT_NAMES = {**KIND_NAMES, Slot.DUE_WARNING_REPEAT: "当日预警（下午再次提醒）"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "preview",
        help="预览某一时刻例行提醒将发送的消息（不发送、不写数据库） / preview the routine at a moment",
    )
    p.add_argument(
        "--at", required=True, metavar="YYYY-MM-DD HH:MM", help="站点当地时间 / the site's local time"
    )
    p.add_argument("--json", action="store_true", help="每条消息一行 JSON / one JSON object per message")
    p.add_argument("--site", help="只看这个网站 / only this site")


def run(args: argparse.Namespace) -> int:
    try:
        moment = datetime.strptime(args.at.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        print(f'时间格式应为 "YYYY-MM-DD HH:MM"，例如 "2026-10-12 09:00"：{args.at}', file=sys.stderr)
        return 2
    settings = load_settings()
    engine = settings.make_engine()
    try:
        check_schema(engine)
    except SchemaOutOfDate as exc:
        print(exc, file=sys.stderr)
        return 2
    config = settings.routine_config()
    warned: set[int] = set()

    def fallback(year: int) -> None:
        if year not in warned:
            warned.add(year)
            print(
                f"注意：{year}年没有官方节假日数据，暂按周一至周五为工作日计算（/holidays {year} 可录入）。",
                file=sys.stderr,
            )

    found = 0
    with Session(engine) as session:  # never committed: the preview writes nothing
        calendar = load_calendar(session, on_fallback=fallback)
        for site in sites(session):
            if args.site and site.name != args.site:
                continue
            found += 1
            local = moment.replace(tzinfo=site.zone(config.tz))
            day_slots = slots_on(local.date(), calendar, config.settings)
            # The slots at that minute: the earlier ones of the day count as done.
            earlier = frozenset(s for s, at in day_slots if at < local.time().replace(tzinfo=None))
            snap, planned = preview_day(session, site, local.astimezone(UTC), calendar, config, earlier)
            titles = {c.telegram_id: c.title for c in snap.chats}
            if args.json:
                for p in planned:
                    print(json.dumps({**p.preview(), "site": site.name}, ensure_ascii=False))
            else:
                print(
                    _listing(
                        site.name, local, planned, day_slots, calendar.is_working_day(local.date()), titles
                    )
                )
        session.rollback()
    if not found:
        print(
            "数据库里还没有网站：请先导入责任清单（zhiri import 文件）。"
            if not args.site
            else f"没有名为「{args.site}」的网站。",
            file=sys.stderr,
        )
        return 1
    return 0


def _listing(
    site: str,
    local: datetime,
    planned: list[Planned],
    day_slots: list[tuple[Slot, time]],
    working: bool,
    titles: dict[int, str],
) -> str:
    day = local.date()
    head = f"== {site}　{ymd(day)} {local:%H:%M} =="
    if not working:
        return f"{head}\n当天不是工作日（节假日或周末），例行提醒一律不发送。\n"
    if not planned:
        times = "；".join(f"{at:%H:%M} {SLOT_NAMES[s]}" for s, at in day_slots)
        return f"{head}\n这一时刻没有要发送的消息。当天的例行安排：{times}\n"
    lines = [head, f"共 {len(planned)} 条消息：", ""]
    for n, p in enumerate(planned, 1):
        if p.to.nowhere:
            to = f"{p.to.label.removeprefix('unit:')}（未绑定群，无处发送）"
        elif p.to.chat_id is not None and p.to.chat_id < 0:
            to = f"群「{titles.get(p.to.chat_id, p.to.chat_id)}」"
        else:
            to = f"私聊 {p.to.label.removeprefix('person:')}"
        lines.append(f"[{n}] {KIND_NAMES.get(p.kind, p.kind)} → {to}")
        lines.extend(f"    {line}" for line in p.text.splitlines())
        for row in p.offers:
            lines.append("    " + "  ".join(f"[{o.label}]" for o in row))
        if p.document is not None:
            lines.append(f"    附件：{p.document.filename}")
        lines.append("")
    return "\n".join(lines)
