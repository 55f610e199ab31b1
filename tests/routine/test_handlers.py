"""The routine's buttons and /holidays, through a real PTB Application with no network (a recorder)."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, MessageHandler

from channels import telegram as tg
from domain.actions import Verb
from domain.calendar import WorkCalendar
from handlers import routine
from handlers.context import CLOCK, ENGINE, JUDGE, SETTINGS
from replies import format as fmt
from replies import routine as say
from storage import outbox
from storage.db import session_scope
from storage.items import Judge
from storage.models import CalendarDay, HalfMonthAnswer, ReadConfirmation
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, EDU_CHAT, FIN_CHAT, FIN_WM_TG, World, add_item, build_world
from tests.support.recording import RecordingRequest

BOT = {"id": 4242, "is_bot": True, "first_name": "值日", "username": "ZhiriTestBot"}
NOW = at("2026-10-16 10:00")
ZHANG = {"id": FIN_WM_TG, "is_bot": False, "first_name": "张三", "username": "zhangsan"}
ADMIN = {"id": ADMIN_TG, "is_bot": False, "first_name": "王主任"}


@dataclass
class Settings:
    admin_telegram_ids: list[int] = field(default_factory=lambda: [ADMIN_TG])
    invite_days: int = 7


@dataclass
class Bot:
    app: Application  # type: ignore[type-arg]
    request: RecordingRequest
    engine: Engine
    world: World
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def feed(self, data: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json({"update_id": next(self.ids), **data}, self.app.bot))

    async def press(
        self,
        data: str,
        *,
        chat: int = FIN_CHAT,
        message_id: int = 55,
        user: dict[str, Any] = ZHANG,
        text: str = "【日查】2026年10月16日（星期五）\n1. 部门动态",
    ) -> None:
        message = {
            "message_id": message_id,
            "date": 0,
            "from": BOT,
            "text": text,
            "chat": {"id": chat, "type": "group", "title": "群"},
            "reply_markup": {"inline_keyboard": [[{"text": "按钮", "callback_data": data}]]},
        }
        await self.feed(
            {
                "callback_query": {
                    "id": str(next(self.ids)),
                    "from": user,
                    "chat_instance": "c",
                    "data": data,
                    "message": message,
                }
            }
        )

    async def say(
        self,
        text: str,
        *,
        chat: int = FIN_CHAT,
        user: dict[str, Any] = ZHANG,
        reply_to: dict[str, Any] | None = None,
    ) -> None:
        message: dict[str, Any] = {
            "message_id": next(self.ids) + 5000,
            "date": 0,
            "from": user,
            "text": text,
            "chat": {"id": chat, "type": "group" if chat < 0 else "private", "title": "群"},
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        await self.feed({"message": message})

    def answers(self) -> list[str]:
        return [str(p.get("text", "")) for p in self.request.sent("answerCallbackQuery")]


@pytest.fixture
async def bot(engine: Engine) -> AsyncIterator[Bot]:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine)
    add_item(engine, world, judge, "政务公开 / 财政预决算", "2周内更新", "市财政局", at("2026-10-09 09:00"))
    request = RecordingRequest()
    app = ApplicationBuilder().token("4242:TEST").request(request).get_updates_request(request).build()
    app.bot_data.update({ENGINE: engine, JUDGE: judge, SETTINGS: Settings(), CLOCK: lambda: NOW})
    # As bot/app.py wires them (before the catch-all `done:` button handler).
    app.add_handler(CallbackQueryHandler(routine.read_button, pattern=tg.carries(Verb.READ)))
    app.add_handler(CallbackQueryHandler(routine.half_month_button, pattern=tg.carries(Verb.CHECK)))
    app.add_handler(CommandHandler("holidays", routine.holidays))
    app.add_handler(CallbackQueryHandler(routine.rest_ok_button, pattern=tg.carries(Verb.CHECK_REST)))
    app.add_handler(MessageHandler(routine.FIX_NOTE, routine.fix_note))
    app.add_handler(MessageHandler(routine.CHECKLIST_REPLY, routine.checklist_reply))
    await app.initialize()
    yield Bot(app, request, engine, world)
    await app.shutdown()


async def test_read_is_recorded_once_per_person_and_shown_under_the_list(bot: Bot) -> None:
    await bot.press("read:20261016")
    assert bot.answers()[-1] == "已登记：张三 完成10月16日日查，谢谢！"
    edit = bot.request.sent("editMessageText")[-1]
    assert "✅ 张三 10:00 已巡查" in edit["text"]
    await bot.press("read:20261016")
    assert "已经登记过" in bot.answers()[-1]
    with session_scope(bot.engine) as s:
        rows = s.exec(select(ReadConfirmation)).all()
    assert [(r.day, r.name, r.telegram_user_id) for r in rows] == [(date(2026, 10, 16), "张三", FIN_WM_TG)]


async def test_yesterdays_read_button_and_unbound_chats_record_nothing(bot: Bot) -> None:
    await bot.press("read:20261015")
    assert "10月15日的日查清单" in bot.answers()[-1]
    await bot.press("read:20261016", chat=-9999)
    assert "还没有绑定单位" in bot.answers()[-1]
    with session_scope(bot.engine) as s:
        assert s.exec(select(ReadConfirmation)).all() == []


async def test_half_month_answers_belong_to_the_checklists_period(bot: Bot) -> None:
    item = bot.world.items["政务公开 / 财政预决算"]
    with session_scope(bot.engine) as s:  # the checklist of 8 October (上半月), answered on the 16th
        row_id, _ = outbox.enqueue(
            s,
            at("2026-10-08 09:00"),
            kind="half_month_check",
            chat_id=FIN_CHAT,
            text="清单",
            day=date(2026, 10, 8),
            items=[item],
        )
        outbox.mark_sent(s, at("2026-10-08 09:00"), row_id, 77)
    await bot.press(f"hm:{item}:ok", message_id=77, text="【半月查】2026年10月上半月全面检查")
    assert bot.answers()[-1] == "已记录：「政务公开 / 财政预决算」检查正常。"
    with session_scope(bot.engine) as s:
        ans = s.exec(select(HalfMonthAnswer)).one()
    assert (ans.period, ans.result, ans.name) == (date(2026, 10, 1), "ok", "张三")


async def test_a_problem_asks_for_the_fix_and_the_reply_is_kept(bot: Bot) -> None:
    item = bot.world.items["政务公开 / 财政预决算"]
    await bot.press(f"hm:{item}:bad", message_id=88, text="【半月查】2026年10月下半月全面检查")
    prompt = bot.request.sent("sendMessage")[-1]
    assert prompt["text"].startswith(say.PROMPT_MARK) and "@zhangsan" in prompt["text"]
    assert json.loads(json.dumps(prompt["reply_markup"]))["force_reply"] is True
    prompt_id = bot.request.last_message_id
    reply_to = {
        "message_id": prompt_id,
        "date": 0,
        "from": BOT,
        "text": prompt["text"],
        "chat": {"id": FIN_CHAT, "type": "group", "title": "群"},
    }
    await bot.say("附件链接失效，已于今天重新上传", reply_to=reply_to)
    assert "已记录「政务公开 / 财政预决算」的问题和整改情况" in bot.request.sent("sendMessage")[-1]["text"]
    with session_scope(bot.engine) as s:
        ans = s.exec(select(HalfMonthAnswer)).one()
    assert (ans.period, ans.result, ans.note) == (
        date(2026, 10, 16),
        "problem",
        "附件链接失效，已于今天重新上传",
    )
    assert ans.note_at == NOW


async def test_another_units_group_cannot_answer_for_an_item(bot: Bot) -> None:
    item = bot.world.items["政务公开 / 财政预决算"]
    await bot.press(f"hm:{item}:ok", chat=EDU_CHAT)
    assert "不是本群所属单位负责的栏目" in bot.answers()[-1]


async def test_the_administrator_loads_a_years_holidays(bot: Bot) -> None:
    await bot.say(
        "/holidays 2027\n2027-01-01 休\n2027-02-06 至 2027-02-12 休\n2027-02-14 班", chat=ADMIN_TG, user=ADMIN
    )
    assert bot.request.sent("sendMessage")[-1]["text"].startswith(
        "已保存2027年节假日安排：放假8天，调休上班1天"
    )
    judge: Judge = bot.app.bot_data[JUDGE]
    assert not judge.calendar.is_working_day(date(2027, 2, 8))
    assert judge.calendar.is_working_day(date(2027, 2, 14))
    with session_scope(bot.engine) as s:
        assert len(s.exec(select(CalendarDay)).all()) == 9
    await bot.say("/holidays 2027", chat=ADMIN_TG, user=ADMIN)
    assert "2027年已录入：放假8天，调休上班1天" in bot.request.sent("sendMessage")[-1]["text"]
    await bot.say("/holidays 2027\n2027-01-01", chat=ADMIN_TG, user=ADMIN)
    assert "没有保存" in bot.request.sent("sendMessage")[-1]["text"]
    await bot.say("/holidays 2027\n2027-01-01 休", user=ZHANG)
    assert bot.request.sent("sendMessage")[-1]["text"] == fmt.NOT_ADMIN


def sheet_checklist(bot: Bot, paths: list[str], message_id: int = 91) -> dict[str, Any]:
    """A big group's checklist as sent: one document message listing the items, its caption the words."""
    caption = "【半月查】2026年10月下半月全面检查\n本群负责2个栏目和账号，检查清单见附件。"
    with session_scope(bot.engine) as s:
        row_id, _ = outbox.enqueue(
            s,
            NOW,
            kind="half_month_check",
            chat_id=FIN_CHAT,
            text=caption,
            day=date(2026, 10, 16),
            items=[bot.world.items[p] for p in paths],
            document=b"xlsx",
            document_name="半月查清单.xlsx",
        )
        outbox.mark_sent(s, NOW, row_id, message_id)
    return {
        "message_id": message_id,
        "date": 0,
        "from": BOT,
        "caption": caption,
        "document": {"file_id": "f", "file_unique_id": "u", "file_name": "半月查清单.xlsx"},
        "chat": {"id": FIN_CHAT, "type": "group", "title": "群"},
    }


async def test_problems_are_reported_by_name_in_a_reply_to_the_attached_checklist(bot: Bot) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    add_item(bot.engine, bot.world, judge, "首页 / 部门动态", "2周内更新", "市财政局", at("2026-10-09 09:00"))
    checklist = sheet_checklist(bot, ["政务公开 / 财政预决算", "首页 / 部门动态"])
    await bot.say("财政预决算：附件链接失效，已于今天重新上传\n通知公告 错别字\n部门动态", reply_to=checklist)
    text = bot.request.sent("sendMessage")[-1]["text"]
    assert "已记录1项的问题和整改情况：\n· 政务公开 / 财政预决算" in text
    assert "以下栏目没有写问题" in text and "· 首页 / 部门动态" in text
    assert "没有对应到清单上的某一项" in text and "· 通知公告 错别字" in text
    with session_scope(bot.engine) as s:
        ans = s.exec(select(HalfMonthAnswer)).one()
    assert (ans.period, ans.result, ans.note, ans.name) == (
        date(2026, 10, 16),
        "problem",
        "附件链接失效，已于今天重新上传",
        "张三",
    )

    # 「其余全部正常」answers the rest; the problem stays a problem.
    message = dict(
        checklist, reply_markup={"inline_keyboard": [[{"text": "其余", "callback_data": "hmrest:20261016"}]]}
    )
    await bot.feed(
        {
            "callback_query": {
                "id": "r1",
                "from": ZHANG,
                "chat_instance": "c",
                "data": "hmrest:20261016",
                "message": message,
            }
        }
    )
    assert bot.answers()[-1] == "已记录：其余1项检查正常，另有1项已单独填报。谢谢！"
    edit = bot.request.sent("editMessageCaption")[-1]
    assert "登记其余1项正常" in edit["caption"]
    with session_scope(bot.engine) as s:
        results = {a.item_id: a.result for a in s.exec(select(HalfMonthAnswer))}
    items = bot.world.items
    assert results == {items["政务公开 / 财政预决算"]: "problem", items["首页 / 部门动态"]: "ok"}


async def test_a_person_bound_to_no_unit_cannot_answer_a_big_groups_checklist(bot: Bot) -> None:
    """The reply and 「其余全部正常」ask the permission policy about the person, not only the chat."""
    stranger = {"id": 777001, "is_bot": False, "first_name": "路人"}
    checklist = sheet_checklist(bot, ["政务公开 / 财政预决算"])
    await bot.say("财政预决算：附件链接失效", reply_to=checklist, user=stranger)
    assert "您还没有绑定任何单位" in bot.request.sent("sendMessage")[-1]["text"]
    message = dict(
        checklist, reply_markup={"inline_keyboard": [[{"text": "其余", "callback_data": "hmrest:20261016"}]]}
    )
    await bot.feed(
        {
            "callback_query": {
                "id": "r2",
                "from": stranger,
                "chat_instance": "c",
                "data": "hmrest:20261016",
                "message": message,
            }
        }
    )
    assert "您还没有绑定任何单位" in bot.answers()[-1]
    with session_scope(bot.engine) as s:
        assert s.exec(select(HalfMonthAnswer)).all() == []
