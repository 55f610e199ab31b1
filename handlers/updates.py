"""Logging updates: /done (by name or replied to a reminder), the reminder buttons, /undo, /event."""

from __future__ import annotations

import html
import logging

from telegram import Message, Update
from telegram.error import BadRequest

from acts import updates as logging_acts
from channels import telegram as tg
from domain.actions import Action, Verb
from domain.text import TELEGRAM_LIMIT
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send
from replies import format as fmt

log = logging.getLogger(__name__)


async def done(update: Update, context: Context) -> None:
    """/done ITEM [备注|条数], or /done [备注] as a reply to a reminder."""
    judge = ctx.judge(context)
    result = await ctx.act(
        context,
        update,
        logging_acts.log_done,
        judge,
        ctx.args(context),
        reply_to=ctx.reply_to_bot(update, context),
        origin=ctx.origin(update),
    )
    await send(update, context, fmt.done(result, ctx.today(context), judge.tz))


async def undo(update: Update, context: Context) -> None:
    """/undo: take back the sender's last /done of the past 30 minutes, all it logged (itself recorded)."""
    judge = ctx.judge(context)
    result = await ctx.act(context, update, logging_acts.undo, judge, origin=ctx.origin(update))
    await send(update, context, fmt.undone(result, ctx.today(context), judge.tz))


async def event(update: Update, context: Context) -> None:
    """/event ITEM [YYYY-MM-DD] [备注]: an event that starts an after-event deadline."""
    judge = ctx.judge(context)
    result = await ctx.act(
        context,
        update,
        logging_acts.record_event_by,
        judge,
        ctx.args(context),
        origin=ctx.origin(update),
    )
    await send(update, context, fmt.event(result, ctx.today(context), judge.tz))


async def button(update: Update, context: Context) -> None:
    """`已更新 …` under a reminder (a DONE action, one item, maybe a count): one tap logs the item."""
    query = update.callback_query
    assert query is not None
    action = tg.pressed(query)
    if action is None or action.verb is not Verb.DONE or len(action.items) != 1:
        await query.answer(fmt.BUTTON_EXPIRED)
        return
    judge, sender = ctx.judge(context), ctx.sender(update)
    result = await ctx.act(
        context,
        update,
        logging_acts.log_button,
        judge,
        action.item,
        count=action.count,
        origin=ctx.origin(update),
    )
    toast, line = fmt.button(result, sender.name, judge.tz)
    await query.answer(toast.text[:200], show_alert=toast.alert)
    if line is not None and isinstance(query.message, Message):
        await _note_under(query.message, line, action)


async def _note_under(message: Message, line: str, pressed: Action) -> None:
    """Add who logged what under the reminder and drop the pressed button (others stay for other items)."""
    text = f"{message.text_html}\n{html.escape(line)}" if message.text else html.escape(line)
    if len(text) > TELEGRAM_LIMIT:
        return
    markup = tg.without(message.reply_markup, lambda a: a == pressed)
    try:
        await message.edit_text(text, parse_mode="HTML", reply_markup=markup)
    except BadRequest as exc:  # too old to edit, or unchanged: the toast already said it
        log.info("could not edit message %s: %s", message.message_id, exc)
