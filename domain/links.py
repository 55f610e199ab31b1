"""Broken links (链接不可用), as the inspectors count them: a link on the home page or on a column page that
does not open costs the site points (附件4: −1 on the home page, −0.1 elsewhere). The reader already
fetches those pages; the links it finds there are checked at most once a day each, politely, and a dead one
is told to the unit that answers for the page, with the link's text and the page it is on.

Pure: which links of a page to check, which are due today, what a check's answer means, and how the dead
ones group per unit and column. The pages, the network and the clock are the shell's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from urllib.parse import urldefrag, urlsplit

from domain.model import Rule

# A page with more links than this is a portal's site map or a directory: the first ones are checked (the
# navigation and the list come first), so one page cannot turn a day's check into a crawl of the site.
MAX_LINKS_PER_PAGE = 300
MAX_URL_LENGTH = 1000  # longer "links" are data, not addresses people follow (and are not kept)
# A column whose name says it is a list of links (友情链接, 相关链接, 网站链接 …): every link on its page is
# the unit's to keep working, wherever it points.
_LINK_LIST_WORDS = ("链接", "网站导航", "网址导航", "友情网站")
_SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "data:", "about:", "#")


class LinkState(StrEnum):
    OK = "ok"
    DEAD = "dead"  # 4xx, 5xx, no answer after the retry: people clicking it get nothing
    UNKNOWN = "unknown"  # the server asked us to slow down (429): says nothing about the link


@dataclass(frozen=True, slots=True)
class FoundLink:
    """A link as a page shows it: the absolute address (without its #fragment) and the words people see."""

    url: str
    text: str


def host_of(url: str) -> str:
    """The host a link goes to, without a leading www. (www.example.gov.cn and example.gov.cn are one
    site)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def normalize(href: str) -> str | None:
    """The address to check for an already absolute `href`, or None when it is not a web address."""
    href = href.strip()
    if not href or href.lower().startswith(_SKIPPED_SCHEMES):
        return None
    url, _fragment = urldefrag(href)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_LENGTH:
        return None
    return url


def is_link_list(name: str, rule: Rule | None) -> bool:
    """Whether a column is a list of links (友情链接; a rule such as 每日检查链接是否有效): then every link on
    its page is checked, the external ones included. An external column itself (外链: the column *is* a
    link to another site) is not: its page is the other site's, and its own address is checked where it is
    linked."""
    if rule is not None and rule.external:
        return False
    return any(w in name for w in _LINK_LIST_WORDS)


def to_check(
    page_url: str,
    found: Iterable[FoundLink],
    *,
    declared: frozenset[str] = frozenset(),
    whole_page: bool = False,
) -> list[FoundLink]:
    """The links of a page that are the site's to keep working: those to the page's own site, those to an
    address the list declares (an external column's, 外链), and on a list of links (`whole_page`) all of
    them. Each address once (its first non-empty text), the page itself left out, at most
    MAX_LINKS_PER_PAGE."""
    own = host_of(page_url)
    page = urldefrag(page_url)[0]
    out: dict[str, FoundLink] = {}
    for link in found:
        url = normalize(link.url)
        if url is None or url == page:
            continue
        if not (whole_page or host_of(url) == own or url in declared):
            continue
        text = " ".join(link.text.split())[:200]
        known = out.get(url)
        if known is None:
            if len(out) >= MAX_LINKS_PER_PAGE:
                break
            out[url] = FoundLink(url, text)
        elif not known.text and text:
            out[url] = FoundLink(url, text)
    return list(out.values())


def due_today(seen: Iterable[str], checked_on: Mapping[str, date], today: date) -> list[str]:
    """The addresses to check today: those not checked yet today (each link at most once a day, however
    many pages show it and however often the check runs), in a stable order."""
    return sorted({u for u in seen if checked_on.get(u) != today})


def state_of(http_status: int | None) -> LinkState:
    """What an answer means. `http_status` is the final answer's (redirects followed), None when none came
    (no name, refused, no answer in time, even after the retry): dead. 429 asks us to come back later."""
    if http_status is None:
        return LinkState.DEAD
    if http_status == 429:
        return LinkState.UNKNOWN
    return LinkState.DEAD if http_status >= 400 else LinkState.OK


@dataclass(frozen=True, slots=True)
class DeadLink:
    """A dead link where it appears: the column (None: the home page), the page, the link and why."""

    item_id: int | None
    page: str  # the column's path, or 首页
    page_url: str
    url: str
    text: str
    reason: str
    since: date  # the first day it was found dead (this time)


@dataclass(frozen=True, slots=True)
class ColumnLinks:
    """One page's dead links, for the unit that answers for it."""

    item_id: int | None
    page: str
    page_url: str
    links: tuple[DeadLink, ...]


def by_unit(
    dead: Sequence[DeadLink], units_of: Mapping[int, Sequence[int]]
) -> dict[int, tuple[ColumnLinks, ...]]:
    """The dead links each unit answers for, per page: a column's go to each of its units (`units_of`,
    groups already expanded); the home page's to nobody here (the administrators are told those)."""
    pages: dict[tuple[int | None, str], list[DeadLink]] = {}
    for d in dead:
        pages.setdefault((d.item_id, d.page_url), []).append(d)
    out: dict[int, list[ColumnLinks]] = {}
    for (item_id, page_url), links in pages.items():
        if item_id is None:
            continue
        column = ColumnLinks(item_id, links[0].page, page_url, tuple(sorted(links, key=lambda x: x.url)))
        for unit in units_of.get(item_id, ()):
            out.setdefault(unit, []).append(column)
    return {u: tuple(sorted(cs, key=lambda c: (c.page, c.page_url))) for u, cs in out.items()}


# ---------------------------------------------------------------------------------------------------------
# Wording (the routine's style: a bracketed title, what was found, what to do)

MAX_LISTED = 20  # links listed in one message; the rest are counted (a robot group takes short messages)
_URL_SHOWN = 120


def _shown(url: str) -> str:
    return url if len(url) <= _URL_SHOWN else url[: _URL_SHOWN - 1] + "…"


def dead_link_line(link: DeadLink, today: date) -> str:
    """· 「2025年部门预算」 http://…/a.html（HTTP 404，11月20日起）"""
    text = f"「{link.text}」" if link.text else "（无文字的链接）"
    since = f"，{link.since.month}月{link.since.day}日起" if link.since < today else ""
    return f"· {text} {_shown(link.url)}（{link.reason or '打不开'}{since}）"


def _listed(links: Sequence[DeadLink], today: date, room: int) -> tuple[list[str], int]:
    shown = list(links[: max(0, room)])
    return [dead_link_line(d, today) for d in shown], len(links) - len(shown)


def unit_notice(
    unit: str, columns: Sequence[ColumnLinks], today: date, max_text: int = 3800, *, hears: bool = True
) -> str:
    """For a unit's group: the links that do not open on the pages of its columns, per column, as many as
    the recipient's platform takes in one message (`max_text`, its `Style`'s; the rest are counted). A group
    the bot does not hear (a robot's, `hears` False) is not told to send /check."""
    total = sum(len(c.links) for c in columns)
    head = [
        f"【失效链接提醒】{unit}",
        f"{today.month}月{today.day}日检查发现，本单位负责的栏目页面上有{total}个链接打不开：",
    ]
    foot = (
        "检查指标对打不开的链接逐个扣分（首页每个扣1分，其他页面每个扣0.1分）。请尽快修改或删除这些链接；"
        "修复后次日复查通过即不再提醒。"
    )
    more = "……另有{}个未列出，" + (
        "可发送 /check 栏目名称 查看各栏目的失效链接。" if hears else "请联系网站管理员查看全部失效链接。"
    )
    # room for the head, the foot and the "more" line (its number at most 5 digits), newlines included
    room = max_text - sum(len(x) + 1 for x in head) - len(foot) - len(more) - 6
    body: list[str] = []
    listed = 0
    for column in columns:
        title = f"「{column.page}」 {_shown(column.page_url)}"
        for n, link in enumerate(column.links[: MAX_LISTED - listed] if listed < MAX_LISTED else ()):
            lines = [title, dead_link_line(link, today)] if n == 0 else [dead_link_line(link, today)]
            size = sum(len(x) + 1 for x in lines)
            if size > room:
                break
            body.extend(lines)
            room -= size
            listed += 1
    left = total - listed
    return "\n".join([*head, *body, *([more.format(left)] if left else []), foot])


def home_notice(site: str, page_url: str, links: Sequence[DeadLink], today: date) -> str:
    """For the administrators: the links that do not open on the home page."""
    lines = [
        f"【失效链接提醒】{site} 首页",
        f"{today.month}月{today.day}日检查发现，首页 {_shown(page_url)} 上有{len(links)}个链接打不开：",
    ]
    listed, more = _listed(sorted(links, key=lambda d: d.url), today, MAX_LISTED)
    lines.extend(listed)
    if more:
        lines.append(f"……另有{more}个未列出，运行 zhiri links show 查看全部。")
    lines.append("首页的失效链接每个扣1分，请尽快修改或删除；修复后次日复查通过即不再提醒。")
    return "\n".join(lines)
