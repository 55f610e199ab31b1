"""The numbers behind 年评分, per unit, read-only: each month's end judged again (on time or late, and how
late), quantity rules met, daily reads confirmed, half-month checks answered, veto lines caused.
`domain.yearly` scores and ranks them."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, or_, select

from domain.model import State
from domain.yearly import UnitYear
from storage.items import Judge, item_rule, judge_items
from storage.models import Chat, ChatUnit, HalfMonthAnswer, Item, ItemUnit, ReadConfirmation, Site, Unit
from storage.queries import unit_groups
from storage.score import score_of

__all__ = ["end_of", "month_ends", "site_owners", "unit_years"]


def end_of(day: date, judge: Judge) -> datetime:
    """The last second of a site-local day, as the moment a past day is judged at."""
    return datetime.combine(day, time(23, 59, 59), judge.tz).astimezone(UTC)


def month_ends(year: int, until: date) -> list[date]:
    """The last day of each month of `year` up to `until` (itself, for a month still running)."""
    ends = []
    for month in range(1, 13):
        end = (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        ends.append(min(end, until))
        if end >= until:
            break
    return ends


def site_owners(
    session: Session, site: Site
) -> tuple[list[Item], dict[int, str], dict[int, tuple[int, ...]]]:
    """The site's live items, its units (id -> name), and the units answering for each item: a unit group's
    (市属各部门) item is each member's, as the routine reminds them."""
    items = list(
        session.exec(
            select(Item).where(Item.site_id == site.id, col(Item.retired_at).is_(None)).order_by(col(Item.id))
        )
    )
    names = {u.id: u.name for u in session.exec(select(Unit).where(Unit.site_id == site.id)) if u.id}
    expand = unit_groups(session, list(names)).expand
    links: dict[int, list[int]] = defaultdict(list)
    for item_id, unit_id in session.exec(
        select(ItemUnit.item_id, ItemUnit.unit_id)
        .join(Item, col(Item.id) == col(ItemUnit.item_id))
        .where(Item.site_id == site.id, col(Item.retired_at).is_(None))
        .order_by(col(ItemUnit.item_id), col(ItemUnit.unit_id))
    ):
        links[item_id].append(unit_id)
    return items, names, {i.id: expand(links.get(i.id, ())) for i in items if i.id is not None}


def unit_years(session: Session, now: datetime, judge: Judge, site: Site, year: int) -> list[UnitYear]:
    """Every unit of the site that answers for items: its `year` up to today while the year runs. An item
    of a unit group (市属各部门) is each member's, as the routine reminds them."""
    assert site.id is not None
    today = judge.today(now)
    start, until = date(year, 1, 1), min(date(year, 12, 31), today)
    if until < start:
        return []
    items, site_units, owners = site_owners(session, site)
    expand = unit_groups(session, list(site_units)).expand
    checks: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # checks, on time, days late
    for end in month_ends(year, until):
        live = [i for i in items if judge.local_day(i.created_at) <= end]
        for item_id, status in judge_items(session, live, judge, end_of(end, judge)).items():
            if status.state in (State.NOT_APPLICABLE, State.NEEDS_RULE):
                continue
            late = status.state is State.OVERDUE
            for u in owners[item_id]:
                row = checks[u]
                row[0] += 1
                row[1] += not late
                row[2] += status.days_late if late else 0

    final = judge_items(session, items, judge, end_of(until, judge))
    quotas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        assert item.id is not None
        if item_rule(item).quota is None:
            continue
        for u in owners[item.id]:
            quotas[u][0] += 1
            quotas[u][1] += final[item.id].missing == 0

    workdays = sum(
        judge.calendar.is_working_day(start + timedelta(days=k)) for k in range((until - start).days + 1)
    )
    # A read confirmed in a group counts for every unit the group is bound to (an all-units group: all).
    reads: dict[int, set[date]] = defaultdict(set)
    bound: dict[int, list[int]] = defaultdict(list)
    for chat_id, unit_id in session.exec(select(ChatUnit.chat_id, ChatUnit.unit_id)):
        bound[chat_id].append(unit_id)
    everyone = list(site_units)
    all_units = set(
        session.exec(
            select(Chat.id).where(
                col(Chat.all_units).is_(True), or_(col(Chat.site_id).is_(None), col(Chat.site_id) == site.id)
            )
        )
    )
    for chat_id, day in session.exec(
        select(col(ReadConfirmation.chat_id), col(ReadConfirmation.day)).where(
            ReadConfirmation.day >= start, ReadConfirmation.day <= until
        )
    ):
        for u in expand(everyone if chat_id in all_units else bound.get(chat_id, ())):
            reads[u].add(day)

    periods = sum(1 for m in range(1, 13) for d in (1, 16) if date(year, m, d) <= until)
    returned: dict[int, int] = defaultdict(int)
    for item_id in session.exec(
        select(HalfMonthAnswer.item_id)
        .join(Item, col(Item.id) == col(HalfMonthAnswer.item_id))
        .where(Item.site_id == site.id, HalfMonthAnswer.period >= start, HalfMonthAnswer.period <= until)
    ):
        for u in owners.get(item_id, ()):
            returned[u] += 1
    per_unit: dict[int, int] = defaultdict(int)
    for units in owners.values():
        for u in units:
            per_unit[u] += 1

    score = score_of(session, end_of(until, judge), judge, site, fix_first=False, statuses=final).score
    vetoed: dict[int, int] = defaultdict(int)
    for item_id in {i for line in score.triggered for i in line.items}:
        for u in owners.get(item_id, ()):
            vetoed[u] += 1
    return [
        UnitYear(
            unit=site_units[u],
            checks=checks[u][0],
            checks_on_time=checks[u][1],
            overdue_days=checks[u][2],
            quotas=quotas[u][0],
            quotas_met=quotas[u][1],
            workdays=workdays,
            read_days=len(reads.get(u, ())),
            halfmonth_expected=per_unit[u] * periods,
            halfmonth_returned=min(returned.get(u, 0), per_unit[u] * periods),
            vetoes=vetoed.get(u, 0),
        )
        for u in sorted((u for u in per_unit if u in site_units), key=lambda u: site_units[u])
    ]
