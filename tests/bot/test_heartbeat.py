"""The heartbeat of `zhiri run` (bot/heartbeat.py): its tick, and the housekeeping it does while running."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot

from bot.heartbeat import PRUNE_EVERY, Heartbeat
from storage import runtime
from storage.db import session_scope
from tests.conftest import at

NOW = at("2026-11-26 09:00")


async def test_a_bot_that_keeps_running_forgets_handled_updates_after_a_week(engine):
    clock = [NOW]
    heartbeat = Heartbeat(engine, lambda: clock[0], mode="polling")
    with session_scope(engine) as s:
        for update_id in (1, 2):
            runtime.receive(s, NOW, update_id, "{}")
        runtime.mark_handled(s, NOW, 1)
    bot = Bot("1:offline")  # polling mode: the tick makes no call

    clock[0] = NOW + timedelta(days=8)  # running all along: no restart, so no recover() in between
    await heartbeat.tick(bot)
    with session_scope(engine) as s:
        assert runtime.health(s, clock[0], "bot").heartbeat.tick_at == clock[0]
        assert runtime.receive(s, clock[0], 1, "{}")  # forgotten: a new update with this id is kept
        assert not runtime.receive(s, clock[0], 2, "{}")  # never handled: kept

    clock[0] += PRUNE_EVERY / 2
    with session_scope(engine) as s:
        runtime.mark_handled(s, NOW, 1)
    await heartbeat.tick(bot)  # not again so soon
    with session_scope(engine) as s:
        assert not runtime.receive(s, clock[0], 1, "{}")
