"""`zhiri units [--site NAME] [merge A B | rename A B | alias add UNIT NAME]`: one unit per office.

Without an action it lists the site's units with their other names, the groups and roles still to be
filled, and the names that look like one office (proposed merges). The administrator confirms a merge with
`merge`; the list's old names keep working on re-import (they become aliases).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from sqlmodel import Session

from acts.units import UnitProblem, add_alias, list_units, merge_units, proposed_merges, rename_unit
from bot.cli_support import Refusal, database
from bot.config import load_settings
from domain.model import UnitKind
from storage.db import session_scope
from storage.models import Site
from storage.sites import site_named

KIND_WORDS: dict[str, str] = {UnitKind.GROUP: "单位组", UnitKind.ROLE: "角色"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("units", help="查看、合并、改名责任单位，添加别名 / list, merge and rename units")
    p.add_argument("--site", help="网站名称；数据库中有多个网站时必须指定")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    merge = actions.add_parser("merge", help="把单位 A 合并到单位 B（A 的名称成为 B 的别名）")
    merge.add_argument("name", help="要合并掉的名称，如 县市场监管局")
    merge.add_argument("into", help="保留的名称，如 县市场监督管理局")
    rename = actions.add_parser("rename", help="把单位 A 改名为 B（旧名称成为别名）")
    rename.add_argument("name")
    rename.add_argument("new_name")
    alias = actions.add_parser("alias", help="alias add 单位 别名：清单中的别名指同一个单位")
    alias.add_argument("verb", choices=["add"])
    alias.add_argument("unit")
    alias.add_argument("alias")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    now = datetime.now(UTC)
    try:
        with database(settings) as engine, session_scope(engine) as session:
            site = site_named(session, args.site)
            assert site.id is not None
            action = getattr(args, "action", None)
            if action == "merge":
                unit = merge_units(session, now, site.id, args.name, args.into)
                print(f"已将“{args.name}”合并到“{unit.name}”；清单中的“{args.name}”今后即指“{unit.name}”。")
            elif action == "rename":
                unit = rename_unit(session, now, site.id, args.name, args.new_name)
                print(f"已将“{args.name}”改名为“{unit.name}”；旧名称保留为别名。")
            elif action == "alias":
                unit = add_alias(session, now, site.id, args.unit, args.alias)
                print(f"已添加别名：“{args.alias}”即“{unit.name}”。")
            else:
                print(_listing(session, site))
    except UnitProblem as exc:
        raise Refusal(f"未完成：{exc}") from None
    return 0


def _listing(session: Session, site: Site) -> str:
    assert site.id is not None
    rows = list_units(session, site.id)
    out = [f"网站：{site.name}　责任单位 {len(rows)} 个"]
    for r in rows:
        kind = f"（{KIND_WORDS[r.kind]}）" if r.kind in KIND_WORDS else ""
        line = f"  {r.name}{kind}"
        if r.aliases:
            line += f"　别名：{'、'.join(r.aliases)}"
        if r.kind in KIND_WORDS:
            line += f"　成员：{'、'.join(r.members)}" if r.members else "　待补充成员单位（/group）"
        out.append(line)
    merges = proposed_merges(session, site)
    if merges:
        out.append(f"以下 {len(merges)} 组名称可能是同一个单位，确认后请合并：")
        out.extend(f"  zhiri units merge {a} {b}" for a, b in merges)
    return "\n".join(out)
