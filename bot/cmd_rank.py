"""`zhiri rank --year 2026 OUT.xlsx [--site NAME]`: 年评分, each unit's yearly score ranked, with the rule of
each part and a chart. Reads only."""

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
        "rank", help="各单位年度评分排名（Excel，含评分规则和图表） / each unit's yearly score, ranked"
    )
    p.add_argument("file", type=Path, help="输出文件，如 2026年度评分.xlsx")
    p.add_argument("--year", type=int, help="年份，如 2026；默认今年（截至今天）")
    p.add_argument("--site", help="网站名称；数据库中有多个网站时必须指定")


def run(args: argparse.Namespace) -> int:
    # The document libraries load only when a document is written.
    from domain.yearly import TOTAL, rank_units
    from reports.charts import NoCjkFont
    from reports.ranking import rank_workbook
    from storage.yearly import unit_years

    path: Path = args.file
    if path.suffix.lower() != ".xlsx":
        raise Refusal(f"输出文件应以 .xlsx 结尾：{path}")
    settings = load_settings()
    now = datetime.now(UTC)
    with database(settings) as engine, session_scope(engine) as session:
        site = site_named(session, args.site)
        judge = site_judge(session, site, settings.tz, settings.policy)
        year = args.year or judge.today(now).year
        if year > judge.today(now).year:
            raise Refusal(f"{year}年还没有开始，无法评分。")
        units = unit_years(session, now, judge, site, year)
        name = site.name
        session.rollback()
    if not units:
        raise Refusal(f"{name}在{year}年没有需要评分的单位（还没有导入栏目清单，或当年尚无栏目）。")
    try:
        data = rank_workbook(year, units)
    except NoCjkFont as exc:
        raise Refusal(str(exc)) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    ranked = rank_units(units)
    print(f"已生成：{path}（{name} {year}年各单位年度评分，共{len(units)}个单位；评分规则见“评分规则”页）")
    for rank, u, pts in ranked[:10]:
        print(f"  {rank}. {u.unit} {pts[TOTAL]:g}分")
    return 0
