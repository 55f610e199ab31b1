"""End to end: a burst of messages and odd input under Telegram's flood limits. Nothing crashes, nothing wrong
is written, everyone gets an answer."""

from __future__ import annotations

import pytest

from storage.models import Person, UpdateLog
from tests.bot.e2e import FINANCE, STRANGER, running_bot

BURST = 120

ODD = [
    "/done",  # no arguments: usage
    "/done \u200b\u200b",  # only invisible characters
    "/done 财政\u200b预决算\ufeff",  # invisible characters inside the name
    "/done ＼重点领域信息公开＼财政预决算 ３",  # full-width everything
    "/done " + "长" * 3000,  # very long
    "/event 财政预决算 2026-02-30",  # impossible date
    "/due 99999999999999999999",
    "/rule " + "\U0001f600" * 50,
    "/overdue 不存在的单位",
    "/people 市",
    "/nosuchcommand",
    "随便说点什么",
]


@pytest.mark.slow
def test_a_burst_and_odd_input_are_answered_without_harm(tmp_path):
    with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.enforce_limits()
        strangers = [bot.person(STRANGER + i, f"路人{i}") for i in range(BURST)]
        for user, chat in strangers:
            fake.send_text(chat, user, "/done 首页/部门动态 3")
        finance, finance_chat = bot.person(FINANCE, "赵财")
        for text in ODD:
            fake.send_text(finance_chat, finance, text)

        def everyone_answered() -> bool:
            answered = {r.chat_id for r in fake.sent}
            return all(chat.id in answered for _, chat in strangers) and len(
                fake.messages_to(finance_chat)
            ) >= len(ODD)

        # 132 answers one after the other, 12 of them to one private chat at Telegram's 1 a second: give the
        # two shared cores room (each update is also written to the database on arrival and when handled).
        bot.wait_db(everyone_answered, "an answer to every message", timeout=60)
        assert all("还没有绑定" in (fake.texts_to(chat)[0] or "") for _, chat in strangers)
        answers = fake.texts_to(finance_chat)
        assert len(answers) == len(ODD)
        assert "用法" in (answers[0] or "") and "用法" in (answers[1] or "")
        assert "财政预决算" in (answers[2] or "") and "已登记" in (answers[2] or "")
        assert "（3条）" in (answers[3] or "")
        assert "没有找到" in (answers[4] or "")
        assert "无效" in (answers[5] or "")
        assert "1 到 60" in (answers[6] or "")
        assert "没有找到单位" in (answers[8] or "") and "对应多个单位" in (answers[9] or "")
        assert "没有这个命令" in (answers[10] or "") and "/help" in (answers[11] or "")
        # Only 赵财's two real /done were written; no stranger got a row of any kind.
        assert len(bot.rows(UpdateLog, UpdateLog.source != "import")) == 2
        assert bot.rows(Person, Person.telegram_id >= STRANGER) == []
        assert "Traceback" not in bot.log()
