"""`zhiri person list|add|set`: record responsible people's mobile numbers and their user ids on DingTalk,
WeCom and Feishu, so that group robots @ them (the operator at the command line, who administers
everything). A webmaster or leader who does not use Telegram is added to their unit here by name.

Exit 0 when recorded or listed, 2 with what to fix (on standard error) when refused: nothing is recorded then.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from acts.contacts import CLEAR_WORDS, Change, ContactList, ContactSet, add_person, contact_list, set_contact
from bot.cli_support import database
from bot.config import load_settings
from domain.model import Role
from domain.robots import ID_HINTS, Kind
from replies import contacts as words
from storage.db import session_scope
from storage.queries import OPERATOR


def _contact_flags(p: argparse.ArgumentParser, clear: bool) -> None:
    also = "；填 清除 删除已登记的" if clear else ""
    p.add_argument("--phone", help=f"手机号码（11位，钉钉群机器人按手机号 @）{also}")
    for kind, flag in words.KIND_FLAGS.items():
        p.add_argument(f"--{flag}", help=f"{ID_HINTS[kind]}{also}")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "person",
        help="登记人员手机号和钉钉/企业微信/飞书账号，供群机器人 @ / phones and platform ids for @-mentions",
        description=words.CLI_USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = p.add_subparsers(dest="verb", metavar="list|add|set")
    listing = verbs.add_parser("list", help="列出人员及已登记的账号 / list people and what robots @ them by")
    listing.add_argument("unit", nargs="?", help="只列出这个单位")
    add = verbs.add_parser("add", help="为单位添加网站维护员（或分管领导）/ add a person to a unit")
    add.add_argument("unit", help="单位名称")
    add.add_argument("name", help="姓名")
    add.add_argument("--leader", action="store_true", help="作为分管领导添加（默认：网站维护员）")
    _contact_flags(add, clear=False)
    change = verbs.add_parser(
        "set", help="登记或清除手机号、平台账号 / record or clear a person's phone and ids"
    )
    change.add_argument("person", help="姓名、@用户名 或 Telegram 数字 id")
    change.add_argument("--unit", help="单位名称（同名时指明）")
    _contact_flags(change, clear=True)


def _change(args: argparse.Namespace) -> Change:
    def value(text: str | None) -> str | None:
        if text is None:
            return None
        return "" if text.strip() in CLEAR_WORDS else text

    ids: dict[Kind, str | None] = {k: value(getattr(args, f)) for k, f in words.KIND_FLAGS.items()}
    return Change(value(args.phone), ids)


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "verb", None):
        print(words.CLI_USAGE, file=sys.stderr)
        return 2
    settings = load_settings()
    now = datetime.now(UTC)
    with database(settings) as engine, session_scope(engine) as session:
        if args.verb == "list":
            listed = contact_list(session, OPERATOR, args.unit)
            return _say(words.listed(listed), isinstance(listed, ContactList))
        change = _change(args)
        result: object
        if args.verb == "add":
            role = Role.LEADER if args.leader else Role.WEBMASTER
            result = add_person(session, now, OPERATOR, args.unit, args.name, role, change)
        else:
            if change.empty:
                print(words.CLI_USAGE, file=sys.stderr)
                return 2
            result = set_contact(session, now, OPERATOR, args.person, args.unit, change)
        ok = isinstance(result, ContactSet)
        if not ok:
            session.rollback()
        return _say(words.recorded(result), ok)


def _say(text: str, ok: bool) -> int:
    print(text, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 2
