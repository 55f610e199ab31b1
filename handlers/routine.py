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
from datetime import datetime

from sqlmodel import Session
from telegram import ForceReply, Message, Update
from telegram.error import BadRequest
from telegram.ext import filters

from acts.routine import (
    AnswerRecorded,
    HolidaysBad,
    HolidaysSaved,
    HolidaysUsage,
    NotBoundChat,
    NotEntitled,
    NotYourItem,
    ReadRecorded,
    YearShown,
    holidays_by,
    record_answer,
    record_checklist_reply,
    record_fix_note,
    record_read,
    record_rest_ok,
    set_prompt,
)
from acts.updates import ItemGone
from channels import telegram as tg
from domain.actions import Action, Verb
from domain.model import CheckResult
from domain.routine import half_month_period
from domain.text import TELEGRAM_LIMIT
from domain.wording import CHECKLIST_REPLY_MARK
from handlers import context as ctx
from handlers.context import JUDGE, Context
from replies import routine as say
from replies.format import problem
from storage.queries import Actor, NotAdmin, words_for
from storage.routine import period_of_message

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024


async def read_button(update: Update, context: Context) -> None:
    """已巡查: the group confirms today's daily read."""
    query = update.callback_query
    assert query is not None
    action = tg.pressed(query)
    message = query.message
    if action is None or action.verb is not Verb.READ or not isinstance(message, Message):
        await query.answer(say.STALE_ACTION)
        return
    assert action.day is not None
    day = action.day
    today = ctx.judge(context).today(ctx.now(context))
    if day != today:
        await query.answer(say.not_todays_read(day), show_alert=True)
        return
    sender = ctx.sender(update)
    result = await ctx.act(context, update, record_read, message.chat_id, day)
    if isinstance(result, NotBoundChat):
        await query.answer(say.NOT_BOUND, show_alert=True)
        return
    if isinstance(result, NotEntitled):
        await query.answer(say.refusal(result, say.ACT_READ), show_alert=True)
        return
    assert isinstance(result, ReadRecorded)
    if result.already:
        await query.answer(say.read_already(day))
        return
    await query.answer(say.read_recorded(sender.name, day))
    local = ctx.now(context).astimezone(ctx.judge(context).tz)
    await _note_under(message, say.read_note(sender.name, local), None)


async def half_month_button(update: Update, context: Context) -> None:
    """正常 / 有问题 for one item of the half-month checklist."""
    query = update.callback_query
    assert query is not None
    action = tg.pressed(query)
    message = query.message
    if action is None or action.verb is not Verb.CHECK or not isinstance(message, Message):
        await query.answer(say.STALE_ACTION)
        return
    item_id = action.item
    sender = ctx.sender(update)
    today = ctx.judge(context).today(ctx.now(context))

    def answer(
        session: Session, now: datetime, actor: Actor
    ) -> AnswerRecorded | NotYourItem | ItemGone | NotEntitled:
        # The answer belongs to the checklist's half-month even when given days later.
        period = period_of_message(session, message.chat_id, message.message_id) or half_month_period(today)
        result = CheckResult.OK if action.ok else CheckResult.PROBLEM
        return record_answer(session, now, actor, item_id, period, result, message.chat_id)

    result = await ctx.act(context, update, answer)
    if isinstance(result, ItemGone):
        await query.answer(say.ITEM_GONE)
        return
    if isinstance(result, NotEntitled):
        await query.answer(say.refusal(result, say.ACT_CHECK), show_alert=True)
        return
    if isinstance(result, NotYourItem):
        await query.answer(say.not_your_item(result.item), show_alert=True)
        return
    ok = result.result == CheckResult.OK
    await query.answer(say.answer_recorded(result.item, ok))
    await _note_under(message, say.answer_note(result.item, ok, sender.name), action)
    if ok:
        return
    who = f"@{sender.username}" if sender.username else sender.name
    prompt = await message.reply_text(
        say.problem_prompt(who, result.item),
        reply_markup=ForceReply(selective=True, input_field_placeholder=say.PROMPT_PLACEHOLDER),
    )
    await ctx.store(context, set_prompt, result.answer_id, prompt.chat_id, prompt.message_id)


def _answered(offered: Action, pressed: Action | None) -> bool:
    """A button made moot by the press: the pressed one, and for a checklist item both of its answers."""
    if pressed is None:
        return False
    if pressed.verb is Verb.CHECK:
        return offered.verb is Verb.CHECK and offered.items == pressed.items
    return offered == pressed


async def rest_ok_button(update: Update, context: Context) -> None:
    """「其余全部正常」under a big group's half-month checklist: every item not yet answered is 正常."""
    query = update.callback_query
    assert query is not None
    action = tg.pressed(query)
    message = query.message
    if action is None or action.verb is not Verb.CHECK_REST or not isinstance(message, Message):
        await query.answer(say.STALE_ACTION)
        return
    sender = ctx.sender(update)
    result = await ctx.act(context, update, record_rest_ok, message.chat_id, message.message_id)
    if result is None:
        await query.answer(say.NO_CHECKLIST)
        return
    if isinstance(result, NotEntitled):
        await query.answer(say.refusal(result, say.ACT_CHECK), show_alert=True)
        return
    if not result.ok:
        await query.answer(say.ALL_ANSWERED)
        return
    await query.answer(say.rest_recorded(result.ok, result.answered))
    local = ctx.now(context).astimezone(ctx.judge(context).tz)
    await _note_under(message, say.rest_note(sender.name, local, result.ok), action)


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
    result = await ctx.act(
        context,
        update,
        record_checklist_reply,
        message.chat_id,
        message.reply_to_message.message_id,
        message.text,
    )
    if result is None:
        await message.reply_text(say.NO_CHECKLIST_REPLIED)
        return
    if isinstance(result, NotEntitled):
        await message.reply_text(say.refusal(result, say.ACT_CHECK))
        return
    await message.reply_text(say.problems_recorded(result))


class _ReplyToPrompt(filters.MessageFilter):
    """A message that replies to the bot's 半月查 problem prompt."""

    def filter(self, message: Message) -> bool:
        target = message.reply_to_message
        return bool(target and target.text and target.text.startswith(say.PROMPT_MARK))


FIX_NOTE = filters.TEXT & ~filters.COMMAND & _ReplyToPrompt()


async def fix_note(update: Update, context: Context) -> None:
    """A reply to the problem prompt: the problem and its fix, kept with the answer."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    result = await ctx.act(
        context, update, record_fix_note, message.chat_id, message.reply_to_message.message_id, message.text
    )
    if isinstance(result, NotEntitled):
        await message.reply_text(say.refusal(result, say.ACT_FIX))
        return
    if result is None:
        await message.reply_text(say.NO_PROMPTED_ITEM)
        return
    words = await ctx.act(context, update, words_for)
    await message.reply_text(say.fix_recorded(result.item, words.office))


async def holidays(update: Update, context: Context) -> None:
    """/holidays YEAR, then the year's list: `YYYY-MM-DD 休` / `YYYY-MM-DD 班` per line, or two lists."""
    message = update.effective_message
    if message is None:
        return
    words = (message.text or "").split(maxsplit=2)
    year, body = (words[1] if len(words) > 1 else ""), (words[2] if len(words) > 2 else "")
    result = await ctx.act(context, update, holidays_by, ctx.judge(context), year, body)
    if isinstance(result, HolidaysSaved):
        context.bot_data[JUDGE] = result.judge
    await message.reply_text(_holidays_text(result))


def _holidays_text(result: HolidaysSaved | YearShown | HolidaysBad | HolidaysUsage | NotAdmin) -> str:
    match result:
        case HolidaysSaved(loaded=loaded):
            return say.year_saved(loaded.year, loaded)
        case YearShown(year=year, holidays=holidays, workdays=workdays, official=official):
            return say.year_entered(year, holidays, workdays, official)
        case HolidaysBad(errors=errors):
            return say.holiday_errors(errors)
        case HolidaysUsage():
            return say.HOLIDAYS_USAGE
    return problem(result)


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
