"""`zhiri links show [网站名称|单位名称]`: the links that do not open on a site's pages (the home page and the
column pages the reader reads), per page with the units that answer for it, or those one unit answers for;
`zhiri links check [--site NAME]`: read the home pages and check the links due today, now (each link at most
once a day, as the daily check does, and told to the units the same way)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from bot.cli_support import database, unit_named
from bot.config import Settings, load_settings
from domain.links import ColumnLinks, DeadLink, by_unit, dead_link_line
from jobs.links import check_links
from storage.db import session_scope
from storage.links import dead_links, unit_names, units_of
from storage.models import Site, Unit
from storage.sites import find_site, site_named


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("links", help="失效链接：查看首页和栏目页面上打不开的链接，或立即检查 / broken links")
    p.add_argument(
        "action", choices=("show", "check"), help="show 查看失效链接；check 立即检查今天未检查的链接"
    )
    p.add_argument("name", nargs="*", help="show：网站名称或责任单位名称（只有一个网站时可省略）")
    p.add_argument("--site", help="check：只检查该网站；默认全部网站")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    now = datetime.now(UTC)
    with database(settings) as engine:
        if args.action == "check":
            return _check(engine, now, settings, args.site)
        with session_scope(engine) as session:
            name = " ".join(args.name).strip() or None
            site = find_site(session, name)
            if site is None and name:
                _show_unit(session, now, settings.tz, name)
            else:
                _show_site(session, now, settings.tz, site or site_named(session, name))
    return 0


def _today(now: datetime, site: Site, tz: ZoneInfo) -> date:
    return now.astimezone(ZoneInfo(site.tz_name) if site.tz_name else tz).date()


def _print_columns(
    columns: tuple[ColumnLinks, ...] | list[ColumnLinks], today: date, names: dict[int, str]
) -> None:
    for column in columns:
        print(f"{column.page}{names.get(column.item_id or 0, '')} {column.page_url}")
        for d in column.links:
            print("  " + dead_link_line(d, today))


def _show_unit(session: Session, now: datetime, tz: ZoneInfo, name: str) -> None:
    unit = unit_named(session, name)
    row = session.get(Unit, unit.id)
    site = session.get(Site, row.site_id) if row is not None else None
    assert site is not None and site.id is not None
    dead = dead_links(session, site.id)
    columns = by_unit(dead, units_of(session, {d.item_id for d in dead if d.item_id})).get(unit.id, ())
    total = sum(len(c.links) for c in columns)
    where = f"{unit.name}（{site.name}）负责的栏目页面上"
    print(f"{where}有{total}个链接打不开：" if total else f"{where}没有发现打不开的链接。")
    _print_columns(columns, _today(now, site, tz), {})


def _show_site(session: Session, now: datetime, tz: ZoneInfo, site: Site) -> None:
    assert site.id is not None
    dead = dead_links(session, site.id)
    if not dead:
        print(f"{site.name}：首页和栏目页面上没有发现打不开的链接（每天读取栏目后检查一次）。")
        return
    pages: dict[tuple[int | None, str], list[DeadLink]] = {}
    for d in dead:
        pages.setdefault((d.item_id, d.page_url), []).append(d)
    units = units_of(session, {d.item_id for d in dead if d.item_id})
    unit_name = unit_names(session, {u for us in units.values() for u in us})
    names = {i: "（" + "、".join(unit_name[u] for u in us) + "）" for i, us in units.items()}
    print(f"{site.name}：{len(pages)}个页面上共有{len(dead)}个链接打不开：")
    columns = [ColumnLinks(i, links[0].page, url, tuple(links)) for (i, url), links in pages.items()]
    _print_columns(
        sorted(columns, key=lambda c: (c.item_id is not None, c.page)), _today(now, site, tz), names
    )


@contextmanager
def _bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal (standard error), nothing otherwise (a cron job's log stays quiet)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("检查链接", total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def _check(engine: Engine, now: datetime, settings: Settings, site_name: str | None) -> int:
    site_ids = None
    if site_name:
        with session_scope(engine) as session:
            site = site_named(session, site_name)
            site_ids = [site.id] if site.id is not None else []

    async def go() -> int:
        async with settings.reader() as reader, settings.link_checker() as checker:
            with _bar() as progress:
                report = await check_links(
                    engine,
                    now,
                    reader=reader,
                    checker=checker,
                    config=settings.links_config(),
                    site_ids=site_ids,
                    progress=progress,
                )
        print(
            f"读取首页 {report.homes_read} 个，检查链接 {report.checked} 个（今天已检查过的不再检查），"
            f"打不开 {report.dead} 个；写入提醒 {report.notices} 条。"
        )
        if report.untold_units:
            print("以下单位没有绑定群，失效链接未能提醒：" + "、".join(report.untold_units))
        print("运行 zhiri links show 查看失效链接。")
        return 0

    return asyncio.run(go())
