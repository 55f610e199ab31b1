"""`zhiri health`: exit 0 while the running bot hears Telegram, 1 when it does not (issue 17, point 3)."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest

from bot.cmd_health import judge
from storage.models import Heartbeat
from storage.runtime import Health
from tests.bot.e2e import running_bot, zhiri
from tests.conftest import SHANGHAI, at

NOW = at("2026-11-26 09:00")
SILENCE, BACKLOG = timedelta(seconds=180), timedelta(minutes=30)


def health(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return zhiri(db_url, "health", *args, timeout=60)


@pytest.mark.slow
def test_it_is_healthy_while_the_bot_runs_and_not_once_it_died(tmp_path):
    url = f"sqlite:///{tmp_path / 'zhiri.db'}"
    with running_bot(tmp_path) as bot:
        bot.wait_db(lambda: (bot.rows(Heartbeat) or [None])[0].api_ok_at, "a successful getUpdates on record")
        ok = health(url)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "正常 / healthy" in ok.stdout and "polling" in ok.stdout
        bot.proc.kill()  # kill -9: nothing is written any more
        bot.proc.wait()
        dead = bot.fake.wait_for(
            lambda: (r := health(url, "--max-silence", "1")).returncode == 1 and r, 30, what="health to fail"
        )
        assert "没有响应" in dead.stdout and "not responding" in dead.stdout


def beat(**kwargs: object) -> Heartbeat:
    values: dict = {"name": "bot", "pid": 7, "mode": "polling", "started_at": NOW - timedelta(hours=1)}
    return Heartbeat(**{**values, **kwargs})


def state(heartbeat: Heartbeat | None, **kwargs: object) -> Health:
    values: dict = {
        "unhandled_updates": 0,
        "oldest_unhandled": None,
        "outbox_backlog": 0,
        "oldest_backlog": None,
    }
    return Health(heartbeat=heartbeat, **{**values, **kwargs})


def failing(h: Health) -> set[str]:
    return {c.name for c in judge(h, NOW, SHANGHAI, silence=SILENCE, backlog=BACKLOG) if not c.ok}


def test_what_makes_the_bot_unhealthy():
    fresh = NOW - timedelta(seconds=20)
    assert failing(state(beat(tick_at=fresh, api_ok_at=fresh))) == set()
    assert failing(state(None)) == {"running"}
    assert failing(state(beat(tick_at=fresh, api_ok_at=fresh, stopped_at=fresh))) == {"running"}
    assert failing(state(beat(tick_at=fresh, api_ok_at=NOW - timedelta(minutes=5)))) == {"telegram"}
    assert failing(state(beat(tick_at=NOW - timedelta(minutes=5), api_ok_at=fresh))) == {"heartbeat"}
    assert failing(state(beat(), unhandled_updates=0)) == {"heartbeat", "telegram"}  # an hour without either
    # Just started, the Bot API not reached yet: still starting, not failing.
    assert failing(state(beat(started_at=NOW - timedelta(seconds=10)))) == set()
    busy = beat(tick_at=fresh, api_ok_at=fresh)
    assert failing(state(busy, unhandled_updates=3, oldest_unhandled=NOW - timedelta(minutes=10))) == {
        "updates"
    }
    assert failing(state(busy, outbox_backlog=900, oldest_backlog=NOW - timedelta(minutes=10))) == set()
    assert failing(state(busy, outbox_backlog=900, oldest_backlog=NOW - timedelta(hours=1))) == {"outbox"}
