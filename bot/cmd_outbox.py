"""`zhiri outbox` / `zhiri outbox --retry [ID …]`: the messages the sender set aside after repeated unexpected
errors (each with its chat, day and last error), and putting them back in their chats' queues once the cause
is fixed. Nothing set aside is lost: it stays in the outbox until sent again."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from bot.cli_support import Refusal, database
from bot.config import load_settings
from domain.wording import KIND_NAMES
from storage import outbox
from storage.db import session_scope


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "outbox",
        help="查看或重发因异常暂存的消息 / list messages set aside after repeated errors, or send them again",
    )
    p.add_argument(
        "--retry",
        nargs="*",
        type=int,
        metavar="ID",
        help="重新发送暂存的消息：写编号只重发这些，不写则全部重发 / send these (default: all) again",
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / JSON output")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    with database(settings) as engine, session_scope(engine) as session:
        rows = outbox.set_aside_rows(session)
        if args.retry is not None:
            wanted = set(args.retry) or {r.id for r in rows}
            unknown = sorted(wanted - {r.id for r in rows})
            if unknown:
                raise Refusal(
                    f"没有编号为 {'、'.join(map(str, unknown))} 的暂存消息。用 zhiri outbox 查看暂存的消息。"
                )
            n = outbox.retry(session, datetime.now(UTC), {i for i in wanted if i is not None})
            print(f"已放回发送队列：{n} 条消息（运行中的机器人会在一分钟内发出）。")
            return 0
        if args.json:
            listed = [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "chat_id": r.chat_id,
                    "day": r.day.isoformat(),
                    "failures": r.failures,
                    "set_aside_at": r.set_aside_at.isoformat() if r.set_aside_at else None,
                    "error": r.last_error,
                    "text": r.text,
                }
                for r in rows
            ]
            print(json.dumps(listed, ensure_ascii=False))
            return 0
        for r in rows:
            first = r.text.splitlines()[0] if r.text else ""
            print(
                f"#{r.id}\t{KIND_NAMES.get(r.kind, r.kind)}\t群/用户 {r.chat_id}\t{r.day}\t"
                f"失败{r.failures}次\t{first[:40]}\t{(r.last_error or '')[:120]}"
            )
        if rows:
            print(
                f"共 {len(rows)} 条暂存消息。排除问题后用 zhiri outbox --retry 重新发送（或 --retry 编号）。"
            )
        else:
            print("没有暂存的消息。")
        return 0
