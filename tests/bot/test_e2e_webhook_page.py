"""Telegram's webhook served by the web page's own server (WEBHOOK_URL on PUBLIC_URL's address), with the real
`zhiri run`: one port behind the reverse proxy. The address is registered with its secret token, an update
posted with the token is answered, one without it (or with another) is refused and nothing is handled, and
the page's links are served on the same port."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
from sqlmodel import col

from storage.models import InboundUpdate
from tests.bot.e2e import FINANCE, bot_env, running_bot, seed_world
from tests.support.fake_botapi import FakeBotAPI

HOOK_SECRET = "hook-secret-on-the-page-0123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_webhook_is_a_route_of_the_web_page(tmp_path):
    port = free_port()
    public = "https://zhiri.example.gov.cn"  # the reverse proxy's address; it forwards to WEB_HOST:WEB_PORT
    local = f"http://127.0.0.1:{port}"
    env = {
        "PUBLIC_URL": public,
        "WEB_SECRET": "web-secret-for-the-webhook-test-0123456789",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "WEBHOOK_URL": f"{public}/telegram/hook",
        "WEBHOOK_SECRET": HOOK_SECRET,
    }
    with running_bot(tmp_path, extra_env=env) as bot:
        hook = bot.fake.webhook
        assert hook is not None and hook["url"] == f"{public}/telegram/hook"
        assert hook.get("secret_token") == HOOK_SECRET
        bot.wait_log("served by the web page")
        finance, chat = bot.person(FINANCE, "赵财")
        bot.fake.send_text(chat, finance, "/mine")  # the fake only queues it: the test posts it
        (update,) = bot.fake.pending_updates
        with httpx.Client(base_url=local, timeout=30) as client:
            assert client.get("/healthz").text == "ok"  # the page, on the same port
            for wrong in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                assert client.post("/telegram/hook", json=update, headers=wrong).status_code == 403
            assert bot.rows(InboundUpdate) == []
            bad = client.post(
                "/telegram/hook",
                content=b"{not json",
                headers={"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET},
            )
            assert bad.status_code == 400
            ok = client.post(
                "/telegram/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}
            )
            assert ok.status_code == 200
        bot.wait_db(
            lambda: any(r.chat_id == chat.id and "财政" in r.text for r in bot.fake.sent), "the answer"
        )
        bot.wait_db(
            lambda: (
                bot.rows(InboundUpdate)
                and not bot.rows(InboundUpdate, col(InboundUpdate.handled_at).is_(None))
            ),
            "the update handled",
        )


def test_a_webhook_address_telegram_refuses_stops_the_run_with_what_to_do(tmp_path):
    """Not retried for ever while nobody is heard: Telegram takes HTTPS addresses only."""
    port = free_port()
    env = {
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEB_SECRET": "web-secret-for-the-webhook-test-0123456789",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook",
    }
    fake = FakeBotAPI().start()
    try:
        seed_world(f"sqlite:///{tmp_path / 'zhiri.db'}")[0].dispose()
        env = bot_env(
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_URL=fake.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'zhiri.db'}",
            **env,
        )
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        fake.stop()
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Telegram 拒绝了 WEBHOOK_URL" in done.stderr and "HTTPS" in done.stderr
