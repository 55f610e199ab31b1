"""What the availability probe watches and what it saw (`Probe` rows, one per target and slot).

A site's targets are its home page (`Site.home_url`, or else the origin most of its column addresses
share) and the key columns an administrator marked (`Item.probe_key`). The week's unreachable share of the
home page is the site's, as inspectors count it (the score's 首页无法访问占比); a key column's is its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.availability import MIN_PROBES_PER_DAY, WEEK, ProbeResult, weekly
from domain.inspection import Thresholds
from domain.model import ItemKind
from storage.db import insert_new
from storage.models import Item, Probe, Site

HOME = "首页"


@dataclass(frozen=True)
class Target:
    site_id: int
    site: str  # the site's name
    item_id: int | None  # None: the home page
    page: str  # 首页, or the key column's path
    url: str
    tz_name: str | None  # the site's own time zone, None: the deployment's

    @property
    def name(self) -> str:
        """The target's stable name in probe keys and alert keys."""
        return f"site{self.site_id}:" + ("home" if self.item_id is None else f"item{self.item_id}")

    @property
    def spread(self) -> int:
        """Spreads the targets' probe times over the hour (domain.availability.probe_times)."""
        return self.site_id * 101 + (self.item_id or 0)


def home_of(session: Session, site: Site) -> tuple[str, bool] | None:
    """The site's home page and whether it was set (False: the origin most of its column addresses share,
    as `zhiri probe show` says), or None when there is neither."""
    if site.home_url:
        return site.home_url, True
    origins: Counter[str] = Counter()
    for url in session.exec(
        select(Item.url).where(
            Item.site_id == site.id, col(Item.retired_at).is_(None), col(Item.url).is_not(None)
        )
    ):
        parts = urlsplit(url or "")
        if parts.scheme in ("http", "https") and parts.netloc:
            origins[f"{parts.scheme}://{parts.netloc}/"] += 1
    if not origins:
        return None
    return origins.most_common(1)[0][0], False


def targets(session: Session, site_id: int | None = None) -> list[Target]:
    """Every site's home page and key columns (of one site, when given)."""
    out: list[Target] = []
    query = select(Site).order_by(col(Site.id))
    if site_id is not None:
        query = query.where(Site.id == site_id)
    for site in session.exec(query):
        assert site.id is not None
        home = home_of(session, site)
        if home is not None:
            out.append(Target(site.id, site.name, None, HOME, home[0], site.tz_name))
        for item in session.exec(
            select(Item)
            .where(
                Item.site_id == site.id,
                col(Item.probe_key).is_(True),
                col(Item.retired_at).is_(None),
                col(Item.url).is_not(None),
                Item.url != "",
                Item.kind == ItemKind.COLUMN,
            )
            .order_by(col(Item.path))
        ):
            assert item.id is not None and item.url is not None
            out.append(Target(site.id, site.name, item.id, item.path, item.url, site.tz_name))
    return out


def probe_key(target: Target, slot_at: datetime) -> str:
    return f"{target.name}@{slot_at.isoformat()}"


def probed(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of these slots were probed already."""
    if not keys:
        return set()
    return set(session.exec(select(Probe.key).where(col(Probe.key).in_(list(keys)))))


def record_probe(
    session: Session,
    now: datetime,
    target: Target,
    slot_at: datetime,
    day: date,
    *,
    reachable: bool,
    http_status: int | None,
    elapsed: float,
    reason: str,
) -> bool:
    """Keep one probe of a target's slot; False when the slot was kept already (another tick, a race)."""
    new_id = insert_new(
        session,
        Probe,
        {
            "key": probe_key(target, slot_at),
            "site_id": target.site_id,
            "item_id": target.item_id,
            "url": target.url,
            "slot_at": slot_at,
            "day": day,
            "at": now,
            "reachable": reachable,
            "http_status": http_status,
            "elapsed_ms": round(elapsed * 1000),
            "reason": reason[:300],
        },
        "key",
    )
    return new_id is not None


def _of(site_id: int, item_id: int | None, first: date, last: date) -> list[ColumnElement[bool]]:
    return [
        col(Probe.site_id) == site_id,
        col(Probe.item_id).is_(None) if item_id is None else col(Probe.item_id) == item_id,
        col(Probe.day) >= first,
        col(Probe.day) <= last,
    ]


def results(
    session: Session, site_id: int, item_id: int | None, first: date, last: date
) -> list[ProbeResult]:
    """A target's probes on the days `first` … `last`, as the week's count reads them."""
    rows = session.execute(
        sa_select(col(Probe.day), col(Probe.reachable)).where(*_of(site_id, item_id, first, last))
    )
    return [ProbeResult(day, reachable) for day, reachable in rows]


def reasons(
    session: Session, site_id: int, item_id: int | None, first: date, last: date, limit: int = 3
) -> list[tuple[str, int]]:
    """Why a target's probes failed on those days, the commonest first: (reason, times)."""
    rows = session.execute(
        sa_select(col(Probe.reason), func.count())
        .where(*_of(site_id, item_id, first, last), col(Probe.reachable).is_(False))
        .group_by(col(Probe.reason))
        .order_by(func.count().desc(), col(Probe.reason))
        .limit(limit)
    )
    return [(reason or "无法访问", n) for reason, n in rows]


@dataclass(frozen=True)
class DayCount:
    day: date
    probes: int
    unreachable: int


def per_day(session: Session, site_id: int, item_id: int | None, first: date, last: date) -> list[DayCount]:
    """A target's probes counted per day (the days with probes), oldest first."""
    rows = session.execute(
        sa_select(col(Probe.day), func.count(), func.sum(case((col(Probe.reachable).is_(False), 1), else_=0)))
        .where(*_of(site_id, item_id, first, last))
        .group_by(col(Probe.day))
        .order_by(col(Probe.day))
    )
    return [DayCount(day, n, int(bad or 0)) for day, n, bad in rows]


def unreachable_pct(session: Session, site_id: int, today: date, lines: Thresholds) -> float | None:
    """The home page's unreachable share over the week ending `today`, in percent; None when the week has
    too few probes to say (the score's 无数据)."""
    first = today - timedelta(days=WEEK - 1)
    week = weekly(
        results(session, site_id, None, first, today),
        today,
        warn_pct=lines.unreachable_warn_pct,
        veto_pct=lines.unreachable_veto_pct,
        min_probes=MIN_PROBES_PER_DAY,
    )
    return week.pct
