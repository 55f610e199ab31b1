"""The fake Bot API, exercised with the REAL python-telegram-bot client over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.support.fake_botapi import FakeBotAPI, FakeTimeout, FakeUnexpected, utf16_len

TOKEN = "123456:TEST"
# PTB itself reads RetryAfter.retry_after while building the exception
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def make_bot(fake: FakeBotAPI, token: str = TOKEN) -> telegram.Bot:
    return telegram.Bot(
        token,
        base_url=fake.base_url,
        request=HTTPXRequest(connect_timeout=2, read_timeout=5, write_timeout=5, pool_timeout=2),
        get_updates_request=HTTPXRequest(connect_timeout=2, read_timeout=5),
    )


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server
    assert not server.internal_errors, server.internal_errors


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[telegram.Bot]:
    async with make_bot(fake) as b:
        yield b


def seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# ------------------------------------------------------------------------------------------------ basics


async def test_it_answers_get_me(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot, me.first_name) == (123456, "ZhiriTestBot", True, "Zhiri Test Bot")
    assert me.can_join_groups is True
    assert bot.username == "ZhiriTestBot"
    assert fake.base_url == f"http://127.0.0.1:{fake.port}/bot"


async def test_it_rejects_a_bad_or_revoked_token_with_invalid_token(fake: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(fake, "123456:WRONG"):
            pass
    fake.revoke_token()
    with pytest.raises(InvalidToken):
        async with make_bot(fake):
            pass
    fake.revoke_token(False)
    async with make_bot(fake) as b:
        assert (await b.get_me()).username == "ZhiriTestBot"


def test_it_answers_errors_in_the_bot_api_shape(fake: FakeBotAPI) -> None:
    with httpx.Client() as client:
        r = client.post(f"{fake.base_url}123456:WRONG/getMe")
        assert (r.status_code, r.json()) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
        r = client.post(f"{fake.base_url}{TOKEN}/noSuchMethod")
        assert (r.status_code, r.json()) == (
            404,
            {"ok": False, "error_code": 404, "description": "Not Found"},
        )
        # JSON bodies and case-insensitive method names work like on the real server
        fake.private_chat(fake.user(11, "张三"))
        r = client.post(f"{fake.base_url}{TOKEN}/SENDMESSAGE", json={"chat_id": 11, "text": "  你好  "})
        body = r.json()
        assert r.status_code == 200 and body["ok"] is True
        assert body["result"]["text"] == "你好"  # trimmed like the server does
        r = client.post(f"{fake.base_url}{TOKEN}/sendMessage", data={"chat_id": "11", "text": ""})
        assert r.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: message text is empty",
        }
        r = client.post(f"{fake.base_url}{TOKEN}/sendMessage", data={"chat_id": "99", "text": "x"})
        assert r.json()["description"] == "Bad Request: chat not found"
    assert fake.unexpected == ["method 'noSuchMethod'"]
    fake.unexpected.clear()  # seen: the test of that is below


async def test_what_the_bot_is_not_known_to_send_fails_the_test(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    chat = fake.private_chat(fake.user(12, "李四"))
    with pytest.raises(EndPointNotFound):  # the real API's 404 for a method it does not have
        await fake_post(fake, "sendPhoto", chat_id=chat.id, photo="x")
    with pytest.raises(BadRequest, match=r"(?i)sendmessage parameter\(s\) disable_web_page_preview"):
        await fake_post(fake, "sendMessage", chat_id=chat.id, text="x", disable_web_page_preview=True)
    with pytest.raises(BadRequest, match=r"(?i)parse_mode 'markdownv2'"):
        await bot.send_message(chat.id, "*粗体*", parse_mode=ParseMode.MARKDOWN_V2)
    assert fake.sent == []
    with pytest.raises(FakeUnexpected, match=r"sendPhoto.*disable_web_page_preview.*MarkdownV2"):
        fake.stop()
    fake.unexpected.clear()


# ------------------------------------------------------------------------------------------------ messages


async def test_it_round_trips_send_message_with_reply_markup(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    wang = fake.user(1001, "小王")  # no username, no last name
    chat = fake.private_chat(wang)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("已更新", callback_data="done:42"),
                InlineKeyboardButton("打开", url="https://www.gov.cn"),
            ]
        ]
    )
    sent = await bot.send_message(
        chat.id, "<b>今日值日</b>：网站首页", parse_mode=ParseMode.HTML, reply_markup=markup
    )
    assert sent.message_id == 1
    assert sent.chat.id == 1001 and sent.chat.type == "private" and sent.chat.first_name == "小王"
    assert sent.chat.username is None
    assert sent.from_user is not None and sent.from_user.id == 123456 and sent.from_user.is_bot
    assert sent.text == "今日值日：网站首页"
    assert sent.entities == (MessageEntity(MessageEntity.BOLD, 0, 4),)
    assert isinstance(sent.date, dtm.datetime)
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "done:42"

    reply = await bot.send_message(chat.id, "回复", reply_parameters=ReplyParameters(message_id=1))
    assert reply.message_id == 2
    assert reply.reply_to_message is not None and reply.reply_to_message.message_id == 1

    records = fake.messages_to(chat)
    assert [r.message_id for r in records] == [1, 2]
    assert records[0].text == "今日值日：网站首页" and records[0].raw_text == "<b>今日值日</b>：网站首页"
    assert records[0].callback_data == ["done:42"]
    assert records[0].reply_markup is not None and "inline_keyboard" in records[0].reply_markup
    assert records[1].reply_to == 1
    stored = fake.message(chat, 1)
    assert stored is not None and stored["text"] == sent.text and stored["reply_markup"] == markup.to_dict()

    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(chat.id, "x", reply_parameters=ReplyParameters(message_id=99))
    ok = await bot.send_message(
        chat.id, "x", reply_parameters=ReplyParameters(message_id=99, allow_sending_without_reply=True)
    )
    assert ok.reply_to_message is None


async def test_it_rejects_callback_data_over_64_bytes(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    chat = fake.private_chat(fake.user(7, "李四", "lisi"))
    fits = "值" * 21 + "x"  # 64 bytes
    await bot.send_message(
        chat.id, "ok", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data=fits)]])
    )
    too_long = "值" * 22  # 22 characters but 66 bytes
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(
            chat.id,
            "no",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data=too_long)]]),
        )
    assert len(fake.sent) == 1


async def test_it_parses_html_and_limits_like_the_server(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    chat = fake.private_chat(fake.user(8, "王五"))
    m = await bot.send_message(chat.id, "😀 <i>第一</i> &lt;栏目&gt;", parse_mode=ParseMode.HTML)
    assert m.text == "😀 第一 <栏目>"
    assert m.entities == (MessageEntity(MessageEntity.ITALIC, 3, 2),)  # the emoji is 2 UTF-16 code units
    assert m.parse_entity(m.entities[0]) == "第一"
    with pytest.raises(
        BadRequest, match=r"Can't parse entities: can't find end tag corresponding to start tag \"b\""
    ):
        await bot.send_message(chat.id, "<b>未闭合", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br"'):
        await bot.send_message(chat.id, "a<br>b", parse_mode=ParseMode.HTML)
    await bot.send_message(
        chat.id, "<b>" + "值" * 4096 + "</b>", parse_mode=ParseMode.HTML
    )  # 4096 after parsing
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(chat.id, "值" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)text must be non-empty"):
        await bot.send_message(chat.id, " \n ")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await fake_post(fake, "sendMessage", chat_id=chat.id, text="")
    assert len(fake.sent) == 2


async def fake_post(fake: FakeBotAPI, method: str, **params: object) -> None:
    """A raw call through PTB's own request machinery (bypasses PTB's client-side checks)."""
    async with make_bot(fake) as b:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PTB suggests its own method instead
            await b.do_api_request(method, api_kwargs=params)


async def test_it_sends_a_document_as_multipart(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    chat = fake.group("政务新媒体值班群")
    data = bytes(range(256)) * 10
    msg = await bot.send_document(
        chat.id,
        document=data,
        filename="值日表 2026.xlsx",
        caption="本周 <b>值日表</b>",
        parse_mode=ParseMode.HTML,
    )
    assert msg.document is not None and msg.document.file_name == "值日表 2026.xlsx"
    assert msg.document.file_size == len(data)
    assert msg.caption == "本周 值日表" and msg.caption_entities == (MessageEntity(MessageEntity.BOLD, 3, 3),)
    record = fake.messages_to(chat)[0]
    assert record.method == "sendDocument"
    assert record.document_filename == "值日表 2026.xlsx" and record.document_bytes == data
    assert record.document_mime_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_it_edits_a_caption_and_only_a_caption(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    chat = fake.group("政务新媒体值班群")
    doc = await bot.send_document(chat.id, document=b"PK", filename="a.xlsx", caption="本周值日表")
    text = await bot.send_message(chat.id, "首页栏目今天到期")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_caption(chat.id, doc.message_id, caption="本周值日表")
    edited = await bot.edit_message_caption(
        chat.id, doc.message_id, caption="下周 <b>值日表</b>", parse_mode=ParseMode.HTML
    )
    assert isinstance(edited, telegram.Message) and edited.caption == "下周 值日表"
    assert edited.caption_entities == (MessageEntity(MessageEntity.BOLD, 3, 3),)
    assert edited.document is not None and edited.edit_date is not None
    assert (fake.edits[-1].method, fake.edits[-1].text) == ("editMessageCaption", "下周 值日表")
    cleared = await bot.edit_message_caption(chat.id, doc.message_id, caption="")
    assert isinstance(cleared, telegram.Message) and cleared.caption is None and not cleared.caption_entities
    with pytest.raises(BadRequest, match=r"(?i)there is no caption in the message to edit"):
        await bot.edit_message_caption(chat.id, text.message_id, caption="说明")
    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("说明", chat.id, doc.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.edit_message_caption(chat.id, doc.message_id, caption="长" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await bot.edit_message_text("长" * 4097, chat.id, text.message_id)


# ------------------------------------------------------------------------------------------------ updates


async def test_it_delivers_an_update_enqueued_after_the_long_poll_started(
    fake: FakeBotAPI, bot: telegram.Bot
) -> None:
    zhao = fake.user(2001, "赵六", "zhaoliu", "赵")
    chat = fake.private_chat(zhao)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await fake.async_wait_for(lambda: fake.long_polls_waiting, timeout=5)
    fake.send_text(chat, zhao, "/start")
    updates = await poll
    assert time.monotonic() - started < 3
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.from_user is not None and message.from_user.username == "zhaoliu"
    assert message.chat.id == 2001 and message.chat.type == "private"
    # not confirmed yet: delivered again; confirmed with offset: gone
    assert [u.update_id for u in await bot.get_updates()] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1) == ()


async def test_it_marks_bot_commands_in_utf16_code_units(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    u = fake.user(3001, "钱七")
    g = fake.group("办公室")
    fake.send_text(g, u, "/report@ZhiriTestBot 本周📋情况")
    fake.send_text(g, u, "📋本周 /done 已更新 👍")
    fake.send_text(g, u, "本周/done")  # a letter right before '/': no command
    first, second, third = [upd.message for upd in await bot.get_updates()]
    assert first is not None and second is not None and third is not None
    assert first.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 20),)
    assert first.parse_entity(first.entities[0]) == "/report@ZhiriTestBot"
    assert second.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 5, 5),)
    assert utf16_len("📋本周 ") == 5
    assert second.parse_entities([MessageEntity.BOT_COMMAND]) == {second.entities[0]: "/done"}
    assert third.entities == ()


async def test_it_delivers_button_presses_and_enforces_keyboard_edits(
    fake: FakeBotAPI, bot: telegram.Bot
) -> None:
    sun = fake.user(4001, "孙八")
    chat = fake.private_chat(sun)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✅ 已更新", callback_data="done:7")]])
    sent = await bot.send_message(chat.id, "首页栏目今天到期", reply_markup=markup)
    query_id = fake.press_button(chat, sun, sent.message_id, "done:7")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.id == query_id and query.data == "done:7"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.from_user.id == 4001
    assert await bot.answer_callback_query(query.id, text="已记录")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    assert fake.callback_answers[0]["text"] == "已记录"

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("首页栏目今天到期", chat.id, sent.message_id, reply_markup=markup)
    edited = await bot.edit_message_text(
        "首页栏目已更新", chat.id, sent.message_id
    )  # no markup: keyboard removed
    assert (
        isinstance(edited, telegram.Message) and edited.edit_date is not None and edited.reply_markup is None
    )
    with pytest.raises(ValueError, match=r"no button"):
        fake.press_button(chat, sun, sent.message_id, "done:7")
    assert fake.edits[-1].text == "首页栏目已更新"
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat.id, sent.message_id + 100)


async def test_it_ends_an_older_long_poll_with_conflict(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await fake.async_wait_for(lambda: fake.long_polls_waiting == 1, timeout=5)
    async with make_bot(fake) as other:
        second = asyncio.create_task(other.get_updates(timeout=1))
        with pytest.raises(Conflict, match=r"terminated by other getUpdates request"):
            await first
        assert await second == ()


# ------------------------------------------------------------------------------------------------ faults


async def test_it_raises_retry_after_on_429(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    chat = fake.private_chat(fake.user(5001, "周九"))
    fake.fail_next(1, error_code=429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat.id, "第一次")
    assert seconds(caught.value) == 3
    await bot.send_message(chat.id, "第二次")
    assert fake.texts_to(chat) == ["第二次"]
    assert fake.responses_429 == 1
    assert [c.status for c in fake.calls("sendMessage")] == [429, 200]
    fake.fail_next(1, error_code=502)
    with pytest.raises(NetworkError, match=r"Bad Gateway"):
        await bot.send_message(chat.id, "第三次")


async def test_it_raises_chat_migrated_after_an_upgrade(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    boss = fake.user(6001, "吴主任", "wuzhuren")
    group = fake.group("值班群", creator=boss)
    assert group.type == "group" and group.id == -4001
    supergroup = fake.migrate_to_supergroup(group, by_user=boss)
    assert supergroup.type == "supergroup" and supergroup.id <= -1_000_000_000_000
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(group.id, "提醒")
    assert caught.value.new_chat_id == supergroup.id
    await bot.send_message(supergroup.id, "提醒")
    old_msg, new_msg = [u.message for u in await bot.get_updates()]
    assert old_msg is not None and old_msg.migrate_to_chat_id == supergroup.id and old_msg.chat.id == group.id
    assert (
        new_msg is not None and new_msg.migrate_from_chat_id == group.id and new_msg.chat.id == supergroup.id
    )


async def test_it_raises_forbidden_when_kicked_or_blocked(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    admin = fake.user(7001, "郑科长")
    group = fake.group("科室群", bot_status="left")
    with pytest.raises(Forbidden, match=r"bot is not a member of the group chat"):
        await bot.send_message(group.id, "hi")
    fake.add_bot_to_group(group, admin)
    await bot.send_message(group.id, "大家好")
    fake.kick_bot(group, admin)
    with pytest.raises(Forbidden, match=r"bot was kicked from the group chat"):
        await bot.send_message(group.id, "还在吗")

    user = fake.user(7002, "冯九")
    chat = fake.private_chat(user)
    fake.block_by_user(chat)
    with pytest.raises(Forbidden, match=r"bot was blocked by the user"):
        await bot.send_message(chat.id, "提醒")
    stranger = fake.private_chat(fake.user(7003, "陈十"), started=False)
    with pytest.raises(Forbidden, match=r"bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "你好")

    kinds = [next(k for k in u.to_dict() if k != "update_id") for u in await bot.get_updates()]
    assert kinds == ["my_chat_member", "message", "my_chat_member", "my_chat_member"]
    updates = await bot.get_updates()
    added, service, kicked, blocked = updates
    assert isinstance(added.my_chat_member, ChatMemberUpdated)
    assert (added.my_chat_member.old_chat_member.status, added.my_chat_member.new_chat_member.status) == (
        "left",
        "member",
    )
    assert service.message is not None and [u.id for u in service.message.new_chat_members] == [123456]
    assert kicked.my_chat_member is not None and kicked.my_chat_member.new_chat_member.status == "kicked"
    assert blocked.my_chat_member is not None and blocked.my_chat_member.chat.type == "private"


async def test_it_is_unreachable_then_reachable_again(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    chat = fake.private_chat(fake.user(8001, "褚十一"))
    await bot.send_message(chat.id, "before")
    port = fake.port
    fake.set_unreachable(True)
    with pytest.raises(NetworkError):  # TimedOut is a NetworkError too
        await bot.send_message(chat.id, "during")
    fake.set_unreachable(False)
    assert fake.port == port
    await bot.send_message(chat.id, "after")
    assert fake.texts_to(chat) == ["before", "after"]


async def test_it_cuts_a_long_poll_when_it_goes_unreachable(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await fake.async_wait_for(lambda: fake.long_polls_waiting, timeout=5)
    fake.set_unreachable(True)
    with pytest.raises(NetworkError):
        await poll
    fake.set_unreachable(False)
    assert await bot.get_updates() == ()


async def test_it_enforces_limits_when_exceeded_and_not_when_paced(
    fake: FakeBotAPI, bot: telegram.Bot
) -> None:
    fake.enforce_limits(True, global_per_second=30, per_group_per_minute=20, per_private_per_second=1)
    group = fake.group("大群")
    for n in range(20):
        await bot.send_message(group.id, f"第{n}条")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(group.id, "第21条")
    assert 55 <= seconds(caught.value) <= 60

    users = [fake.private_chat(fake.user(9000 + n, f"用户{n}")) for n in range(31)]
    fake.enforce_limits(True)  # fresh windows
    for chat in users[:30]:
        await bot.send_message(chat.id, "通知")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(users[30].id, "通知")
    assert seconds(caught.value) == 1

    fake.enforce_limits(True)
    await bot.send_message(users[0].id, "一")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[0].id, "二")
    assert fake.responses_429 == 3
    fake.clear_records()
    await asyncio.sleep(1.05)  # paced at one message per second per chat: no 429
    await bot.send_message(users[0].id, "二")
    assert fake.responses_429 == 0
    assert [r.text for r in fake.messages_to(users[0])] == ["二"]


async def test_it_stores_commands_per_scope_and_language(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    group = fake.supergroup("值班群")
    assert await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("done", "登记已更新")])
    assert await bot.set_my_commands([BotCommand("today", "今日值日")], scope=BotCommandScopeAllGroupChats())
    assert await bot.set_my_commands([BotCommand("report", "本群报告")], scope=BotCommandScopeChat(group.id))
    assert await bot.set_my_commands([BotCommand("help", "help")], language_code="en")
    assert [c["command"] for c in fake.commands()] == ["start", "done"]
    assert [c["command"] for c in fake.commands({"type": "all_group_chats"})] == ["today"]
    assert [c["command"] for c in fake.commands(language_code="en")] == ["help"]
    assert fake.commands({"type": "chat", "chat_id": group.id}) == [
        {"command": "report", "description": "本群报告"}
    ]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "大写")])
    with pytest.raises(BadRequest, match=r"(?i)command description must be non-empty"):
        await bot.set_my_commands([BotCommand("start", " ")])
    with pytest.raises(BadRequest, match=r"(?i)command length must not exceed 32"):
        await bot.set_my_commands([BotCommand("a" * 33, "太长")])


async def test_it_can_wait_for_what_the_bot_sends(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    chat = fake.private_chat(fake.user(9901, "蒋"))

    async def later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(chat.id, "一")
        await bot.send_message(chat.id, "二")

    task = asyncio.create_task(later())
    records = await fake.async_wait_for_messages(chat, 2, timeout=5)
    await task
    assert [r.text for r in records] == ["一", "二"]
    with pytest.raises(FakeTimeout):
        fake.wait_for(lambda: len(fake.sent) > 2, timeout=0.1)
    with pytest.raises(TelegramError):
        await bot.send_message(-999, "nobody")


async def test_it_drives_a_real_ptb_application(fake: FakeBotAPI) -> None:
    """The whole polling loop: deleteWebhook, long polls, handlers, answers, clean shutdown."""
    boss = fake.user(9601, "秦组长", "qinzz")
    group = fake.group("值日群")

    async def report(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("已更新", callback_data="done")]])
        await context.bot.send_message(
            update.effective_chat.id, f"收到 {context.args}", reply_markup=keyboard
        )

    async def done(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("好")
        await update.callback_query.edit_message_text("已登记")

    app = Application.builder().token(TOKEN).base_url(fake.base_url).get_updates_read_timeout(5).build()
    app.add_handler(CommandHandler("report", report))
    app.add_handler(CallbackQueryHandler(done))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=2, allowed_updates=telegram.Update.ALL_TYPES)
        fake.send_text(group, boss, "/report@ZhiriTestBot 本周")
        (record,) = await fake.async_wait_for_messages(group, 1, timeout=5)
        assert record.text == "收到 ['本周']"
        fake.press_button(group, boss, record.message_id, "done")
        await fake.async_wait_for(lambda: fake.edits, timeout=5)
        await app.updater.stop()
        await app.stop()
    assert fake.callback_answers[0]["text"] == "好"
    assert fake.message(group, record.message_id)["text"] == "已登记"  # type: ignore[index]
    assert fake.calls("deleteWebhook") and fake.pending_updates == []


async def test_it_builds_realistic_user_side_updates(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    li = fake.user(9701, "李", "li_ming")
    group = fake.group("网站组")
    first = fake.send_text(group, li, "首页已更新")
    fake.send_text(group, li, "首页和专栏已更新", edited=True)
    fake.send_text(group, li, "转发", forward_from=li)
    fake.send_text(group, li, "转发匿名", forward_from="某用户")
    fake.send_text(group, li, "回复", reply_to=first["message_id"])
    msg, edited, fwd_user, fwd_hidden, reply = await bot.get_updates()
    assert msg.message is not None and edited.edited_message is not None
    assert edited.edited_message.message_id == msg.message.message_id
    assert edited.edited_message.text == "首页和专栏已更新" and edited.edited_message.edit_date is not None
    assert fwd_user.message is not None and fwd_user.message.forward_origin is not None
    assert fwd_user.message.forward_origin.type == "user"
    assert fwd_hidden.message is not None and fwd_hidden.message.forward_origin is not None
    assert fwd_hidden.message.forward_origin.type == "hidden_user"
    assert reply.message is not None and reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.text == "首页和专栏已更新"  # replies show the current version


async def test_it_filters_updates_like_the_server(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    strict = FakeBotAPI(privacy_mode=True).start()
    try:
        u = fake.user(9801, "卫")
        g = strict.group("隐私群")
        strict.send_text(g, u, "闲聊")  # privacy mode: not for the bot
        strict.send_text(g, u, "/today")
        strict.send_text(g, u, "/today@OtherBot")
        assert [m["message"]["text"] for m in strict.updates] == ["/today"]
        assert len(strict.undelivered) == 2
    finally:
        strict.stop()
    chat = fake.private_chat(fake.user(9802, "蒋"))
    await bot.get_updates(allowed_updates=["message"])
    sent = await bot.send_message(
        chat.id, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="b")]])
    )
    fake.press_button(chat, chat.user, sent.message_id, "b")  # type: ignore[arg-type]
    fake.send_text(chat, chat.user, "hello")  # type: ignore[arg-type]
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["hello"] and len(updates) == 1
