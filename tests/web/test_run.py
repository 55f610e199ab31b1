"""`zhiri run` serves the page in its own process when PUBLIC_URL is set, and never without WEB_SECRET."""

from __future__ import annotations

import socket
import time

import httpx

from tests.bot.e2e import bot_env, run_once, running_bot


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_it_refuses_to_start_the_page_without_a_secret(tmp_path):
    env = bot_env(
        TELEGRAM_BOT_TOKEN="1:TOKEN",
        DATABASE_URL=f"sqlite:///{tmp_path / 'z.db'}",
        PUBLIC_URL="https://zhiri.example.gov.cn",
        WEB_SECRET="short",
    )
    result = run_once(env, tmp_path)
    assert result.returncode == 2
    assert "WEB_SECRET" in result.stderr and "一键链接无法签名" in result.stderr
    assert "token_urlsafe" in result.stderr


def test_it_refuses_a_public_url_too_long_for_a_wecom_message(tmp_path):
    from bot.webpage import MAX_PUBLIC_URL

    long_url = "https://zhiri.example.gov.cn/" + "a" * MAX_PUBLIC_URL
    env = bot_env(
        TELEGRAM_BOT_TOKEN="1:TOKEN",
        DATABASE_URL=f"sqlite:///{tmp_path / 'z.db'}",
        PUBLIC_URL=long_url,
        WEB_SECRET="a-long-enough-secret-for-the-test",
    )
    result = run_once(env, tmp_path)
    assert result.returncode == 2
    assert f"PUBLIC_URL 太长（{len(long_url)}个字符" in result.stderr and "更短的地址" in result.stderr


def test_the_bot_serves_the_page_beside_telegram_and_stops_with_it(tmp_path):
    port = free_port()
    web = {
        "PUBLIC_URL": "https://zhiri.example.gov.cn",
        "WEB_SECRET": "a-long-enough-secret-for-the-test",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
    }
    with running_bot(tmp_path, extra_env=web) as bot:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, bot.log_path.read_text()
                time.sleep(0.1)
        assert health.text == "ok"
        bad = httpx.get(f"http://127.0.0.1:{port}/l/not-a-link", timeout=5)
        assert bad.status_code == 400 and "链接无效" in bad.text
        bot.alive()


def test_robot_messages_carry_signed_links_only_when_the_page_is_configured():
    from bot.config import Settings
    from bot.webpage import robot_links
    from channels.robots.common import NoLinks
    from channels.transport import Outgoing
    from domain.actions import Action

    message = Outgoing(7, "提醒", platform="dingtalk", unit_id=3)
    assert isinstance(robot_links(Settings(_env_file=None, public_url="")), NoLinks)
    unsigned = Settings(_env_file=None, public_url="https://zhiri.example.gov.cn", web_secret="")
    assert isinstance(robot_links(unsigned), NoLinks)
    links = robot_links(
        Settings(_env_file=None, public_url="https://zhiri.example.gov.cn/", web_secret="s" * 20)
    )
    done, listed = links.offer(Action.done(12), message), links.unit_list(message)
    assert done is not None and done.startswith("https://zhiri.example.gov.cn/l/")
    assert listed is not None and listed.startswith("https://zhiri.example.gov.cn/l/") and listed != done
