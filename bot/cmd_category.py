"""`zhiri category ITEM CATEGORY`: correct how inspectors would count a column (首页, 动态要闻,
通知公告政策文件, 人事规划 …), or `自动` to read it from the column's path again. Kept over re-imports."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from acts.category import CategorySet, category_by
from bot.cli_support import database
from bot.config import load_settings
from domain.inspection import CATEGORY_NAMES
from storage.db import session_scope
from storage.people import Ambiguous, ItemUnknown
from storage.queries import OPERATOR
from storage.score import category_names
from storage.sites import site_judge


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("category", help="更正栏目的检查类别（首页、动态要闻…） / correct a column's category")
    p.add_argument("item", help="栏目名称或路径，如 首页/部门动态")
    p.add_argument("category", help=f"类别：{category_names()}；或“自动”按路径判断")


def describe(result: object) -> tuple[int, str]:
    if isinstance(result, CategorySet):
        name = CATEGORY_NAMES[result.category]
        how = "已恢复按路径自动判断" if result.automatic else "已更正"
        return 0, f"{result.item.path}：{how}，检查类别为“{name}”（原为“{CATEGORY_NAMES[result.before]}”）。"
    if isinstance(result, Ambiguous):
        paths = "\n".join(f"  {h.path}" for h in result.candidates)
        return 2, f"有多个栏目符合，请写完整路径：\n{paths}"
    if isinstance(result, ItemUnknown):
        near = f"相近的有：{'、'.join(result.suggestions)}" if result.suggestions else ""
        return 2, f"没有找到栏目“{result.text}”。{near}"
    return 2, f"用法：栏目名称 类别。类别可以是：{category_names()}；或“自动”。"


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    with database(settings) as engine, session_scope(engine) as session:
        judge = site_judge(session, None, settings.tz, settings.policy)
        result = category_by(session, datetime.now(UTC), OPERATOR, judge, [args.item, args.category])
    code, text = describe(result)
    print(text, file=sys.stderr if code else sys.stdout)
    return code
