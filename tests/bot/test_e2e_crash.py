"""kill -9 during a burst of /done (issue 17, point 6): every update was kept before Telegram was told it
arrived, so after a restart everyone gets an answer and every update is logged once.

The update being handled at the kill is handled again; its reply is not sent twice (bot/inbox.py records
each call with Telegram's answer). The Bot API has no idempotency key, so one double stays possible: a reply
Telegram accepted in the instant before the kill, before its record was written — at most one, since updates
are handled one at a time. The kill is timed by the database, not by a reply, so as not to aim at it."""

from __future__ import annotations

import socket
import time
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import col

from storage.models import InboundUpdate, UpdateLog
from tests.bot.e2e import WEBHOOK_SECRET_FOR_TESTS, running_bot
from tests.bot.seed import add_person

BURST = 60
WEBHOOK_BURST = 20
FIRST = 20_001


@pytest.mark.slow
def test_kill_9_during_a_burst_of_60_done_then_a_restart_answers_everyone_once(tmp_path, capsys):
    with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.enforce_limits()
        people = []
        for n in range(BURST):
            add_person(
                bot.engine, datetime.now(UTC), FIRST + n, f"网管{n}", [("市财政局", "webmaster")], bot.world
            )
            people.append(bot.person(FIRST + n, f"网管{n}"))
        for user, chat in people:
            fake.send_text(chat, user, "/done 财政预决算")

        def answered() -> set[int]:
            return {r.chat_id for r in fake.sent} & {chat.id for _, chat in people}

        deadline = time.monotonic() + 60
        while len(bot.rows(InboundUpdate, col(InboundUpdate.handled_at).is_not(None))) < 10:
            assert time.monotonic() < deadline, bot.log()[-3000:]
            time.sleep(0.05)  # polling the database, not waiting for time to pass
        bot.kill9()
        before = len(answered())
        assert before < BURST, "the burst was over before the kill: nothing was tested"

        bot.restart()
        bot.wait_log("Application started", times=2)
        bot.wait_db(lambda: len(answered()) == BURST, "an answer to everyone after the restart")
        bot.wait_db(
            lambda: not bot.rows(InboundUpdate, col(InboundUpdate.handled_at).is_(None)),
            "every update handled",
        )
        per_chat = Counter(r.chat_id for r in fake.sent)
        doubles = {chat.id: per_chat[chat.id] for _, chat in people if per_chat[chat.id] != 1}
        logs = bot.rows(UpdateLog, UpdateLog.source != "import")  # not the seed's imported dates
        per_person = Counter(row.person_id for row in logs)
        with capsys.disabled():
            print(
                f"\n[kill -9 in a burst of {BURST} /done] answered before the kill={before} "
                f"answered in all={len(answered())} doubles={len(doubles)} logged={len(logs)} "
                f"people logged={len(per_person)}"
            )
        assert len(doubles) <= 1 and set(doubles.values()) <= {2}, doubles
        assert len(logs) == BURST and len(per_person) == BURST and set(per_person.values()) == {1}
        assert "arrived before the last stop but were not handled" in bot.log()
        assert "Traceback" not in bot.log()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_with_a_webhook_what_was_answered_200_survives_kill_9(tmp_path, capsys):
    port = free_port()
    with running_bot(tmp_path, webhook_port=port) as bot:
        fake = bot.fake
        people = []
        for n in range(WEBHOOK_BURST):
            add_person(
                bot.engine, datetime.now(UTC), FIRST + n, f"网管{n}", [("市财政局", "webmaster")], bot.world
            )
            people.append(bot.person(FIRST + n, f"网管{n}"))
        for user, chat in people:
            fake.send_text(chat, user, "/done 财政预决算")  # the fake only queues it: the test posts it
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET_FOR_TESTS}
        with httpx.Client(timeout=30) as client:
            for update in fake.pending_updates:
                response = client.post(f"http://127.0.0.1:{port}/hook", json=update, headers=headers)
                assert response.status_code == 200  # Telegram forgets an update once it got its 200
        bot.kill9()

        def answered() -> set[int]:
            return {r.chat_id for r in fake.sent} & {chat.id for _, chat in people}

        before = len(answered())
        bot.restart()
        bot.wait_log("Application started", times=2)
        bot.wait_db(lambda: len(answered()) == WEBHOOK_BURST, "an answer to everyone after the restart")
        bot.wait_db(
            lambda: not bot.rows(InboundUpdate, col(InboundUpdate.handled_at).is_(None)),
            "every update handled",
        )
        per_chat = Counter(r.chat_id for r in fake.sent)
        doubles = {chat.id: per_chat[chat.id] for _, chat in people if per_chat[chat.id] != 1}
        per_person = Counter(row.person_id for row in bot.rows(UpdateLog, UpdateLog.source != "import"))
        with capsys.disabled():
            print(
                f"\n[kill -9 after {WEBHOOK_BURST} webhook 200s] answered before the kill={before} "
                f"answered in all={len(answered())} doubles={len(doubles)} people logged={len(per_person)}"
            )
        assert len(doubles) <= 1 and set(doubles.values()) <= {2}, doubles
        assert len(per_person) == WEBHOOK_BURST and set(per_person.values()) == {1}
