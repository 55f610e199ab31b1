"""`zhiri score [--site NAME] [--at "YYYY-MM-DD"] [--json]`: would the site pass an inspection that day,
and if not, what to fix first. Reads only."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, time

from bot.cli_support import database, day_of
from bot.config import load_settings
from domain.inspection import render_score, score_dict
from storage.db import session_scope
from storage.score import score_of
from storage.sites import site_judge, site_named


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("score", help="按检查指标评估网站是否合格、优先整改什么 / the site's inspection risk")
    p.add_argument("--site", help="网站名称；数据库中有多个网站时必须指定")
    p.add_argument("--at", metavar="YYYY-MM-DD", help="评估哪一天（站点当地日期），默认今天")
    p.add_argument("--json", action="store_true", help="输出 JSON")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    now = datetime.now(UTC)
    day = day_of(args.at, "--at") if args.at else None
    with database(settings) as engine, session_scope(engine) as session:
        site = site_named(session, args.site)
        judge = site_judge(session, site, settings.tz, settings.policy)
        if day is not None and day != judge.today(now):
            # A past or future day is judged as it stood at its end (logs after it do not count yet).
            now = datetime.combine(day, time(23, 59, 59), judge.tz).astimezone(UTC)
        result = score_of(session, now, judge, site)
        session.rollback()
    if args.json:
        print(json.dumps(score_dict(result.site, result.score, result.views), ensure_ascii=False, indent=2))
    else:
        print(render_score(result.site, result.score, result.views))
    return 0
