"""`zhiri rule`: show how Zhiri reads an update rule, and optionally when an item under it is due.

    zhiri rule 2周内更新                      -> 每2周内至少更新一次。
    zhiri rule --json 每年不少于6次            -> one JSON object on one line
    zhiri rule --last 2026-09-25 --at 2026-10-09 --json 2周内更新

Exit 0 when the rule is understood, 2 when it is not (or the arguments are wrong).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from domain.calendar import WorkCalendar
from domain.due import evaluate, reply_span
from domain.model import ItemFacts, ItemKind
from domain.rules import describe_rule, parse_rule, rule_to_dict
from domain.text import state_words


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rule",
        help="解读一条更新时限要求 / explain an update rule",
        description="解读一条更新时限要求（如“2周内更新”），可选算出截止日期。",
    )
    p.add_argument("--json", action="store_true", help="输出一行 JSON")
    p.add_argument("--last", metavar="YYYY-MM-DD", help="上次更新日期（与 --at 一起用）")
    p.add_argument("--at", metavar="YYYY-MM-DD", help="按哪一天计算状态（与 --last 一起用）")
    p.add_argument("text", nargs="*", help="更新要求原文，可分成几个词")


def _parse_day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{flag} 日期格式不对：“{value}”，应为 YYYY-MM-DD，例如 2026-10-09") from None


def run(args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    if (args.last is None) != (args.at is None):
        print("--last 和 --at 要一起给出：上次更新日期和计算日期。", file=sys.stderr)
        return 2
    last = at = None
    if args.last is not None:
        try:
            last, at = _parse_day(args.last, "--last"), _parse_day(args.at, "--at")
        except ValueError as e:
            print(str(e), file=sys.stderr)
            return 2

    rule = parse_rule(text)
    out: dict[str, Any] = rule_to_dict(rule)
    sentence = describe_rule(rule)
    if last is not None and at is not None:
        # For a deadline after an event (印发后5个工作日内), --last is the day of that event: the question
        # asked is "it happened on this day; when is it due?"
        events = (last,) if reply_span(rule) is not None else ()
        facts = ItemFacts(rule=rule, kind=ItemKind.COLUMN, created=last, last_update=last, open_events=events)
        status = evaluate(facts, at, WorkCalendar())
        out["due"] = status.due.isoformat() if status.due else None
        out["state"] = status.state.value
        out["days_late"] = status.days_late
        when = f"截止{status.due.isoformat()}，" if status.due else ""
        sentence += f"{when}{at.isoformat()}状态：{state_words(status.state, status.days_late)}。"
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(sentence)
    return 0 if rule.ok else 2
