"""Handlers through the real Application: updates in, Bot API calls out, rows in SQLite."""

from __future__ import annotations

import re

from sqlmodel import col, select

from storage import outbox
from storage.db import session_scope
from storage.models import Chat, Invitation, Membership, Outbox, Person, UpdateLog
from tests.bot.conftest import (
    ADMIN,
    BOT_USERNAME,
    FINANCE,
    GROUP_ID,
    LEADER,
    NOW,
    STRANGER,
    SUPERGROUP_ID,
    WEBMASTER,
)


def rows(h, model, *where):
    with session_scope(h.engine) as session:
        return session.exec(select(model).where(*where)).all()


def logs(h):
    # The seed's imported last-update dates are not what a test's people logged.
    return rows(h, UpdateLog, col(UpdateLog.source).not_in(("undo", "import")))


# -- /start and /invite ---------------------------------------------------------------------------


async def test_start_without_a_code_says_how_to_get_an_invitation(harness):
    text = (await harness.send("/start", user=STRANGER)).last_text()
    assert "值日" in text and "/invite" in text and "市政府办信息中心" in text


async def test_an_administrator_invites_and_the_person_binds_with_start(harness):
    text = (await harness.send("/invite 财政 分管领导", user=ADMIN)).last_text()
    link = re.search(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)", text)
    assert link is not None and len(link.group(1)) <= 64
    code = link.group(1)
    assert f"\n/start {code}" in text and "市财政局" in text and "分管领导" in text and "7天" in text

    reply = (await harness.send(f"/start {code}", user=3001)).last_text()
    assert "市财政局" in reply and "分管领导" in reply
    person = rows(harness, Person, Person.telegram_id == 3001)[0]
    assert person.name == "用户3001" and person.username is None
    assert [m.role for m in rows(harness, Membership, Membership.person_id == person.id)] == ["leader"]
    assert "已经使用过" in (await harness.send(f"/start {code}", user=3001)).last_text()
    assert "已被使用" in (await harness.send(f"/start {code}", user=3002)).last_text()
    assert "无效" in (await harness.send("/start 不存在", user=3002)).last_text()


async def test_start_with_a_code_in_a_group_keeps_the_code(harness):
    await harness.send("/invite 市财政局 webmaster", user=ADMIN)
    code = rows(harness, Invitation)[0].code
    text = (await harness.send(f"/start@{BOT_USERNAME} {code}", user=3001, chat=GROUP_ID)).last_text()
    assert "私聊" in text
    assert rows(harness, Invitation)[0].used_at is None


async def test_invite_needs_an_administrator_and_arguments(harness):
    assert "只有系统管理员" in (await harness.send("/invite 市财政局 leader", user=WEBMASTER)).last_text()
    assert "用法" in (await harness.send("/invite", user=ADMIN)).last_text()
    assert "无法识别角色" in (await harness.send("/invite 市财政局 老板", user=ADMIN)).last_text()
    text = (await harness.send("/invite 市 leader", user=ADMIN)).last_text()
    assert "对应多个单位" in text and "市财政局" in text
    assert rows(harness, Invitation) == []


# -- /done ------------------------------------------------------------------------------------------


async def test_done_by_name_confirms_the_item_and_its_next_due_date(harness):
    text = (await harness.send("/done 首页／部门动态")).last_text()
    assert "已登记更新：首页 / 部门动态" in text
    assert "12月7日（周一）" in text and "正常" in text and "/undo" in text
    (entry,) = logs(harness)
    assert entry.source == "done" and entry.at == NOW


async def test_done_with_invisible_and_full_width_characters(harness):
    text = (await harness.send("/done 通知\u200b公告\u3000３条")).last_text()
    assert "政务公开 / 通知公告（3条）" in text
    assert logs(harness)[0].count == 3


async def test_an_ambiguous_name_offers_buttons_and_a_tap_logs(harness):
    request = await harness.send("/done 部门动态 2", user=ADMIN)
    markup = request.sent()[-1]["reply_markup"]
    buttons = [b for row in markup["inline_keyboard"] for b in row]
    assert len(buttons) == 2 and all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    assert logs(harness) == []

    pressed = buttons[0]["callback_data"]
    message = harness.bot_message(ADMIN, 900, "「部门动态」对应多个栏目", markup)
    await harness.feed(callback(ADMIN, message, pressed))
    assert request.sent("answerCallbackQuery")[-1]["text"].startswith("已登记")
    edited = request.sent("editMessageText")[-1]
    assert "已登记" in edited["text"]
    assert pressed not in str(edited.get("reply_markup", ""))
    (entry,) = logs(harness)
    assert (entry.source, entry.count, entry.origin) == ("button", 2, f"tg:{ADMIN}:900")


def callback(user, message, data, *, query_id="q1"):
    return {
        "callback_query": {
            "id": query_id,
            "from": {"id": user, "is_bot": False, "first_name": f"用户{user}"},
            "chat_instance": "ci",
            "message": message,
            "data": data,
        }
    }


async def test_a_reminder_button_logs_once_even_when_pressed_twice(harness):
    item_id = harness.world.items["首页 / 部门动态"]
    markup = {"inline_keyboard": [[{"text": "已更新 部门动态", "callback_data": f"done:{item_id}"}]]}
    message = harness.bot_message(GROUP_ID, 77, "【提醒】首页 / 部门动态 已逾期", markup)
    await harness.feed(callback(WEBMASTER, message, f"done:{item_id}"))
    await harness.feed(callback(FINANCE, message, f"done:{item_id}", query_id="q2"))
    answers = [a["text"] for a in harness.request.sent("answerCallbackQuery")]
    assert answers[0].startswith("已登记") and "登记过" in answers[1]
    assert len(logs(harness)) == 1


async def test_a_stranger_pressing_a_button_is_told_how_to_get_an_invitation(harness):
    item_id = harness.world.items["首页 / 部门动态"]
    await harness.feed(callback(STRANGER, harness.bot_message(GROUP_ID, 77), f"done:{item_id}"))
    answer = harness.request.sent("answerCallbackQuery")[-1]
    assert answer["show_alert"] is True and "邀请" in answer["text"]
    assert logs(harness) == []


async def test_an_unknown_button_is_answered(harness):
    await harness.feed(callback(WEBMASTER, harness.bot_message(GROUP_ID, 77), "something:else"))
    assert "失效" in harness.request.sent("answerCallbackQuery")[-1]["text"]


async def test_done_replied_to_a_reminder_logs_its_items(harness):
    item_id = harness.world.items["首页 / 部门动态"]
    with session_scope(harness.engine) as session:
        row_id, _ = outbox.enqueue(
            session,
            NOW,
            kind="due_warning",
            chat_id=GROUP_ID,
            text="提醒",
            day=NOW.date(),
            items=[item_id],
            asks=[item_id],
        )
        outbox.mark_sent(session, NOW, row_id, 77)
    reply_to = harness.bot_message(GROUP_ID, 77)
    text = (await harness.send(f"/done@{BOT_USERNAME} 转载", chat=GROUP_ID, reply_to=reply_to)).last_text()
    assert "首页 / 部门动态" in text and "转载" in text
    assert logs(harness)[0].note == "转载"


async def test_done_replied_to_the_daily_read_asks_which_item_with_buttons(harness):
    ids = [harness.world.items["首页 / 部门动态"], harness.world.items["政务公开 / 通知公告"]]
    with session_scope(harness.engine) as session:
        row_id, _ = outbox.enqueue(
            session, NOW, kind="daily_read", chat_id=GROUP_ID, text="【日查】", day=NOW.date(), items=ids
        )
        outbox.mark_sent(session, NOW, row_id, 78)
    request = await harness.send(
        f"/done@{BOT_USERNAME}", chat=GROUP_ID, reply_to=harness.bot_message(GROUP_ID, 78)
    )
    sent = request.sent()[-1]
    assert "请点选您已更新的那一项" in sent["text"]
    data = [b["callback_data"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert sorted(data) == sorted(f"done:{i}" for i in ids)
    assert logs(harness) == []


async def test_an_administrator_is_told_on_whose_behalf_he_logged(harness):
    text = (await harness.send("/done 财政预决算", user=ADMIN)).last_text()
    assert "（代市财政局登记）" in text


async def test_an_administrator_retires_an_item_in_chat_and_brings_it_back(harness):
    assert "只有系统管理员" in (await harness.send("/retire 通知公告 已并入", user=WEBMASTER)).last_text()
    assert "用法：/retire" in (await harness.send("/retire 通知公告", user=ADMIN)).last_text()
    text = (await harness.send("/retire 通知公告 栏目已并入政策文件", user=ADMIN)).last_text()
    assert "已停更：政务公开 / 通知公告" in text and "原因：栏目已并入政策文件" in text
    assert "没有找到「通知公告」" in (await harness.send("/done 通知公告")).last_text()
    text = (await harness.send("/unretire 通知公告", user=ADMIN)).last_text()
    assert "已恢复：政务公开 / 通知公告（原停更原因：栏目已并入政策文件）" in text
    assert "已登记更新" in (await harness.send("/done 通知公告")).last_text()


async def test_a_stranger_is_refused_politely_and_nothing_is_written(harness):
    text = (await harness.send("/done 部门动态", user=STRANGER)).last_text()
    assert "还没有绑定" in text and "/invite" in text and "系统管理员" in text
    assert logs(harness) == [] and rows(harness, Person, Person.telegram_id == STRANGER) == []


async def test_someone_elses_item_and_unknown_names(harness):
    text = (await harness.send("/done 财政预决算")).last_text()
    assert "市财政局" in text and "不能登记" in text
    text = (await harness.send("/done 通知公布")).last_text()
    assert "没有找到「通知公布」" in text and "政务公开 / 通知公告" in text
    assert "用法" in (await harness.send("/done")).last_text()
    assert logs(harness) == []


async def test_edited_and_forwarded_commands_are_ignored(harness):
    edited = harness.message_update("/done 通知公告", kind="edited_message")
    edited["edited_message"]["edit_date"] = int(NOW.timestamp())
    await harness.feed({k: v for k, v in edited.items() if k != "update_id"})
    forwarded = {
        "forward_origin": {
            "type": "user",
            "date": int(NOW.timestamp()),
            "sender_user": {"id": 1, "is_bot": False, "first_name": "x"},
        }
    }
    await harness.send("/done 通知公告", extra=forwarded)
    assert harness.request.sent() == [] and logs(harness) == []


async def test_channel_posts_are_ignored(harness):
    post = harness.message_update("/done 通知公告", chat=-1009, chat_type="channel", kind="channel_post")
    post["channel_post"].pop("from")
    await harness.feed({k: v for k, v in post.items() if k != "update_id"})
    assert harness.request.calls == [] and logs(harness) == []


async def test_commands_for_another_bot_are_ignored_in_groups(harness):
    await harness.send("/done@OtherBot 通知公告", chat=GROUP_ID)
    await harness.send("/frobnicate", chat=GROUP_ID)
    assert harness.request.sent() == []
    assert "没有这个命令" in (await harness.send(f"/frobnicate@{BOT_USERNAME}", chat=GROUP_ID)).last_text()
    assert "没有这个命令" in (await harness.send("/frobnicate")).last_text()


async def test_an_anonymous_group_administrator_is_asked_to_show_themselves(harness):
    anonymous = {"sender_chat": {"id": GROUP_ID, "type": "group", "title": "测试群"}}
    text = (
        await harness.send(f"/done@{BOT_USERNAME} 通知公告", chat=GROUP_ID, user=1087968824, extra=anonymous)
    ).last_text()
    assert "匿名" in text and logs(harness) == []


async def test_plain_text_in_private_points_to_help(harness):
    assert "/help" in (await harness.send("部门动态更新了")).last_text()


async def test_undo_takes_back_the_last_log(harness):
    await harness.send("/done 通知公告")
    text = (await harness.send("/undo")).last_text()
    assert "已撤销" in text and "政务公开 / 通知公告" in text
    assert "没有可以撤销" in (await harness.send("/undo")).last_text()
    assert {e.source for e in rows(harness, UpdateLog, col(UpdateLog.source) != "import")} == {"done", "undo"}


async def test_event_records_and_refuses_future_dates(harness):
    text = (await harness.send("/event 财政预决算 2026-11-20 预算调整", user=FINANCE)).last_text()
    assert "已记录事项" in text and "11月20日" in text
    assert "不能晚于今天" in (await harness.send("/event 财政预决算 2026-12-20", user=FINANCE)).last_text()
    assert "用法" in (await harness.send("/event", user=FINANCE)).last_text()


# -- asking ----------------------------------------------------------------------------------------


async def test_overdue_for_the_administrator_and_for_a_leader(harness):
    text = (await harness.send("/overdue", user=ADMIN)).last_text()
    assert "【市政府办公室】" in text and "【市教育局】" in text
    assert "王小明（@wxm）" in text and "未绑定网站维护员" in text
    assert "待补充规则" in text and "互动交流 / 在线访谈" in text
    text = (await harness.send("/overdue", user=LEADER)).last_text()
    assert "【市政府办公室】" in text and "市教育局" not in text and "待补充规则" not in text
    await harness.send("/done 部门动态", user=WEBMASTER)
    await harness.send("/done 楚雄发布", user=WEBMASTER)  # silent since October: a week at most between posts
    assert (await harness.send("/overdue", user=LEADER)).last_text() == "目前没有逾期的栏目或账号。"


async def test_mine_due_rule_and_status(harness):
    text = (await harness.send("/mine")).last_text()
    assert text.index("首页 / 部门动态") < text.index("政务公开 / 通知公告")
    assert "🔴 已逾期39天｜首页 / 部门动态" in text  # the same days late as /overdue and the routine
    assert "另有 3 项已逾期" in (await harness.send("/due", user=ADMIN)).last_text()
    assert "1 到 60" in (await harness.send("/due 很多")).last_text()
    assert "至少更新一次" in (await harness.send("/rule 2周内更新")).last_text()
    assert "没能理解" in (await harness.send("/rule 看情况吧")).last_text()
    assert "只有系统管理员" in (await harness.send("/status")).last_text()
    status = (await harness.send("/status", user=ADMIN)).last_text()
    assert "已逾期 3" in status and "待补充规则 1" in status
    assert "检查风险：" in status


async def test_score_for_administrators_and_units_and_the_category_correction(harness):
    site = (await harness.send("/score", user=ADMIN)).last_text()
    assert "单项否决指标" in site and "首页栏目未更新天数" in site and "无数据" in site
    mine = (await harness.send("/score", user=FINANCE)).last_text()
    assert "市财政局" in mine.splitlines()[0]
    assert "还没有绑定" in (await harness.send("/score", user=STRANGER)).last_text()
    assert "只有系统管理员" in (await harness.send("/category 部门动态 动态要闻", user=FINANCE)).last_text()
    assert "已更正" in (await harness.send("/category 首页/部门动态 动态要闻", user=ADMIN)).last_text()
    assert "类别可以是" in (await harness.send("/category 部门动态", user=ADMIN)).last_text()


async def test_help_shows_administrator_commands_only_to_administrators(harness):
    member = (await harness.send("/help")).last_text()
    admin = (await harness.send("/help", user=ADMIN)).last_text()
    assert "/done" in member and "/invite" not in member
    assert "/invite" in admin and "/bindchat" in admin and "/status" in admin


async def test_help_examples_are_the_sites_own_names(harness):
    admin = (await harness.send("/help", user=ADMIN)).last_text()
    assert "/invite 市政府办公室 网站维护员" in admin  # the unit leading the most items
    assert "/group 市属各部门 市政府办公室 市教育局" in admin
    assert "系统管理员：市政府办信息中心负责本网站的管理员" in admin


async def test_people_and_units(harness):
    text = (await harness.send("/people", user=ADMIN)).last_text()
    assert "【市政府办公室】" in text and "王小明" in text and "李领导" in text
    assert "市财政局" in (await harness.send("/units", user=FINANCE)).last_text()
    assert "还没有绑定" in (await harness.send("/people", user=STRANGER)).last_text()


async def test_a_long_overdue_list_is_a_summary_with_the_full_list_attached(harness):
    """/overdue for a county or a province: a summary a person can read in one message (counts by unit, the
    worst named), and every late item in the attached spreadsheet."""
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.bot.seed import add_many_overdue

    add_many_overdue(harness.engine, harness.world, 120)
    request = await harness.send("/overdue", user=ADMIN)
    (text,) = request.texts()
    assert len(text) <= 4096 and text.count("\n") < 60
    total = int(text.split("共 ", 1)[1].split(" 项", 1)[0])
    assert total >= 120 and "完整清单见附件" in text
    assert "• 市教育局 " in text.split("逾期最久的")[0]  # by unit, most late items first
    assert text.index("• 市教育局 ") < text.index("逾期最久的")
    (document,) = request.sent("sendDocument")
    assert "完整列表" in document["caption"]
    (data,) = request.files()
    rows = list(load_workbook(BytesIO(data)).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len({r[1] for r in rows}) == total  # every late item (one row per unit answering for it)
    assert sum(1 for r in rows if str(r[1]).startswith("专题专栏 / 历史专题")) == 120


async def test_a_short_overdue_list_is_given_whole(harness):
    from tests.bot.seed import add_many_overdue

    add_many_overdue(harness.engine, harness.world, 3)
    request = await harness.send("/overdue", user=ADMIN)
    (text,) = request.texts()
    assert "完整清单" not in text and not request.sent("sendDocument")
    assert text.count("历史专题") == 3


async def test_a_long_list_is_split_and_sent_as_a_spreadsheet(harness):
    from tests.bot.conftest import CREATED
    from tests.bot.seed import add_many_overdue, add_person

    add_many_overdue(harness.engine, harness.world, 120)
    add_person(harness.engine, CREATED, 7301, "钱教", [("市教育局", "webmaster")], harness.world)
    request = await harness.send("/mine", user=7301)
    texts = request.texts()
    assert len(texts) >= 2 and all(len(t) <= 4096 for t in texts)
    (document,) = request.sent("sendDocument")
    assert "完整列表" in document["caption"]


# -- groups ----------------------------------------------------------------------------------------


async def test_bindchat_in_a_group_by_an_administrator(harness):
    text = (
        await harness.send(f"/bindchat@{BOT_USERNAME} 市财政局 市教育局", user=ADMIN, chat=GROUP_ID)
    ).last_text()
    assert "市财政局" in text and "市教育局" in text
    assert (
        "只有系统管理员"
        in (await harness.send("/bindchat 市财政局", user=WEBMASTER, chat=GROUP_ID)).last_text()
    )
    assert "在需要接收提醒的群里" in (await harness.send("/bindchat 市财政局", user=ADMIN)).last_text()
    assert "解除" in (await harness.send("/unbindchat", user=ADMIN, chat=GROUP_ID)).last_text()


def membership(chat_id, old, new, *, by=ADMIN, date_=None):
    return {
        "my_chat_member": {
            "chat": {"id": chat_id, "type": "group", "title": "测试群"},
            "from": {"id": by, "is_bot": False, "first_name": "管理员"},
            "date": date_ or int(NOW.timestamp()),
            "old_chat_member": {"status": old, "user": {"id": 4242, "is_bot": True, "first_name": "值日"}},
            "new_chat_member": {"status": new, "user": {"id": 4242, "is_bot": True, "first_name": "值日"}}
            | ({"until_date": 0} if new == "kicked" else {}),
        }
    }


async def test_a_kicked_bot_deactivates_the_group_and_tells_the_administrators(harness):
    await harness.send("/bindchat 全部", user=ADMIN, chat=GROUP_ID)
    await harness.feed(membership(GROUP_ID, "member", "kicked"))
    chat = rows(harness, Chat)[0]
    assert (chat.active, chat.inactive_reason) == (False, "kicked")
    (notice,) = rows(harness, Outbox, Outbox.kind == "admin_notice")
    assert notice.chat_id == ADMIN and "被移出" in notice.text and "全部单位" in notice.text
    harness.request.clear()
    await harness.feed(membership(GROUP_ID, "left", "member"))
    assert rows(harness, Chat)[0].active
    assert "绑定已恢复" in harness.request.last_text()


async def test_a_new_group_is_greeted_with_how_to_bind_it(harness):
    await harness.feed(membership(GROUP_ID, "left", "member"))
    assert "/bindchat" in harness.request.last_text()
    assert rows(harness, Chat) == []


async def test_a_migrated_group_keeps_its_binding(harness):
    await harness.send("/bindchat 市财政局", user=ADMIN, chat=GROUP_ID)
    await harness.send("", chat=GROUP_ID, extra={"migrate_to_chat_id": SUPERGROUP_ID})
    await harness.send(
        "", chat=SUPERGROUP_ID, chat_type="supergroup", extra={"migrate_from_chat_id": GROUP_ID}
    )
    (chat,) = rows(harness, Chat)
    assert (chat.address, chat.migrated_from, chat.type) == (SUPERGROUP_ID, GROUP_ID, "supergroup")
    text = (
        await harness.send(
            f"/bindchat@{BOT_USERNAME} 市财政局", user=ADMIN, chat=SUPERGROUP_ID, chat_type="supergroup"
        )
    ).last_text()
    assert "无需重复绑定" in text


# -- robustness ------------------------------------------------------------------------------------


async def test_an_error_is_logged_answered_and_the_next_update_still_works(harness, monkeypatch, caplog):
    from storage import queries

    def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(queries, "mine_view", boom)
    assert "抱歉" in (await harness.send("/mine")).last_text()
    assert "database on fire" in caplog.text
    assert "已登记" in (await harness.send("/done 通知公告")).last_text()


async def test_a_burst_from_strangers_writes_nothing_and_answers_everyone(harness):
    for i in range(300):
        await harness.send(f"/done 部门动态 {i}", user=STRANGER + i)
    assert len(harness.request.sent()) == 300
    assert logs(harness) == [] and rows(harness, Person, Person.telegram_id >= STRANGER) == []


async def test_the_command_menu_is_registered_in_chinese(harness):
    from bot.app import register_commands

    await register_commands(harness.app)
    calls = harness.request.sent("setMyCommands")
    scopes = [c["scope"]["type"] for c in calls]
    assert scopes[:3] == ["all_private_chats", "all_group_chats", "all_chat_administrators"]
    assert {"type": "chat", "chat_id": ADMIN} in [c["scope"] for c in calls]
    private = {c["command"]: c["description"] for c in calls[0]["commands"]}
    assert private["done"] == "登记栏目或账号已更新" and "invite" not in private
