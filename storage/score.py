"""The site's standing as inspectors count it: gathers each item's facts for `domain.inspection.score_site`,
and the administrator's per-item correction of a column's inspection category.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.access import takes_part
from domain.inspection import (
    CATEGORY_NAMES,
    YEARLY_COUNTED,
    InspectedItem,
    Score,
    classify,
    counted_days,
    score_site,
)
from domain.model import Category, ItemKind, ReadStatus, Status
from storage.items import (
    LIVE_LOG,
    Instants,
    Judge,
    Judgements,
    LiveItem,
    judge_items,
    live_items,
    plain_rows,
)
from storage.links import dead_links
from storage.models import Event, Item, ItemUnit, Site, Unit, UpdateLog
from storage.probes import unreachable_pct
from storage.queries import (
    Actor,
    Stranger,
)


@dataclass(frozen=True)
class SiteScore:
    site: str
    score: Score
    views: dict[int, InspectedItem]
    scope: str | None = None  # the units a leader sees, when not the whole site
    unreachable_known: bool = False


_CATEGORIES = {c.value: c for c in Category}


def to_category(value: str) -> Category:
    return _CATEGORIES.get(value, Category.OTHER)


def _letters(item: LiveItem, category: Category) -> bool:
    """A letter column (政务咨询): by its category, or by its own name elsewhere (首页 / 市长信箱)."""
    if category is Category.INTERACTIVE:
        return True
    return (
        item.kind == ItemKind.COLUMN.value and classify([item.name], ItemKind.COLUMN) is Category.INTERACTIVE
    )


def item_views(
    session: Session,
    now: datetime,
    judge: Judge,
    site_id: int,
    unit_ids: frozenset[int] | None = None,
    statuses: Mapping[int, Status] | None = None,
    items: Sequence[LiveItem] | None = None,
) -> list[InspectedItem]:
    """Every live item of the site (of these units, when given) with the facts inspectors look at.
    `statuses`: the items already judged for `now` by the caller (the export), not judged a second time;
    `items`: the site's live items as the caller read them (the routine's snapshot), not read again."""
    wanted: list[ColumnElement[bool]] = [col(Item.site_id) == site_id, col(Item.retired_at).is_(None)]
    if unit_ids is not None:
        theirs = sa_select(col(ItemUnit.item_id)).where(col(ItemUnit.unit_id).in_(unit_ids))
        wanted.append(col(Item.id).in_(theirs))
    if items is None or unit_ids is not None:
        items = live_items(session, *wanted)
    if not items:
        return []
    # The items' facts are read with the items' own condition as a subquery, never their ids in one list:
    # no statement grows with the site (PostgreSQL takes at most 65,535 parameters).
    ids = sa_select(col(Item.id)).where(*wanted)
    if statuses is None or any(item.id not in statuses for item in items):
        statuses = judge_items(session, items, judge, now)
    units: dict[int, list[str]] = defaultdict(list)
    for item_id, name in plain_rows(
        session,
        sa_select(col(ItemUnit.item_id), col(Unit.name))
        .join(Unit, col(Unit.id) == col(ItemUnit.unit_id))
        .where(col(ItemUnit.item_id).in_(ids))
        .order_by(col(ItemUnit.lead).desc(), col(Unit.name)),
    ):
        units[item_id].append(name)
    mine = and_(col(UpdateLog.item_id).in_(ids), LIVE_LOG, col(UpdateLog.at) <= now)
    # Each item's newest update: the day the judgement read, when it read every item here (one read of the
    # log, not two); else read.
    newest = statuses.newest if isinstance(statuses, Judgements) else {}
    last: Mapping[int, date | None] = newest
    if any(item.id not in newest for item in items):
        last = {
            item_id: judge.local_day(at)
            for item_id, at in session.execute(
                sa_select(col(UpdateLog.item_id), func.max(UpdateLog.at))
                .where(mine)
                .group_by(col(UpdateLog.item_id))
            )
        }
    # Only the updates the score counts (`counted_days`), not every item's whole log: a day's slack for the
    # local day boundary, the score itself picks the days.
    lines = judge.policy.lines
    recent = now - timedelta(days=counted_days(Category.OTHER, lines) + 1)
    yearly = sa_select(col(Item.id)).where(*wanted, col(Item.category).in_(YEARLY_COUNTED))
    longest = max(counted_days(c, lines) for c in YEARLY_COUNTED)
    earliest = now - timedelta(days=longest + 1)
    counted = or_(
        col(UpdateLog.at) >= recent,
        and_(col(UpdateLog.item_id).in_(yearly), col(UpdateLog.at) >= earliest),
    )
    # Each item's updates in time order, read in the order of the log's (item, time) index: ordering all
    # of them by time alone sorted a province's 300,000 rows.
    updates: dict[int, list[tuple[date, int]]] = defaultdict(list)
    instants = Instants(session, judge.tz)
    days = instants.days(col(UpdateLog.at), min(recent, earliest), now)
    local_day = days.day
    for item_id, at, count in plain_rows(
        session,
        sa_select(col(UpdateLog.item_id), days.column, col(UpdateLog.count))
        .where(mine, counted)
        .order_by(col(UpdateLog.item_id), col(UpdateLog.at), col(UpdateLog.id)),
    ):
        updates[item_id].append((local_day(at), count))
    letters: dict[int, list[date]] = defaultdict(list)
    for item_id, day in session.exec(
        select(col(Event.item_id), col(Event.occurred_on)).where(
            col(Event.item_id).in_(ids), col(Event.closed_at).is_(None)
        )
    ):
        letters[item_id].append(day)
    views = []
    account, empty, broken = ItemKind.ACCOUNT.value, ReadStatus.EMPTY.value, ReadStatus.BROKEN.value
    for item in items:
        assert item.id is not None
        kind = ItemKind.ACCOUNT if item.kind == account else ItemKind.COLUMN
        category = to_category(item.category)
        levels = [x for x in (item.level1, item.level2, item.level3, item.level4, item.level5) if x]
        label = item.path if kind == ItemKind.COLUMN else " ".join(x for x in (item.platform, item.name) if x)
        views.append(
            InspectedItem(
                id=item.id,
                label=label,
                units=tuple(units.get(item.id, ())),
                kind=kind,
                category=category,
                depth=len(levels) or 1,
                state=statuses[item.id].state,
                created=instants.local_day(item.created_at),
                last_update=last.get(item.id),
                updates=tuple(updates.get(item.id, ())),
                open_letters=tuple(sorted(open_letters))
                if (open_letters := letters.get(item.id)) and _letters(item, category)
                else (),
                empty=item.read_status == empty,
                broken=item.read_status == broken,
            )
        )
    return views


def _with_dead_links(
    session: Session, site_id: int, views: list[InspectedItem], *, whole_site: bool
) -> tuple[list[InspectedItem], int]:
    """The views with the dead links the daily check found on each column's page, and the home page's
    (the whole site's score only; a link to a column whose own page does not open is that column's
    `broken` already, not counted twice)."""
    dead = dead_links(session, site_id)
    if not dead:
        return views, 0
    per_item = Counter(d.item_id for d in dead if d.item_id is not None)
    out = [replace(v, dead_links=per_item[v.id]) if per_item[v.id] else v for v in views]
    if not whole_site:
        return out, 0
    counted = {v.id for v in views if v.broken and v.has_duty and v.kind is ItemKind.COLUMN}
    broken_pages = {
        url
        for item_id, url in session.exec(
            select(Item.id, Item.url).where(
                Item.site_id == site_id, Item.read_status == ReadStatus.BROKEN, col(Item.retired_at).is_(None)
            )
        )
        if item_id in counted
    }
    return out, len({d.url for d in dead if d.item_id is None and d.url not in broken_pages})


def score_of(
    session: Session,
    now: datetime,
    judge: Judge,
    site: Site,
    unit_ids: frozenset[int] | None = None,
    scope: str | None = None,
    *,
    fix_first: bool = True,
    statuses: Mapping[int, Status] | None = None,
    items: Sequence[LiveItem] | None = None,
) -> SiteScore:
    """The site (these units of it, when given) as inspectors grade it, by the judge's thresholds.
    `fix_first=False`: without the list of what to fix first, which tries fixing each stale item in turn
    (costly on a large site) and which the export does not show. `statuses`, `items`: see `item_views`."""
    assert site.id is not None
    views = item_views(session, now, judge, site.id, unit_ids, statuses, items)
    views, home_dead = _with_dead_links(session, site.id, views, whole_site=unit_ids is None)
    # The home page's unreachable share over the week (jobs.probe); 无数据 until a week has enough probes.
    unreachable = unreachable_pct(session, site.id, judge.today(now), judge.policy.lines)
    limit = {} if fix_first else {"fix_limit": 0}
    score = score_site(
        views,
        judge.today(now),
        judge.policy.lines,
        unreachable_pct=unreachable,
        home_dead_links=home_dead,
        **limit,
    )
    return SiteScore(site.name, score, {v.id: v for v in views}, scope, unreachable is not None)


def score_view(
    session: Session,
    now: datetime,
    actor: Actor,
    judge: Judge,
) -> list[SiteScore] | Stranger:
    """/score: administrators see every site whole; anyone else the items of their own units."""
    if not takes_part(actor):
        return Stranger()
    scope = actor.scope if not actor.global_admin else None
    names = None
    if scope is not None:
        names = "、".join(
            session.exec(select(Unit.name).where(col(Unit.id).in_(scope)).order_by(col(Unit.name))).all()
        )
    sites = session.exec(select(Site).order_by(col(Site.id))).all()
    out = [score_of(session, now, judge, s, scope, names) for s in sites]
    return [s for s in out if s.views] or out[:1]


# ------------------------------------------------------------------------------------------------
# The administrator's correction of a column's category


def category_names() -> str:
    return "、".join(name for c, name in CATEGORY_NAMES.items() if c is not Category.ACCOUNT)


def risk_by_item(score: Score) -> dict[int, list[str]]:
    """For the export's risk column: each item's veto lines (triggered or warned) and deductions."""
    out: dict[int, list[str]] = defaultdict(list)
    for line in score.vetoes:
        if line.triggered or line.warning:
            word = "单项否决" if line.triggered else "预警"
            for i in line.items:
                out[i].append(f"{word}：{line.label}")
    for d in score.deductions:
        for i in d.items:
            out[i].append(f"扣分：{d.reason}")
    return out
