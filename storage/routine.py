"""The routine's storage: gathering one site's snapshot for `domain.routine.plan`, and recording what
people answer to it (已巡查, half-month answers and fix notes), the administrator's holiday list and the runs.

`gather` judges every item for the moment's own day in memory (one query per kind of fact, no writes), so a
preview of next Monday sees next Monday's states, and the live routine does not depend on when the daily
refresh ran. Operations take `(session, now, …)` and leave committing to the caller's `session_scope`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_
from sqlmodel import Session, col, select

from domain.access import Act
from domain.routine import (
    Answer,
    ChatView,
    ItemView,
    Snapshot,
    UnitView,
    Who,
    half_month_period,
)
from storage.items import LIVE_LOG, Judge, judge_items
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
    UnitGroupMember,
    UpdateLog,
)
from storage.outbox import Withdrawn, find_by_message, item_ids, withdraw_unsent
from storage.queries import Sender, actor_for, item_refs, item_units, match_items, site_words

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


def done_slots(session: Session, site_id: int, day: date) -> frozenset[str]:
    rows = session.exec(select(RoutineRun.slot).where(RoutineRun.site_id == site_id, RoutineRun.day == day))
    return frozenset(rows.all())


def record_runs(
    session: Session,
    now: datetime,
    site_id: int,
    day: date,
    slots: Iterable[str],
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
    return Who(p.id, p.name, p.username, p.telegram_id)


def admins(session: Session, configured: Iterable[int] = ()) -> tuple[Who, ...]:
    """Deployment-wide administrators: `admin` memberships without a unit, and the configured Telegram ids."""
    configured = set(configured)
    found: dict[int | str, Who] = {}
    rows = session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            Membership.role == "admin", col(Membership.unit_id).is_(None), col(Membership.active).is_(True)
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


def gather(
    session: Session,
    site_id: int,
    judge: Judge,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
    period: date | None = None,
) -> Snapshot:
    """One site as the routine needs it at `now`: items judged for that day, units with their webmasters
    and leaders, active bound chats, administrators, today's runs and read confirmations, the answers of
    the half-month `period` (default: the one containing the day) and the last two weeks' updates."""
    today = judge.today(now)
    site = session.get(Site, site_id)
    assert site is not None
    # Units, and group units (市属各部门) expanded to their members: an item of the group is each member's.
    units = session.exec(select(Unit).where(Unit.site_id == site_id).order_by(col(Unit.name))).all()
    unit_ids = [u.id for u in units if u.id is not None]
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, member_id in session.exec(
        select(UnitGroupMember.group_id, UnitGroupMember.member_id).where(
            col(UnitGroupMember.group_id).in_(unit_ids)
        )
    ):
        members[group_id].append(member_id)

    def expand(ids: Iterable[int]) -> tuple[int, ...]:
        out: list[int] = []
        for u in ids:
            for v in members.get(u) or [u]:
                if v not in out:
                    out.append(v)
        return tuple(out)

    people: dict[tuple[int | None, str], list[Who]] = defaultdict(list)
    for unit_id, role, person in session.exec(
        select(Membership.unit_id, Membership.role, Person)
        .join(Person, col(Person.id) == col(Membership.person_id))
        .where(
            col(Membership.unit_id).in_(unit_ids),
            col(Membership.role).in_(("webmaster", "leader")),
            col(Membership.active).is_(True),
        )
        .order_by(col(Person.name), col(Person.id))
    ):
        people[(unit_id, role)].append(_who(person))
    unit_views = tuple(
        UnitView(u.id, u.name, tuple(people[(u.id, "webmaster")]), tuple(people[(u.id, "leader")]))
        for u in units
        if u.id is not None
    )

    # Items, judged for the day.
    items = session.exec(
        select(Item).where(Item.site_id == site_id, col(Item.retired_at).is_(None)).order_by(col(Item.id))
    ).all()
    links: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for item_id, unit_id, lead in session.exec(
        select(ItemUnit.item_id, ItemUnit.unit_id, ItemUnit.lead)
        .join(Item, col(Item.id) == col(ItemUnit.item_id))
        .where(Item.site_id == site_id, col(Item.retired_at).is_(None))
        .order_by(col(ItemUnit.item_id), col(ItemUnit.unit_id))
    ):
        links[item_id].append((unit_id, bool(lead)))
    judged = judge_items(session, items, judge, now)
    views = []
    for item in items:
        assert item.id is not None
        s = judged[item.id]
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
                unit_ids=expand(u for u, _ in links.get(item.id, ())),
                lead_unit_ids=expand(u for u, lead in links.get(item.id, ()) if lead),
                rule_text=item.rule_text,
                unknown=s.unknown,
            )
        )

    # Active chats bound to this site's units (an all-units group covers every unit).
    chat_units: dict[int, list[int]] = defaultdict(list)
    for chat_id, unit_id in session.exec(
        select(ChatUnit.chat_id, ChatUnit.unit_id).where(col(ChatUnit.unit_id).in_(unit_ids))
    ):
        chat_units[chat_id].append(unit_id)
    chats = session.exec(
        select(Chat).where(
            col(Chat.active).is_(True),
            or_(
                col(Chat.id).in_(list(chat_units)),
                and_(
                    col(Chat.all_units).is_(True),
                    or_(col(Chat.site_id).is_(None), col(Chat.site_id) == site_id),
                ),
            ),
        )
    ).all()
    chat_views = tuple(
        ChatView(c.telegram_chat_id, c.title, tuple(unit_ids) if c.all_units else expand(chat_units[c.id]))
        for c in chats
        if c.id is not None
    )
    by_row = {c.id: c.telegram_chat_id for c in chats}

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
    since = datetime.combine(monday - timedelta(days=7), time(0), tzinfo=judge.tz)
    updates = tuple(
        (item_id, judge.local_day(at))
        for item_id, at in session.exec(
            select(UpdateLog.item_id, UpdateLog.at)
            .join(Item, col(Item.id) == col(UpdateLog.item_id))
            .where(Item.site_id == site_id, LIVE_LOG, UpdateLog.at >= since, UpdateLog.at <= now)
        )
    )
    last_weekly = session.exec(
        select(RoutineRun.stats)
        .where(RoutineRun.site_id == site_id, RoutineRun.slot == "weekly_summary", RoutineRun.day < today)
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
    )


# ---------------------------------------------------------------------------------------------------------
# What people answer


@dataclass(frozen=True)
class ReadRecorded:
    day: date
    first: bool  # the first confirmation of this chat today
    already: bool  # this person had confirmed already
    by: tuple[str, ...]  # who confirmed today, in order


@dataclass(frozen=True)
class NotBoundChat:
    """The button was pressed in a chat that is not a bound group."""


@dataclass(frozen=True)
class NotEntitled:
    """The person who pressed (or replied) is not bound to the units concerned (domain.access)."""

    stranger: bool  # bound to no unit at all
    item: str = ""  # the item concerned, when there is one


def _chat_units(session: Session, chat: Chat) -> list[int] | None:
    """The units a group is bound to (None: every unit, the one big group)."""
    if chat.all_units:
        return None
    return list(session.exec(select(ChatUnit.unit_id).where(ChatUnit.chat_id == chat.id)).all())


def record_read(
    session: Session,
    now: datetime,
    chat_telegram_id: int,
    day: date,
    sender: Sender,
    admin_ids: Iterable[int] = (),
) -> ReadRecorded | NotBoundChat | NotEntitled:
    """日查: `sender` pressed 已巡查 in a chat for `day`. Idempotent per person and day.

    Only a person bound to one of the group's units (or an administrator) confirms the read: everybody in
    a group sees the button, and a name under the list says who answers for it."""
    chat = session.exec(select(Chat).where(Chat.telegram_chat_id == chat_telegram_id)).first()
    if chat is None or chat.id is None:
        return NotBoundChat()
    units = _chat_units(session, chat)
    if units is not None and not units:
        return NotBoundChat()
    actor = actor_for(session, sender, admin_ids)
    if not actor.may(Act.CHECK, units):
        return NotEntitled(stranger=not actor.known)
    person = session.exec(select(Person).where(Person.telegram_id == sender.telegram_id)).first()
    before = session.exec(
        select(ReadConfirmation).where(ReadConfirmation.chat_id == chat.id, ReadConfirmation.day == day)
    ).all()
    already = any(r.telegram_user_id == sender.telegram_id for r in before)
    if not already:
        session.add(
            ReadConfirmation(
                chat_id=chat.id,
                day=day,
                person_id=person.id if person else None,
                telegram_user_id=sender.telegram_id,
                name=person.name if person and person.name else sender.name,
                at=now,
            )
        )
        session.flush()
    names = [r.name for r in before] + (
        [] if already else [person.name if person and person.name else sender.name]
    )
    return ReadRecorded(day=day, first=not before, already=already, by=tuple(names))


@dataclass(frozen=True)
class AnswerRecorded:
    answer_id: int
    item: str
    result: str
    period: date
    changed: bool  # a different answer than before


@dataclass(frozen=True)
class NotYourItem:
    item: str


@dataclass(frozen=True)
class NoSuchItem:
    pass


def _chat_covers(session: Session, chat_telegram_id: int, item_id: int) -> bool:
    chat = session.exec(select(Chat).where(Chat.telegram_chat_id == chat_telegram_id)).first()
    if chat is None or chat.id is None:
        return False
    if chat.all_units:
        return True
    bound = set(session.exec(select(ChatUnit.unit_id).where(ChatUnit.chat_id == chat.id)).all())
    groups = session.exec(
        select(UnitGroupMember.group_id).where(col(UnitGroupMember.member_id).in_(bound))
    ).all()
    item_units = set(session.exec(select(ItemUnit.unit_id).where(ItemUnit.item_id == item_id)).all())
    return bool(item_units & (bound | set(groups)))


def record_answer(
    session: Session,
    now: datetime,
    item_id: int,
    period: date,
    result: str,
    sender: Sender,
    chat_telegram_id: int,
    admin_ids: Iterable[int] = (),
) -> AnswerRecorded | NotYourItem | NoSuchItem | NotEntitled:
    """半月查: the answer for one item (`ok` or `problem`), by a person bound to the item's unit, in a group
    bound to it (or by an administrator anywhere). A later answer replaces an earlier one; a problem's
    note is kept if the answer stays a problem."""
    if result not in ("ok", "problem"):
        raise ValueError(result)
    item = session.get(Item, item_id)
    if item is None or item.retired_at is not None:
        return NoSuchItem()
    actor = actor_for(session, sender, admin_ids)
    if not actor.may(Act.CHECK, item_units(session, [item_id]).get(item_id, [])):
        return NotEntitled(stranger=not actor.known, item=item.path or item.name)
    # The checklist belongs to its group: another unit's group does not answer for the item either.
    if not (actor.global_admin or _chat_covers(session, chat_telegram_id, item_id)):
        return NotYourItem(item.path or item.name)
    person = session.exec(select(Person).where(Person.telegram_id == sender.telegram_id)).first()
    row = session.exec(
        select(HalfMonthAnswer).where(HalfMonthAnswer.item_id == item_id, HalfMonthAnswer.period == period)
    ).first()
    changed = row is None or row.result != result
    if row is None:
        row = HalfMonthAnswer(item_id=item_id, period=period, result=result, at=now)
    if changed:
        row.note = None if result == "ok" else row.note
        row.note_at = None if result == "ok" else row.note_at
    row.result = result
    row.at = now
    row.person_id = person.id if person else None
    row.name = person.name if person and person.name else sender.name
    session.add(row)
    session.flush()
    assert row.id is not None
    return AnswerRecorded(row.id, item.path or item.name, result, period, changed)


def set_prompt(
    session: Session, _now: datetime, answer_id: int, chat_telegram_id: int, message_id: int
) -> None:
    """Remember the "please describe the problem" message, so a reply to it finds the answer."""
    row = session.get(HalfMonthAnswer, answer_id)
    if row is not None:
        row.prompt_chat_id, row.prompt_message_id = chat_telegram_id, message_id
        session.add(row)


@dataclass(frozen=True)
class NoteRecorded:
    item: str
    period: date


def record_fix_note(
    session: Session,
    now: datetime,
    chat_telegram_id: int,
    replied_to: int,
    text: str,
    sender: Sender,
    admin_ids: Iterable[int] = (),
) -> NoteRecorded | NotEntitled | None:
    """A reply to a problem prompt: the problem and its fix (整改情况), written by a person bound to the
    item's unit (or an administrator). None when the reply is not to a prompt."""
    row = session.exec(
        select(HalfMonthAnswer).where(
            HalfMonthAnswer.prompt_chat_id == chat_telegram_id,
            HalfMonthAnswer.prompt_message_id == replied_to,
        )
    ).first()
    if row is None:
        return None
    item = session.get(Item, row.item_id)
    actor = actor_for(session, sender, admin_ids)
    if not actor.may(Act.CHECK, item_units(session, [row.item_id]).get(row.item_id, [])):
        return NotEntitled(stranger=not actor.known, item=item.path or item.name if item else "")
    person = session.exec(select(Person).where(Person.telegram_id == sender.telegram_id)).first()
    row.result = "problem"
    row.note = text.strip()[:2000]
    row.note_at = now
    row.person_id = person.id if person else row.person_id
    row.name = person.name if person and person.name else sender.name
    session.add(row)
    session.flush()
    return NoteRecorded(item.path or item.name if item else "", row.period)


@dataclass(frozen=True)
class ProblemsRecorded:
    """Problems reported by replying to a half-month checklist, one item per line."""

    recorded: tuple[str, ...] = ()  # items whose problem and fix were recorded
    refused: tuple[str, ...] = ()  # items of units the group does not answer for
    unknown: tuple[str, ...] = ()  # lines naming no item of the checklist (or several)
    no_note: tuple[str, ...] = ()  # items named without saying what the problem is


def _checklist(session: Session, chat_telegram_id: int, message_id: int) -> tuple[date, list[int]] | None:
    row = find_by_message(session, chat_telegram_id, message_id)
    if row is None or row.kind != "half_month_check":
        return None
    return half_month_period(row.day), item_ids(row)


_WORD = re.compile(r"[^\s:：]+")  # words of a reply line; commas belong to the note


def record_checklist_reply(
    session: Session,
    now: datetime,
    chat_telegram_id: int,
    message_id: int,
    text: str,
    sender: Sender,
    admin_ids: Iterable[int] = (),
) -> ProblemsRecorded | NotEntitled | None:
    """A reply to a half-month checklist: each line `栏目名称 问题及整改情况` records that item's problem
    and its fix for the checklist's half-month, each item asked of the permission policy (via
    `record_answer`). None when the replied message is no checklist."""
    found = _checklist(session, chat_telegram_id, message_id)
    if found is None:
        return None
    if not actor_for(session, sender, admin_ids).known:
        return NotEntitled(stranger=True)
    period, ids = found
    wanted = set(ids)
    refs = [r for r in item_refs(session, None) if r.id in wanted]
    recorded: list[str] = []
    refused: list[str] = []
    unknown: list[str] = []
    no_note: list[str] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        words = list(_WORD.finditer(line))
        match = match_items(refs, [w.group() for w in words])
        if match.one is None:
            unknown.append(line[:60])
            continue
        # The note as written (the matcher normalises the words it returns: ， would come back as ,).
        taken = len(words) - len(match.rest)
        note = line[words[taken].start() :].strip() if match.rest and taken < len(words) else ""
        if not note:
            no_note.append(match.one.path)
            continue
        answer = record_answer(
            session, now, match.one.id, period, "problem", sender, chat_telegram_id, admin_ids
        )
        if not isinstance(answer, AnswerRecorded):
            refused.append(match.one.path)
            continue
        row = session.get(HalfMonthAnswer, answer.answer_id)
        assert row is not None
        row.note, row.note_at = note[:2000], now
        session.add(row)
        recorded.append(answer.item)
    session.flush()
    return ProblemsRecorded(tuple(recorded), tuple(refused), tuple(unknown), tuple(no_note))


@dataclass(frozen=True)
class RestRecorded:
    ok: int  # items newly answered 正常
    answered: int  # items that already had an answer (a problem stays a problem)


def record_rest_ok(
    session: Session,
    now: datetime,
    chat_telegram_id: int,
    message_id: int,
    sender: Sender,
    admin_ids: Iterable[int] = (),
) -> RestRecorded | NotEntitled | None:
    """「其余全部正常」under a half-month checklist: every item of it not yet answered is answered 正常, each
    asked of the permission policy (via `record_answer`); refused when the person may answer none of them."""
    found = _checklist(session, chat_telegram_id, message_id)
    if found is None:
        return None
    actor = actor_for(session, sender, admin_ids)
    period, ids = found
    have = set(
        session.exec(
            select(HalfMonthAnswer.item_id).where(
                HalfMonthAnswer.period == period, col(HalfMonthAnswer.item_id).in_(ids)
            )
        ).all()
    )
    ok = refused = 0
    for item_id in ids:
        if item_id in have:
            continue
        answer = record_answer(session, now, item_id, period, "ok", sender, chat_telegram_id, admin_ids)
        ok += isinstance(answer, AnswerRecorded)
        refused += isinstance(answer, NotEntitled | NotYourItem)
    if not ok and refused:
        return NotEntitled(stranger=not actor.known)
    return RestRecorded(ok, len(have))


def period_of_message(session: Session, chat_telegram_id: int, message_id: int) -> date | None:
    """The half-month period of a checklist message (answers belong to it even when given days later)."""
    row = find_by_message(session, chat_telegram_id, message_id)
    if row is None or row.kind != "half_month_check":
        return None
    return half_month_period(row.day)


# ---------------------------------------------------------------------------------------------------------
# The administrator's holiday list


@dataclass(frozen=True)
class YearLoaded:
    year: int
    holidays: int
    workdays: int
    replaced: int  # rows of that year there were before


def set_year_calendar(
    session: Session,
    now: datetime,
    year: int,
    holidays: Iterable[date],
    workdays: Iterable[date],
    note: str = "",
) -> YearLoaded:
    """Replace a year's administrator overrides with this list (holidays and 调休 working days)."""
    before = session.exec(select(func.count()).select_from(CalendarDay).where(CalendarDay.year == year)).one()
    session.execute(delete(CalendarDay).where(col(CalendarDay.year) == year))
    hs, ws = sorted(set(holidays)), sorted(set(workdays))
    for day in hs:
        session.add(CalendarDay(year=year, day=day, kind="holiday", note=note or None, created_at=now))
    for day in ws:
        session.add(CalendarDay(year=year, day=day, kind="workday", note=note or None, created_at=now))
    session.flush()
    return YearLoaded(year, len(hs), len(ws), int(before))


def year_calendar(session: Session, year: int) -> tuple[list[date], list[date]]:
    rows = session.exec(
        select(CalendarDay).where(CalendarDay.year == year).order_by(col(CalendarDay.day))
    ).all()
    return [r.day for r in rows if r.kind == "holiday"], [r.day for r in rows if r.kind != "holiday"]


# ---------------------------------------------------------------------------------------------------------
# Delivery problems


@dataclass(frozen=True)
class ChatGone:
    title: str
    units: tuple[str, ...]
    withdrawn: Withdrawn


def chat_gone(session: Session, now: datetime, chat_telegram_id: int, reason: str) -> ChatGone:
    """Telegram refused a chat for good (bot kicked or blocked, chat deleted): the chat goes inactive and its
    unsent messages are withdrawn (`storage.outbox.withdraw_unsent`)."""
    chat = session.exec(select(Chat).where(Chat.telegram_chat_id == chat_telegram_id)).first()
    units: tuple[str, ...] = ()
    title = str(chat_telegram_id)
    if chat is not None and chat.id is not None:
        chat.active = False
        chat.inactive_reason = reason[:200]
        title = chat.title or title
        session.add(chat)
        units = tuple(
            session.exec(
                select(Unit.name)
                .join(ChatUnit, col(ChatUnit.unit_id) == col(Unit.id))
                .where(ChatUnit.chat_id == chat.id)
            ).all()
        )
    return ChatGone(title, units, withdraw_unsent(session, now, chat_telegram_id, reason))
