"""`zhiri run` end to end: starting, refusing to start, registering the menu, stopping."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import current_revision, head_revision, make_engine
from tests.bot.e2e import bot_env, run_once, running_bot
from tests.support.fake_botapi import FakeBotAPI


def test_it_stops_at_once_without_a_token(tmp_path):
    result = run_once(bot_env(TELEGRAM_BOT_TOKEN="", DATABASE_URL=f"sqlite:///{tmp_path / 'z.db'}"), tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "@BotFather" in result.stderr and "/newbot" in result.stderr and ".env" in result.stderr
    assert "未设置机器人令牌" in result.stderr and "is not set" in result.stderr


def test_it_explains_a_token_telegram_rejects_after_upgrading_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'z.db'}"
    with FakeBotAPI() as fake:
        env = bot_env(TELEGRAM_BOT_TOKEN="999:WRONG", TELEGRAM_API_URL=fake.base_url, DATABASE_URL=url)
        result = run_once(env, tmp_path)
    assert result.returncode == 2
    assert "Telegram 拒绝了机器人令牌" in result.stderr and "rejected TELEGRAM_BOT_TOKEN" in result.stderr
    assert "@BotFather" in result.stderr and fake.base_url in result.stderr
    assert "upgraded automatically" in result.stderr
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_it_polls_registers_the_chinese_menu_and_stops_cleanly(tmp_path):
    with running_bot(tmp_path) as bot:
        fake = bot.fake
        private = fake.commands({"type": "all_private_chats"})
        groups = fake.commands({"type": "all_group_chats"})
        admins = fake.commands({"type": "chat", "chat_id": bot.admin.id})
        assert {"command": "done", "description": "登记栏目或账号已更新"} in private
        assert "invite" not in {c["command"] for c in private}
        assert "start" not in {c["command"] for c in groups}
        assert "invite" in {c["command"] for c in admins}
        assert fake.allowed_updates == {"message", "callback_query", "my_chat_member"}
        log = bot.log()
        assert "database" in log and "newest schema" in log and "command menu registered" in log
        assert "HTTP Request" not in log  # httpx's per-request INFO lines are silenced
        assert bot.stop() == 0
        assert "stopped" in bot.log()


def test_it_refuses_to_start_when_channel_key_does_not_open_the_bound_robots(tmp_path):
    """Issue 15: a robot bound under one CHANNEL_KEY and the bot started with another (or none) stops at once,
    exit 2, saying what to do, instead of finding out at each robot's first message or skipping the robot."""
    from sqlmodel import Session

    from storage import robots, sealed
    from storage.db import upgrade

    url = f"sqlite:///{tmp_path / 'z.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        robots.bind(
            s,
            datetime(2026, 11, 26, tzinfo=UTC),
            kind="wecom",
            url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0d3c4b5a-1234-4cde-8f90-a1b2c3d4e5f6",
            secret=None,
            unit_id=None,
            title="全部的企业微信群",
            person_id=None,
        )
        s.commit()
    engine.dispose()
    for key, said in ((sealed.new_key(), "无法解密"), ("", "未设置群机器人密钥 CHANNEL_KEY")):
        result = run_once(bot_env(TELEGRAM_BOT_TOKEN="1:X", DATABASE_URL=url, CHANNEL_KEY=key), tmp_path)
        assert result.returncode == 2, result.stderr
        assert said in result.stderr and "CHANNEL_KEY" in result.stderr and "Traceback" not in result.stderr
