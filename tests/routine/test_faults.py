"""Delivery under faults, over real HTTP against the fake Bot API (tests/support/fake_botapi.py).

- `kill -9` of the sending process in the middle of a 1,000-message fan-out, then a restart;
- a storm of 429 Too Many Requests with retry_after, with Telegram's flood limits enforced;
- the API unreachable for a simulated hour (a short real outage, the clock passed in an hour ahead);
- a group that kicked the bot and a group that became a supergroup;
- one group whose every message fails with an unexpected error, while every other group is served.

Every test sends through the production bot (`bot.app.make_bot`, as `zhiri run` builds it).

Each prints sent / received / duplicates / lost. "Sent" is what the outbox marked sent, "received" what the
fake accepted. The Bot API has no idempotency key, so the one unavoidable double is a message Telegram
accepted in the instant before the process died, before its commit: at most one per message in flight.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from telegram import Bot

from bot.app import make_bot
from bot.config import Settings
from channels.telegram_send import TelegramTransport
from channels.transport import Outgoing
from jobs.sender import SenderState, SendLimits, drain
from storage import outbox
from storage.db import make_engine, session_scope, upgrade
from storage.models import Chat, Outbox
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, FIN_CHAT, build_world
from tests.support.fake_botapi import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]
# PTB's own RetryAfter constructor warns about its future retry_after type; nothing to do with us.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
NOW = at("2026-10-12 09:00")
DAY = date(2026, 10, 12)


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotAPI, engine: Engine, db_url: str) -> AsyncIterator[Bot]:
    settings = Settings(telegram_bot_token=fake.token, telegram_api_url=fake.base_url, database_url=db_url)
    b = make_bot(settings, engine, lambda: NOW)
    async with b:
        yield b


def fan_out(
    engine: Engine, fake: FakeBotAPI, chats: int, per_chat: int, first: int = 5000, day: date = DAY
) -> dict[int, list[str]]:
    """`per_chat` digests to each of `chats` groups, written round by round as the routine writes them."""
    ids = [-(first + i) for i in range(chats)]
    for i, chat_id in enumerate(ids):
        fake.group(f"单位{i:04d}网站工作群", chat_id=chat_id)
    expected: dict[int, list[str]] = {c: [] for c in ids}
    with session_scope(engine) as s:
        for n in range(per_chat):
            for chat_id in ids:
                text = f"【逾期提醒】第{n + 1}条 群{chat_id}\n政务公开 / 部门动态 — 已逾期{n + 1}天"
                outbox.enqueue(
                    s, NOW, kind="overdue", chat_id=chat_id, text=text, day=day, key=f"f:{chat_id}:{n}"
                )
                expected[chat_id].append(text)
    return expected


def tally(engine: Engine, fake: FakeBotAPI, expected: dict[int, list[str]]) -> dict[str, int]:
    received = Counter((r.chat_id, r.text) for r in fake.sent)
    wanted = {(c, t) for c, texts in expected.items() for t in texts}
    with session_scope(engine) as s:
        marked = s.exec(select(Outbox).where(col(Outbox.sent_at).is_not(None))).all()
    return {
        "expected": len(wanted),
        "sent": len(marked),
        "received": sum(received.values()),
        "duplicates": sum(n - 1 for n in received.values() if n > 1),
        "lost": len(wanted - set(received)),
    }


def in_order(fake: FakeBotAPI, expected: dict[int, list[str]]) -> bool:
    for chat_id, texts in expected.items():
        got = [r.text for r in fake.messages_to(chat_id)]
        firsts = list(dict.fromkeys(got))  # a double (if any) repeats an earlier text; the order is of firsts
        if firsts != texts:
            return False
    return True


def report(capsys: pytest.CaptureFixture[str], name: str, counts: dict[str, int], **extra: object) -> None:
    with capsys.disabled():
        more = " ".join(f"{k}={v}" for k, v in extra.items())
        print(f"\n[{name}] " + " ".join(f"{k}={v}" for k, v in counts.items()) + (f" {more}" if more else ""))


@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_fan_out_loses_nothing(
    tmp_path: Path, fake: FakeBotAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'zhiri.db'}"
    engine = make_engine(url)
    upgrade(engine)
    # The sending process runs on the real clock: the messages are today's (a day-old one says it is late).
    expected = fan_out(engine, fake, chats=100, per_chat=10, day=datetime.now(SHANGHAI).date())
    # Flood limits on, at four times Telegram's global rate so that the test takes seconds, not a minute.
    fake.enforce_limits(True, global_per_second=120)
    cmd = [
        sys.executable,
        "-m",
        "tests.routine.sender_proc",
        url,
        fake.base_url,
        fake.token,
        "--per-second",
        "116",
    ]
    # The time limits below only bound a hang: on a loaded machine a process's start alone takes tens of
    # seconds, and what is checked is what arrived, not how fast.
    started = time.monotonic()
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        fake.wait_for(lambda: len(fake.sent) >= 300, timeout=300, what="300 messages before the kill")
        time.sleep(random.uniform(0, 0.05))  # any moment: between sends, or in the middle of one
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    at_kill = len(fake.sent)
    killed = time.monotonic()
    with session_scope(engine) as s:
        in_doubt = len(
            s.exec(
                select(Outbox).where(col(Outbox.claimed_at).is_not(None), col(Outbox.sent_at).is_(None))
            ).all()
        )
    # The restarted sender's clock is past the dead one's claims (CLAIM_TIMEOUT), as after a real restart.
    second = subprocess.run(
        [*cmd, "--clock-offset", str(outbox.CLAIM_TIMEOUT.total_seconds() + 10)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    counts = tally(engine, fake, expected)
    report(
        capsys,
        "kill -9",
        counts,
        killed_after=at_kill,
        in_doubt=in_doubt,
        responses_429=fake.responses_429,
        seconds_to_kill=round(killed - started, 1),
        seconds_after=round(time.monotonic() - killed, 1),
    )
    assert counts["lost"] == 0
    assert counts["sent"] == counts["expected"] == 1000
    # Only a message in flight at the kill can arrive twice (accepted; the process died before its commit).
    assert counts["duplicates"] <= min(in_doubt, SendLimits().max_in_flight)
    assert in_order(fake, expected)


@pytest.mark.slow
async def test_a_storm_of_429s_delays_but_loses_and_doubles_nothing(
    engine: Engine, fake: FakeBotAPI, bot: Bot, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = fan_out(engine, fake, chats=10, per_chat=10)
    fake.enforce_limits(True)
    fake.fail_next(6, 429, retry_after=1)
    state = SenderState()
    transport = TelegramTransport(bot)
    started = time.monotonic()
    for _ in range(20):
        await drain(engine, transport, NOW + timedelta(seconds=time.monotonic() - started), state=state)
        with session_scope(engine) as s:
            if outbox.unsent_count(s) == 0:
                break
    counts = tally(engine, fake, expected)
    report(
        capsys,
        "429 storm",
        counts,
        responses_429=fake.responses_429,
        limit_violations=len(fake.limit_violations),
    )
    assert counts["lost"] == 0 and counts["duplicates"] == 0 and counts["sent"] == 100
    assert fake.responses_429 == 6  # the injected ones; our pacing caused none
    assert fake.limit_violations == []
    assert in_order(fake, expected)


class CutAfter:
    """The real transport; the API goes away (for real) before the n-th message, never during one."""

    def __init__(self, inner: TelegramTransport, fake: FakeBotAPI, n: int) -> None:
        self.inner, self.fake, self.n, self.calls = inner, fake, n, 0
        self.during_outage = 0
        self.in_flight = 0
        self.idle = asyncio.Condition()
        self.cut = asyncio.Event()

    async def send(self, message: Outgoing) -> int | None:
        self.calls += 1
        index = self.calls
        if index >= self.n and not self.cut.is_set():
            if index == self.n:
                # Sends run concurrently: let the ones already under way finish, so the cut falls between
                # messages and the count before it is exact; later sends wait for the cut.
                async with self.idle:
                    await self.idle.wait_for(lambda: self.in_flight == 0)
                self.fake.set_unreachable(True)
                self.cut.set()
            else:
                await self.cut.wait()
        if index >= self.n and self.fake._unreachable:
            self.during_outage += 1
        self.in_flight += 1
        try:
            return await self.inner.send(message)
        finally:
            self.in_flight -= 1
            async with self.idle:
                self.idle.notify_all()


@pytest.mark.slow
async def test_an_hour_without_the_api_then_everything_arrives_in_order(
    engine: Engine, fake: FakeBotAPI, bot: Bot, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = fan_out(engine, fake, chats=6, per_chat=10)
    limits = SendLimits(per_second=200, private_interval=0.0, linger=0.5)
    state = SenderState(limits=limits)
    transport = CutAfter(TelegramTransport(bot), fake, n=21)
    await drain(engine, transport, NOW, state=state)
    assert len(fake.sent) == 20 and state.circuit().failures == 1
    transport.during_outage = 0  # the sends already under way when the API went are not probes
    # A tick a minute for an hour, the API still down: only probes, one message each, ever further apart.
    for minute in range(1, 61):
        await drain(engine, transport, NOW + timedelta(minutes=minute), state=state)
    probes = transport.during_outage
    assert 5 <= probes <= 20, probes
    assert state.circuit().down_until is not None and state.circuit().down_until - (
        NOW + timedelta(minutes=60)
    ) <= timedelta(minutes=5)
    fake.set_unreachable(False)
    back = None
    for minute in range(61, 70):
        await drain(engine, transport, NOW + timedelta(minutes=minute), state=state)
        if back is None and len(fake.sent) > 20:
            back = minute
        with session_scope(engine) as s:
            if outbox.unsent_count(s) == 0:
                break
    counts = tally(engine, fake, expected)
    report(capsys, "1 hour outage", counts, probes_during_outage=probes, resumed_at_minute=back)
    assert counts["lost"] == 0 and counts["duplicates"] == 0 and counts["sent"] == 60
    assert back is not None and back <= 66  # within the backoff cap (5 minutes) of the API's return
    assert in_order(fake, expected)


async def test_a_group_that_kicked_the_bot_or_migrated(
    engine: Engine, fake: FakeBotAPI, bot: Bot, capsys: pytest.CaptureFixture[str]
) -> None:
    build_world(engine)
    admin = fake.user(ADMIN_TG, "王主任", "wangzr")
    fake.private_chat(admin)
    kicked = fake.group("财政局网站工作群", chat_id=FIN_CHAT, members=[admin])
    moving = fake.group("教育局网站工作群", chat_id=-1002)
    fake.kick_bot(kicked, admin)
    new = fake.migrate_to_supergroup(moving)
    new_id = new.id
    with session_scope(engine) as s:
        for chat_id, n in ((FIN_CHAT, 2), (-1002, 3)):
            for i in range(n):
                outbox.enqueue(
                    s,
                    NOW,
                    kind="overdue",
                    chat_id=chat_id,
                    text=f"{chat_id}#{i}",
                    day=DAY,
                    key=f"k:{chat_id}:{i}",
                )
    state = SenderState(limits=SendLimits(per_second=200, private_interval=0.0))
    result = await drain(engine, TelegramTransport(bot), NOW, state=state, admin_ids=(ADMIN_TG,), tz=SHANGHAI)
    report(
        capsys,
        "kicked+migrated",
        {"dead": result.dead, "migrated": result.migrated, "notices": result.notices},
    )
    assert fake.texts_to(new_id) == ["-1002#0", "-1002#1", "-1002#2"]
    assert fake.texts_to(FIN_CHAT) == []
    notice = fake.texts_to(ADMIN_TG)
    assert len(notice) == 1 and notice[0] is not None and "机器人已被移出该群" in notice[0]
    with session_scope(engine) as s:
        fin = s.exec(select(Chat).where(Chat.address == FIN_CHAT)).one()
        edu = s.exec(select(Chat).where(Chat.address == new_id)).one()
    assert not fin.active and edu.active and edu.migrated_from == -1002


async def test_one_group_that_keeps_failing_holds_back_no_one_and_loses_nothing(
    engine: Engine, fake: FakeBotAPI, bot: Bot, capsys: pytest.CaptureFixture[str]
) -> None:
    build_world(engine)
    admin = fake.user(ADMIN_TG, "王主任", "wangzr")
    fake.private_chat(admin)
    expected = fan_out(engine, fake, chats=8, per_chat=4)
    poison = min(expected)  # the last group made
    # The Bot API answers every send to this one group with an error Zhiri does not expect.
    fake.fail_chat(poison, 500, "Internal Server Error: odd chat")
    limits = SendLimits(per_second=200, private_interval=0.0, linger=0.5, set_aside_after=3)
    state = SenderState(limits=limits)
    first = await drain(engine, TelegramTransport(bot), NOW, state=state, admin_ids=(ADMIN_TG,), tz=SHANGHAI)
    others = {c: t for c, t in expected.items() if c != poison}
    # The first pass already served every other group in full, in order; no circuit was opened.
    assert first.sent == 28 and first.failed == 1 and state.circuit().down_until is None
    assert in_order(fake, others)
    minutes = 0
    while True:  # a tick a minute, until nothing is waiting
        minutes += 1
        now = NOW + timedelta(minutes=minutes)
        await drain(engine, TelegramTransport(bot), now, state=state, admin_ids=(ADMIN_TG,), tz=SHANGHAI)
        with session_scope(engine) as s:
            if outbox.unsent_count(s) == 0:
                break
        assert minutes < 60
    with session_scope(engine) as s:
        aside = outbox.set_aside_rows(s)
    notices = fake.texts_to(ADMIN_TG)
    counts = tally(engine, fake, others)
    report(
        capsys,
        "poison group",
        counts,
        set_aside=len(aside),
        admin_notices=len(notices),
        minutes=minutes,
        attempts_at_poison=len(
            [c for c in fake.calls("sendMessage") if c.params.get("chat_id") == str(poison)]
        ),
    )
    assert counts["lost"] == 0 and counts["duplicates"] == 0
    # Every message to the failing group is kept, set aside in order, each with its error; one notice.
    assert [r.text for r in aside] == expected[poison]
    assert all(r.failures == 3 and "odd chat" in (r.last_error or "") for r in aside)
    assert len(notices) == 1 and notices[0] is not None and "连续3次发送失败" in notices[0]
    assert fake.texts_to(poison) == []
    # The group is mended; an administrator sends them again: all arrive, once, in order.
    fake.clear_faults()
    with session_scope(engine) as s:
        assert outbox.retry(s, now) == 4
    await drain(engine, TelegramTransport(bot), now, state=state, admin_ids=(ADMIN_TG,), tz=SHANGHAI)
    assert fake.texts_to(poison) == expected[poison]
    assert tally(engine, fake, expected)["lost"] == 0 and in_order(fake, expected)


async def test_a_poison_message_in_the_only_active_chat_is_set_aside_and_reported(
    engine: Engine, fake: FakeBotAPI, bot: Bot
) -> None:
    # No other chat has traffic to compare with: the answer itself (an error from the API, not a gateway's)
    # says it is this message's problem.
    build_world(engine)
    admin = fake.user(ADMIN_TG, "王主任", "wangzr")
    fake.private_chat(admin)
    expected = fan_out(engine, fake, chats=1, per_chat=3)
    [(chat, texts)] = expected.items()
    fake.fail_next(5, 500, description="Internal Server Error: odd message")
    state = SenderState(limits=SendLimits(per_second=200, private_interval=0.0, linger=0.5))
    minutes = 0
    while True:  # a tick a minute, until nothing is waiting
        result = await drain(
            engine,
            TelegramTransport(bot),
            NOW + timedelta(minutes=minutes),
            state=state,
            admin_ids=(ADMIN_TG,),
        )
        assert state.circuit().down_until is None and result.retried == 0  # never taken for an outage
        with session_scope(engine) as s:
            if outbox.unsent_count(s) == 0:
                break
        minutes += 1
        assert minutes < 60
    with session_scope(engine) as s:
        [aside] = outbox.set_aside_rows(s)
    assert aside.text == texts[0] and aside.failures == 5 and "odd message" in (aside.last_error or "")
    assert fake.texts_to(chat) == texts[1:]
    [notice] = fake.texts_to(ADMIN_TG)
    assert notice is not None and "连续5次发送失败" in notice


async def test_a_gateway_outage_with_one_chat_sets_nothing_aside(
    engine: Engine, fake: FakeBotAPI, bot: Bot
) -> None:
    # The converse: the API's gateway answering 502/503/504 for half an hour is an outage, however few chats
    # there are; the messages wait in order and go when it is back.
    build_world(engine)
    expected = fan_out(engine, fake, chats=1, per_chat=3)
    [(chat, texts)] = expected.items()
    state = SenderState(
        limits=SendLimits(per_second=200, private_interval=0.0, linger=0.5, set_aside_after=2)
    )
    for minute, code in enumerate([502, 503, 504] * 10):
        fake.fail_chat(chat, code)
        result = await drain(engine, TelegramTransport(bot), NOW + timedelta(minutes=minute), state=state)
        assert result.failed == result.set_aside == result.sent == 0
    assert state.circuit().failures >= 5 and fake.texts_to(chat) == []
    fake.clear_faults()
    await drain(engine, TelegramTransport(bot), NOW + timedelta(minutes=45), state=state)
    assert fake.texts_to(chat) == texts
    with session_scope(engine) as s:
        assert outbox.set_aside_rows(s) == [] and outbox.unsent_count(s) == 0


async def test_a_send_accepted_with_an_unreadable_answer_is_not_sent_again(
    engine: Engine, fake: FakeBotAPI, bot: Bot
) -> None:
    expected = fan_out(engine, fake, chats=2, per_chat=3)
    fake.garble_next(2)
    state = SenderState(limits=SendLimits(per_second=200, private_interval=0.0, linger=0.5))
    report = await drain(engine, TelegramTransport(bot), NOW, state=state)
    later = await drain(engine, TelegramTransport(bot), NOW + timedelta(minutes=10), state=state)
    counts = tally(engine, fake, expected)
    assert report.sent == 6 and later.sent == 0
    assert counts["received"] == counts["sent"] == 6 and counts["duplicates"] == 0 and counts["lost"] == 0
    assert in_order(fake, expected)
    with session_scope(engine) as s:
        unknown_ids = s.exec(select(Outbox).where(col(Outbox.telegram_message_id).is_(None))).all()
    assert len(unknown_ids) == 2  # sent; only Telegram's message id could not be read
