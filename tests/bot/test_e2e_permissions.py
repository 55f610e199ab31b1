"""End to end: every button checks the PERSON who pressed it, not the chat it was pressed in.

The real `zhiri run` against the fake Bot API: a group bound to 市财政局, with its webmaster, a person bound
to no unit, and a webmaster of another unit in it. The daily read, the half-month check, the fix note and
forged callback data are refused to everyone but the unit's people, and nothing is written for them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col

from storage.models import HalfMonthAnswer, ReadConfirmation, UpdateLog
from tests.bot.e2e import FINANCE, STRANGER, WEBMASTER, running_bot
from tests.bot.seed import add_person
from tests.conftest import SHANGHAI

BOT = "ZhiriTestBot"
BUDGET = "政务公开 / 重点领域信息公开 / 财政预决算"
NOTICES = "政务公开 / 通知公告"


def test_buttons_and_the_fix_note_check_the_person_not_the_chat(tmp_path):
    with running_bot(tmp_path) as bot:
        fake, admin = bot.fake, bot.admin
        budget, notices = bot.world.items[BUDGET], bot.world.items[NOTICES]
        finance, _ = bot.person(FINANCE, "赵财")
        stranger, _ = bot.person(STRANGER, "路人")
        other, _ = bot.person(WEBMASTER, "王小明")
        add_person(
            bot.engine, datetime.now(UTC), WEBMASTER, "王小明", [("市政府办公室", "webmaster")], bot.world
        )
        group = fake.group("财政局网站工作群", members=[finance, stranger, other], admins=[admin])
        bot.ask(group, admin, f"/bindchat@{BOT} 市财政局", "本群已绑定到：市财政局")

        # The daily read: only 市财政局's people confirm it, under their own name.
        today = datetime.now(UTC).astimezone(SHANGHAI).date()
        read = f"read:{today:%Y%m%d}"
        daily = bot.send_buttons(group, "【日查】今天的栏目", [[("✅ 已巡查", read)]], kind="daily_read")
        assert "没有绑定任何单位" in bot.press(group, stranger, daily, read)
        assert "不属于您绑定的单位" in bot.press(group, other, daily, read)
        assert bot.rows(ReadConfirmation) == []
        assert "已登记：赵财" in bot.press(group, finance, daily, read)
        assert [r.telegram_user_id for r in bot.rows(ReadConfirmation)] == [FINANCE]

        # The half-month check: the stranger and the other unit's webmaster cannot answer it.
        checklist = bot.send_buttons(
            group,
            "【半月查】财政预决算",
            [[("正常", f"hm:{budget}:ok"), ("有问题", f"hm:{budget}:bad")]],
            kind="half_month_check",
            items=[budget],
        )
        assert "没有绑定任何单位" in bot.press(group, stranger, checklist, f"hm:{budget}:bad")
        assert "不属于您绑定的单位" in bot.press(group, other, checklist, f"hm:{budget}:ok")
        assert bot.rows(HalfMonthAnswer) == []

        # Forged callback data: another unit's item in this group, the stranger's 已更新 and 已巡查.
        assert "不属于您绑定的单位" in bot.press(group, finance, checklist, f"hm:{notices}:ok", strict=False)
        assert "没有绑定" in bot.press(group, stranger, checklist, f"done:{budget}", strict=False)
        assert "您不能登记" in bot.press(group, other, checklist, f"done:{budget}:5", strict=False)
        assert "没有绑定任何单位" in bot.press(group, stranger, checklist, read, strict=False)
        assert (
            bot.rows(HalfMonthAnswer) == []
            and bot.rows(UpdateLog, col(UpdateLog.person_id).is_not(None)) == []
        )
        assert len(bot.rows(ReadConfirmation)) == 1

        # 赵财 reports a problem; the bot asks for the fix in a reply. Only 市财政局's people may write it.
        since = bot.last_seq()
        assert "有问题" in bot.press(group, finance, checklist, f"hm:{budget}:bad")
        prompt = bot.expect(group, "【半月查·问题说明】", since)
        bot.ask(group, stranger, '=HYPERLINK("http://evil")', "没有绑定任何单位", reply_to=prompt.message_id)
        bot.ask(group, other, "已整改完毕", "不属于您绑定的单位", reply_to=prompt.message_id)
        (answer,) = bot.rows(HalfMonthAnswer)
        assert (answer.result, answer.note, answer.name) == ("problem", None, "赵财")
        bot.ask(group, finance, "附件链接失效，已重新上传", "已记录", reply_to=prompt.message_id)
        (answer,) = bot.rows(HalfMonthAnswer)
        assert (answer.note, answer.name) == ("附件链接失效，已重新上传", "赵财")
