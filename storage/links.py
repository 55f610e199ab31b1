"""The broken-link check's storage: the links each page shows (`PageLink`), each address's last check
(`LinkCheck`), and the dead links now on each page, with the units that answer for it and their chats.

A page's links are kept whenever the page is read (the daily reading, /check, the home page before the
check); an address is checked at most once a day (`domain.links.due_today`), whichever pages show it.
Operations take `(session, now, …)` and leave committing to the caller's `session_scope`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, false, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.links import DeadLink, FoundLink, LinkState, due_today, is_link_list, to_check
from domain.rules import parse_rule
from storage.db import insert_all_new, insert_new
from storage.models import Item, ItemUnit, LinkCheck, PageLink, Site, Unit
from storage.probes import HOME
from storage.queries import site_chats, unit_groups

# A link is checked while a reading of its page showed it this recently: a page not read for longer
# (the reading stopped, the column was retired) stops costing its links' servers requests.
SEEN_WITHIN_DAYS = 2


def _key(site_id: int, item_id: int | None, url: str) -> str:
    page = "home" if item_id is None else f"item{item_id}"
    return hashlib.sha256(f"{site_id}|{page}|{url}".encode()).hexdigest()


def declared(session: Session, site_id: int) -> frozenset[str]:
    """The addresses the site's list declares as external columns (外链): checked wherever they are linked."""
    rows = session.exec(
        select(Item.url, Item.rule_text).where(
            Item.site_id == site_id, col(Item.retired_at).is_(None), col(Item.url).is_not(None)
        )
    )
    return frozenset(url for url, rule in rows if url and rule and parse_rule(rule).external)


def keep_links(
    session: Session,
    site_id: int,
    item: Item | None,
    page_url: str,
    day: date,
    found: Iterable[FoundLink],
    *,
    external: frozenset[str] | None = None,
) -> int:
    """Keep the links of one reading of a page (`item` None: the site's home page) that are the site's to
    keep working; returns how many. `external`: the site's declared external addresses, when the caller
    read them already (a crawl of many pages reads them once)."""
    whole = item is not None and is_link_list(
        item.name, parse_rule(item.rule_text) if item.rule_text else None
    )
    if external is None:
        external = declared(session, site_id)
    links = to_check(page_url, found, declared=external, whole_page=whole)
    if not links:
        return 0
    item_id = item.id if item is not None else None
    keys = {_key(site_id, item_id, link.url): link for link in links}
    known = set(session.exec(select(PageLink.key).where(col(PageLink.key).in_(list(keys)))))
    if known:
        session.execute(
            update(PageLink).where(col(PageLink.key).in_(list(known))).values(seen_on=day, page_url=page_url)
        )
    # A page shows a hundred links or more: their words and the new ones go in one round trip each
    # (executemany), not one statement per link (four fifths of a page's reading time, measured).
    worded = [{"k": key, "t": link.text} for key, link in keys.items() if key in known and link.text]
    if worded:
        table = PageLink.__table__  # type: ignore[attr-defined]
        words = update(table).where(table.c.key == bindparam("k")).values(text=bindparam("t"))
        session.execute(words, worded)
    new = [
        {
            "key": key,
            "site_id": site_id,
            "item_id": item_id,
            "page_url": page_url,
            "url": link.url,
            "text": link.text,
            "first_seen": day,
            "seen_on": day,
        }
        for key, link in keys.items()
        if key not in known
    ]
    insert_all_new(session, PageLink, new, "key")
    session.flush()
    return len(links)


def due_links(session: Session, today: date, site_ids: Sequence[int] | None = None) -> list[str]:
    """The addresses to check today: shown by a page read lately, and not checked yet today."""
    query = sa_select(col(PageLink.url)).where(
        col(PageLink.seen_on) >= today - timedelta(days=SEEN_WITHIN_DAYS - 1)
    )
    if site_ids is not None:
        query = query.where(col(PageLink.site_id).in_(list(site_ids)))
    seen = set(session.execute(query.distinct()).scalars())
    checked: dict[str, date] = {}
    urls = sorted(seen)
    for start in range(0, len(urls), 500):
        part = urls[start : start + 500]
        rows = session.execute(
            sa_select(col(LinkCheck.url), col(LinkCheck.checked_on)).where(col(LinkCheck.url).in_(part))
        )
        checked.update((url, day) for url, day in rows)
    return due_today(seen, checked, today)


def record_link(
    session: Session,
    now: datetime,
    today: date,
    url: str,
    *,
    state: LinkState,
    http_status: int | None,
    reason: str,
    attempts: int,
) -> None:
    """Keep an address's check of today (one row per address: its last check, and since when it is dead)."""
    row = session.exec(select(LinkCheck).where(LinkCheck.url == url)).first()
    if row is None:
        new_id = insert_new(
            session,
            LinkCheck,
            {
                "url": url,
                "checked_on": today,
                "checked_at": now,
                "state": state,
                "http_status": http_status,
                "reason": reason[:300],
                "attempts": attempts,
                "dead_since": today if state == LinkState.DEAD else None,
            },
            "url",
        )
        if new_id is not None:
            return
        row = session.exec(select(LinkCheck).where(LinkCheck.url == url)).one()  # a racing writer's
    if state == LinkState.DEAD:
        row.dead_since = row.dead_since if row.state == LinkState.DEAD and row.dead_since else today
    elif state == LinkState.OK:
        row.dead_since = None
    # UNKNOWN (the server asked us to slow down) keeps what was known
    row.checked_on, row.checked_at, row.attempts = today, now, attempts
    if state != LinkState.UNKNOWN or row.state != LinkState.DEAD:
        row.state, row.http_status, row.reason = state, http_status, reason[:300]
    session.add(row)
    session.flush()


def dead_links(
    session: Session, site_id: int, *, item_ids: Sequence[int | None] | None = None
) -> list[DeadLink]:
    """The dead links on the site's pages as their latest reading showed them (a link since removed from
    its page is not counted), of some pages only when `item_ids` is given (None in it: the home page)."""
    latest = (
        sa_select(col(PageLink.item_id), func.max(col(PageLink.seen_on)).label("day"))
        .where(col(PageLink.site_id) == site_id)
        .group_by(col(PageLink.item_id))
        .subquery()
    )
    query = (
        sa_select(PageLink, LinkCheck, col(Item.path))
        .join(LinkCheck, col(LinkCheck.url) == col(PageLink.url))
        .join(
            latest,
            and_(
                or_(
                    latest.c.item_id == col(PageLink.item_id),
                    and_(latest.c.item_id.is_(None), col(PageLink.item_id).is_(None)),
                ),
                latest.c.day == col(PageLink.seen_on),
            ),
        )
        .outerjoin(Item, col(Item.id) == col(PageLink.item_id))
        .where(col(PageLink.site_id) == site_id, col(LinkCheck.state) == LinkState.DEAD)
        .where(or_(col(PageLink.item_id).is_(None), col(Item.retired_at).is_(None)))
        .order_by(col(PageLink.item_id), col(PageLink.url))
    )
    if item_ids is not None:
        ids = [i for i in item_ids if i is not None]
        home = None in item_ids
        query = query.where(
            or_(col(PageLink.item_id).in_(ids), col(PageLink.item_id).is_(None) if home else false())
        )
    out = []
    for link, check, path in session.execute(query):
        out.append(
            DeadLink(
                item_id=link.item_id,
                page=path or HOME,
                page_url=link.page_url,
                url=link.url,
                text=link.text,
                reason=check.reason,
                since=check.dead_since or check.checked_on,
            )
        )
    return out


def units_of(session: Session, item_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """The units that answer for each item, unit groups expanded to their members."""
    pairs = session.exec(
        select(ItemUnit.item_id, ItemUnit.unit_id).where(col(ItemUnit.item_id).in_(list(set(item_ids))))
    ).all()
    expand = unit_groups(session, {u for _, u in pairs}).expand
    raw: dict[int, list[int]] = defaultdict(list)
    for item_id, unit_id in pairs:
        raw[item_id].append(unit_id)
    return {item_id: expand(units) for item_id, units in raw.items()}


@dataclass(frozen=True)
class ChatTo:
    address: int
    platform: str


def unit_chats(session: Session, site_id: int) -> dict[int, list[ChatTo]]:
    """The active chats that speak for each unit of the site: those bound to it (or to a group it is in),
    and the site's one big group for all units."""
    units = [u for u in session.exec(select(Unit.id).where(Unit.site_id == site_id)) if u is not None]
    groups = unit_groups(session, units)
    out: dict[int, list[ChatTo]] = defaultdict(list)
    for chat, bound in site_chats(session, site_id, units):
        covered = units if chat.all_units else groups.expand(bound)
        for unit in covered:
            out[unit].append(ChatTo(chat.address, chat.platform))
    return out


def unit_names(session: Session, unit_ids: Iterable[int]) -> dict[int, str]:
    return {
        u.id: u.name
        for u in session.exec(select(Unit).where(col(Unit.id).in_(list(set(unit_ids)))))
        if u.id is not None
    }


def site_name(session: Session, site_id: int) -> str:
    site = session.get(Site, site_id)
    return site.name if site is not None else ""
