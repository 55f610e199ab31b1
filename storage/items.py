"""Operations on tracked items: logging updates, undoing them, events, and keeping the derived schedule fresh.

Each operation takes `(session, now, …)`, does one act, and leaves committing to the caller's
`session_scope`. `/done`, the button, the importer and the website reader all log through `log_update`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from domain.calendar import WorkCalendar, YearOverride
from domain.due import evaluate
from domain.model import Category, ItemFacts, ItemKind, Policy, Rule, Span, Status
from domain.rules import parse_rule, rule_to_dict
from storage.models import CalendarDay, Event, Item, UpdateLog

# How far back the log is read to judge a quota: the longest calendar period a rule can name, plus slack.
QUOTA_LOOKBACK = timedelta(days=400)
UNDO_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class Judge:
    """What judging an item needs besides its rows: local time zone, working-day calendar and thresholds."""

    tz: ZoneInfo
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    policy: Policy = field(default_factory=Policy)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()


def load_calendar(session: Session, on_fallback: object | None = None) -> WorkCalendar:
    """The working-day calendar with every administrator override stored in the database."""
    by_year: dict[int, tuple[set[date], set[date]]] = {}
    for row in session.exec(select(CalendarDay)):
        holidays, workdays = by_year.setdefault(row.year, (set(), set()))
        (holidays if row.kind == "holiday" else workdays).add(row.day)
    overrides = [YearOverride(y, frozenset(h), frozenset(w)) for y, (h, w) in sorted(by_year.items())]
    if on_fallback is None:
        return WorkCalendar(overrides)
    return WorkCalendar(overrides, on_fallback=on_fallback)  # type: ignore[arg-type]


def item_rule(item: Item) -> Rule:
    return parse_rule(item.rule_text)


def latest_log(session: Session, item_id: int) -> UpdateLog | None:
    """The item's newest update that still stands (not undone, not an undo)."""
    return session.exec(
        select(UpdateLog)
        .where(UpdateLog.item_id == item_id, col(UpdateLog.undone_at).is_(None), UpdateLog.source != "undo")
        .order_by(col(UpdateLog.at).desc(), col(UpdateLog.id).desc())
        .limit(1)
    ).first()


def item_facts(
    session: Session, item: Item, judge: Judge, now: datetime, latest: UpdateLog | None = None
) -> ItemFacts:
    assert item.id is not None
    latest = latest if latest is not None else latest_log(session, item.id)
    since = now - QUOTA_LOOKBACK
    logs = session.exec(
        select(UpdateLog.at, UpdateLog.count)
        .where(
            UpdateLog.item_id == item.id,
            col(UpdateLog.undone_at).is_(None),
            UpdateLog.source != "undo",
            UpdateLog.at >= since,
        )
        .order_by(col(UpdateLog.at))
    ).all()
    events = session.exec(
        select(col(Event.occurred_on))
        .where(Event.item_id == item.id, col(Event.closed_at).is_(None))
        .order_by(col(Event.occurred_on))
    ).all()
    return ItemFacts(
        rule=item_rule(item),
        kind=ItemKind(item.kind),
        created=judge.local_day(item.created_at),
        last_update=judge.local_day(latest.at) if latest is not None else None,
        recent_updates=tuple((judge.local_day(at), count) for at, count in logs),
        open_events=tuple(events),
        category=Category(item.category),
    )


def refresh_item(session: Session, item: Item, judge: Judge, now: datetime) -> Status:
    """Recompute the item's derived schedule (due date, state, …) from its log and store it on the row."""
    assert item.id is not None
    last = latest_log(session, item.id)
    facts = item_facts(session, item, judge, now, last)
    status = evaluate(facts, judge.today(now), judge.calendar, judge.policy)
    item.last_update_at = last.at if last else None
    item.last_update_source = last.source if last else None
    item.due_on = status.due
    item.warn_on = status.warn_on
    item.state = status.state.value
    item.days_late = status.days_late
    item.missing = status.missing
    item.risk = status.risk.line if status.risk else None
    item.state_on = judge.today(now)
    session.add(item)
    return status


def refresh_all(session: Session, judge: Judge, now: datetime, items: Iterable[Item] | None = None) -> int:
    """Refresh every live item (the daily pass: states move with the calendar even when nothing is logged)."""
    rows = items if items is not None else session.exec(select(Item).where(col(Item.retired_at).is_(None)))
    n = 0
    for item in rows:
        refresh_item(session, item, judge, now)
        n += 1
    return n


def log_update(
    session: Session,
    now: datetime,
    judge: Judge,
    item: Item,
    *,
    source: str,
    person_id: int | None = None,
    at: datetime | None = None,
    count: int = 1,
    note: str | None = None,
) -> UpdateLog:
    """Record that `item` was updated (at `at`, default now), close its oldest open event, refresh it."""
    if count < 1:
        raise ValueError("count must be at least 1")
    assert item.id is not None
    entry = UpdateLog(
        item_id=item.id,
        at=at or now,
        logged_at=now,
        person_id=person_id,
        source=source,
        count=count,
        note=note,
    )
    session.add(entry)
    session.flush()
    oldest = session.exec(
        select(Event)
        .where(Event.item_id == item.id, col(Event.closed_at).is_(None))
        .order_by(col(Event.occurred_on), col(Event.id))
        .limit(1)
    ).first()
    if oldest is not None:
        oldest.closed_at = now
        oldest.closed_by_log_id = entry.id
        session.add(oldest)
    refresh_item(session, item, judge, now)
    return entry


def undo_last(session: Session, now: datetime, judge: Judge, person_id: int) -> UpdateLog | None:
    """Take back `person_id`'s last log made within the undo window. The undo is itself a log row."""
    last = session.exec(
        select(UpdateLog)
        .where(
            UpdateLog.person_id == person_id,
            UpdateLog.source != "undo",
            col(UpdateLog.undone_at).is_(None),
            UpdateLog.logged_at >= now - UNDO_WINDOW,
        )
        .order_by(col(UpdateLog.logged_at).desc(), col(UpdateLog.id).desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    last.undone_at = now
    session.add(last)
    undo = UpdateLog(
        item_id=last.item_id, at=now, logged_at=now, person_id=person_id, source="undo", undoes_id=last.id
    )
    session.add(undo)
    # An event closed by the undone log is open again.
    for ev in session.exec(select(Event).where(Event.closed_by_log_id == last.id)):
        ev.closed_at = None
        ev.closed_by_log_id = None
        session.add(ev)
    session.flush()
    item = session.get(Item, last.item_id)
    assert item is not None
    refresh_item(session, item, judge, now)
    return last


def record_event(
    session: Session,
    now: datetime,
    judge: Judge,
    item: Item,
    *,
    occurred_on: date,
    person_id: int | None = None,
    note: str | None = None,
) -> Event:
    """Record an event (a document issued, a letter received) that starts an after-event deadline."""
    assert item.id is not None
    ev = Event(item_id=item.id, occurred_on=occurred_on, note=note, person_id=person_id, created_at=now)
    session.add(ev)
    session.flush()
    refresh_item(session, item, judge, now)
    return ev


def set_rule(session: Session, now: datetime, judge: Judge, item: Item, text: str) -> Rule:
    """Give an item a (new) rule text, storing its parsed form, and refresh its schedule."""
    rule = parse_rule(text)
    item.rule_text = text
    item.rule_ok = rule.ok
    item.rule_json = json.dumps(rule_to_dict(rule), ensure_ascii=False)
    refresh_item(session, item, judge, now)
    return rule


def span_days(span: Span) -> int:
    """Rough length of a span in days, for sorting and display only (never for due dates)."""
    per = {"day": 1, "workday": 1, "week": 7, "halfmonth": 15, "month": 30, "year": 365}
    return span.n * per[span.unit.value]
