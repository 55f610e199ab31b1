"""The routine's storage: gathering one site's snapshot for `domain.routine.plan`, and recording what
people answer to it (已巡查, half-month answers and fix notes), the administrator's holiday list and the runs.

`gather` judges every item for the moment's own day in memory (one query per kind of fact, no writes), so a
preview of next Monday sees next Monday's states, and the live routine does not depend on when the daily
refresh ran. Operations take `(session, now, …)` and leave committing to the caller's `session_scope`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.model import DayKind, Role, Status
from domain.notice import TELEGRAM, Answer, ChatView, ItemView, MessageKind, Slot, UnitView, Who, make_key
from domain.routine import Snapshot, half_month_period
from storage import audit
from storage.bulk import few_collections
from storage.items import (
    JUDGE_BATCH,
    LIVE_LOG,
    Instants,
    Judge,
    Judgements,
    LiveItem,
    judge_items,
    live_items,
    plain_rows,
)
from storage.models import (
    CalendarDay,
    Chat,
    ChatUnit,
    HalfMonthAnswer,
    Item,
    ItemUnit,
    Membership,
    Person,
    ReadConfirmation,
    RoutineRun,
    Site,
    Unit,
    UpdateLog,
)
from storage.outbox import Withdrawn, enqueue, find_by_message, withdraw_unsent
from storage.queries import site_chats, site_words, unit_groups
from storage.score import score_of

# ---------------------------------------------------------------------------------------------------------
# Runs


@dataclass(frozen=True)
class SiteRef:
    id: int
    name: str
    tz_name: str | None

    def zone(self, default: ZoneInfo) -> ZoneInfo:
        """The site's own time zone, else the deployment's."""
        return ZoneInfo(self.tz_name) if self.tz_name else default


def sites(session: Session) -> list[SiteRef]:
    return [
        SiteRef(s.id, s.name, s.tz_name) for s in session.exec(select(Site).order_by(col(Site.id))) if s.id
    ]


def done_slots(session: Session, site_id: int, day: date) -> frozenset[Slot]:
    rows = session.exec(select(RoutineRun.slot).where(RoutineRun.site_id == site_id, RoutineRun.day == day))
    # Read back as `Slot`s by the column's type (a word this version does not know stays text).
    return cast("frozenset[Slot]", frozenset(rows.all()))


def record_runs(
    session: Session,
    now: datetime,
    site_id: int,
    day: date,
    slots: Iterable[Slot],
    messages: dict[str, int],
    stats: dict[str, object] | None = None,
) -> None:
    """Mark slots as run. A second writer of the same slot fails on the unique key and rolls back its whole
    transaction, messages included: a slot runs once."""
    for slot in slots:
        extra = (stats or {}).get(slot)
        session.add(
            RoutineRun(
                site_id=site_id,
                day=day,
                slot=slot,
                done_at=now,
                messages=messages.get(slot, 0),
                stats=json.dumps(extra, ensure_ascii=False) if extra is not None else None,
            )
        )
    session.flush()


# ---------------------------------------------------------------------------------------------------------
# The snapshot


def _who(p: Person) -> Who:
    return Who(p.id, p.name, p.username, p.telegram_id, p.phone, p.platform_ids())


def admins(session: Session, configured: Iterable[int] = ()) -> tuple[Who, ...]:
    """Deployment-wide administrators: `admin` memberships without a unit, and the configured Telegram ids."""
    configured = set(configured)
    found: dict[int | str, Who] = {}
    rows = session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            Membership.role == Role.ADMIN, col(Membership.unit_id).is_(None), col(Membership.active).is_(True)
        )
        .order_by(col(Person.id))
    ).all()
    if configured:
        rows = [*rows, *session.exec(select(Person).where(col(Person.telegram_id).in_(configured))).all()]
    for p in rows:
        found[p.telegram_id if p.telegram_id is not None else f"p{p.id}"] = _who(p)
    for tid in sorted(configured):
        found.setdefault(tid, Who(None, "系统管理员", None, tid))
    return tuple(found.values())


def tell_admins(
    session: Session,
    now: datetime,
    admin_ids: Iterable[int],
    kind: str,
    text: str,
    *,
    day: date,
    extra: str,
    key_day: date | None = None,
    skip: int | None = None,
) -> tuple[int, int]:
    """`text` to every deployment-wide administrator with a Telegram chat (but `skip`, the chat a failure came
    from), keyed by (kind, administrator, `key_day` or `day`, `extra`), so that one notice is written once.
    Returns (messages written, administrators it could go to)."""
    told = reachable = 0
    for admin in admins(session, admin_ids):
        if admin.telegram_id is None or admin.telegram_id == skip:
            continue
        reachable += 1
        key = make_key(kind, admin.telegram_id, key_day or day, (), extra=extra)
        _, created = enqueue(
            session,
            now,
            kind=kind,
            chat_id=admin.telegram_id,
            text=text,
            day=day,
            key=key,
            person_id=admin.id,
        )
        told += created
    return told, reachable


def _site_items(session: Session, site_id: int, read: Mapping[int, LiveItem]) -> list[LiveItem]:
    """The site's live items by id. Those in `read` (the rows the tick's daily refresh read a moment ago, in
    the same transaction) are taken as read, and only the others are read here: which items are live is
    asked of the table still, by id alone (reading a province's 100,000 rows again was a second)."""
    live = (col(Item.site_id) == site_id, col(Item.retired_at).is_(None))
    if not read:
        return live_items(session, *live)
    ids = [i for (i,) in plain_rows(session, sa_select(col(Item.id)).where(*live).order_by(col(Item.id)))]
    missing = [i for i in ids if i not in read]
    others: dict[int, LiveItem] = {}
    for k in range(0, len(missing), JUDGE_BATCH):
        others.update((i.id, i) for i in live_items(session, col(Item.id).in_(missing[k : k + JUDGE_BATCH])))
    return [read[i] if i in read else others[i] for i in ids]


@few_collections()
def gather(
    session: Session,
    site_id: int,
    judge: Judge,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
    period: date | None = None,
    updates_since: date | None = None,
    inspection: bool = False,
    judged: Mapping[int, Status] | None = None,
) -> Snapshot:
    """One site as the routine needs it at `now`: items judged for that day, units with their webmasters
    and leaders, active bound chats, administrators, today's runs and read confirmations, the answers of
    the half-month `period` (default: the one containing the day) and the updates since last week's Monday
    (or `updates_since`, when earlier). With `inspection`, the site's inspection score too (it judges the
    site once more: only on the days a summary carries it). `judged`: items the caller already judged for
    `now` (the tick's daily refresh); only the others are judged here."""
    today = judge.today(now)
    site = session.get(Site, site_id)
    assert site is not None
    # Units, and group units (市属各部门) expanded to their members: an item of the group is each member's.
    units = session.exec(select(Unit).where(Unit.site_id == site_id).order_by(col(Unit.name))).all()
    unit_ids = [u.id for u in units if u.id is not None]
    expand = unit_groups(session, unit_ids).expand

    people: dict[tuple[int | None, str], list[Who]] = defaultdict(list)
    for unit_id, role, person in session.exec(
        select(Membership.unit_id, Membership.role, Person)
        .join(Person, col(Person.id) == col(Membership.person_id))
        .where(
            col(Membership.unit_id).in_(unit_ids),
            col(Membership.role).in_((Role.WEBMASTER, Role.LEADER)),
            col(Membership.active).is_(True),
        )
        .order_by(col(Person.name), col(Person.id))
    ):
        people[(unit_id, role)].append(_who(person))
    unit_views = tuple(
        UnitView(u.id, u.name, tuple(people[(u.id, Role.WEBMASTER)]), tuple(people[(u.id, Role.LEADER)]))
        for u in units
        if u.id is not None
    )

    # Items, judged for the day.
    items = _site_items(session, site_id, judged.rows if isinstance(judged, Judgements) else {})
    links: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for item_id, unit_id, lead in plain_rows(
        session,
        sa_select(col(ItemUnit.item_id), col(ItemUnit.unit_id), col(ItemUnit.lead))
        .join(Item, col(Item.id) == col(ItemUnit.item_id))
        .where(col(Item.site_id) == site_id, col(Item.retired_at).is_(None))
        .order_by(col(ItemUnit.item_id), col(ItemUnit.unit_id)),
    ):
        links[item_id].append((unit_id, bool(lead)))
    known = judged or {}
    judged = Judgements()
    judged.take(known, [i.id for i in items if i.id in known])
    fresh = judge_items(session, [i for i in items if i.id not in judged], judge, now)
    judged.take(fresh, fresh)
    # A province's items share a few thousand sets of units: each set expanded once.
    expanded: dict[tuple[tuple[int, bool], ...], tuple[tuple[int, ...], tuple[int, ...]]] = {}
    views = []
    for item in items:
        s = judged[item.id]
        mine = tuple(links.get(item.id, ()))
        if (answering := expanded.get(mine)) is None:
            answering = expanded[mine] = (expand(u for u, _ in mine), expand(u for u, lead in mine if lead))
        views.append(
            ItemView(
                id=item.id,
                name=item.name,
                path=item.path,
                url=item.url,
                kind=item.kind,
                state=s.state,
                due_on=s.due,
                warn_on=s.warn_on,
                days_late=s.days_late,
                missing=s.missing,
                driver=s.driver,
                risk=s.risk,
                read_status=item.read_status,
                unit_ids=answering[0],
                lead_unit_ids=answering[1],
                rule_text=item.rule_text,
                unknown=s.unknown,
                shares=s.units,
            )
        )

    # Active chats bound to this site's units (an all-units group covers every unit).
    chats = site_chats(session, site_id, unit_ids)
    chat_views = tuple(
        ChatView(c.address, c.title, tuple(unit_ids) if c.all_units else expand(bound), c.platform)
        for c, bound in chats
    )
    by_row = {c.id: c.address for c, _ in chats}

    confirmed: dict[int, list[str]] = defaultdict(list)
    for chat_row, name in session.exec(
        select(ReadConfirmation.chat_id, ReadConfirmation.name)
        .where(ReadConfirmation.day == today, col(ReadConfirmation.chat_id).in_(list(by_row)))
        .order_by(col(ReadConfirmation.at))
    ):
        confirmed[by_row[chat_row]].append(name)

    period = period or half_month_period(today)
    answers = {}
    for ans in session.exec(
        select(HalfMonthAnswer)
        .join(Item, col(Item.id) == col(HalfMonthAnswer.item_id))
        .where(HalfMonthAnswer.period == period, Item.site_id == site_id)
    ):
        answers[ans.item_id] = Answer(ans.item_id, ans.result, ans.note, ans.name, ans.note_at or ans.at)

    monday = today - timedelta(days=today.weekday())
    first = min(monday - timedelta(days=7), updates_since or monday)
    since = datetime.combine(first, time(0), tzinfo=judge.tz)
    days = Instants(session, judge.tz).days(col(UpdateLog.at), since, now)
    day = days.day
    updates = tuple(
        (item_id, day(at))
        for item_id, at in plain_rows(
            session,
            sa_select(col(UpdateLog.item_id), days.column)
            .join(Item, col(Item.id) == col(UpdateLog.item_id))
            .where(
                col(Item.site_id) == site_id, LIVE_LOG, col(UpdateLog.at) >= since, col(UpdateLog.at) <= now
            ),
        )
    )
    last_weekly = session.exec(
        select(RoutineRun.stats)
        .where(RoutineRun.site_id == site_id, RoutineRun.slot == Slot.WEEKLY_SUMMARY, RoutineRun.day < today)
        .order_by(col(RoutineRun.day).desc())
        .limit(1)
    ).first()

    return Snapshot(
        site_id=site_id,
        site_name=site.name,
        items=tuple(views),
        units=unit_views,
        chats=chat_views,
        admins=admins(session, admin_ids),
        done_slots=done_slots(session, site_id, today),
        read_confirmed={k: tuple(v) for k, v in confirmed.items()},
        answers_period=period,
        answers=answers,
        updates=updates,
        last_week_late=json.loads(last_weekly) if last_weekly else None,
        words=site_words(session, site),
        inspection=score_of(session, now, judge, site, fix_first=False, statuses=judged, items=items).score
        if inspection
        else None,
    )


# ---------------------------------------------------------------------------------------------------------
# What people answer


def period_of_message(session: Session, address: int, message_id: int) -> date | None:
    """The half-month period of a checklist message (answers belong to it even when given days later)."""
    row = find_by_message(session, address, message_id)
    if row is None or row.kind != MessageKind.HALF_MONTH_CHECK:
        return None
    return half_month_period(row.day)


# ---------------------------------------------------------------------------------------------------------
# The administrator's holiday list


def year_calendar(session: Session, year: int) -> tuple[list[date], list[date]]:
    rows = session.exec(
        select(CalendarDay).where(CalendarDay.year == year).order_by(col(CalendarDay.day))
    ).all()
    return [r.day for r in rows if r.kind == DayKind.HOLIDAY], [
        r.day for r in rows if r.kind != DayKind.HOLIDAY
    ]


# ---------------------------------------------------------------------------------------------------------
# Delivery problems


@dataclass(frozen=True)
class ChatGone:
    title: str
    units: tuple[str, ...]
    withdrawn: Withdrawn


def chat_gone(
    session: Session, now: datetime, address: int, reason: str, platform: str = TELEGRAM
) -> ChatGone:
    """A platform refused a chat for good (Telegram: bot kicked or blocked, chat deleted; a robot: its key
    or signature refused, robot removed): the chat goes inactive and its unsent messages are withdrawn
    (`storage.outbox.withdraw_unsent`)."""
    chat = session.exec(select(Chat).where(Chat.address == address, Chat.platform == platform)).first()
    units: tuple[str, ...] = ()
    title = str(address)
    if chat is not None and chat.id is not None:
        was_active = chat.active
        chat.active = False
        # The same short reason the membership update records ("kicked" …), whichever arrives first.
        chat.inactive_reason = "kicked" if "kicked" in reason.lower() else reason[:200]
        title = chat.title or title
        session.add(chat)
        bound = session.exec(
            select(Unit.id, Unit.name)
            .join(ChatUnit, col(ChatUnit.unit_id) == col(Unit.id))
            .where(ChatUnit.chat_id == chat.id)
        ).all()
        units = tuple(name for _, name in bound)
        if was_active and (bound or chat.all_units):
            audit.record(
                session,
                now,
                audit.CHAT_GONE,
                unit_ids=[None] if chat.all_units else [uid for uid, _ in bound],
                chat_id=chat.id,
                detail=f"群“{title}”，发送被拒绝：{reason[:200]}",
            )
    return ChatGone(title, units, withdraw_unsent(session, now, address, reason, platform))
