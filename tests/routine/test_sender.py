"""The sender against a fake transport: order per chat, retries, migrations, lost chats, claims, pacing."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from channels.registry import Channel, Channels
from channels.transport import TransportError
from domain.notice import TELEGRAM
from jobs.pace import telegram
from jobs.sender import Pacer, SenderState, SendLimits, drain
from storage import outbox
from storage.db import session_scope
from storage.models import Chat, ChatUnit, Outbox
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, EDU_CHAT, FIN_CHAT, FakeTransport, World, build_world

NOW = at("2026-10-12 09:00")
DAY = date(2026, 10, 12)
FAST = SendLimits(
    per_second=1000, private_interval=0.0, group_per_window=10_000, linger=0.5, backoff_base=2.0
)


def put(engine: Engine, chat: int, n: int, prefix: str = "m", unit_id: int | None = None) -> list[int]:
    ids = []
    with session_scope(engine) as s:
        for i in range(n):
            row_id, _ = outbox.enqueue(
                s,
                NOW,
                kind="overdue",
                chat_id=chat,
                text=f"{prefix}{i}",
                day=DAY,
                key=f"{prefix}:{chat}:{i}",
                unit_id=unit_id,
            )
            ids.append(row_id)
    return ids


def rows(engine: Engine) -> list[Outbox]:
    with session_scope(engine) as s:
        return list(s.exec(select(Outbox).order_by(col(Outbox.id))).all())


async def run(engine: Engine, transport: FakeTransport, state: SenderState, now=NOW):  # type: ignore[no-untyped-def]
    return await drain(engine, transport, now, state=state, admin_ids=(ADMIN_TG,), tz=SHANGHAI)


async def test_it_sends_everything_once_in_order_per_chat(engine: Engine, transport: FakeTransport) -> None:
    put(engine, FIN_CHAT, 5, "fin")
    put(engine, EDU_CHAT, 5, "edu")
    report = await run(engine, transport, SenderState(limits=FAST))
    assert report.sent == 10
    assert [d.text for d in transport.to(FIN_CHAT)] == [f"fin{i}" for i in range(5)]
    assert [d.text for d in transport.to(EDU_CHAT)] == [f"edu{i}" for i in range(5)]
    assert all(r.sent_at is not None and r.telegram_message_id for r in rows(engine))
    assert (await run(engine, transport, SenderState(limits=FAST))).sent == 0


async def test_writing_the_same_key_twice_makes_one_message(engine: Engine) -> None:
    with session_scope(engine) as s:
        a, created_a = outbox.enqueue(
            s, NOW, kind="overdue", chat_id=FIN_CHAT, text="x", day=DAY, items=[3, 1]
        )
        b, created_b = outbox.enqueue(
            s, NOW, kind="overdue", chat_id=FIN_CHAT, text="y", day=DAY, items=[1, 3]
        )
        row = s.get(Outbox, a)
        assert row is not None and row.text == "x" and row.key == "overdue:-1001:2026-10-12:1,3:"
    assert (created_a, created_b) == (True, False)
    assert a == b


async def test_a_network_error_holds_the_chat_and_opens_the_circuit(
    engine: Engine, transport: FakeTransport
) -> None:
    put(engine, FIN_CHAT, 3, "fin")
    transport.fail(TransportError("NetworkError: connection refused", outage=True), FIN_CHAT)
    state = SenderState(limits=FAST)
    report = await run(engine, transport, state)
    assert report.retried == 1 and report.sent == 0 and state.circuit().failures == 1
    assert state.circuit().down_until is not None
    assert NOW + timedelta(seconds=2) <= state.circuit().down_until < NOW + timedelta(seconds=3)
    # Nothing goes while the circuit is open; a later tick sends all, fin0 first.
    put(engine, EDU_CHAT, 2, "edu")
    assert (await run(engine, transport, state, NOW + timedelta(seconds=1))).skipped
    assert transport.sent == []
    await run(engine, transport, state, NOW + timedelta(seconds=5))
    assert [d.text for d in transport.to(FIN_CHAT)] == ["fin0", "fin1", "fin2"]
    assert len(transport.to(EDU_CHAT)) == 2
    assert state.circuit().failures == 0 and state.circuit().down_until is None


async def test_a_message_that_waited_past_its_day_says_it_is_late(
    engine: Engine, transport: FakeTransport
) -> None:
    put(engine, FIN_CHAT, 1, "yesterday")
    await run(engine, transport, SenderState(limits=FAST), NOW + timedelta(days=1))
    assert transport.sent[0].text == "（延迟送达：本消息原定于10月12日发送）\nyesterday0"


def test_the_backoff_doubles_up_to_its_cap() -> None:
    state = SenderState(limits=SendLimits(backoff_base=2.0, backoff_cap=300.0))
    delays = []
    for _ in range(10):
        state.circuit().failures += 1
        delays.append(state.backoff().total_seconds())
    assert delays == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


async def test_retry_after_pauses_and_the_message_goes_after(
    engine: Engine, transport: FakeTransport
) -> None:
    put(engine, FIN_CHAT, 3, "fin")
    transport.fail(TransportError("Too Many Requests: retry after 1", retry_after=0.3), FIN_CHAT)
    report = await run(engine, transport, SenderState(limits=FAST))
    assert report.rate_limited == 1 and report.sent == 3
    assert [d.text for d in transport.to(FIN_CHAT)] == ["fin0", "fin1", "fin2"]


async def test_a_migrated_group_is_followed(engine: Engine, transport: FakeTransport) -> None:
    build_world(engine)
    put(engine, FIN_CHAT, 3, "fin")
    transport.fail(TransportError("Group migrated to supergroup", migrate_to=-1009991), FIN_CHAT)
    report = await run(engine, transport, SenderState(limits=FAST))
    assert report.migrated == 1
    assert [d.text for d in transport.to(-1009991)] == ["fin0", "fin1", "fin2"]
    with session_scope(engine) as s:
        chat = s.exec(select(Chat).where(Chat.address == -1009991)).one()
        assert chat.migrated_from == FIN_CHAT and chat.active


async def test_a_lost_group_is_reported_and_its_messages_go_to_the_units_other_group(
    engine: Engine, transport: FakeTransport
) -> None:
    world: World = build_world(engine)
    fin = world.units["市财政局"]
    with session_scope(engine) as s:
        other = Chat(address=-1003, title="财政局第二群", created_at=NOW)
        s.add(other)
        s.flush()
        assert other.id is not None
        s.add(ChatUnit(chat_id=other.id, unit_id=fin))
    put(engine, FIN_CHAT, 2, "unit", unit_id=fin)
    put(engine, FIN_CHAT, 1, "nounit")
    transport.fail(
        TransportError("Forbidden: bot was kicked from the group chat", chat_gone=True, reason="removed"),
        FIN_CHAT,
    )
    report = await run(engine, transport, SenderState(limits=FAST))
    assert report.readdressed == 2 and report.dead == 1 and report.notices == 1
    assert [d.text for d in transport.to(-1003)] == ["unit0", "unit1"]
    notice = transport.to(ADMIN_TG)
    assert len(notice) == 1
    assert "财政局网站工作群" in notice[0].text and "机器人已被移出该群" in notice[0].text
    assert "1条消息未能送达（逾期提醒1条）" in notice[0].text
    with session_scope(engine) as s:
        chat = s.exec(select(Chat).where(Chat.address == FIN_CHAT)).one()
        assert not chat.active and "kicked" in (chat.inactive_reason or "")
    dead = [r for r in rows(engine) if r.dead_at is not None]
    assert [r.text for r in dead] == ["nounit0"]


async def test_a_rejected_message_is_given_up_reported_and_the_chat_goes_on(
    engine: Engine, transport: FakeTransport
) -> None:
    build_world(engine)
    put(engine, FIN_CHAT, 3, "fin")
    transport.fail(TransportError("Bad Request: can't parse entities", permanent=True), FIN_CHAT)
    report = await run(engine, transport, SenderState(limits=FAST))
    assert report.dead == 1 and report.notices == 1
    assert [d.text for d in transport.to(FIN_CHAT)] == ["fin1", "fin2"]
    assert "被 Telegram 拒绝" in transport.to(ADMIN_TG)[0].text


async def test_two_senders_on_one_outbox_send_each_message_once(
    engine: Engine, transport: FakeTransport
) -> None:
    for chat in range(-2000, -2020, -1):
        put(engine, chat, 5, f"c{chat}")
    a, b = SenderState(limits=FAST), SenderState(limits=FAST)
    await asyncio.gather(run(engine, transport, a), run(engine, transport, b))
    texts = [d.text for d in transport.sent]
    assert len(texts) == 100 == len(set(texts))
    for chat in range(-2000, -2020, -1):
        assert [d.text for d in transport.to(chat)] == [f"c{chat}{i}" for i in range(5)]


async def test_a_dead_workers_claim_is_taken_over_once_stale(
    engine: Engine, transport: FakeTransport
) -> None:
    [old] = put(engine, FIN_CHAT, 1, "old")
    [fresh] = put(engine, EDU_CHAT, 1, "fresh")
    with session_scope(engine) as s:
        assert outbox.claim(s, NOW - timedelta(minutes=3), old, "dead-worker")
        assert outbox.claim(s, NOW - timedelta(seconds=10), fresh, "live-worker")
        assert not outbox.claim(s, NOW, fresh, "another")
    await run(engine, transport, SenderState(limits=FAST))
    assert [d.text for d in transport.sent] == ["old0"]


def test_the_pacer_keeps_telegrams_limits() -> None:
    pacer = Pacer(SendLimits(per_second=29, group_per_window=20, group_window=61, private_interval=1.1))
    group, private = telegram(-1), telegram(7)
    for i in range(20):
        assert pacer.chat_ready_at(group, 100.0 + i) <= 100.0 + i
        pacer.took(group, 100.0 + i)
    assert pacer.chat_ready_at(group, 120.0) == pytest.approx(161.0)  # the 21st waits for the 1st to age out
    pacer.took(private, 200.0)
    assert pacer.chat_ready_at(private, 200.5) == pytest.approx(201.1)
    assert pacer.chat_ready_at(telegram(8), 200.5) == 200.5  # another private chat is free
    assert pacer.global_ready_at() == pytest.approx(200.0 + 1 / 29)
    pacer.pause(230.0)
    assert pacer.global_ready_at() == 230.0


async def test_a_send_the_locked_database_cannot_record_is_never_sent_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A long import holds SQLite's write lock just as Telegram accepts a message: the sender keeps it in
    mind, sends it to no one again when its claim goes stale, and records it once the lock is gone."""
    import sqlite3

    from sqlalchemy import create_engine

    from storage.db import make_engine, upgrade

    path = tmp_path / "zhiri.db"
    setup = make_engine(f"sqlite:///{path}")
    upgrade(setup)
    put(setup, FIN_CHAT, 1, "locked")
    setup.dispose()
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.2})  # a short busy wait
    locker = sqlite3.connect(path, isolation_level=None)

    class LockingTransport(FakeTransport):
        async def send(self, message):  # type: ignore[no-untyped-def]
            sent = await super().send(message)
            locker.execute("BEGIN IMMEDIATE")  # the importer takes the write lock right now
            return sent

    transport = LockingTransport()
    state = SenderState(limits=FAST)
    await run(engine, transport, state)
    assert len(transport.sent) == 1 and list(state.unmarked) == [1]
    later = await run(engine, transport, state, now=NOW + timedelta(minutes=5))  # the claim is stale
    assert later.skipped and len(transport.sent) == 1
    locker.execute("ROLLBACK")
    await run(engine, transport, state, now=NOW + timedelta(minutes=10))
    assert len(transport.sent) == 1 and not state.unmarked
    assert [r.sent_at is not None for r in rows(engine)] == [True]
    locker.close()
    engine.dispose()


async def test_an_unexpected_error_holds_only_its_chat_and_is_set_aside_after_a_few_tries(
    engine: Engine, transport: FakeTransport
) -> None:
    build_world(engine)
    put(engine, FIN_CHAT, 3, "fin")
    put(engine, EDU_CHAT, 3, "edu")
    limits = SendLimits(
        per_second=1000, private_interval=0.0, group_per_window=10_000, linger=0.5, set_aside_after=3
    )
    state = SenderState(limits=limits)
    transport.fail(TransportError("Conflict: something odd"), FIN_CHAT, times=3)
    first = await run(engine, transport, state)
    # Only its chat waits: no circuit, the other chat is served in full.
    assert first.failed == 1 and state.circuit().failures == 0 and state.circuit().down_until is None
    assert [d.text for d in transport.to(EDU_CHAT)] == ["edu0", "edu1", "edu2"]
    assert transport.to(FIN_CHAT) == []
    # Retried after 30 s, then 60 s; the third failure sets it aside and the chat goes on.
    assert (await run(engine, transport, state, NOW + timedelta(seconds=20))).sent == 0
    assert (await run(engine, transport, state, NOW + timedelta(seconds=31))).failed == 1
    last = await run(engine, transport, state, NOW + timedelta(seconds=100))
    assert last.set_aside == 1 and last.notices == 1
    assert [d.text for d in transport.to(FIN_CHAT)] == ["fin1", "fin2"]
    notice = transport.to(ADMIN_TG)
    assert len(notice) == 1 and "连续3次发送失败" in notice[0].text and "Conflict" in notice[0].text
    with session_scope(engine) as s:
        [aside] = outbox.set_aside_rows(s)
        assert aside.text == "fin0" and aside.failures == 3 and "Conflict" in (aside.last_error or "")
        assert outbox.unsent_count(s) == 0
        # An administrator sends it again: it goes, once.
        assert outbox.retry(s, NOW + timedelta(minutes=5)) == 1
    again = await run(engine, transport, state, NOW + timedelta(minutes=5))
    assert again.sent == 1 and [d.text for d in transport.to(FIN_CHAT)] == ["fin1", "fin2", "fin0"]
    with session_scope(engine) as s:
        assert outbox.set_aside_rows(s) == [] and all(r.sent_at is not None for r in s.exec(select(Outbox)))


async def test_a_bug_in_the_transport_is_one_messages_problem(
    engine: Engine, transport: FakeTransport
) -> None:
    put(engine, FIN_CHAT, 1, "fin")
    put(engine, EDU_CHAT, 1, "edu")

    class Buggy(FakeTransport):
        async def send(self, message):  # type: ignore[no-untyped-def]
            if message.chat_id == FIN_CHAT:
                raise KeyError("inline_keyboard")
            return await super().send(message)

    buggy = Buggy()
    state = SenderState(limits=FAST)
    report = await run(engine, buggy, state)
    assert report.failed == 1 and report.sent == 1 and state.circuit().down_until is None
    with session_scope(engine) as s:
        fin = s.exec(select(Outbox).where(Outbox.chat_id == FIN_CHAT)).one()
    assert fin.failures == 1
    assert NOW + timedelta(seconds=30) <= fin.not_before.replace(tzinfo=UTC) < NOW + timedelta(seconds=31)
    assert "KeyError" in (fin.last_error or "")


async def test_odd_answers_in_several_chats_are_each_their_own_not_an_outage(
    engine: Engine, transport: FakeTransport
) -> None:
    # The failure decides, not how many chats fail: an answer from the API is never an outage, however many
    # chats get one (counting chats told a lone chat's poison from an outage only when there were others).
    for chat in (-3001, -3002, -3003, -3004):
        put(engine, chat, 1, f"c{chat}")
    transport.fail(TransportError("Internal Server Error"), None, times=4)
    state = SenderState(limits=SendLimits(per_second=1000, private_interval=0.0, max_in_flight=1, linger=0.5))
    report = await run(engine, transport, state)
    assert (
        report.failed == 4
        and report.retried == 0
        and state.circuit().failures == 0
        and state.circuit().down_until is None
    )
    assert [r.failures for r in rows(engine)] == [1, 1, 1, 1]
    # Each waits its own 30 s, then goes.
    assert (await run(engine, transport, state, NOW + timedelta(seconds=31))).sent == 4


async def test_an_outage_in_the_only_chat_is_waited_out_never_set_aside(
    engine: Engine, transport: FakeTransport
) -> None:
    put(engine, FIN_CHAT, 2, "fin")
    limits = SendLimits(per_second=1000, private_interval=0.0, linger=0.5, set_aside_after=2)
    state = SenderState(limits=limits)
    transport.fail(TransportError("NetworkError: Bad Gateway", outage=True), FIN_CHAT, times=6)
    for minute in range(6):
        report = await run(engine, transport, state, NOW + timedelta(minutes=minute * 10))
        assert report.retried == 1 and report.set_aside == 0 and report.failed == 0
    assert state.circuit().failures == 6
    assert (await run(engine, transport, state, NOW + timedelta(hours=1))).sent == 2
    assert [d.text for d in transport.to(FIN_CHAT)] == ["fin0", "fin1"]
    assert [r.failures for r in rows(engine)] == [0, 0] and state.circuit().failures == 0


async def test_replies_take_their_slots_from_the_one_pacer_and_a_429_pauses_the_outbox_too() -> None:
    import time

    from telegram.error import RetryAfter

    from bot.pacing import PacedReplies
    from channels.telegram_send import OUTBOX

    pacer = Pacer(SendLimits(per_second=1000, private_interval=0.05))
    limiter = PacedReplies(pacer)
    calls: list[str] = []

    async def call(name: str) -> bool:
        calls.append(name)
        if name == "flooded" and calls.count("flooded") == 1:
            raise RetryAfter(timedelta(seconds=0.2))
        return True

    async def send(name: str, chat: int | None, args: str | None = None) -> object:
        data = {"chat_id": chat} if chat is not None else {}
        return await limiter.process_request(call, (name,), {}, "sendMessage", data, args)

    # The outbox's own sends pass untouched: no slot taken (the sender took it), no retry here.
    assert await send("outbox", 7, OUTBOX) and 7 not in pacer.privates
    started = time.monotonic()
    assert await send("reply", 7) and 7 in pacer.privates  # the outbox keeps its distance from it
    assert await send("reply", -7) and await send("reply2", -7) and len(pacer.groups[telegram(-7)]) == 2
    # A 429 on a reply pauses the shared pacer (so the outbox waits too) and the reply goes after.
    assert await send("flooded", 8)
    assert calls.count("flooded") == 2 and pacer.paused_until > started
    assert time.monotonic() - started >= 0.2


# A robot group's address is its own Chat.id (small, positive), a Telegram private chat's is the person's
# id: the same number on two platforms is two chats, each with its own queue, order and message in flight.
SAME = 7


def put_on(engine: Engine, platform: str, text: str) -> None:
    with session_scope(engine) as s:
        outbox.enqueue(
            s,
            NOW,
            kind="overdue",
            chat_id=SAME,
            text=text,
            day=DAY,
            key=f"{platform}:{text}",
            platform=platform,
        )


async def test_a_throttled_robot_does_not_hold_the_telegram_chat_with_its_number(
    engine: Engine, transport: FakeTransport
) -> None:
    put_on(engine, "dingtalk", "robot")  # older: it would be the one head of "chat 7"
    put_on(engine, TELEGRAM, "person")
    robot = FakeTransport()
    robot.fail(TransportError("130101 send too fast", retry_after=600))  # DingTalk's ten-minute throttle
    channels = Channels(Channel(TELEGRAM, transport), Channel("dingtalk", robot))
    report = await drain(
        engine, channels, NOW, state=SenderState(limits=FAST), admin_ids=(ADMIN_TG,), tz=SHANGHAI
    )
    assert report.rate_limited == 1 and robot.calls == 1
    assert [d.text for d in transport.to(SAME)] == ["person"]


async def test_a_robot_message_in_flight_does_not_hold_the_telegram_chat_with_its_number(
    engine: Engine,
) -> None:
    put_on(engine, "dingtalk", "robot")
    put_on(engine, TELEGRAM, "person")
    telegram_sent = asyncio.Event()

    class Noting(FakeTransport):
        async def send(self, message):  # type: ignore[no-untyped-def]
            sent = await super().send(message)
            telegram_sent.set()
            return sent

    class Slow(FakeTransport):
        went_meanwhile: bool | None = None

        async def send(self, message):  # type: ignore[no-untyped-def]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(telegram_sent.wait(), 2.0)
            self.went_meanwhile = telegram_sent.is_set()
            return await super().send(message)

    tg, robot = Noting(), Slow()
    channels = Channels(Channel(TELEGRAM, tg), Channel("dingtalk", robot))
    report = await drain(
        engine, channels, NOW, state=SenderState(limits=FAST), admin_ids=(ADMIN_TG,), tz=SHANGHAI
    )
    assert report.sent == 2 and robot.went_meanwhile is True


async def test_the_same_message_to_the_robot_and_the_telegram_chat_with_its_number_is_written_twice(
    engine: Engine,
) -> None:
    with session_scope(engine) as s:
        made = [
            outbox.enqueue(
                s, NOW, kind="overdue", chat_id=SAME, text=platform, day=DAY, items=[1, 2], platform=platform
            )
            for platform in ("dingtalk", TELEGRAM, "dingtalk")
        ]
        keys = [s.get_one(Outbox, row_id).key for row_id, _ in made]
    assert [created for _, created in made] == [True, True, False]
    # Telegram's keys are as they always were: a plan written again after an upgrade is not written twice.
    assert keys[1] == "overdue:7:2026-10-12:1,2:"
    assert keys[0] == keys[2] != keys[1]
