"""A robot's reminder @s the people it names (issue 15), through the production path: the administrator
records them as `zhiri person` does (`acts.contacts`), the routine plans (`jobs.routine.tick`), the outbox
keeps whom each message @s, the real sender and `RobotTransport` post it over HTTP to the platform's local
fake (signature or key checked).

- DingTalk @s by mobile number: `at.atMobiles` holds it and the text ends with `@138…`, as DingTalk requires
  to show the @; WeCom by userid (`<@id>` in the markdown); Feishu by open_id (`{"tag": "at"}`).
- A webmaster with nothing recorded is named in the text as before, and not @-ed.
- The daily read names people without asking them for anything: it @s nobody.
- A 429 on the afternoon's repeated warning: the retry @s the same people once, as planned, even after the
  number was changed in between ("what is sent is what was planned").
- The phone number is in no outbox text (only where the platform renders the @).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from telegram import Bot

from acts.contacts import Change, ContactSet, add_person, set_contact
from domain.calendar import WorkCalendar
from domain.model import Role
from domain.notice import MessageKind
from domain.robots import Kind, Robot
from jobs.routine import RoutineConfig, tick
from jobs.sender import SenderState
from storage.db import session_scope
from storage.items import Judge
from storage.models import Outbox
from storage.queries import OPERATOR
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import build_world
from tests.routine.robots import (
    FAKES,
    SECRET,
    Sim,
    bind_robot,
    channels_for,
    fin_telegram_group_left,
    items,
    rows_of,
    text_of,
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PHONE = "13812345678"
NEW_PHONE = "13987654321"
IDS = {Kind.WECOM: "zhangsan", Kind.FEISHU: "ou_7d8a6e6df7621556ce0d21922b676706"}


def record(engine: Engine, kind: Kind, phone: str = PHONE) -> None:
    """张三 (市财政局's webmaster) as an administrator records him; 钱七, a second webmaster who has no
    Telegram account, is added with nothing recorded."""
    with session_scope(engine) as s:
        change = Change(phone=phone, ids={kind: IDS[kind]} if kind in IDS else {})
        assert isinstance(set_contact(s, at("2026-10-01 09:00"), OPERATOR, "张三", None, change), ContactSet)
        added = add_person(s, at("2026-10-01 09:00"), OPERATOR, "市财政局", "钱七", Role.WEBMASTER, Change())
        assert isinstance(added, ContactSet) and added.created


def ats(kind: Kind, body: dict[str, Any]) -> list[str]:
    """Whom a request @s, as its platform reads it."""
    if kind is Kind.DINGTALK:
        return [*body["at"]["atMobiles"], *body["at"]["atUserIds"]]
    if kind is Kind.WECOM:
        content = str(body["markdown"]["content"])
        return [part.split(">")[0] for part in content.split("<@")[1:]]
    paragraphs = body["content"]["post"]["zh_cn"]["content"]
    return [e["user_id"] for p in paragraphs for e in p if e["tag"] == "at"]


def expected(kind: Kind, phone: str = PHONE) -> list[str]:
    return [phone] if kind is Kind.DINGTALK else [IDS[kind]]


async def test_a_robot_reminder_ats_the_webmasters_it_names(
    engine: Engine,
    kind: Kind,
    telegram_api: Any,
    bot: Bot,
    client: httpx.AsyncClient,
    sim: Sim,
    state: SenderState,
    capsys: pytest.CaptureFixture[str],
) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine, created=at("2026-08-14 09:00"))
    items(engine, world, judge)
    record(engine, kind)
    with FAKES[kind](clock=sim.now) as fake:
        secret = None if kind is Kind.WECOM else SECRET
        url = fake.add_robot(secret)
        fin_telegram_group_left(engine)
        fin = bind_robot(engine, "财政局工作群", world.units["市财政局"], Robot(kind, url, secret))
        channels = channels_for(bot, client, engine, sim)
        config = RoutineConfig(tz=SHANGHAI, limits=state.limits)

        await tick(engine, channels, sim.now(), config, state, clock=sim.clock)

        rows = rows_of(engine, fin)
        got = fake.messages_to(url)
        assert len(got) == len(rows) and all(r.sent_at is not None for r in rows)
        by_kind = {r.kind: body for r, body in zip(rows, got, strict=True)}
        for asked in (MessageKind.DUE_WARNING, MessageKind.OVERDUE):
            body = by_kind[asked]
            assert ats(kind, body) == expected(kind), (asked, body)
            lines = text_of(kind, body)
            # Both webmasters are named in the text; the one with nothing recorded is not @-ed.
            assert any("张三" in line and "钱七" in line for line in lines)
            # By name, not with their Telegram @username, which means nothing on this platform.
            assert not any("张三 @zhangsan" in line for line in lines), lines
        assert ats(kind, by_kind[MessageKind.DAILY_READ]) == []
        if kind is Kind.DINGTALK:
            warning = by_kind[MessageKind.DUE_WARNING]
            assert warning["at"] == {"atMobiles": [PHONE], "atUserIds": [], "isAtAll": False}
            assert warning["markdown"]["text"].endswith(f"@{PHONE}")  # DingTalk shows the @ only so
            with capsys.disabled():
                print("\n[DingTalk warning request]\n" + json.dumps(warning, ensure_ascii=False, indent=1))
        # The number is kept only as whom to @, never in a message's words.
        assert all(PHONE not in r.text for r in rows)
        # The escalation @s too since leaders without Telegram read it there (test_robot_escalation.py).
        asking = (MessageKind.DUE_WARNING, MessageKind.OVERDUE, MessageKind.ESCALATION)
        assert all((r.mentions is not None) == (r.kind in asking) for r in rows)


async def test_a_retry_after_a_429_ats_the_same_people_once(
    engine: Engine,
    kind: Kind,
    telegram_api: Any,
    bot: Bot,
    client: httpx.AsyncClient,
    sim: Sim,
    state: SenderState,
) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine, created=at("2026-08-14 09:00"))
    items(engine, world, judge)
    record(engine, kind)
    with FAKES[kind](clock=sim.now) as fake:
        secret = None if kind is Kind.WECOM else SECRET
        url = fake.add_robot(secret)
        fin_telegram_group_left(engine)
        fin = bind_robot(engine, "财政局工作群", world.units["市财政局"], Robot(kind, url, secret))
        channels = channels_for(bot, client, engine, sim)
        config = RoutineConfig(tz=SHANGHAI, limits=state.limits)
        await tick(engine, channels, sim.now(), config, state, clock=sim.clock)
        morning = len(fake.messages_to(url))

        # 15:00: the repeated warning is the robot's one message, and the platform answers 429 to it.
        sim.jump_to(at("2026-10-13 15:00") + timedelta(seconds=1))
        fake.fail_next(429, b"", {"Retry-After": "30"})
        first = await tick(engine, channels, sim.now(), config, state, clock=sim.clock)
        assert first.drain.rate_limited == 1
        assert len(fake.messages_to(url)) == morning
        with session_scope(engine) as s:
            waiting = s.exec(select(Outbox).where(Outbox.chat_id == fin, col(Outbox.sent_at).is_(None))).one()
            assert waiting.kind == MessageKind.DUE_WARNING and "再次提醒" in waiting.text
        # Meanwhile the administrator changes 张三's number: the planned message still @s whom it planned.
        record_phone(engine, kind)

        sim.jump_to(sim.now() + timedelta(seconds=31))
        await tick(engine, channels, sim.now(), config, state, clock=sim.clock)

        got = fake.messages_to(url)
        assert len(got) == morning + 1 == len(rows_of(engine, fin))
        assert ats(kind, got[-1]) == expected(kind)
        assert "再次提醒" in "\n".join(text_of(kind, got[-1]))


def record_phone(engine: Engine, kind: Kind) -> None:
    with session_scope(engine) as s:
        change = Change(phone=NEW_PHONE, ids={kind: "someone_else"} if kind in IDS else {})
        assert isinstance(set_contact(s, at("2026-10-13 15:00"), OPERATOR, "张三", None, change), ContactSet)
