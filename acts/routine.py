"""What people answer to the routine: 已巡查 (the daily read), the half-month check's answers, problems
and fix notes, 正常 for a quiet half month, and the administrator's holiday list for a year.

Each act takes `(session, now, …)`, asks the one permission policy (`domain.access`) about the item's or the
chat's units, and leaves committing to the caller's `session_scope`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from acts.updates import ItemGone
from domain.access import Act
from domain.routine import (
    half_month_period,
)
from storage.models import (
    CalendarDay,
    Chat,
    ChatUnit,
    HalfMonthAnswer,
    Item,
    ItemUnit,
    Person,
    ReadConfirmation,
    UnitGroupMember,
)
from storage.outbox import find_by_message, item_ids
from storage.queries import Speaker, actor_for, item_refs, item_units, match_items

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
    sender: Speaker,
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
    sender: Speaker,
    chat_telegram_id: int,
    admin_ids: Iterable[int] = (),
) -> AnswerRecorded | NotYourItem | ItemGone | NotEntitled:
    """半月查: the answer for one item (`ok` or `problem`), by a person bound to the item's unit, in a group
    bound to it (or by an administrator anywhere). A later answer replaces an earlier one; a problem's
    note is kept if the answer stays a problem."""
    if result not in ("ok", "problem"):
        raise ValueError(result)
    item = session.get(Item, item_id)
    if item is None or item.retired_at is not None:
        return ItemGone()
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
    sender: Speaker,
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


def record_checklist_reply(
    session: Session,
    now: datetime,
    chat_telegram_id: int,
    message_id: int,
    text: str,
    sender: Speaker,
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
    sender: Speaker,
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
