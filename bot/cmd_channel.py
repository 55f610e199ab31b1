"""`zhiri channel add|list|test|remove`: bind DingTalk / WeCom / Feishu group robots to units (the operator at
the command line, who administers everything). The same acts as `/robot …` in a private chat with the bot.

`test` sends one message through every robot bound there now, straight through its transport (not the
outbox), and exits 1 when one is refused, with the platform's answer explained.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from acts.channels import (
    NoRobots,
    RobotBound,
    RobotList,
    RobotsRemoved,
    RobotsToTest,
    add_robot,
    list_robots,
    remove_robot,
    robots_to_test,
)
from bot.cli_support import database
from bot.config import load_settings
from channels.robots.trial import try_robots
from replies import robots as words
from storage import robots
from storage.db import session_scope
from storage.queries import OPERATOR
from storage.sealed import new_key


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "channel",
        help="绑定钉钉/企业微信/飞书群机器人 / bind DingTalk, WeCom or Feishu group robots to units",
        description=words.CLI_USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = p.add_subparsers(dest="verb", metavar="add|list|test|remove|newkey|rekey")
    add = verbs.add_parser("add", help="绑定群机器人 / bind a robot to a unit or 全部")
    add.add_argument("unit", help="单位名称，或 全部（全部单位的大群）")
    add.add_argument("url", help="群机器人的 Webhook 地址")
    add.add_argument("--secret", help="加签（钉钉）/ 签名校验（飞书）密钥；企业微信无需")
    add.add_argument("--kind", help="dingtalk、wecom 或 feishu（地址不是官方地址时必须指定）")
    verbs.add_parser("list", help="列出全部绑定 / list the bindings")
    test = verbs.add_parser("test", help="向绑定的机器人发送测试消息 / send a test message")
    test.add_argument("unit", help="单位名称，或 全部")
    remove = verbs.add_parser("remove", help="解除绑定 / unbind")
    remove.add_argument("unit", help="单位名称，或 全部")
    remove.add_argument("url", nargs="?", help="只解除这个机器人（默认：该单位的全部机器人）")
    verbs.add_parser("newkey", help="生成加密机器人地址的密钥 CHANNEL_KEY / make a new CHANNEL_KEY")
    verbs.add_parser(
        "rekey", help="用 CHANNEL_KEY 的第一个密钥重新加密全部机器人地址 / re-encrypt with the newest key"
    )


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "verb", None):
        print(words.CLI_USAGE, file=sys.stderr)
        return 2
    if args.verb == "newkey":
        print(new_key())
        print(words.NEW_KEY, file=sys.stderr)
        return 0
    settings = load_settings()
    now = datetime.now(UTC)
    with database(settings) as engine, session_scope(engine) as session:
        if args.verb == "rekey":
            return _say(words.rekeyed(robots.rekey(session)), True)
        if args.verb == "add":
            bound = add_robot(session, now, OPERATOR, args.unit, args.url, args.secret, args.kind)
            return _say(words.bound(bound), isinstance(bound, RobotBound))
        if args.verb == "list":
            listed = list_robots(session, now, OPERATOR)
            return _say(words.listed(listed, settings.tz), isinstance(listed, RobotList))
        if args.verb == "remove":
            removed = remove_robot(session, now, OPERATOR, args.unit, args.url)
            return _say(words.removed(removed), isinstance(removed, RobotsRemoved))
        found = robots_to_test(session, now, OPERATOR, args.unit)
    if isinstance(found, NoRobots):
        return _say(words.removed(found), False)
    if not isinstance(found, RobotsToTest):
        return _say(words.bound(found), False)
    errors = asyncio.run(try_robots(found.robots, words.test_text(found.where)))
    return _say(words.tested(found, errors), all(e is None for e in errors), fail=1)


def _say(text: str, ok: bool, fail: int = 2) -> int:
    print(text, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else fail
