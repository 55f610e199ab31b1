"""Questions: /overdue, /mine, /due, /rule, /status, /help."""

from __future__ import annotations

from telegram import Update

from domain.rules import parse_rule
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send, send_table
from replies import format as fmt
from storage import queries
from storage.score import score_view

DEFAULT_DUE_WORKDAYS = 5
MAX_DUE_WORKDAYS = 60


async def overdue(update: Update, context: Context) -> None:
    """/overdue [UNIT]: late items (a leader's units; all of them for administrators), most late first."""
    unit = " ".join(ctx.args(context)) or None
    result = await ctx.act(context, update, queries.overdue_view, ctx.judge(context), unit)
    await send(update, context, fmt.overdue(result))
    if isinstance(result, queries.OverdueView) and result.summary is not None:
        # A county's or a province's list: the summary went at once; the whole list follows as a file.
        units = await ctx.act(context, update, queries.overdue_list, ctx.judge(context), unit)
        if isinstance(units, tuple):
            await send_table(update, fmt.overdue_table(units))


async def mine(update: Update, context: Context) -> None:
    """/mine: the sender's items, most urgent first."""
    result = await ctx.act(context, update, queries.mine_view, ctx.judge(context))
    await send(update, context, fmt.mine(result))


async def due(update: Update, context: Context) -> None:
    """/due [N]: what falls due in the next N working days."""
    args = ctx.args(context)
    text = args[0] if args else str(DEFAULT_DUE_WORKDAYS)
    if not text.isdigit() or not 1 <= int(text) <= MAX_DUE_WORKDAYS:
        return await send(update, context, fmt.Reply(fmt.DUE_USAGE))
    result = await ctx.act(context, update, queries.due_view, ctx.judge(context), int(text))
    await send(update, context, fmt.due(result))


async def rule(update: Update, context: Context) -> None:
    """/rule TEXT: how the bot reads an update rule. Pure: no database."""
    text = " ".join(ctx.args(context))
    await send(update, context, fmt.rule(parse_rule(text)) if text else fmt.Reply(fmt.RULE_USAGE))


async def status(update: Update, context: Context) -> None:
    """/status (administrators): counts of items by state, people and groups."""
    result = await ctx.act(
        context, update, queries.status_view, ctx.judge(context), configured=ctx.configured_admins(context)
    )
    reply = fmt.status(result)
    if isinstance(result, queries.StatusView):
        scores = await ctx.act(context, update, score_view, ctx.judge(context))
        if isinstance(scores, list) and scores:
            reply = fmt.with_scores(reply, scores)
    await send(update, context, reply)


async def help_command(update: Update, context: Context) -> None:
    """/help: the commands the sender may use, with an example each."""
    actor = await ctx.actor(context, update)
    words = await ctx.act(context, update, queries.words_for)
    await send(update, context, fmt.help_text(actor, words))
