"""`zhiri log [--unit UNIT] [--since YYYY-MM-DD] [--json]`: the audit trail without SQL.

Who logged and undid updates, recorded events, answered the half-month check, was bound to or removed from
a unit, and made or revoked invitations; newest first. Reading only: the schema must be current.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time

from bot.config import load_settings
from storage.audit import AUDIT_LABELS, trail
from storage.db import SchemaOutOfDate, check_schema, make_engine, session_scope
from storage.queries import UnitAmbiguous, UnitUnknown, resolve_unit


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "log", help="查看操作记录：登记、撤销、事项、半月查、绑定、移除、邀请 / the audit trail"
    )
    p.add_argument("--unit", help="只看该责任单位的栏目和人员")
    p.add_argument("--since", help="只看该日期（含）以后的记录，格式 YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="每行一条 JSON 记录，便于程序处理")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    since = None
    if args.since:
        try:
            since = datetime.combine(date.fromisoformat(args.since), time(), settings.tz)
        except ValueError:
            print(f"日期「{args.since}」无效，请按 YYYY-MM-DD 填写，例如 2026-11-01。", file=sys.stderr)
            return 2
    engine = make_engine(settings.database_url)
    try:
        check_schema(engine)
        with session_scope(engine) as session:
            unit_ids = None
            if args.unit:
                unit = resolve_unit(session, args.unit)
                if isinstance(unit, UnitUnknown):
                    near = f"（相近的单位：{'、'.join(unit.suggestions)}）" if unit.suggestions else ""
                    print(f"没有找到责任单位「{args.unit}」{near}。请写出单位全称。", file=sys.stderr)
                    return 2
                if isinstance(unit, UnitAmbiguous):
                    print(
                        f"「{args.unit}」对应多个单位：{'、'.join(unit.candidates)}。请写出单位全称。",
                        file=sys.stderr,
                    )
                    return 2
                unit_ids = [unit.id]
            entries = trail(session, unit_ids=unit_ids, since=since)
    except SchemaOutOfDate as exc:
        print(f"无法读取记录：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
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
