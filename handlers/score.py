"""/score: would the site pass an inspection today (administrators: the site; others: their units), and
/category ITEM CATEGORY: the administrator corrects how inspectors would count a column."""

from __future__ import annotations

from telegram import Update

from acts.category import category_by
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send
from replies.format import Reply
from replies.score import category_reply, score_reply
from storage.score import score_view


async def score(update: Update, context: Context) -> None:
    result = await ctx.act(context, update, score_view, ctx.judge(context))
    await send(update, context, Reply(score_reply(result)))


async def category(update: Update, context: Context) -> None:
    result = await ctx.act(context, update, category_by, ctx.judge(context), ctx.args(context))
    await send(update, context, Reply(category_reply(result)))
