"""`zhiri import FILE [--site NAME] [--dry-run]`: the responsibility list (XLSX or CSV) into the database.

Like `zhiri run`, the import brings the database schema up to date first: the administrator's first act on
a new deployment is often this import, and a refusal that says "run zhiri db upgrade" helps nobody.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Engine

from acts.catalog import ImportInterrupted, ImportProblem, ImportReport, RetireGuard, run_import
from acts.ledger import LedgerReport, looks_like_ledger, run_ledger_import
from bot.config import load_settings
from sheetread.sheets import parse_sheets, read_table_file
from storage.db import SchemaOutOfDate, dry_run_engine, make_engine, upgrade

R = TypeVar("R")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import",
        help="导入栏目与政务新媒体责任清单（XLSX/CSV，自动升级数据库）/ import the responsibility list",
    )
    p.add_argument("file", type=Path, help="清单文件：.xlsx 或 .csv（UTF-8 或 GBK）")
    p.add_argument("--site", help="网站名称；数据库中有多个网站时必须指定，没有网站时按此名称新建")
    p.add_argument("--dry-run", action="store_true", help="只检查并显示导入结果，不写入数据库")
    p.add_argument(
        "--confirm-retire",
        "--yes",
        dest="confirm_retire",
        action="store_true",
        help="确认停用清单中已没有的栏目和账号（停用较多时必须确认）",
    )
    p.add_argument(
        "--ledger",
        action="store_true",
        help="按来信登记表导入（收到日期、标题、办结日期、栏目/信箱）；按表头可自动识别",
    )


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        sheets = read_table_file(args.file)  # read once, before touching the database
        if args.ledger or looks_like_ledger(sheets):
            report: ImportReport | LedgerReport = _import(
                args,
                settings.database_url,
                lambda engine, now: run_ledger_import(
                    engine, now, settings.tz, args.file, site=args.site, dry_run=args.dry_run
                ),
            )
        else:
            parsed = parse_sheets(sheets)
            guard = RetireGuard(
                settings.import_retire_max, settings.import_retire_share, confirmed=args.confirm_retire
            )
            report = _import(
                args,
                settings.database_url,
                lambda engine, now: run_import(
                    engine,
                    now,
                    settings.tz,
                    parsed,
                    site=args.site,
                    dry_run=args.dry_run,
                    file_name=args.file.name,
                    guard=guard,
                ),
            )
    except ImportProblem as exc:
        print(f"导入失败，数据库没有任何修改。\n{exc}", file=sys.stderr)
        return 2
    except ImportInterrupted as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except SchemaOutOfDate as exc:
        print(f"试运行不会升级数据库。{exc}" if args.dry_run else str(exc), file=sys.stderr)
        return 2
    print(report.render())
    return 0


def _import(args: argparse.Namespace, url: str, work: Callable[[Engine, datetime], R]) -> R:
    """Run `work` on the database brought to the newest schema; a dry run on one it may roll back without
    touching the database (as for the list: a throwaway copy, or a rolled-back transaction), not even
    creating or upgrading it."""
    if args.dry_run:
        with dry_run_engine(url) as (engine, _real):
            return work(engine, datetime.now(UTC))
    engine = make_engine(url)
    try:
        before, after = upgrade(engine)
        if before != after:
            print(f"数据库结构已自动升级：{before or '空'} → {after}")
        return work(engine, datetime.now(UTC))
    finally:
        engine.dispose()
