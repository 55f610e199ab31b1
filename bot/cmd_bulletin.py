"""`zhiri bulletin [--quarter 2026Q4] OUT.docx [--site NAME]`: the quarterly bulletin (季通报) as a Word
document with charts, and its annex (问题清单) as OUT.xlsx beside it. Reads only."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from bot.cli_support import Refusal, database
from bot.config import load_settings
from storage.db import session_scope
from storage.sites import site_judge, site_named


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "bulletin", help="生成季度检查通报（Word 文档 + Excel 问题清单） / the quarterly bulletin"
    )
    p.add_argument("file", type=Path, help="输出文件，如 2026年第四季度通报.docx（问题清单写在同名 .xlsx）")
    p.add_argument("--quarter", metavar="YYYYQn", help="季度，如 2026Q4；默认本季度（截至今天）")
    p.add_argument("--site", help="网站名称；数据库中有多个网站时必须指定")


def run(args: argparse.Namespace) -> int:
    # The document libraries load only when a document is written.
    from reports.bulletin import (
        BulletinProblem,
        bulletin_annex,
        bulletin_docx,
        gather_quarter,
        quarter_of,
    )
    from reports.charts import NoCjkFont

    path: Path = args.file
    if path.suffix.lower() != ".docx":
        raise Refusal(f"输出文件应以 .docx 结尾：{path}")
    settings = load_settings()
    now = datetime.now(UTC)
    with database(settings) as engine, session_scope(engine) as session:
        site = site_named(session, args.site)
        judge = site_judge(session, site, settings.tz, settings.policy)
        quarter = args.quarter or quarter_of(judge.today(now))
        try:
            data = gather_quarter(session, now, judge, site, quarter, settings.bulletin_fix_workdays)
        except BulletinProblem as exc:
            raise Refusal(str(exc)) from None
        session.rollback()
    try:
        document, annex = bulletin_docx(data), bulletin_annex(data)
    except NoCjkFont as exc:
        raise Refusal(str(exc)) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(document)
    path.with_suffix(".xlsx").write_bytes(annex)
    print(
        f"已生成：{path}（附件 {path.with_suffix('.xlsx')}）\n"
        f"{data.site} {data.year}年第{data.quarter}季度：{data.verdict}；问题{len(data.problems)}项。"
    )
    return 0
