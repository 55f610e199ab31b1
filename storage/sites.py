"""Finding a site by name, and how its items are judged (its time zone, the stored calendar, thresholds)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from domain.due import Policy
from storage.items import Judge, load_calendar
from storage.models import Site

__all__ = ["NoSuchSite", "find_site", "site_judge", "site_named"]


def find_site(session: Session, name: str | None) -> Site | None:
    """The named site, or the only site when no name is given (None if there is none or several)."""
    if name:
        return session.exec(select(Site).where(Site.name == name)).first()
    sites = session.exec(select(Site).limit(2)).all()
    return sites[0] if len(sites) == 1 else None


class NoSuchSite(LookupError):
    """Said to the person as it stands (Chinese): which site is missing, or that one must be named."""


def site_named(session: Session, name: str | None) -> Site:
    """`find_site`, or NoSuchSite saying why: no site of that name, none imported yet, or several."""
    site = find_site(session, name)
    if site is not None:
        return site
    known = "、".join(session.exec(select(Site.name)))
    if name:
        raise NoSuchSite(f"没有名为“{name}”的网站。已有的网站：{known or '（无）'}")
    if not known:
        raise NoSuchSite("数据库中还没有网站。请先用 zhiri import 导入栏目清单。")
    raise NoSuchSite(f"数据库中有多个网站（{known}）。请用 --site 指定。")


def site_judge(session: Session, site: Site | None, tz: ZoneInfo, policy: Policy | None = None) -> Judge:
    """How to judge the site's items: in its own time zone when it has one, by the stored calendar, with
    the configured thresholds (`policy`; the defaults when None)."""
    if site is not None and site.tz_name:
        tz = ZoneInfo(site.tz_name)
    return Judge(tz=tz, calendar=load_calendar(session), policy=policy or Policy())
