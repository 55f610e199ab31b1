"""`zhiri retire ITEM --reason TEXT` / `zhiri retire --restore ITEM` / `zhiri retire --list`: an administrator
retires an item (a topic that has ended, a column being merged) with a reason, brings it back, or lists the
retired items. A retired item leaves every reminder and view, keeps its history, and shows as 已停更 in the
export; a re-import leaves it retired unless the list's 状态 column says it is in use again.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from sqlmodel import Session

from acts.retire import find_item_in_site, retire, retired_items, unretire
from bot.cli_support import database
from bot.config import Settings, load_settings
from storage.db import session_scope
from storage.models import Item, Site
from storage.people import ItemUnknown
from storage.sites import site_judge, site_named


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "retire",
        help="停更或恢复栏目/账号（保留历史，不再提醒）/ retire an item with a reason, or restore it",
    )
    p.add_argument("item", nargs="?", help="栏目或账号名称，如 党史学习教育 或 专题专栏/党史学习教育")
    p.add_argument("--reason", help="停更原因，如 专题活动已结束（停更时必填）")
    p.add_argument("--restore", action="store_true", help="恢复已停更的栏目或账号")
    p.add_argument("--list", action="store_true", help="列出管理员停更的栏目和账号")
    p.add_argument("--site", help="网站名称；数据库中有多个网站时必须指定")


def run(args: argparse.Namespace) -> int:
    if not args.list and not args.item:
        print(
            "请写出栏目或账号名称，例如：zhiri retire 党史学习教育 --reason 专题活动已结束", file=sys.stderr
        )
        return 2
    if not args.list and not args.restore and not (args.reason or "").strip():
        print("停更需要写明原因：--reason 原因，例如 --reason 专题活动已结束", file=sys.stderr)
        return 2
    settings = load_settings()
    with database(settings) as engine, session_scope(engine) as session:
        site = site_named(session, args.site)
        assert site.id is not None
        if args.list:
            return _list(session, site.id)
        return _change(session, datetime.now(UTC), site, args, settings)


def _list(session: Session, site_id: int) -> int:
    rows = retired_items(session, site_id)
    for item, units in rows:
        print(f"{item.path}\t{units}\t{item.retired_reason or ''}")
    print(f"共 {len(rows)} 项已停更。")
    return 0


def _change(session: Session, now: datetime, site: Site, args: argparse.Namespace, settings: Settings) -> int:
    assert site.id is not None
    found = find_item_in_site(session, site.id, args.item, retired=args.restore)
    if isinstance(found, ItemUnknown):
        near = f"；相近的有：{'、'.join(found.suggestions)}" if found.suggestions else ""
        what = "已停更的" if args.restore else ""
        print(f"没有找到{what}「{found.text}」{near}", file=sys.stderr)
        return 2
    if not isinstance(found, int):
        print(f"「{args.item}」对应多个栏目或账号，请写出完整路径：", file=sys.stderr)
        for path in found:
            print(f"  {path}", file=sys.stderr)
        return 2
    target = session.get(Item, found)
    assert target is not None
    if args.restore:
        result = unretire(session, now, site_judge(session, site, settings.tz, settings.policy), target)
        print(f"已恢复：{result.path}")
        return 0
    retired = retire(session, now, target, reason=args.reason)
    print(f"已停更：{retired.path}（原因：{retired.reason}）")
    return 0
