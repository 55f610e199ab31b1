"""End to end: logging updates by name, by replying to a reminder and by button; undo; refusals; asking."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col

from storage.models import UpdateLog
from tests.bot.e2e import FINANCE, LEADER, STRANGER, running_bot
from tests.bot.seed import add_person

BOT = "ZhiriTestBot"


def live_logs(bot, *where):
    # The seed's imported last-update dates are not what the test's people logged.
    undo_or_import = col(UpdateLog.source).in_(("undo", "import"))
    return bot.rows(UpdateLog, ~undo_or_import, col(UpdateLog.undone_at).is_(None), *where)


def test_people_log_updates_by_name_reply_and_button_and_ask_what_is_late(tmp_path):
    with running_bot(tmp_path) as bot:
        fake, admin, admin_chat = bot.fake, bot.admin, bot.admin_chat
        world = bot.world
        finance, _ = bot.person(FINANCE, "赵财")
        leader, leader_chat = bot.person(LEADER, "李", last_name="领导", username="li_lingdao")
        add_person(bot.engine, datetime.now(UTC), LEADER, "李领导", [("市政府办公室", "leader")], world)
        group = fake.group("楚雄市网站工作群", members=[finance, leader], admins=[admin])
        bot.ask(group, admin, f"/bindchat@{BOT} 全部", "全部单位")

        # Asking: the administrator sees every unit, the leader only theirs.
        overdue = bot.ask(admin_chat, admin, "/overdue", "逾期栏目和账号共").text or ""
        assert "【市政府办公室】" in overdue and "【市教育局】" in overdue and "未绑定网站维护员" in overdue
        assert "待补充规则" in overdue and "互动交流 / 在线访谈" in overdue
        mine = bot.ask(leader_chat, leader, "/overdue", "逾期").text or ""
        assert "首页 / 部门动态" in mine and "市教育局" not in mine

        # By name, in the group, with a full-width separator and a count in the note.
        text = (
            bot.ask(group, finance, f"/done@{BOT} 重点领域信息公开／财政预决算 发布2条", "已登记更新").text
            or ""
        )
        assert "政务公开 / 重点领域信息公开 / 财政预决算（2条）" in text and "下次更新期限" in text
        (entry,) = live_logs(bot)
        assert (entry.source, entry.count) == ("done", 2)

        # A stranger is refused politely; nothing is written.
        stranger, stranger_chat = bot.person(STRANGER, "路人")
        bot.ask(stranger_chat, stranger, "/done 部门动态", "还没有绑定任何单位")
        assert len(live_logs(bot)) == 1

        # A reminder with a button per item; the leader replies /done to it.
        home = world.items["首页 / 部门动态"]
        notices = world.items["政务公开 / 通知公告"]
        reminder = bot.send_reminder(
            group,
            [(home, "首页 / 部门动态"), (notices, "政务公开 / 通知公告")],
            "【逾期提醒】以下栏目需要更新",
        )
        reply = bot.ask(group, leader, f"/done@{BOT} 已转载", "已登记 2 项更新", reply_to=reminder).text or ""
        assert "首页 / 部门动态" in reply and "政务公开 / 通知公告" in reply
        assert {e.item_id for e in live_logs(bot, UpdateLog.note == "已转载")} == {home, notices}

        # /undo takes back everything that one /done logged; each undo is itself recorded.
        bot.ask(leader_chat, leader, "/undo", "一次登记的全部 2 项")
        assert live_logs(bot, UpdateLog.note == "已转载") == []
        assert len(bot.rows(UpdateLog, UpdateLog.source == "undo")) == 2

        # One tap on the button under the reminder logs it and says who did it under the reminder.
        undone = home
        query_id = fake.press_button(group, leader, reminder, f"done:{undone}")
        answer = fake.wait_for(
            lambda: next((a for a in fake.callback_answers if a["callback_query_id"] == query_id), None),
            20,
            what="the button to be answered",
        )
        assert answer["text"].startswith("已登记")
        edited = fake.wait_for(
            lambda: edited_reminder(fake, group, reminder), 20, what="the reminder to be edited"
        )
        assert "李领导" in edited["text"] and "已登记" in edited["text"]
        assert f"done:{undone}" not in str(edited.get("reply_markup"))
        assert live_logs(bot, UpdateLog.item_id == undone, UpdateLog.source == "button")

        # A forwarded /done is not acted on; the next command is (updates are handled in order).
        since = bot.last_seq()
        forwarded = fake.send_text(leader_chat, leader, "/done 通知公告", forward_from=admin)
        bot.ask(leader_chat, leader, "/mine", "您负责的栏目和账号")
        assert not [
            r for r in fake.messages_to(leader_chat) if r.seq > since and r.text and "已登记" in r.text
        ]
        assert forwarded["forward_origin"]["type"] == "user"

        # An edit of a /done is not a second /done (edits are not even fetched).
        before = len(live_logs(bot))
        fake.send_text(group, finance, f"/done@{BOT} 财政预决算 改了备注", edited=True)
        bot.ask(group, finance, f"/help@{BOT}", "可以使用的命令")
        assert len(live_logs(bot)) == before
        assert any("edited_message" in u for u in fake.undelivered)

        # Nothing is late for the leader any more once the account, silent since the list began, posts.
        bot.ask(leader_chat, leader, "/done 楚雄发布", "已登记")
        bot.ask(leader_chat, leader, "/overdue", "目前没有逾期的栏目或账号。")


def edited_reminder(fake, group, message_id):
    message = fake.message(group, message_id)
    return message if message and "已登记" in message.get("text", "") else None
