"""`zhiri export FILE.xlsx [--site NAME]`: the whole list back as a spreadsheet, with today's state."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli_support import database
from bot.config import load_settings
from reports.export import ExportProblem, run_export
from storage.sites import NoSuchSite


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export", help="导出栏目与政务新媒体清单及更新情况（XLSX）/ export the list with its state"
    )
    p.add_argument("file", type=Path, help="导出文件，如 栏目清单.xlsx")
    p.add_argument("--site", help="网站名称；数据库中有多个网站时必须指定")


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    if path.suffix.lower() != ".xlsx":
        print(f"导出文件应以 .xlsx 结尾：{path}", file=sys.stderr)
        return 2
    settings = load_settings()
    try:
        with database(settings) as engine:  # exporting only reads: it never changes the schema
            summary = run_export(
                engine, datetime.now(UTC), settings.tz, path, site=args.site, policy=settings.policy
            )
    except (ExportProblem, NoSuchSite) as exc:
        print(f"导出失败：{exc}", file=sys.stderr)
        return 2
    print(summary.render())
    return 0
