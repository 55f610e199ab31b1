"""`zhiri probe show [--site NAME] [--days N]`: what the availability probe saw, per target and day, and the
week's unreachable share against the lines; `zhiri probe key ITEM [--off]`: mark a key column (重点栏目),
probed with the home page. The home page itself is set with `zhiri site --home URL`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from acts.availability import KeySet, NotAColumn, mark_key
from bot.cli_support import Refusal, database
from bot.config import load_settings
from domain.availability import WEEK, weekly
from domain.text import md
from storage.db import session_scope
from storage.people import Ambiguous, ItemUnknown
from storage.probes import home_of, per_day, results, targets
from storage.queries import OPERATOR
from storage.sites import site_named

LEVELS = {
    "unknown": "探测次数不足，暂无结论",
    "ok": "正常",
    "warn": "已达预警线",
    "escalate": "已达单项否决线",
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("probe", help="网站可访问性监测：查看结果、设置重点栏目 / availability probes")
    p.add_argument("action", choices=("show", "key"), help="show 查看近几天的探测结果；key 设置重点栏目")
    p.add_argument("item", nargs="*", help="key：栏目名称，例如 首页/部门动态")
    p.add_argument("--off", action="store_true", help="key：取消重点栏目")
    p.add_argument("--site", help="show：网站名称；数据库中有多个网站时必须指定")
    p.add_argument("--days", type=int, default=WEEK, help="show：显示最近几天（默认7天）")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    now = datetime.now(UTC)
    with database(settings) as engine, session_scope(engine) as session:
        if args.action == "key":
            if not args.item:
                raise Refusal("用法：zhiri probe key 栏目名称 [--off]")
            result = mark_key(session, now, OPERATOR, [" ".join(args.item)], key=not args.off)
            return _keyed(result)
        site = site_named(session, args.site)
        assert site.id is not None
        today = now.astimezone(ZoneInfo(site.tz_name) if site.tz_name else settings.tz).date()
        home = home_of(session, site)
        if home is None:
            print(
                f"{site.name}：没有首页网址（用 zhiri site --home 网址 设置），栏目也都没有网址，无从探测。"
            )
        elif not home[1]:
            print(f"{site.name}：首页按栏目网址推断为 {home[0]}（可用 zhiri site --home 网址 设置）。")
        first = today - timedelta(days=max(1, args.days) - 1)
        lines = settings.thresholds
        for target in targets(session, site.id):
            week = weekly(
                results(session, site.id, target.item_id, today - timedelta(days=WEEK - 1), today),
                today,
                warn_pct=lines.unreachable_warn_pct,
                veto_pct=lines.unreachable_veto_pct,
            )
            print(
                f"{target.page} {target.url}：近7天探测{week.probes}次，无法访问{week.unreachable}次"
                f"（{100 * week.ratio:.1f}%），{LEVELS[week.level]}"
            )
            for d in per_day(session, site.id, target.item_id, first, today):
                print(f"  {md(d.day)}：{d.probes}次，无法访问{d.unreachable}次")
    return 0


def _keyed(result: object) -> int:
    match result:
        case KeySet(path=path, key=True, url=url, changed=changed):
            done = "已设为" if changed else "已经是"
            tail = f"，将与首页一起探测：{url}" if url else "；但该栏目没有网址，登记网址后才会探测"
            print(f"「{path}」{done}重点栏目{tail}。")
            return 0
        case KeySet(path=path, key=False, changed=changed):
            print(f"「{path}」{'已取消' if changed else '本来就不是'}重点栏目。")
            return 0
        case NotAColumn(path=path):
            raise Refusal(f"「{path}」是新媒体账号，没有可探测的网页；重点栏目只能是网站栏目。")
        case Ambiguous(text=text, candidates=candidates):
            names = "、".join(c.path for c in candidates[:10])
            raise Refusal(f"「{text}」对应多个栏目：{names}。请写完整路径。")
        case ItemUnknown(text=text):
            raise Refusal(f"没有找到栏目「{text}」。")
    raise Refusal("只有系统管理员可以设置重点栏目。")
