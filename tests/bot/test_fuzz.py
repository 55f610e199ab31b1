"""Property-based: any sequence of commands, replies and button presses, by anyone, anywhere.

Through the real Application (bot/app.py, its handlers and its error handler) on a real SQLite file, with
Hypothesis choosing who says or presses what. Two properties hold for every step:
- no update ends in the error handler (0 tracebacks);
- nobody writes what they are not entitled to: a person bound to no unit changes no row at all, and a person
  bound to units changes only their own units' items, reads, answers and notes, never a binding, an
  invitation or a setting (compared row by row, before and after each step).
Bounded: a fixed number of examples, each with a deadline, so it runs in well under a minute.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, col, select

from acts.chats import ChatRef, bind_chat
from acts.routine import record_answer, set_prompt
from replies.routine import PROMPT_MARK
from storage import outbox
from storage.db import session_scope
from storage.models import Chat, ChatUnit, ItemUnit, Membership, Person, UnitGroupMember
from storage.queries import Speaker, actor_for
from tests.bot.conftest import ADMIN, FINANCE, GROUP_ID, LEADER, NOW, STRANGER, WEBMASTER, Harness
from tests.bot.seed import ITEMS, UNITS
from tests.conftest import SHANGHAI
from tests.support.recording import BOT_USERNAME

ALL_GROUP = -4002  # bound to every unit
PEOPLE = (ADMIN, LEADER, WEBMASTER, FINANCE, STRANGER)
CHECKLIST, REMINDER, DAILY, PROMPT = 500, 501, 502, 503
TODAY = NOW.astimezone(SHANGHAI).date()

COMMANDS = (
    "done", "undo", "event", "mine", "overdue", "due", "people", "units", "check", "rule", "help", "start",
    "invite", "bindchat", "unbindchat", "group", "status", "holidays", "revoke", "remove", "history",
)  # fmt: skip
NAMES = [p.split(" / ")[-1] for _, p, _, _ in ITEMS] + [p for _, p, _, _ in ITEMS]
WORDS = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from([*UNITS, "市属各部门", "全部", "网站管理员", "admin", "@wxm", str(FINANCE), "赵财"]),
    st.sampled_from(["第12期", "3", "0", "101", "发布2条", "2026-11-20", "2026-02-30", "今天", "政", "部门"]),
    st.text(min_size=1, max_size=12),
)
ITEM_IDS = st.integers(min_value=0, max_value=12)
BUTTONS = st.one_of(
    st.builds(lambda i, n: f"done:{i}" + (f":{n}" if n else ""), ITEM_IDS, st.integers(0, 200)),
    st.builds(lambda i, c: f"hm:{i}:{c}", ITEM_IDS, st.sampled_from(["ok", "bad"])),
    st.builds(lambda d: f"read:{d:%Y%m%d}", st.sampled_from([TODAY, TODAY - timedelta(days=1)])),
    st.text(max_size=64),
)
CHATS = st.sampled_from(["private", GROUP_ID, ALL_GROUP])
WHO = st.sampled_from(PEOPLE)
STEPS = st.one_of(
    st.tuples(st.just("command"), WHO, CHATS, st.sampled_from(COMMANDS), st.lists(WORDS, max_size=4)),
    st.tuples(st.just("button"), WHO, CHATS, st.sampled_from([CHECKLIST, REMINDER, DAILY]), BUTTONS),
    st.tuples(st.just("reply"), WHO, st.just(GROUP_ID), st.sampled_from([PROMPT, REMINDER]), WORDS),
    st.tuples(st.just("text"), WHO, CHATS, st.just(0), WORDS),
)

# Tables nobody but an administrator changes (a person joining with a code aside, which needs the code).
ADMIN_ONLY = (
    "membership",
    "invitation",
    "chat",
    "chatunit",
    "unitgroupmember",
    "calendarday",
    "person",
    "outbox",
    "robot",
)


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def snapshot(engine: Any) -> dict[str, set[tuple[Any, ...]]]:
    with engine.connect() as conn:
        names = [t for t in inspect(conn).get_table_names() if t in SQLModel.metadata.tables]
        return {t: {tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}"'))} for t in names}


def entitled(engine: Any, telegram_id: int) -> tuple[bool, set[int], set[int]]:
    """(administrator, item ids, chat row ids) this person may write for, from the ACTIVE memberships now:
    their units, the groups holding them and the members of groups they belong to."""
    with session_scope(engine) as s:
        person = s.exec(select(Person).where(Person.telegram_id == telegram_id)).first()
        rows = (
            s.exec(
                select(Membership.unit_id, Membership.role).where(
                    Membership.person_id == person.id, col(Membership.active).is_(True)
                )
            ).all()
            if person
            else []
        )
        if telegram_id == ADMIN or any(u is None and r == "admin" for u, r in rows):
            return True, set(), set()
        units = {u for u, _ in rows if u is not None}
        for g, m in s.exec(select(UnitGroupMember.group_id, UnitGroupMember.member_id)).all():
            if m in units:
                units.add(g)
        units |= {
            m for g, m in s.exec(select(UnitGroupMember.group_id, UnitGroupMember.member_id)) if g in units
        }
        items = {i for i, u in s.exec(select(ItemUnit.item_id, ItemUnit.unit_id)) if u in units}
        chats = {c for c, u in s.exec(select(ChatUnit.chat_id, ChatUnit.unit_id)) if u in units}
        if units:
            chats |= {c.id for c in s.exec(select(Chat).where(col(Chat.all_units).is_(True))) if c.id}
        return False, items, chats


def allowed_changes(before: dict, after: dict, items: set[int], chats: set[int]) -> list[str]:
    """The rows a non-administrator changed that were not theirs to change."""
    wrong: list[str] = []
    for table, rows in after.items():
        changed = rows - before.get(table, set())
        gone = before.get(table, set()) - rows
        if not changed and not gone:
            continue
        if table in ADMIN_ONLY:
            wrong.append(f"{table}: {sorted(changed | gone, key=str)[:3]}")
        elif table == "item":
            wrong += [f"item {r[0]}" for r in changed | gone if r[0] not in items]
        elif table in ("updatelog", "event", "halfmonthanswer"):
            wrong += [f"{table} on item {r[1]}" for r in changed | gone if r[1] not in items]
        elif table == "readconfirmation":
            wrong += [f"read in chat {r[1]}" for r in changed | gone if r[1] not in chats]
        else:
            wrong.append(f"{table}: {sorted(changed | gone, key=str)[:3]}")
    return wrong


async def prepare(h: Harness) -> None:
    """The group bound to 市财政局, a group for every unit, and the bot's routine messages in the first."""
    w = h.world
    budget = w.items["政务公开 / 重点领域信息公开 / 财政预决算"]
    with session_scope(h.engine) as s:
        admin = actor_for(s, Speaker(ADMIN, "信息中心"), [ADMIN])
        bind_chat(s, NOW, admin, ChatRef(GROUP_ID, "财政局网站工作群"), ["市财政局"])
        bind_chat(s, NOW, admin, ChatRef(ALL_GROUP, "全市网站工作群"), ["全部"])
        for kind, message_id, items in (
            ("half_month_check", CHECKLIST, [budget]),
            ("overdue", REMINDER, list(w.items.values())),
            ("daily_read", DAILY, []),
        ):
            row_id, _ = outbox.enqueue(
                s, NOW, kind=kind, chat_id=GROUP_ID, text=kind, day=TODAY, items=items, key=f"{kind}:fuzz"
            )
            outbox.mark_sent(s, NOW, row_id, message_id)
        finance = actor_for(s, Speaker(FINANCE, "赵财"), [ADMIN])
        answer = record_answer(s, NOW, finance, budget, date(2026, 11, 16), "problem", GROUP_ID)
        set_prompt(s, NOW, answer.answer_id, GROUP_ID, PROMPT)  # type: ignore[union-attr]


def bot_message(h: Harness, chat: int, message_id: int) -> dict[str, Any]:
    body = f"{PROMPT_MARK}\n请回复问题和整改情况" if message_id == PROMPT else "提醒"
    return h.bot_message(chat, message_id, body)


async def act(h: Harness, step: tuple[Any, ...]) -> None:
    kind, user, where, target, payload = step
    chat = user if where == "private" else where
    if kind == "command":
        suffix = f"@{BOT_USERNAME}" if chat < 0 else ""
        await h.send(" ".join([f"/{target}{suffix}", *payload]), user=user, chat=chat)
    elif kind == "button":
        message = bot_message(h, chat, target)
        data = {
            "id": str(abs(hash(step))),
            "from": {"id": user, "is_bot": False, "first_name": f"用户{user}"},
        }
        await h.feed({"callback_query": {**data, "chat_instance": "c", "data": payload, "message": message}})
    elif kind == "reply":
        text_ = payload if target == PROMPT else f"/done@{BOT_USERNAME} {payload}"
        await h.send(text_, user=user, chat=chat, reply_to=bot_message(h, chat, target))
    else:
        await h.send(payload, user=user, chat=chat)


@settings(
    max_examples=30,
    deadline=timedelta(seconds=20),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(steps=st.lists(STEPS, min_size=1, max_size=5))
async def test_no_step_by_anyone_ends_in_a_traceback_or_writes_what_is_not_theirs(harness, steps):
    if not getattr(harness, "prepared", False):
        await prepare(harness)
        harness.prepared = True  # type: ignore[attr-defined]
    errors = Errors()
    logging.getLogger().addHandler(errors)
    try:
        for step in steps:
            admin, items, chats = entitled(harness.engine, step[1])
            before = snapshot(harness.engine)
            await act(harness, step)
            assert not errors.records, (step, [r.getMessage() for r in errors.records])
            if not admin:
                wrong = allowed_changes(before, snapshot(harness.engine), items, chats)
                assert not wrong, (step, wrong)
    finally:
        logging.getLogger().removeHandler(errors)
