"""What people answer to the routine: 已巡查 (the daily read), the half-month check's answers, problems
and fix notes, 正常 for a quiet half month, and the administrator's holiday list for a year (`/holidays`).

Each act takes `(session, now, actor, …)`, asks the one permission policy (`domain.access`) about the
item's or the chat's units, and leaves committing to the caller's `session_scope`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from acts.updates import ItemGone
from domain.access import Act, permits, takes_part
from domain.calendar import WorkCalendar
from domain.model import CheckResult, DayKind
from domain.notice import TELEGRAM, MessageKind
from domain.routine import half_month_period, parse_holiday_list
from storage.items import Judge, load_calendar, refresh_all
from storage.models import (
    CalendarDay,
    Chat,
    ChatUnit,
    HalfMonthAnswer,
    Item,
    ItemUnit,
    Person,
    ReadConfirmation,
)
from storage.outbox import find_by_message, item_ids
from storage.queries import Actor, NotAdmin, Speaker, item_refs, item_units, match_items, unit_groups
from storage.routine import year_calendar

_WORD = re.compile(r"[^\s:：]+")  # words of a reply line; commas belong to the note


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


def _in_chat(actor: Actor) -> Speaker:
    """Who answered in the chat (the routine is answered by people in chats, never at the command line)."""
    if actor.speaker is None:
        raise ValueError("the routine is answered by a person in a chat")
    return actor.speaker


def _chat_units(session: Session, chat: Chat) -> list[int] | None:
    """The units a group is bound to (None: every unit, the one big group)."""
    if chat.all_units:
        return None
    return list(session.exec(select(ChatUnit.unit_id).where(ChatUnit.chat_id == chat.id)).all())


# Who confirmed a daily read through a signed link (a robot's group: no chat account tapped it).
LINK_READER = 0
LINK_NAME = "网页链接确认"  # the name shown when none was typed on the page


@dataclass(frozen=True)
class _Answerer:
    person_id: int | None
    account: int  # their chat account (`ReadConfirmation.telegram_user_id`); LINK_READER through a link
    name: str


def _answerer(session: Session, actor: Actor, by_link: str | None) -> _Answerer:
    """Who answers the routine: the person in the chat (the acting person, as the entrance resolved them),
    or, through a robot message's signed link (the actor is the link's unit), the name typed on the page."""
    if by_link is not None:
        return _Answerer(None, LINK_READER, by_link or LINK_NAME)
    sender = _in_chat(actor)
    person = session.get(Person, actor.person_id) if actor.person_id is not None else None
    name = person.name if person is not None and person.name else sender.name
    return _Answerer(actor.person_id, sender.telegram_id, name)


def record_read(
    session: Session,
    now: datetime,
    actor: Actor,
    chat_telegram_id: int,
    day: date,
    *,
    by_link: str | None = None,
    platform: str = TELEGRAM,
) -> ReadRecorded | NotBoundChat | NotEntitled:
    """日查: `actor` pressed 已巡查 in a chat for `day`. Idempotent per person and day.

    Only a person bound to one of the group's units (or an administrator) confirms the read: everybody in
    a group sees the button, and a name under the list says who answers for it. `by_link`: confirmed on
    the web page through a robot message's signed link (the actor is the link's unit), with the name typed
    there ("" when none); recorded once per chat and day. `platform`: the chat's (a robot's group for a
    link)."""
    chat = session.exec(
        select(Chat).where(Chat.address == chat_telegram_id, Chat.platform == platform)
    ).first()
    if chat is None or chat.id is None:
        return NotBoundChat()
    units = _chat_units(session, chat)
    if units is not None and not units:
        return NotBoundChat()
    if not permits(actor, Act.CHECK, units):
        return NotEntitled(stranger=not takes_part(actor))
    who = _answerer(session, actor, by_link)
    before = session.exec(
        select(ReadConfirmation).where(ReadConfirmation.chat_id == chat.id, ReadConfirmation.day == day)
    ).all()
    already = any(r.telegram_user_id == who.account for r in before)
    if not already:
        session.add(
            ReadConfirmation(
                chat_id=chat.id,
                day=day,
                person_id=who.person_id,
                telegram_user_id=who.account,
                name=who.name,
                at=now,
            )
        )
        session.flush()
    names = [r.name for r in before] + ([] if already else [who.name])
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


def _chat_covers(session: Session, chat_telegram_id: int, item_id: int, platform: str = TELEGRAM) -> bool:
    chat = session.exec(
        select(Chat).where(Chat.address == chat_telegram_id, Chat.platform == platform)
    ).first()
    if chat is None or chat.id is None:
        return False
    if chat.all_units:
        return True
    bound = set(session.exec(select(ChatUnit.unit_id).where(ChatUnit.chat_id == chat.id)).all())
    item_units = set(session.exec(select(ItemUnit.unit_id).where(ItemUnit.item_id == item_id)).all())
    return unit_groups(session, bound | item_units).covers(bound, item_units)


def record_answer(
    session: Session,
    now: datetime,
    actor: Actor,
    item_id: int,
    period: date,
    result: CheckResult,
    chat_telegram_id: int,
    *,
    by_link: str | None = None,
    note: str | None = None,
    platform: str = TELEGRAM,
) -> AnswerRecorded | NotYourItem | ItemGone | NotEntitled:
    """半月查: the answer for one item (`ok` or `problem`), by a person bound to the item's unit, in a group
    bound to it (or by an administrator anywhere). A later answer replaces an earlier one; a problem's
    note is kept if the answer stays a problem. `by_link`: answered on the web page through a robot
    message's signed link (the name typed there, "" when none), with the problem and its fix (`note`)
    typed on the same page."""
    if result not in (CheckResult.OK, CheckResult.PROBLEM):
        raise ValueError(result)
    item = session.get(Item, item_id)
    if item is None or item.retired_at is not None:
        return ItemGone()
    if not permits(actor, Act.CHECK, item_units(session, [item_id]).get(item_id, [])):
        return NotEntitled(stranger=not takes_part(actor), item=item.path or item.name)
    # The checklist belongs to its group: another unit's group does not answer for the item either.
    if not (actor.global_admin or _chat_covers(session, chat_telegram_id, item_id, platform)):
        return NotYourItem(item.path or item.name)
    who = _answerer(session, actor, by_link)
    row = session.exec(
        select(HalfMonthAnswer).where(HalfMonthAnswer.item_id == item_id, HalfMonthAnswer.period == period)
    ).first()
    changed = row is None or row.result != result
    if row is None:
        row = HalfMonthAnswer(item_id=item_id, period=period, result=result, at=now)
    if changed:
        row.note = None if result == CheckResult.OK else row.note
        row.note_at = None if result == CheckResult.OK else row.note_at
    row.result = result
    row.at = now
    if result == CheckResult.PROBLEM and note:
        row.note, row.note_at = note.strip()[:2000], now
    row.person_id, row.name = who.person_id, who.name
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
    session: Session, now: datetime, actor: Actor, chat_telegram_id: int, replied_to: int, text: str
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
    if not permits(actor, Act.CHECK, item_units(session, [row.item_id]).get(row.item_id, [])):
        return NotEntitled(stranger=not takes_part(actor), item=item.path or item.name if item else "")
    who = _answerer(session, actor, None)
    row.result = CheckResult.PROBLEM
    row.note = text.strip()[:2000]
    row.note_at = now
    row.person_id = who.person_id if who.person_id is not None else row.person_id
    row.name = who.name
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
    if row is None or row.kind != MessageKind.HALF_MONTH_CHECK:
        return None
    return half_month_period(row.day), item_ids(row)


def record_checklist_reply(
    session: Session, now: datetime, actor: Actor, chat_telegram_id: int, message_id: int, text: str
) -> ProblemsRecorded | NotEntitled | None:
    """A reply to a half-month checklist: each line `栏目名称 问题及整改情况` records that item's problem
    and its fix for the checklist's half-month, each item asked of the permission policy (via
    `record_answer`). None when the replied message is no checklist."""
    found = _checklist(session, chat_telegram_id, message_id)
    if found is None:
        return None
    if not takes_part(actor):
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
            session, now, actor, match.one.id, period, CheckResult.PROBLEM, chat_telegram_id
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
    session: Session, now: datetime, actor: Actor, chat_telegram_id: int, message_id: int
) -> RestRecorded | NotEntitled | None:
    """「其余全部正常」under a half-month checklist: every item of it not yet answered is answered 正常, each
    asked of the permission policy (via `record_answer`); refused when the person may answer none of them."""
    found = _checklist(session, chat_telegram_id, message_id)
    if found is None:
        return None
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
        answer = record_answer(session, now, actor, item_id, period, CheckResult.OK, chat_telegram_id)
        ok += isinstance(answer, AnswerRecorded)
        refused += isinstance(answer, NotEntitled | NotYourItem)
    if not ok and refused:
        return NotEntitled(stranger=not takes_part(actor))
    return RestRecorded(ok, len(have))


@dataclass(frozen=True)
class YearLoaded:
    year: int
    holidays: int
    workdays: int
    replaced: int  # rows of that year there were before


@dataclass(frozen=True)
class HolidaysUsage:
    """`/holidays` needs a year (YYYY)."""


@dataclass(frozen=True)
class HolidaysBad:
    """The list was not saved: what to correct, line by line."""

    errors: tuple[str, ...]


@dataclass(frozen=True)
class YearShown:
    """`/holidays YEAR` without a list: what is recorded for the year."""

    year: int
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]
    official: bool  # the built-in official calendar covers the year (nothing needs recording)


@dataclass(frozen=True)
class HolidaysSaved:
    loaded: YearLoaded
    judge: Judge  # the judge with the new calendar, for the acts that follow


def holidays_by(
    session: Session, now: datetime, actor: Actor, judge: Judge, year_text: str, body: str
) -> HolidaysSaved | YearShown | HolidaysBad | HolidaysUsage | NotAdmin:
    """`/holidays YEAR` + the year's list (法定节假日与调休): the deployment's calendar, so its
    administrators' act. Without a list: what is recorded for the year. Saving judges every item again at
    once (due days move with the calendar), not at tomorrow's pass."""
    if not permits(actor, Act.ADMINISTER, None):
        return NotAdmin()
    if not re.fullmatch(r"\d{4}", year_text):
        return HolidaysUsage()
    year = int(year_text)
    if not body.strip():
        holidays, workdays = year_calendar(session, year)
        official = WorkCalendar().covered(year) and not holidays and not workdays
        return YearShown(year, tuple(holidays), tuple(workdays), official)
    parsed = parse_holiday_list(body, year)
    if parsed.errors:
        return HolidaysBad(tuple(parsed.errors))
    loaded = set_year_calendar(session, now, year, parsed.holidays, parsed.workdays, note="/holidays")
    new = replace(judge, calendar=load_calendar(session))
    refresh_all(session, new, now)
    return HolidaysSaved(loaded, new)


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
        session.add(CalendarDay(year=year, day=day, kind=DayKind.HOLIDAY, note=note or None, created_at=now))
    for day in ws:
        session.add(CalendarDay(year=year, day=day, kind=DayKind.WORKDAY, note=note or None, created_at=now))
    session.flush()
    return YearLoaded(year, len(hs), len(ws), int(before))
