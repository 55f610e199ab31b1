"""`zhiri db upgrade|current`: the database schema, through Alembic migrations."""

from __future__ import annotations

import argparse

from bot.config import load_settings
from storage.db import current_revision, head_revision, upgrade


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="数据库结构：upgrade 升级到最新 / current 查看版本")
    p.add_argument("action", choices=["upgrade", "current"])


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = settings.make_engine()
    if args.action == "upgrade":
        before, after = upgrade(engine)
        if before == after:
            print(f"数据库已是最新结构（{after}）。/ The database is up to date ({after}).")
        else:
            print(f"数据库已从 {before or '空'} 升级到 {after}。")
            print(f"Upgraded the database from {before or 'nothing'} to {after}.")
        return 0
    current, head = current_revision(engine), head_revision()
    state = "最新 / up to date" if current == head else "需要升级：zhiri db upgrade / needs: zhiri db upgrade"
    print(f"{current or '空 / empty'}（{state}）")
    return 0
