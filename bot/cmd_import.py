"""`zhiri import FILE [--site NAME] [--dry-run]`: the responsibility list (XLSX or CSV) into the database.

Like `zhiri run`, the import brings the database schema up to date first: the administrator's first act on
a new deployment is often this import, and a refusal that says "run zhiri db upgrade" helps nobody.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings, load_settings
from storage.catalog import ImportProblem, RetireGuard, run_import
from storage.db import SchemaOutOfDate, dry_run_engine, make_engine, upgrade
from storage.ledger import looks_like_ledger, run_ledger_import
from storage.sheets import ParsedList, parse_list, read_table_file


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
        ledger = args.ledger or looks_like_ledger(read_table_file(args.file))
    except ImportProblem as exc:
        print(f"导入失败，数据库没有任何修改。\n{exc}", file=sys.stderr)
        return 2
    if ledger:
        return _ledger(args, settings)
    try:
        parsed = parse_list(args.file)  # read the file before touching the database
    except ImportProblem as exc:
        print(f"导入失败，数据库没有任何修改。\n{exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        return _dry_run(args, settings.database_url, settings.tz, parsed, _guard(args, settings))
    engine = make_engine(settings.database_url)
    try:
        before, after = upgrade(engine)
        if before != after:
            print(f"数据库结构已自动升级：{before or '空'} → {after}")
        now = datetime.now(UTC)
        report = run_import(
            engine,
            now,
            settings.tz,
            parsed,
            site=args.site,
            file_name=args.file.name,
            guard=_guard(args, settings),
        )
    except ImportProblem as exc:
        print(f"导入失败，数据库没有任何修改。\n{exc}", file=sys.stderr)
        return 2
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(report.render())
    return 0


def _guard(args: argparse.Namespace, settings: Settings) -> RetireGuard:
    confirmed = args.confirm_retire
    return RetireGuard(settings.import_retire_max, settings.import_retire_share, confirmed=confirmed)


def _dry_run(args: argparse.Namespace, url: str, tz: ZoneInfo, parsed: ParsedList, guard: RetireGuard) -> int:
    """The import's report without touching the database: not even creating or upgrading it."""
    try:
        with dry_run_engine(url) as (engine, _real):
            report = run_import(
                engine,
                datetime.now(UTC),
                tz,
                parsed,
                site=args.site,
                dry_run=True,
                file_name=args.file.name,
                guard=guard,
            )
    except ImportProblem as exc:
        print(f"导入失败，数据库没有任何修改。\n{exc}", file=sys.stderr)
        return 2
    except SchemaOutOfDate as exc:
        print(f"试运行不会升级数据库。{exc}", file=sys.stderr)
        return 2
    print(report.render())
    return 0


def _ledger(args: argparse.Namespace, settings: Settings) -> int:
    """A letters ledger (来信登记表): each row a request of a 信箱 column, recorded as its event. A dry run
    touches no database (as for the list: a throwaway copy, or a rolled-back transaction)."""
    try:
        if args.dry_run:
            with dry_run_engine(settings.database_url) as (engine, _real):
                report = run_ledger_import(
                    engine, datetime.now(UTC), settings.tz, args.file, site=args.site, dry_run=True
                )
        else:
            engine = make_engine(settings.database_url)
            try:
                before, after = upgrade(engine)
                if before != after:
                    print(f"数据库结构已自动升级：{before or '空'} → {after}")
                report = run_ledger_import(
                    engine, datetime.now(UTC), settings.tz, args.file, site=args.site, dry_run=False
                )
            finally:
                engine.dispose()
    except ImportProblem as exc:
        print(f"导入失败，数据库没有任何修改。\n{exc}", file=sys.stderr)
        return 2
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(report.render())
    return 0
