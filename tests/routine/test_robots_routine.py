"""A routine day reaches a unit whose group is a DingTalk, WeCom or Feishu robot, through the production
path: `jobs.routine.tick` (plan → outbox → the real sender), the real `RobotTransport` over HTTP to the
platform's local fake (signature or key checked, its real error codes), and Telegram's real transport to the
fake Bot API.

- Every message arrives once, in order, under the platform's own rate limit: the fake robot takes one message
  a minute while the pacer allows the documented 20 (100), so the platform's "too fast" really comes back
  (DingTalk's 130101 and its 10-minute throttle, WeCom's 45009, Feishu's 11232). The throttled robot waits
  alone: the Telegram group and another robot of the same platform get all their messages in the first tick.
- A dead robot (removed from its group, or its signing secret wrong): the chat goes inactive, its messages are
  kept (given up, not deleted), and the administrator is told on Telegram with the platform's explanation.

The day runs on a simulated clock: each tick jumps it ahead (the sender's pacing clock, the database's `now`,
the robots' signatures and the fakes' rate windows all read it); nothing sleeps for the jumps.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from telegram import Bot

from domain.calendar import WorkCalendar
from domain.notice import MessageKind
from domain.robots import Kind, Robot
from jobs.routine import RoutineConfig, tick
from jobs.sender import SenderState
from storage.db import session_scope
from storage.items import Judge
from storage.models import Chat, Outbox
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import (
    ADMIN_TG,
    EDU_CHAT,
    build_world,
)
from tests.routine.robots import (
    DAY_START,
    FAKES,
    SECRET,
    TOO_FAST,
    Sim,
    bind_robot,
    channels_for,
    fin_telegram_group_left,
    items,
    rows_of,
    run_day,
    text_of,
)
from tests.support.fake_botapi import FakeBotAPI

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_a_routine_day_reaches_each_robot_in_order_once_under_its_rate_limit(
    engine: Engine,
    kind: Kind,
    telegram_api: FakeBotAPI,
    bot: Bot,
    client: httpx.AsyncClient,
    sim: Sim,
    state: SenderState,
    capsys: pytest.CaptureFixture[str],
) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine, created=DAY_START - timedelta(days=60))
    items(engine, world, judge)
    with FAKES[kind](clock=sim.now) as fake:
        secret = None if kind is Kind.WECOM else SECRET
        # 市财政局's robot takes one message a minute (its platform says "too fast" beyond); the pacer,
        # knowing only the documented 20 (100) a minute, sends faster: the platform's own answer comes back.
        fin_url = fake.add_robot(secret, per_minute=1)
        other_url = fake.add_robot(secret)  # 市政府办公室's robot on the same platform, its normal limit
        fin_telegram_group_left(engine)
        fin = bind_robot(engine, "财政局工作群", world.units["市财政局"], Robot(kind, fin_url, secret))
        office = world.units["市政府办公室"]
        other = bind_robot(engine, "政府办工作群", office, Robot(kind, other_url, secret))
        channels = channels_for(bot, client, engine, sim)

        # 09:00, the first tick: the Telegram group and the other robot get everything; 市财政局's robot is
        # throttled after its first message and its later ones wait, unclaimed, in order.
        config = RoutineConfig(tz=SHANGHAI, limits=state.limits)
        first = await tick(engine, channels, sim.now(), config, state, clock=sim.clock)
        assert first.drain.rate_limited >= 1
        assert fake.refused(fin_url) >= 1
        fin_rows, other_rows, edu_rows = (
            rows_of(engine, fin),
            rows_of(engine, other),
            rows_of(engine, EDU_CHAT),
        )
        assert len(fin_rows) >= 3 and len(other_rows) >= 2 and len(edu_rows) >= 2
        assert [r.sent_at is not None for r in fin_rows].count(True) == 1
        assert TOO_FAST[kind.value] in (fin_rows[1].last_error or "")
        assert all(r.sent_at is not None for r in other_rows), "the other robot was held"
        assert all(r.sent_at is not None for r in edu_rows), "the Telegram group was held"
        assert len(fake.messages_to(other_url)) == len(other_rows)
        assert len(telegram_api.messages_to(EDU_CHAT)) == len(edu_rows)

        # The rest of the day.
        ticks = await run_day(engine, channels, sim, state)

        fin_rows = rows_of(engine, fin)
        got = fake.messages_to(fin_url)
        # Every message once, in the outbox's order: the group reads each row's text, then its links.
        assert all(r.sent_at is not None and r.dead_at is None for r in fin_rows)
        assert len(got) == len(fin_rows)
        for row, body in zip(fin_rows, got, strict=True):
            lines = text_of(kind, body)
            assert lines[: len(row.text.split("\n"))] == row.text.split("\n")
        kinds = [r.kind for r in fin_rows]
        assert kinds.index(MessageKind.DAILY_READ) < kinds.index(MessageKind.DUE_WARNING)
        assert kinds.count(MessageKind.DUE_WARNING) >= 2  # the afternoon repeat came too, after the morning's
        repeat = next(r for r in fin_rows if "再次提醒" in r.text)
        assert repeat.sent_at is not None and repeat.sent_at >= at("2026-10-13 15:00")
        # Nothing doubled anywhere. (Telegram's flood limits are not enforced here: the fake Bot API counts
        # real seconds, the day jumps ahead; tests/routine/test_faults.py holds our pacing to them.)
        other_rows, edu_rows = rows_of(engine, other), rows_of(engine, EDU_CHAT)
        assert len(fake.messages_to(other_url)) == len(other_rows)
        assert len(telegram_api.messages_to(EDU_CHAT)) == len(edu_rows)
        with session_scope(engine) as s:
            unsent = s.exec(select(Outbox).where(col(Outbox.sent_at).is_(None))).all()
        assert unsent == []
        refused = fake.refused(fin_url)
        with capsys.disabled():
            print(
                f"\n[{kind.value} robot day] ticks={ticks} messages={len(fin_rows)} received={len(got)} "
                f"platform_refusals={refused} other_robot={len(other_rows)} telegram_group={len(edu_rows)} "
                f"last_sent={max(r.sent_at for r in fin_rows if r.sent_at).astimezone(SHANGHAI):%H:%M}"
            )


@pytest.mark.parametrize("cause", ["removed", "wrong_secret"])
async def test_a_dead_robot_is_reported_and_its_messages_kept(
    engine: Engine,
    kind: Kind,
    cause: str,
    telegram_api: FakeBotAPI,
    bot: Bot,
    client: httpx.AsyncClient,
    sim: Sim,
    state: SenderState,
) -> None:
    if cause == "wrong_secret" and kind is Kind.WECOM:
        pytest.skip("a WeCom robot has no signing secret: its key is in the URL (the 'removed' case)")
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine, created=DAY_START - timedelta(days=60))
    items(engine, world, judge)
    with FAKES[kind](clock=sim.now) as fake:
        secret = None if kind is Kind.WECOM else SECRET
        url = fake.add_robot(secret)
        if cause == "removed":
            fake.remove_robot(url)
        fin_telegram_group_left(engine)
        wrong = "SECnot-the-robots-own-secret" if cause == "wrong_secret" else secret
        fin = bind_robot(engine, "财政局工作群", world.units["市财政局"], Robot(kind, url, wrong))
        channels = channels_for(bot, client, engine, sim)

        await tick(engine, channels, sim.now(), RoutineConfig(tz=SHANGHAI), state, clock=sim.clock)

        assert fake.messages_to(url) == []
        with session_scope(engine) as s:
            chat = s.exec(select(Chat).where(Chat.address == fin, Chat.platform == kind.value)).one()
            assert chat is not None and not chat.active and chat.inactive_reason
        rows = rows_of(engine, fin)
        assert rows and all(r.dead_at is not None and r.sent_at is None for r in rows)  # kept, given up
        told = [m.text for m in telegram_api.messages_to(ADMIN_TG) if "【消息无法送达】" in m.text]
        assert len(told) == 1 and "财政局工作群" in told[0] and "市财政局" in told[0]
        # The platform's own explanation, and how to bind a robot again (not Telegram's /bindchat).
        explained = {"removed": "机器人可能已被移除", "wrong_secret": "签"}[cause]
        assert explained in told[0] and "zhiri channel add" in told[0] and "/bindchat" not in told[0]
        # The Telegram group was served as on any day.
        assert len(telegram_api.messages_to(EDU_CHAT)) == len(rows_of(engine, EDU_CHAT)) >= 2
