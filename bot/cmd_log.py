"""`zhiri log [--unit UNIT] [--since YYYY-MM-DD] [--json]`: the audit trail without SQL.

Who logged and undid updates, recorded events, answered the half-month check, was bound to or removed from
a unit, and made or revoked invitations; newest first. Reading only: the schema must be current.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, time

from bot.cli_support import database, day_of, unit_named
from bot.config import load_settings
from storage.audit import AUDIT_LABELS, trail
from storage.db import session_scope


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "log", help="查看操作记录：登记、撤销、事项、半月查、绑定、移除、邀请 / the audit trail"
    )
    p.add_argument("--unit", help="只看该责任单位的栏目和人员")
    p.add_argument("--since", help="只看该日期（含）以后的记录，格式 YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="每行一条 JSON 记录，便于程序处理")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    since = datetime.combine(day_of(args.since, "--since"), time(), settings.tz) if args.since else None
    with database(settings) as engine, session_scope(engine) as session:
        unit_ids = [unit_named(session, args.unit).id] if args.unit else None
        entries = trail(session, unit_ids=unit_ids, since=since)
    for e in entries:
        local = e.at.astimezone(settings.tz)
        if args.json:
            row = {"at": local.isoformat(), "kind": e.kind, "who": e.who, "unit": e.unit, "item": e.item}
            print(json.dumps({**row, "detail": e.detail}, ensure_ascii=False))
        else:
            fields = [
                f"{local:%Y-%m-%d %H:%M}",
                AUDIT_LABELS.get(e.kind, e.kind),
                e.who or "-",
                e.unit or "-",
            ]
            print("\t".join([*fields, e.item or "-", e.detail]))
    if not args.json:
        print(f"共 {len(entries)} 条记录。", file=sys.stderr)
    return 0
