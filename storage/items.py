"""Operations on tracked items: logging updates, undoing them, events, and keeping the derived schedule fresh.

Each operation takes `(session, now, …)`, does one act, and leaves committing to the caller's
`session_scope`. `/done`, the button, the importer and the website reader all log through `log_update`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache, partial
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    Executable,
    Interval,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    true,
    type_coerce,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType
from sqlmodel import Session, col, select

from domain.calendar import WorkCalendar, YearOverride
from domain.due import Policy, evaluate
from domain.model import Category, DayKind, ItemFacts, ItemKind, ReadStatus, Rule, State, Status, UpdateSource
from domain.rules import parse_rule, rule_to_dict
from storage.bulk import few_collections
from storage.db import among
from storage.models import (
    CalendarDay,
    Event,
    Item,
    ItemUnit,
    Membership,
    Site,
    Unit,
    UnitGroupMember,
    UpdateLog,
)

# How far back the log is read to judge a quota: the longest calendar period a rule can name, plus slack.
QUOTA_LOOKBACK = timedelta(days=400)
UNDO_WINDOW = timedelta(minutes=30)
REFRESH_BATCH = 500  # items judged per round of queries: keeps the IN lists well inside SQL's limits
# Items judged per round of queries: a keyset page of a site's items (two bound values), or at most this
# many ids in a list (twice in one statement: well inside PostgreSQL's 65,535 parameters).
JUDGE_BATCH = 2_000
PLAIN_CHUNK = 5_000  # rows fetched at once by `plain_rows`


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


def raw(column: Any) -> Any:
    """`column` in a select list read as the driver hands it, without its type's processing (for a stored
    instant, `Instants` converts each distinct value once). Not for conditions: it binds no values."""
    return type_coerce(column, NullType())


# The longest run of distinct values `Instants` keeps before starting again (a few tens of MB at most).
INSTANTS_KEPT = 200_000


class Instants:
    """Stored instants (`UTCDateTime` columns read by `raw`: text on SQLite, the driver's datetime on
    PostgreSQL) as the column's own type reads them, an aware UTC moment, and as the judge's local day. Each
    distinct value is converted once: a province's day reads hundreds of thousands of instants, many of them
    the same (an import's items share their creation, the reader logs the days a page shows), and the type's
    per-value processing, then the local day of each, were a second and a half of the 09:00 tick. Where only
    the local day is wanted, `days` has the database compute it instead."""

    def __init__(self, session: Session, tz: tzinfo = UTC) -> None:
        dialect = session.get_bind().dialect
        kind = Item.__table__.c.created_at.type  # type: ignore[attr-defined]  # every stored instant's (`UTCDateTime`)
        self._read: Callable[[Any], datetime] | None = kind.dialect_impl(dialect).result_processor(
            dialect, None
        )
        self._tz = tz
        self._dialect = dialect.name
        self._seen: dict[Any, tuple[datetime, date]] = {}
        self._days: dict[datetime, date] = {}

    def __call__(self, value: Any) -> tuple[datetime, date]:
        """The moment and its local day (not for a missing value: None)."""
        seen = self._seen.get(value)
        if seen is None:
            if len(self._seen) >= INSTANTS_KEPT:
                self._seen.clear()
            moment = self._read(value) if self._read is not None else value
            seen = self._seen[value] = (moment, moment.astimezone(self._tz).date())
        return seen

    def moment(self, value: Any) -> datetime | None:
        return None if value is None else self(value)[0]

    def day(self, value: Any) -> date:
        return self(value)[1]

    def local_day(self, moment: datetime) -> date:
        """`Judge.local_day` of a moment already read (an item's creation), once per distinct moment."""
        day = self._days.get(moment)
        if day is None:
            if len(self._days) >= INSTANTS_KEPT:
                self._days.clear()
            day = self._days[moment] = moment.astimezone(self._tz).date()
        return day

    def days(self, column: Any, since: datetime | None, until: datetime) -> LocalDays:
        """How a query reads the local day of `column` (a stored instant), for rows it keeps between `since`
        and `until` only: a read that needs the day and not the moment (a quota's updates, last week's, the
        score's, the newest log's). Where the zone's offset is the same all through that window (China's,
        since 1991), the database shifts each instant by it and hands the day: a province's tick reads
        some 400,000 such instants, most of them distinct when people log at their own second, and
        converting each here was a second. Elsewhere (a zone that changes its clocks within the window)
        each is read and converted here, as `day` does.

        With no `since` (every instant up to `until`, however old), the window is the zone's last steady
        stretch: an instant before it comes back as None, for the caller to convert with `day`."""
        first = since.astimezone(UTC).date() if since is not None else None
        steady = steady_offset(self._tz, first, until.astimezone(UTC).date())
        if steady is None or self._dialect not in ("postgresql", "sqlite"):
            # Labelled: the same select may read the column raw as well.
            return LocalDays(raw(column).label("local_day"), self.day)
        start, offset = steady
        day_of: Any
        read: Callable[[Any], Any]
        if self._dialect == "postgresql":
            # timestamptz + interval is exact for a fixed number of seconds; the day of that moment in UTC.
            shifted = func.timezone("UTC", column + literal(offset, Interval()))
            day_of, read = cast(shifted, Date), _same_day
        else:  # SQLite: stored as ISO text, which its date() reads
            day_of, read = func.date(column, f"{int(offset.total_seconds()):+d} seconds"), _iso_days()
        if since is None:
            day_of = case((column >= datetime.combine(start, time(0), UTC), day_of), else_=None)
        return LocalDays(day_of.label("local_day"), read)


class LocalDays(NamedTuple):
    """A stored instant's local day as a query reads it (`Instants.days`): `column` to select, and `day` of
    each value it hands back (None stays None)."""

    column: Any
    day: Callable[[Any], Any]


def _same_day(value: date | None) -> date | None:
    return value


def _iso_days() -> Callable[[str | None], date | None]:
    """An ISO date's text as a date, each distinct one parsed once (a year of logs has a few hundred)."""
    seen: dict[str, date] = {}

    def day(value: str | None) -> date | None:
        if value is None:
            return None
        found = seen.get(value)
        if found is None:
            found = seen[value] = date.fromisoformat(value)
        return found

    return day


# How far back `steady_offset` looks for the start of a zone's steady offset when asked from no given day.
STEADY_LOOKBACK = timedelta(days=40 * 366)


@lru_cache(maxsize=64)
def steady_offset(tz: tzinfo, first: date | None, last: date) -> tuple[date, timedelta] | None:
    """The zone's offset from UTC when it is the same from the start of the UTC day `first` to the end of
    `last`, with `first`; else None. With no `first`: the earliest such day (at most `STEADY_LOOKBACK`
    before `last`). Checked at each UTC midnight of those days and the next: a zone's offset changes at most
    once or twice a year, never there and back within a day."""

    def offset_on(day: date) -> timedelta | None:
        return datetime.combine(day, time(0), UTC).astimezone(tz).utcoffset()

    offset = offset_on(last + timedelta(days=1))
    if offset is None:
        return None
    day = last
    stop = first if first is not None else last - STEADY_LOOKBACK
    while day >= stop:
        if offset_on(day) != offset:
            if first is not None:
                return None
            return (day + timedelta(days=1), offset) if day < last else None
        day -= timedelta(days=1)
    return (stop, offset)


def load_calendar(session: Session, on_fallback: Callable[[int], None] | None = None) -> WorkCalendar:
    """The working-day calendar with every administrator override stored in the database."""
    by_year: dict[int, tuple[set[date], set[date]]] = {}
    for row in session.exec(select(CalendarDay)):
        holidays, workdays = by_year.setdefault(row.year, (set(), set()))
        (holidays if row.kind == DayKind.HOLIDAY else workdays).add(row.day)
    overrides = [YearOverride(y, frozenset(h), frozenset(w)) for y, (h, w) in sorted(by_year.items())]
    return WorkCalendar(overrides, on_fallback=on_fallback)


class Judged(Protocol):
    """What judging an item reads of its row: an `Item`, or a `LiveItem`."""

    @property
    def id(self) -> int | None: ...
    @property
    def rule_text(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


class LiveItem(NamedTuple):
    """The columns of an item the routine's snapshot and the inspection score read: a row, not an ORM
    object (building 100,000 of those was seconds of the routine's day)."""

    id: int
    name: str
    path: str
    url: str | None
    kind: ItemKind
    category: Category
    rule_text: str
    created_at: datetime
    read_status: ReadStatus | None
    platform: str | None
    level1: str | None
    level2: str | None
    level3: str | None
    level4: str | None
    level5: str | None


class JudgedRow(NamedTuple):
    """What judging an item reads of its row (`Judged`) and nothing else: `judge_pages`' items."""

    id: int
    kind: str
    category: str
    rule_text: str
    created_at: datetime


LIVE_COLUMNS = tuple(col(getattr(Item, name)) for name in LiveItem._fields)


def _columns_read(kind: type[LiveItem | JudgedRow]) -> tuple[Any, ...]:
    """The item's columns `kind` holds, in its order, the creation read raw (`_made` reads it)."""
    columns = (col(getattr(Item, name)) for name in kind._fields)
    return tuple(raw(c) if name == "created_at" else c for name, c in zip(kind._fields, columns, strict=True))


_LIVE_READ = _columns_read(LiveItem)
_JUDGED_READ = _columns_read(JudgedRow)


def _made(kind: Any, rows: Iterable[Sequence[Any]], instants: Instants) -> list[Any]:
    """Rows of `_columns_read(kind)` (and any columns after them) as `kind`s, their creation read once per
    distinct value (`Instants`)."""
    moment, k, width = instants.moment, kind._fields.index("created_at"), len(kind._fields)
    return [kind._make((*r[:k], moment(r[k]), *r[k + 1 : width])) for r in rows]


def plain_rows(session: Session, statement: Executable) -> Iterator[Any]:
    """A query's rows as plain tuples, through the session's connection rather than the ORM, whose per-row
    loading cost seconds on the hundreds of thousands of rows a province's routine reads. The session's
    pending changes are flushed first, as the ORM's own queries would."""
    session.flush()
    result = session.connection().execute(statement)
    while chunk := result.fetchmany(PLAIN_CHUNK):  # in chunks: iterating the result fetched row by row
        yield from chunk


@few_collections()
def live_items(
    session: Session, *where: ColumnElement[bool], instants: Instants | None = None
) -> list[LiveItem]:
    """The items matching `where` as `LiveItem`s, by id."""
    statement = sa_select(*_LIVE_READ).where(*where).order_by(col(Item.id))
    return _made(LiveItem, plain_rows(session, statement), instants or Instants(session))


def item_rule(item: Judged) -> Rule:
    return parse_rule(item.rule_text)


# Logs that still stand: not taken back, and not an undo row itself.
LIVE_LOG = and_(col(UpdateLog.undone_at).is_(None), col(UpdateLog.source) != UpdateSource.UNDO)


class Latest(NamedTuple):
    """An item's newest standing log: when (as the driver hands it: `Instants.moment` reads it; the daily
    pass compares it with the stored one as it is), and how it was logged."""

    at: Any
    source: UpdateSource


def _counts_updates(rule: Rule) -> bool:
    """Whether judging `rule` counts the updates of a period (a quota, or each unit's share of a per-unit
    duty), not only the newest one."""
    return rule.quota is not None or rule.per_unit


# Stored words to their members by one dict lookup (calling the enum costs ~2 µs a value); an odd row
# takes the default rather than stopping the routine or a /done for every other item.
_KINDS = {m.value: m for m in ItemKind}
_CATEGORIES = {m.value: m for m in Category}
_SOURCES = {m.value: m for m in UpdateSource}


# The newest standing log as `_facts` reads it on SQLite (an alias: its query is correlated with the item).
_SHOWN = aliased(UpdateLog)


def _newest_logs(
    session: Session, ids: Sequence[int], now: datetime, instants: Instants
) -> tuple[Executable, Callable[[Any], Any]]:
    """(item id, raw time, source, local day or None) of each item's newest standing log as of `now` (the
    later row of two at the same moment), by one probe of the log's (item, time) index per item: a join with
    each item's maximum time read every log of the page twice; and how to read the day (`Instants.days`: None
    for a log older than the zone's steady offset, whose raw time `Instants.day` converts). PostgreSQL reads
    the log's row in that probe (LATERAL: 10 → 8.5 ms a page of 2,000 items); SQLite, which has no LATERAL,
    finds the row's id, then the row."""

    def newest(*columns: Any) -> Any:
        return (
            sa_select(*columns)
            .where(col(UpdateLog.item_id) == col(Item.id), LIVE_LOG, col(UpdateLog.at) <= now)
            .order_by(col(UpdateLog.at).desc(), col(UpdateLog.id).desc())
            .limit(1)
        )

    if session.get_bind().dialect.name == "postgresql":
        days = instants.days(col(UpdateLog.at), None, now)
        shown = newest(
            col(UpdateLog.item_id), raw(col(UpdateLog.at)), col(UpdateLog.source), days.column
        ).lateral("shown")
        statement = sa_select(*shown.c).select_from(Item).join(shown, true())
        return statement.where(among(session, col(Item.id), ids)), days.day
    days = instants.days(col(_SHOWN.at), None, now)
    newest_id = newest(col(UpdateLog.id)).correlate(Item).scalar_subquery()
    statement = (
        sa_select(col(_SHOWN.item_id), raw(col(_SHOWN.at)), col(_SHOWN.source), days.column)
        .select_from(Item)
        .join(_SHOWN, col(_SHOWN.id) == newest_id)
    )
    return statement.where(among(session, col(Item.id), ids)), days.day


def _facts(
    session: Session, items: Sequence[Judged], judge: Judge, now: datetime, instants: Instants | None = None
) -> tuple[dict[int, ItemFacts], dict[int, Latest]]:
    """Every item's facts as of `now`, and its newest standing log, from one query per kind of fact (not
    one per item). Logs dated after `now` do not count yet (a preview of an earlier moment).

    The facts are read as plain rows through the session's connection, not through the ORM: its per-row
    loading was half of judging a province's items (the session's pending changes are flushed first, as the
    ORM's own queries would)."""
    ids = [i.id for i in items if i.id is not None]
    if not ids:
        return {}, {}
    run = partial(plain_rows, session)  # in chunks: iterating a result fetched row by row, a call per row
    instants = instants or Instants(session, judge.tz)
    wanted = set(ids)
    recent: dict[int, list[tuple[date, int]]] = defaultdict(list)
    by_unit: dict[tuple[int, int], list[tuple[date, int]]] = defaultdict(list)
    rules = {i.id: item_rule(i) for i in items if i.id is not None}
    # A year of logs counts only under a quota (每年不少于6次) or a per-unit duty; every other rule is judged
    # from the newest log alone. Reading them for every item was most of a judgement's rows.
    counted = [i for i, rule in rules.items() if _counts_updates(rule)]
    if counted:
        counting, since = set(counted), now - QUOTA_LOOKBACK
        days = instants.days(col(UpdateLog.at), since, now)
        local_day = days.day
        for item_id, at, count, unit_id in run(
            sa_select(col(UpdateLog.item_id), days.column, col(UpdateLog.count), col(UpdateLog.unit_id))
            .where(
                among(session, col(UpdateLog.item_id), counted),
                LIVE_LOG,
                col(UpdateLog.at) <= now,
                col(UpdateLog.at) >= since,
            )
            .order_by(col(UpdateLog.at))
        ):
            if item_id not in counting:  # a page of ids takes in the others' logs too
                continue
            day = local_day(at)
            recent[item_id].append((day, count))
            if unit_id is not None:
                by_unit[(item_id, unit_id)].append((day, count))
    per_unit = [i for i, rule in rules.items() if rule.per_unit]
    contributors = contributing_units(session, per_unit) if per_unit else {}
    latest: dict[int, Latest] = {}
    newest: dict[int, date] = {}
    newest_logs, read_day = _newest_logs(session, ids, now, instants)
    for item_id, at, source, day in run(newest_logs):
        if item_id in wanted:
            newest[item_id] = read_day(day) if day is not None else instants.day(at)
            latest[item_id] = Latest(at, _SOURCES[source])
    events: dict[int, list[date]] = defaultdict(list)
    for item_id, day in run(
        sa_select(col(Event.item_id), col(Event.occurred_on))
        .where(among(session, col(Event.item_id), ids), col(Event.closed_at).is_(None))
        .order_by(col(Event.occurred_on))
    ):
        if item_id in wanted:
            events[item_id].append(day)
    facts = {}
    created = instants.local_day
    for item in items:
        key = item.id
        assert key is not None
        facts[key] = ItemFacts(
            rule=rules[key],
            kind=_KINDS.get(item.kind, ItemKind.COLUMN),
            created=created(item.created_at),
            last_update=newest.get(key),
            recent_updates=tuple(recent.get(key, ())),
            open_events=tuple(events.get(key, ())),
            category=_CATEGORIES.get(item.category, Category.OTHER),
            unit_updates={u: tuple(by_unit.get((key, u), ())) for u in contributors[key]}
            if key in contributors
            else None,
        )
    return facts, latest


def contributing_units(session: Session, item_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """Each item's contributing units under a per-unit rule: its units, a unit group (市属各部门, 各乡镇)
    standing for its members (an unfilled group stands for itself)."""
    links = list(
        session.exec(
            select(ItemUnit.item_id, ItemUnit.unit_id)
            .where(col(ItemUnit.item_id).in_(item_ids))
            .order_by(col(ItemUnit.item_id), col(ItemUnit.unit_id))
        )
    )
    members: dict[int, list[int]] = defaultdict(list)
    groups = {u for _, u in links}
    if groups:
        for group_id, member_id in session.exec(
            select(UnitGroupMember.group_id, UnitGroupMember.member_id)
            .where(col(UnitGroupMember.group_id).in_(groups))
            .order_by(col(UnitGroupMember.member_id))
        ):
            members[group_id].append(member_id)
    out: dict[int, list[int]] = defaultdict(list)
    for item_id, unit_id in links:
        for u in members.get(unit_id) or [unit_id]:
            if u not in out[item_id]:
                out[item_id].append(u)
    return {i: tuple(us) for i, us in out.items()}


def counts_for(session: Session, item: Item, unit_ids: Iterable[int]) -> int | None:
    """The contributing unit an update by someone of `unit_ids` counts for under a per-unit rule: the one
    of the item's contributing units among them (None when not exactly one, or the rule is not per unit)."""
    if item.id is None or not item_rule(item).per_unit:
        return None
    theirs = set(unit_ids)
    mine = [u for u in contributing_units(session, [item.id]).get(item.id, ()) if u in theirs]
    return mine[0] if len(mine) == 1 else None


def _unit_for(session: Session, item: Item, person_id: int | None) -> int | None:
    if person_id is None or item.id is None or not item_rule(item).per_unit:
        return None
    active = and_(col(Membership.person_id) == person_id, col(Membership.active).is_(True))
    units = [u for u in session.exec(select(Membership.unit_id).where(active)) if u is not None]
    return counts_for(session, item, units)


def item_facts(session: Session, item: Item, judge: Judge, now: datetime) -> ItemFacts:
    assert item.id is not None
    return _facts(session, [item], judge, now)[0][item.id]


class Judgements(dict[int, Status]):
    """Items' judgements by id, and for each judged item the local day of its newest standing log (None
    when it has none), as the judgement read it: the inspection score takes that day from here rather
    than reading every item's log a second time."""

    def __init__(self) -> None:
        super().__init__()
        self.newest: dict[int, date | None] = {}
        self._days: dict[date | None, date | None] = {}  # one object per day, not one per item
        # The judged items' rows as `live_items` reads them, when the judging read them (`refresh_stale`):
        # the routine's snapshot of the same moment takes them rather than reading 100,000 rows again.
        self.rows: dict[int, LiveItem] = {}

    def take(self, other: Mapping[int, Status], ids: Iterable[int]) -> None:
        """These items' judgements from `other` (and their newest days, when `other` knows them)."""
        newest = other.newest if isinstance(other, Judgements) else {}
        for i in ids:
            self[i] = other[i]
            if i in newest:
                self.newest[i] = newest[i]

    def record(self, facts: Mapping[int, ItemFacts]) -> None:
        days = self._days
        self.newest.update((i, days.setdefault(f.last_update, f.last_update)) for i, f in facts.items())


def _evaluator(judge: Judge, today: date) -> Callable[[ItemFacts], Status]:
    """`domain.due.evaluate` on `today`, once per distinct facts: a province's items share a few thousand
    (the same rule, the same day of the newest update): judging each on its own took a second of 100,000
    and kept as many equal `Status`es. The facts are the key (frozen, and `evaluate` reads nothing else);
    a per-unit item's (a mapping of its units' updates) is judged on its own."""
    known: dict[ItemFacts, Status] = {}
    calendar, policy = judge.calendar, judge.policy

    def judged(facts: ItemFacts) -> Status:
        if facts.unit_updates is not None:
            return evaluate(facts, today, calendar, policy)
        status = known.get(facts)
        if status is None:
            status = known[facts] = evaluate(facts, today, calendar, policy)
        return status

    return judged


@few_collections()
def judge_items(session: Session, items: Sequence[Judged], judge: Judge, now: datetime) -> Judgements:
    """Every item's Status for `now`'s local day, without writing (a preview may judge another day).

    The one judgement of state and days late: every view people read (/mine, /due, /overdue, /status,
    /people, the routine and `zhiri preview`, the export) asks this, on any day of the week, and never the
    stored `Item.state`, which is only as fresh as its last refresh.
    """
    return _judge(session, items, judge, now, _evaluator(judge, judge.today(now)))


def _judge(
    session: Session,
    items: Sequence[Judged],
    judge: Judge,
    now: datetime,
    judged: Callable[[ItemFacts], Status],
    instants: Instants | None = None,
) -> Judgements:
    out = Judgements()
    instants = instants or Instants(session, judge.tz)
    for k in range(0, len(items), JUDGE_BATCH):
        facts, _ = _facts(session, items[k : k + JUDGE_BATCH], judge, now, instants)
        out.update((i, judged(f)) for i, f in facts.items())
        out.record(facts)
    return _named(session, out)


def judge_pages(
    session: Session, judge: Judge, now: datetime, *where: ColumnElement[bool]
) -> Iterator[tuple[list[JudgedRow], Judgements]]:
    """The items matching `where` and their judgements (`judge_items`'s), a keyset page of ids at a time:
    for the callers that take each judgement once and keep only what they make of it (/status's counts), so
    that a province's million items are never all in memory. Each item is read as far as its judgement
    reads it (`JudgedRow`): a million rows' names, paths and addresses were a second of the database's."""
    judged = _evaluator(judge, judge.today(now))
    instants = Instants(session, judge.tz)
    last = 0
    while True:
        with few_collections():
            page = sa_select(*_JUDGED_READ).where(*where, col(Item.id) > last).order_by(col(Item.id))
            items = _made(JudgedRow, plain_rows(session, page.limit(JUDGE_BATCH)), instants)
            if not items:
                return
            judgements = _judge(session, items, judge, now, judged, instants)
        yield items, judgements
        last = items[-1].id


def _named(session: Session, statuses: Judgements) -> Judgements:
    """Per-unit judgements with their units' names, for people to read (市教育局逾期16天)."""
    ids = {u.unit_id for s in statuses.values() for u in s.units}
    if not ids:
        return statuses
    names = dict(session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(ids))).all())
    for item_id, s in statuses.items():
        if s.units:
            units = tuple(replace(u, name=names.get(u.unit_id, "")) for u in s.units)
            statuses[item_id] = replace(s, units=units)
    return statuses


# The derived schedule an item's row keeps (a cache for indexes and reports): what each column holds of the
# item's newest standing log, then of its judgement. `_schedule_values` gives them in this order, `_schedule`
# writes them and `refresh_stale` compares them, so none is written but not compared.
_SCHEDULE_OF_LOG = ("last_update_at", "last_update_source")
_SCHEDULE_OF_STATUS = ("due_on", "warn_on", "state", "days_late", "missing", "risk")
_SCHEDULE = (*_SCHEDULE_OF_LOG, *_SCHEDULE_OF_STATUS)


def _of_status(s: Status) -> tuple[object, ...]:
    """The stored schedule's columns a judgement gives (`_SCHEDULE_OF_STATUS`, in order)."""
    return (s.due, s.warn_on, s.state, s.days_late, s.missing, s.risk.line if s.risk else None)


def _of_log(last: Latest | None, moment: Callable[[Any], datetime | None]) -> tuple[object, ...]:
    """The stored schedule's columns the newest standing log gives (`_SCHEDULE_OF_LOG`, in order), its time
    read by `moment` (`Instants.moment`, or the raw value as is, to compare with a row read raw)."""
    return (moment(last.at), last.source) if last is not None else (None, None)


def _as_is(value: Any) -> Any:
    return value


# A changed schedule written by primary key, many rows per statement (bound as `v_<column>`: a column's own
# name is reserved for SQLAlchemy's own parameters); plain Core, not the ORM's bulk UPDATE, whose per-row
# bookkeeping cost more than the writing.
_WRITE_SCHEDULE = (
    update(Item)
    .where(col(Item.id) == bindparam("v_id"))
    .values({name: bindparam(f"v_{name}") for name in (*_SCHEDULE, "state_on")})
)


def _schedule(
    status: Status, last: Latest | None, today: date, moment: Callable[[Any], datetime | None]
) -> dict[str, object]:
    """The derived schedule an item's row keeps, from its judgement, and the day it was judged for."""
    values = (*_of_log(last, moment), *_of_status(status))
    return {**dict(zip(_SCHEDULE, values, strict=True)), "state_on": today}


def _refresh(session: Session, items: Sequence[Item], judge: Judge, now: datetime) -> dict[int, Status]:
    instants = Instants(session, judge.tz)
    facts, latest = _facts(session, items, judge, now, instants)
    today = judge.today(now)
    judged = _evaluator(judge, today)
    out = {}
    for item in items:
        assert item.id is not None
        status = out[item.id] = judged(facts[item.id])
        for name, value in _schedule(status, latest.get(item.id), today, instants.moment).items():
            setattr(item, name, value)
        session.add(item)
    return out


def refresh_item(session: Session, item: Item, judge: Judge, now: datetime) -> Status:
    """Recompute the item's derived schedule (due date, state, …) from its log and store it on the row."""
    assert item.id is not None
    return _refresh(session, [item], judge, now)[item.id]


def refresh_all(session: Session, judge: Judge, now: datetime, items: Iterable[Item] | None = None) -> int:
    """Refresh `items` (default: every live item of every site), a batch of rows per few queries."""
    if items is None:
        items = session.exec(select(Item).where(col(Item.retired_at).is_(None)))
    rows = list(items)
    for k in range(0, len(rows), REFRESH_BATCH):
        _refresh(session, rows[k : k + REFRESH_BATCH], judge, now)
    return len(rows)


@few_collections()
def refresh_stale(session: Session, judge: Judge, now: datetime, site_id: int) -> Judgements:
    """The daily pass: a site's items whose stored state was computed for an earlier day are judged again,
    so the stored schedule (a cache for indexes and reports) stays current. No view reads it to tell people
    a state: they ask `judge_items`. Returns those judgements (as `judge_items` gives them), so that the
    routine's snapshot of the same moment judges none of these items a second time.

    On a province's site this is every item once a day: it reads the columns the snapshot reads of an item
    (`LiveItem`, handed on in the judgements' `rows`, so the snapshot need not read them again) and the
    schedule stored, and writes by primary key only the rows whose schedule changed (a few in a hundred on
    a day: the late ones' days, the warnings that start) and every row late today, so that the rows stored
    late today are all of today's late (/overdue counts them from an index). The site then records the day
    (`Site.judged_on`): every other row's schedule, stored on an earlier day, is that day's too. (Writing
    the day on every row instead was 2.5 s of a province's tick on PostgreSQL: a new version of each row and
    of its index entries.) A row not judged since (`Item.state_on` empty, or after the day) is judged by the
    next pass of the day. It leaves the session's objects expired, so that none shows a schedule older than
    the one written."""
    today = judge.today(now)
    session.flush()
    live = (col(Item.site_id) == site_id, col(Item.retired_at).is_(None))
    lo, hi = session.execute(sa_select(func.min(Item.id), func.max(Item.id)).where(*live)).one()
    site = session.get(Site, site_id)
    if lo is None or site is None:
        return Judgements()
    # The site's rows are read and written in the table's own order, by id within the site's ids, not by the
    # site's index (`+ 0` keeps SQLite from choosing it): in the index's order (by due day) SQLite visited
    # the table's pages at random (100,000 items: 0.35 -> 0.15 s for the reading).
    stale_now = (
        col(Item.id).between(lo, hi),
        col(Item.site_id) + 0 == site_id,
        col(Item.retired_at).is_(None),
        not_judged_on(today, site.judged_on == today),
    )
    stored = tuple(col(getattr(Item, name)) for name in _SCHEDULE)
    rows = list(
        plain_rows(
            session,
            sa_select(*_LIVE_READ, col(Item.state_on), raw(stored[0]), *stored[1:])
            .where(*stale_now)
            .order_by(col(Item.id)),
        )
    )
    out = Judgements()
    judged = _evaluator(judge, today)
    instants = Instants(session, judge.tz)
    moment = instants.moment
    day_at = len(_LIVE_READ)  # the day the row's schedule was stored for, then the schedule
    width = day_at + 1
    # A judgement's columns of the schedule, once per distinct judgement (the evaluator shares them): the
    # judgements stay referenced by `out` through the pass, so their ids stand for them.
    of_status: dict[int, tuple[object, ...]] = {}
    for k in range(0, len(rows), JUDGE_BATCH):
        batch = rows[k : k + JUDGE_BATCH]
        items = _made(LiveItem, batch, instants)
        out.rows.update((i.id, i) for i in items)
        facts, latest = _facts(session, items, judge, now, instants)
        out.record(facts)
        changed = []
        for row in batch:
            item_id = row[0]
            status = out[item_id] = judged(facts[item_id])
            if (mine := of_status.get(id(status))) is None:
                mine = of_status[id(status)] = _of_status(status)
            last = latest.get(item_id)
            # The stored time and the log's, both as the driver hands them: equal moments are equal values
            # (one column type wrote both), so only a changed row's is converted.
            # Written: a changed schedule, a late item's (all of today's late are stored today), and one
            # stored for no day or a later one (the clock set back), which the site's day does not cover.
            if (
                status.state is State.OVERDUE
                or row[width:] != (*_of_log(last, _as_is), *mine)
                or (stored_on := row[day_at]) is None
                or stored_on > today
            ):
                schedule = _schedule(status, last, today, moment)
                changed.append({"v_id": item_id, **{f"v_{n}": v for n, v in schedule.items()}})
        if changed:
            session.connection().execute(_WRITE_SCHEDULE, changed)
    if site.judged_on != today:
        site.judged_on = today  # the rest were judged to the schedule they keep: today's
        session.add(site)
    session.flush()
    session.expire_all()
    return _named(session, out)


def not_judged_on(day: date, passed: bool) -> ColumnElement[bool]:
    """Items whose stored schedule is not `day`'s, on a site whose daily pass judged every item that day
    (`passed`) or not (`Site.judged_on`): on the former, only those never stored, or stored for a later day
    since (the clock set back); on the latter, every item not stored on that very day. As terms of an `or_`
    each of which can use the index on `state_on` (where `!=` could not)."""
    if passed:
        return or_(col(Item.state_on).is_(None), col(Item.state_on) > day)
    return or_(col(Item.state_on).is_(None), col(Item.state_on) < day, col(Item.state_on) > day)


def log_update(
    session: Session,
    now: datetime,
    judge: Judge,
    item: Item,
    *,
    source: UpdateSource,
    person_id: int | None = None,
    at: datetime | None = None,
    count: int = 1,
    note: str | None = None,
    unit_id: int | None = None,
    refresh: bool = True,
    has_open_event: bool = True,
) -> UpdateLog:
    """Record that `item` was updated (at `at`, default now), close its oldest open event, refresh it.

    The import writes thousands in a row: `refresh=False` leaves the refresh (and the flush) to the caller,
    which judges a batch of items at once, and `has_open_event=False` says it knows the item has no open
    event (one query less per row).

    Under a per-unit rule the update counts for `unit_id`, by default the logging person's own unit among the
    item's contributing units (none when they belong to none or to several: then it counts for the column)."""
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
        unit_id=unit_id if unit_id is not None else _unit_for(session, item, person_id),
    )
    session.add(entry)
    if not refresh and not has_open_event:
        return entry
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
    if refresh:
        refresh_item(session, item, judge, now)
    return entry


def undo_last(
    session: Session, now: datetime, judge: Judge, person_id: int, origin: str | None = None
) -> list[UpdateLog]:
    """Take back `person_id`'s last act of logging within the undo window: every log of its batch (one /done
    replied to a warning logs several items). Each undo is itself a log row, marked with the `origin` of the
    /undo (so the same message handled again undoes nothing more); nothing is deleted."""
    last = session.exec(
        select(UpdateLog)
        .where(
            UpdateLog.person_id == person_id,
            LIVE_LOG,
            UpdateLog.logged_at >= now - UNDO_WINDOW,
        )
        .order_by(col(UpdateLog.logged_at).desc(), col(UpdateLog.id).desc())
        .limit(1)
    ).first()
    if last is None:
        return []
    batch = [last]
    if last.batch is not None:
        batch = list(
            session.exec(
                select(UpdateLog)
                .where(UpdateLog.person_id == person_id, UpdateLog.batch == last.batch, LIVE_LOG)
                .order_by(col(UpdateLog.id))
            )
        )
    return undo_logs(session, now, judge, batch, person_id, origin)


def undo_logs(
    session: Session,
    now: datetime,
    judge: Judge,
    batch: Sequence[UpdateLog],
    person_id: int | None,
    origin: str | None = None,
) -> list[UpdateLog]:
    """Take back these logs (a /undo's batch, or the update a website reading logged that an administrator
    marked wrong): each stays, marked undone, and its undo is a row of its own; the items are judged again."""
    for entry in batch:
        entry.undone_at = now
        session.add(entry)
        session.add(
            UpdateLog(
                item_id=entry.item_id,
                at=now,
                logged_at=now,
                person_id=person_id,
                source=UpdateSource.UNDO,
                undoes_id=entry.id,
                batch=entry.batch,
                unit_id=entry.unit_id,
                origin=origin,
            )
        )
        # An event closed by the undone log is open again.
        for ev in session.exec(select(Event).where(Event.closed_by_log_id == entry.id)):
            ev.closed_at = None
            ev.closed_by_log_id = None
            session.add(ev)
    session.flush()
    items = session.exec(select(Item).where(col(Item.id).in_({e.item_id for e in batch}))).all()
    refresh_all(session, judge, now, items)
    return list(batch)


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


def close_event(session: Session, now: datetime, judge: Judge, event: Event, *, at: datetime) -> None:
    """Close an event as answered at `at` (a letters ledger says when it was 办结), and refresh its item.
    Unlike a /done, this logs no update: the ledger speaks of the request, not of the page."""
    event.closed_at = at
    session.add(event)
    session.flush()
    item = session.get(Item, event.item_id)
    assert item is not None
    refresh_item(session, item, judge, now)


def rule_columns(text: str, rule: Rule | None = None) -> dict[str, Any]:
    """An item's rule as its stored columns: the text, whether it reads, its parsed form (`rule_to_dict`),
    whether it is a per-unit duty. Every writer of an item's rule (a single item, a batch) stores these."""
    parsed = parse_rule(text) if rule is None else rule
    return {
        "rule_text": text,
        "rule_ok": parsed.ok,
        "rule_json": json.dumps(rule_to_dict(parsed), ensure_ascii=False),
        "per_unit": parsed.per_unit,
    }


def set_rule(
    session: Session, now: datetime, judge: Judge, item: Item, text: str, *, refresh: bool = True
) -> Rule:
    """Give an item a (new) rule text, storing its parsed form, and refresh its schedule (`refresh=False`:
    the caller refreshes a batch of items at once)."""
    rule = parse_rule(text)
    for name, value in rule_columns(text, rule).items():
        setattr(item, name, value)
    if refresh:
        refresh_item(session, item, judge, now)
    return rule
