"""`zhiri score [--site NAME] [--at "YYYY-MM-DD"] [--json]`: would the site pass an inspection that day,
and if not, what to fix first. Reads only."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime, time

from bot.config import load_settings
from domain.inspection import render_score, score_dict
from storage.catalog import find_site, site_judge
from storage.db import SchemaOutOfDate, check_schema, make_engine, session_scope
from storage.score import ScoreProblem, site_score


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("score", help="按检查指标评估网站是否合格、优先整改什么 / the site's inspection risk")
    p.add_argument("--site", help="网站名称；数据库中有多个网站时必须指定")
    p.add_argument("--at", metavar="YYYY-MM-DD", help="评估哪一天（站点当地日期），默认今天")
    p.add_argument("--json", action="store_true", help="输出 JSON")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    now = datetime.now(UTC)
    day = None
    if args.at:
        try:
            day = datetime.strptime(args.at.strip(), "%Y-%m-%d").date()
        except ValueError:
            print(f'日期格式应为 "YYYY-MM-DD"，例如 "2026-11-26"：{args.at}', file=sys.stderr)
            return 2
    engine = make_engine(settings.database_url)
    try:
        check_schema(engine)
        with session_scope(engine) as session:
            judge = site_judge(session, find_site(session, args.site), settings.tz)
            judge = replace(judge, policy=settings.policy)
            if day is not None and day != judge.today(now):
                # A past or future day is judged as it stood at its end (logs after it do not count yet).
                now = datetime.combine(day, time(23, 59, 59), judge.tz).astimezone(UTC)
            result = site_score(session, now, judge, args.site, settings.thresholds)
            session.rollback()
    except (ScoreProblem, SchemaOutOfDate) as exc:
        print(f"评估失败：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(score_dict(result.site, result.score, result.views), ensure_ascii=False, indent=2))
    else:
        print(render_score(result.site, result.score, result.views))
    return 0
