"""`zhiri site [--site NAME] [--office X] [--admin X] [--pledge X | --no-pledge] [--home URL]`: the site's
own names, and the home page the availability probe watches.

The bot says these instead of any name written in its code: the government office that owns the list and
receives reports (县政府办公室), the administrator people ask for invitations (县政府办信息中心), and the
pledge clause it quotes when a column goes stale (a site that signed none quotes nothing).
"""

from __future__ import annotations

import argparse

from bot.cli_support import Refusal, database
from bot.config import load_settings
from domain.site import DEFAULT_OFFICE
from storage.db import session_scope
from storage.probes import home_of
from storage.sites import site_named


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("site", help="查看或设置网站的主管单位、信息中心、承诺书条款 / the site's own names")
    p.add_argument("--site", help="网站名称；数据库中有多个网站时必须指定")
    p.add_argument("--office", help="网站主管单位（接收报告），如 县政府办公室")
    p.add_argument("--admin", help="系统管理员所在单位（负责邀请和绑定），如 县政府办信息中心")
    p.add_argument("--home", help="网站首页网址，可访问性监测探测此网址；空字符串表示按栏目网址推断")
    pledge = p.add_mutually_exclusive_group()
    pledge.add_argument(
        "--pledge", help="栏目长期不更新时在督办提醒中引用的承诺书条款（本网站签署的条款原文名称）"
    )
    pledge.add_argument("--no-pledge", action="store_true", help="不引用承诺书")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    with database(settings) as engine, session_scope(engine) as session:
        site = site_named(session, args.site)
        for value, attr in ((args.office, "office_name"), (args.admin, "admin_name")):
            if value is not None:
                setattr(site, attr, value.strip() or None)
        if args.pledge is not None:
            site.pledge_ref = args.pledge.strip() or None
        if args.no_pledge:
            site.pledge_ref = None
        if args.home is not None:
            home = args.home.strip()
            if home and not home.lower().startswith(("http://", "https://")):
                raise Refusal(f"首页网址「{home}」无效，须以 http:// 或 https:// 开头。")
            site.home_url = home or None
        session.add(site)
        print(f"网站：{site.name}")
        print(f"  主管单位：{site.office_name or f'（未设置，称“{DEFAULT_OFFICE}”）'}")
        print(f"  系统管理员所在单位：{site.admin_name or '（未设置，同主管单位）'}")
        print(f"  承诺书条款：{site.pledge_ref or '（不引用）'}")
        home = home_of(session, site)
        guessed = "（按栏目网址推断）" if home is not None and not home[1] else ""
        print(f"  首页（可访问性监测）：{home[0] + guessed if home else '（未设置，栏目也没有网址）'}")
    return 0
