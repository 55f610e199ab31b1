"""`zhiri reading show|wrong|ok ITEM`: what the reader saw on a column's page, and the operator's dispute
of it from the command line (the same acts as /wrongread and /readok in the chat)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from acts.check import Readings, clear_dispute, dispute_reading, show_readings
from bot.cli_support import Refusal, database
from bot.config import load_settings
from replies.format import disputed, seen_line
from storage.db import session_scope
from storage.people import Ambiguous, ItemUnknown
from storage.queries import OPERATOR
from storage.reads import Cleared, MarkedWrong
from storage.sites import site_judge


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("reading", help="查看栏目页面的读取记录，或标记读取错误 / a column's readings")
    p.add_argument(
        "action", choices=("show", "wrong", "ok"), help="show 查看；wrong 标记为错误；ok 修复后恢复"
    )
    p.add_argument("item", nargs="+", help="栏目名称，例如 首页/部门动态")
    p.add_argument("--note", default=None, help="标记为错误的说明")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    now = datetime.now(UTC)
    words = [" ".join(args.item)]
    with database(settings) as engine, session_scope(engine) as session:
        judge = site_judge(session, None, settings.tz, settings.policy)
        if args.action == "wrong":
            result: object = dispute_reading(
                session, now, OPERATOR, judge, [*words, args.note] if args.note else words
            )
        elif args.action == "ok":
            result = clear_dispute(session, now, OPERATOR, words)
        else:
            result = show_readings(session, now, OPERATOR, words)
    if isinstance(result, Ambiguous):
        names = "、".join(c.path for c in result.candidates[:10])
        raise Refusal(f"「{result.text}」对应多个栏目：{names}。请写得更具体些。")
    if isinstance(result, ItemUnknown):
        raise Refusal(f"没有找到栏目「{result.text}」。")
    if isinstance(result, Readings):
        print(f"「{result.path}」 {result.url or '（没有网址）'}")
        if result.disputed is not None:
            print(f"读取有争议（{result.disputed.note or '无说明'}）：修复前不据此自动登记。")
        for seen in result.history:
            print(seen_line(seen, judge.tz))
        if not result.history:
            print("还没有网站读取记录。")
        return 0
    if isinstance(result, MarkedWrong | Cleared):
        print(disputed(result, judge.tz).text.replace("发送 /readok", "运行 zhiri reading ok"))
        return 0
    raise Refusal(disputed(result, judge.tz).text)
