"""`zhiri run` through faults of the Bot API (issue 17, point 3): it keeps trying through outages, 5xx and
a passing 401/404, and exits non-zero with a message when the token is refused for good. Never alive and
deaf."""

from __future__ import annotations

import sqlite3

import pytest

from storage.models import UpdateLog
from tests.bot.e2e import FINANCE, running_bot

pytestmark = pytest.mark.slow
HELP = "/done"  # every /help answer lists it


@pytest.mark.parametrize("code", [401, 404])
def test_a_passing_401_or_404_from_get_updates_does_not_stop_polling(tmp_path, code):
    with running_bot(tmp_path) as bot:
        user, chat = bot.person(FINANCE, "赵财")
        bot.fake.fail_next(1, code, method="getUpdates")
        bot.ask(chat, user, "/help", HELP)  # ends the waiting long poll: the next getUpdates is refused
        bot.wait_db(lambda: bot.fake.status_counts[code] >= 1, f"a {code} from getUpdates")
        bot.ask(chat, user, "/help", HELP)  # still heard
        bot.wait_log("getUpdates works again")
        assert "getUpdates refused" in bot.log()


def test_a_token_refused_for_good_while_running_exits_non_zero_with_a_message(tmp_path):
    with running_bot(tmp_path) as bot:
        bot.fake.revoke_token()
        user, chat = bot.person(FINANCE, "赵财")
        bot.fake.send_text(chat, user, "/help")  # ends the waiting long poll; every call after it gets 401
        assert bot.proc.wait(60) == 2
        log = bot.log()
        assert "Telegram 拒绝了机器人令牌" in log and "rejected TELEGRAM_BOT_TOKEN" in log
        assert "@BotFather" in log and bot.fake.base_url in log


def test_the_api_down_at_start_then_flaky_is_waited_out(tmp_path):
    with running_bot(tmp_path, api_down=True) as bot:
        bot.wait_log("Bot API not reachable", times=2)  # it keeps trying, with backoff
        log = bot.log()
        assert "暂时无法连接 Telegram 服务器" in log and "keeps trying" in log
        bot.fake.set_unreachable(False)
        bot.wait_polling()
        user, chat = bot.person(FINANCE, "赵财")
        bot.ask(chat, user, "/help", HELP)

        # 5xx and a dropped connection while running: retried, then heard again.
        bot.fake.fail_next(2, 502, method="getUpdates")
        bot.ask(chat, user, "/help", HELP)
        bot.wait_db(lambda: bot.fake.status_counts[502] >= 2, "two 502s from getUpdates")
        bot.fake.set_unreachable(True)
        bot.wait_log("getUpdates failed", times=3)
        bot.fake.set_unreachable(False)
        bot.wait_polling()
        bot.ask(chat, user, "/help", HELP)


def test_another_writer_holding_the_sqlite_lock_is_waited_out(tmp_path):
    """An import or a backup holding SQLite's write lock past the busy timeout: the updates that arrive
    meanwhile cannot be kept, so they are not confirmed to Telegram, and are asked for again until they can;
    the bot keeps running, and the /done sent during the lock is logged and answered once."""
    with running_bot(tmp_path, extra_env={"SQLITE_BUSY_TIMEOUT": "0.5"}) as bot:
        user, chat = bot.person(FINANCE, "赵财")
        bot.ask(chat, user, "/help", HELP)
        logged_before = len(bot.rows(UpdateLog, UpdateLog.source != "import"))
        since = bot.last_seq()
        other = sqlite3.connect(tmp_path / "zhiri.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the other writer
        try:
            bot.fake.send_text(chat, user, "/done 财政预决算 发布2条")
            bot.wait_log("could not keep 1 updates in the database", times=2)
            bot.alive()
        finally:
            other.execute("COMMIT")
            other.close()
        bot.expect(chat, "已登记更新", since)
        bot.wait_log("updates are kept again")
        answers = [r for r in bot.fake.messages_to(chat) if r.seq > since and "已登记更新" in (r.text or "")]
        assert len(answers) == 1
        assert len(bot.rows(UpdateLog, UpdateLog.source != "import")) == logged_before + 1
