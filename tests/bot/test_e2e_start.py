"""`zhiri run` end to end: starting, refusing to start, registering the menu, stopping."""

from __future__ import annotations

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
