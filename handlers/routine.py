"""The routine's buttons and the administrator's holiday list.

- `已巡查` under the daily read (action `read:<YYYYMMDD>`): records who read, when.
- `正常` / `有问题` under a half-month checklist (`hm:<item id>:ok|bad`): records the answer; 有问题 asks
  for the problem and its fix in a reply (`fix_note`, a reply to that prompt).
- A big group's checklist is one message with the list attached: a reply to it (`栏目名称 问题及整改情况`, one
  item a line) records problems (`checklist_reply`), `其余全部正常` (`hmrest:<period>`) answers the rest.
- `/holidays YEAR` + the year's list: the administrator's official holiday list (法定节假日与调休).
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session
from telegram import ForceReply, Message, Update
from telegram.error import BadRequest
from telegram.ext import filters

from acts.routine import (
    AnswerRecorded,
    NotBoundChat,
    NotEntitled,
    NotYourItem,
    ProblemsRecorded,
    ReadRecorded,
    YearLoaded,
    record_answer,
    record_checklist_reply,
    record_fix_note,
    record_read,
    record_rest_ok,
    set_prompt,
    set_year_calendar,
)
from acts.updates import ItemGone
from channels import telegram as tg
from domain.access import Act
from domain.actions import Action, Verb
from domain.calendar import WorkCalendar
from domain.routine import half_month_period, parse_holiday_list
from domain.text import TELEGRAM_LIMIT, md
from domain.wording import CHECKLIST_REPLY_MARK
from handlers import context as ctx
from handlers.context import JUDGE, Context
from storage.items import Judge, load_calendar, refresh_all
from storage.queries import actor_for, words_for
from storage.routine import period_of_message, year_calendar

log = logging.getLogger(__name__)

PROMPT_MARK = "【半月查·问题说明】"
CAPTION_LIMIT = 1024


async def read_button(update: Update, context: Context) -> None:
    """已巡查: the group confirms today's daily read."""
    query = update.callback_query
    assert query is not None
    action = tg.pressed(query)
    message = query.message
    if action is None or action.verb is not Verb.READ or not isinstance(message, Message):
        await query.answer("这个按钮已失效。")
        return
    assert action.day is not None
    day = action.day
    today = ctx.judge(context).today(ctx.now(context))
    if day != today:
        await query.answer(f"这是{md(day)}的日查清单，请在今天的日查消息下点击「已巡查」。", show_alert=True)
        return
    sender = ctx.sender(update)
    result = await ctx.store(context, record_read, message.chat_id, day, sender, ctx.admin_ids(context))
    if isinstance(result, NotBoundChat):
        await query.answer("本群还没有绑定单位，请管理员先在群里发送 /bindchat 单位名称。", show_alert=True)
        return
    if isinstance(result, NotEntitled):
        await query.answer(_refusal(result, "登记日查"), show_alert=True)
        return
    assert isinstance(result, ReadRecorded)
    if result.already:
        await query.answer(f"您今天已经登记过日查了（{md(day)}）。")
        return
    await query.answer(f"已登记：{sender.name} 完成{md(day)}日查，谢谢！")
    local = ctx.now(context).astimezone(ctx.judge(context).tz)
    await _note_under(message, f"✅ {sender.name} {local:%H:%M} 已巡查", None)


async def half_month_button(update: Update, context: Context) -> None:
    """正常 / 有问题 for one item of the half-month checklist."""
    query = update.callback_query
    assert query is not None
    action = tg.pressed(query)
    message = query.message
    if action is None or action.verb is not Verb.CHECK or not isinstance(message, Message):
        await query.answer("这个按钮已失效。")
        return
    item_id = action.item
    sender = ctx.sender(update)
    today = ctx.judge(context).today(ctx.now(context))

    def answer(session: Session, now: datetime) -> AnswerRecorded | NotYourItem | ItemGone | NotEntitled:
        # The answer belongs to the checklist's half-month even when given days later.
        period = period_of_message(session, message.chat_id, message.message_id) or half_month_period(today)
        result = "ok" if action.ok else "problem"
        return record_answer(
            session, now, item_id, period, result, sender, message.chat_id, ctx.admin_ids(context)
        )

    result = await ctx.store(context, answer)
    if isinstance(result, ItemGone):
        await query.answer("该栏目已不在清单上。")
        return
    if isinstance(result, NotEntitled):
        await query.answer(_refusal(result, "填写半月查结果"), show_alert=True)
        return
    if isinstance(result, NotYourItem):
        await query.answer(f"「{result.item}」不是本群所属单位负责的栏目。", show_alert=True)
        return
    if result.result == "ok":
        await query.answer(f"已记录：「{result.item}」检查正常。")
        await _note_under(message, f"✅ {result.item}：正常（{sender.name}）", action)
        return
    await query.answer(f"已记录：「{result.item}」有问题，请按提示回复问题和整改情况。")
    await _note_under(message, f"⚠️ {result.item}：有问题（{sender.name}）", action)
    who = f"@{sender.username}" if sender.username else sender.name
    prompt = await message.reply_text(
        f"{PROMPT_MARK}\n{who}，请直接回复本条消息，说明「{result.item}」存在的问题和整改情况"
        "（例如：首页图片链接失效，已于今天重新上传）。",
        reply_markup=ForceReply(selective=True, input_field_placeholder="问题及整改情况"),
    )
    await ctx.store(context, set_prompt, result.answer_id, prompt.chat_id, prompt.message_id)


def _answered(offered: Action, pressed: Action | None) -> bool:
    """A button made moot by the press: the pressed one, and for a checklist item both of its answers."""
    if pressed is None:
        return False
    if pressed.verb is Verb.CHECK:
        return offered.verb is Verb.CHECK and offered.items == pressed.items
    return offered == pressed


def _refusal(result: NotEntitled, act: str) -> str:
    """Why a button or reply was refused: the person, not the chat, decides (at most 200 characters)."""
    if result.stranger:
        return f"您还没有绑定任何单位，不能{act}。请联系系统管理员获取邀请。"
    what = f"「{result.item}」" if result.item else "本群的栏目"
    return f"{what}不属于您绑定的单位，您不能{act}。"[:200]


async def rest_ok_button(update: Update, context: Context) -> None:
    """「其余全部正常」under a big group's half-month checklist: every item not yet answered is 正常."""
    query = update.callback_query
    assert query is not None
    action = tg.pressed(query)
    message = query.message
    if action is None or action.verb is not Verb.CHECK_REST or not isinstance(message, Message):
        await query.answer("这个按钮已失效。")
        return
    sender = ctx.sender(update)
    result = await ctx.store(
        context, record_rest_ok, message.chat_id, message.message_id, sender, ctx.admin_ids(context)
    )
    if result is None:
        await query.answer("没有找到对应的检查清单。")
        return
    if isinstance(result, NotEntitled):
        await query.answer(_refusal(result, "填写半月查结果"), show_alert=True)
        return
    if not result.ok:
        await query.answer("清单上的各项都已填报，无需再登记。")
        return
    problems = f"，另有{result.answered}项已单独填报" if result.answered else ""
    await query.answer(f"已记录：其余{result.ok}项检查正常{problems}。谢谢！")
    local = ctx.now(context).astimezone(ctx.judge(context).tz)
    await _note_under(message, f"✅ {sender.name} {local:%H:%M} 登记其余{result.ok}项正常", action)


class _ReplyToChecklist(filters.MessageFilter):
    """A message that replies to a half-month checklist (its text, or a document's caption)."""

    def filter(self, message: Message) -> bool:
        target = message.reply_to_message
        body = (target.text or target.caption or "") if target else ""
        return body.startswith(CHECKLIST_REPLY_MARK)


CHECKLIST_REPLY = filters.TEXT & ~filters.COMMAND & _ReplyToChecklist()


async def checklist_reply(update: Update, context: Context) -> None:
    """Problems reported in a reply to a half-month checklist: `栏目名称 问题及整改情况`, one item a line."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    result = await ctx.store(
        context,
        record_checklist_reply,
        message.chat_id,
        message.reply_to_message.message_id,
        message.text,
        ctx.sender(update),
        ctx.admin_ids(context),
    )
    if result is None:
        await message.reply_text("没有找到对应的检查清单，请回复本期的半月查清单消息。")
        return
    if isinstance(result, NotEntitled):
        await message.reply_text(_refusal(result, "填写半月查结果"))
        return
    await message.reply_text(_problems_text(result))


def _problems_text(result: ProblemsRecorded) -> str:
    lines = []
    if result.recorded:
        lines.append(f"已记录{len(result.recorded)}项的问题和整改情况：")
        lines.extend(f"· {p}" for p in result.recorded)
    if result.no_note:
        lines.append("以下栏目没有写问题，请在栏目名称后写明问题和整改情况：")
        lines.extend(f"· {p}" for p in result.no_note)
    if result.refused:
        lines.append("以下栏目不是本群所属单位负责的，未记录：")
        lines.extend(f"· {p}" for p in result.refused)
    if result.unknown:
        lines.append("以下内容没有对应到清单上的某一项（请写栏目名称，或写得更具体些，如“首页/部门动态”）：")
        lines.extend(f"· {p}" for p in result.unknown)
    if not lines:
        lines.append("请每行写一项：栏目名称 问题及整改情况。")
    elif result.recorded:
        lines.append("将汇总上报。谢谢！")
    return "\n".join(lines)


class _ReplyToPrompt(filters.MessageFilter):
    """A message that replies to the bot's 半月查 problem prompt."""

    def filter(self, message: Message) -> bool:
        target = message.reply_to_message
        return bool(target and target.text and target.text.startswith(PROMPT_MARK))


FIX_NOTE = filters.TEXT & ~filters.COMMAND & _ReplyToPrompt()


async def fix_note(update: Update, context: Context) -> None:
    """A reply to the problem prompt: the problem and its fix, kept with the answer."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    result = await ctx.store(
        context,
        record_fix_note,
        message.chat_id,
        message.reply_to_message.message_id,
        message.text,
        ctx.sender(update),
        ctx.admin_ids(context),
    )
    if isinstance(result, NotEntitled):
        await message.reply_text(_refusal(result, "填写整改情况"))
        return
    if result is None:
        await message.reply_text("没有找到对应的检查项，请在半月查清单上重新点击「有问题」。")
        return
    words = await ctx.store(context, words_for, ctx.sender(update), ctx.admin_ids(context))
    await message.reply_text(f"已记录「{result.item}」的问题和整改情况，将汇总报送{words.office}。谢谢！")


async def holidays(update: Update, context: Context) -> None:
    """/holidays YEAR, then the year's list: `YYYY-MM-DD 休` / `YYYY-MM-DD 班` per line, or two lists."""
    message = update.effective_message
    if message is None:
        return
    sender, admins = ctx.sender(update), ctx.admin_ids(context)
    is_admin = await ctx.store(
        context, lambda s, _now: actor_for(s, sender, admins).may(Act.ADMINISTER, None)
    )
    if not is_admin:
        await message.reply_text("只有管理员可以录入节假日安排。")
        return
    words = (message.text or "").split(maxsplit=2)
    if len(words) < 2 or not re.fullmatch(r"\d{4}", words[1]):
        await message.reply_text(USAGE)
        return
    year, body = int(words[1]), words[2] if len(words) > 2 else ""
    if not body.strip():
        await message.reply_text(await ctx.store(context, _describe_year, year))
        return
    parsed = parse_holiday_list(body, year)
    if parsed.errors:
        listed = "\n".join(f"· {e}" for e in parsed.errors[:20])
        await message.reply_text(f"节假日安排没有保存，请改正以下问题后重新发送：\n{listed}")
        return
    judge = ctx.judge(context)

    def save(session: Session, now: datetime) -> tuple[YearLoaded, Judge]:
        loaded = set_year_calendar(session, now, year, parsed.holidays, parsed.workdays, note="/holidays")
        new = replace(judge, calendar=load_calendar(session))
        # Due days move with the calendar: judge every item again now, not at tomorrow's pass.
        refresh_all(session, new, now)
        return loaded, new

    loaded, context.bot_data[JUDGE] = await ctx.store(context, save)
    await message.reply_text(
        f"已保存{year}年节假日安排：放假{loaded.holidays}天，调休上班{loaded.workdays}天"
        + (f"（替换了原有的{loaded.replaced}条）" if loaded.replaced else "")
        + "。到期日和提醒已按新安排重新计算。"
    )


USAGE = (
    "用法：/holidays 年份，换行后每行一个日期：\n"
    "/holidays 2027\n2027-01-01 休\n2027-02-06 至 2027-02-12 休\n2027-02-14 班\n"
    "也可以写成两组：“休：日期，日期……” 和 “班：日期，日期……”。只发送 /holidays 2027 查看已录入的安排。"
)


def _describe_year(session: Session, _now: datetime, year: int) -> str:
    holidays, workdays = year_calendar(session, year)
    official = WorkCalendar().covered(year) and not holidays and not workdays
    if not holidays and not workdays:
        if official:
            return (
                f"{year}年使用内置的国家法定节假日数据，无需录入"
                f"（如有变化可用 /holidays {year} 加日期列表覆盖）。"
            )
        return f"{year}年还没有节假日安排，目前按周一至周五为工作日计算。\n\n{USAGE}"
    return "\n".join(
        [
            f"{year}年已录入：放假{len(holidays)}天，调休上班{len(workdays)}天。",
            "放假：" + ("、".join(map(md, holidays)) or "无"),
            "调休上班：" + ("、".join(map(md, workdays)) or "无"),
        ]
    )


async def _note_under(message: Message, line: str, pressed: Action | None) -> None:
    """Add a line under the bot's message (who did what), dropping the pressed item's buttons."""
    caption = message.caption is not None  # a checklist sent as a document: its words are the caption
    body = message.caption_html if caption else message.text_html if message.text else ""
    text = f"{body}\n{html.escape(line)}" if body else html.escape(line)
    if len(text) > (CAPTION_LIMIT if caption else TELEGRAM_LIMIT):
        return
    markup = tg.without(message.reply_markup, lambda a: _answered(a, pressed))
    try:
        if caption:
            await message.edit_caption(text, parse_mode="HTML", reply_markup=markup)
        else:
            await message.edit_text(text, parse_mode="HTML", reply_markup=markup)
    except BadRequest as exc:  # too old to edit, or unchanged: the toast already said it
        log.info("could not edit message %s: %s", message.message_id, exc)
