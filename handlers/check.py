"""/check ITEM: read a column's list page now and say what the website shows, with the recent readings;
/wrongread and /readok: an administrator disputes a reading, or clears the dispute."""

from __future__ import annotations

from telegram import Update

from acts.check import CheckTarget, check_target, clear_dispute, dispute_reading, record_check
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send
from replies import format as fmt
from webread.fetch import Reader


async def check(update: Update, context: Context) -> None:
    """/check 栏目: read the page now (not only at the daily reading) and keep what was seen."""
    target = await ctx.act(context, update, check_target, ctx.args(context))
    if not isinstance(target, CheckTarget):
        return await send(update, context, fmt.check_refused(target))
    judge = ctx.judge(context)
    # the network between two transactions, not inside one; the fetch time is the bot's clock
    async with Reader(clock=lambda: ctx.now(context)) as reader:
        reading = await reader.read(target.url, today=ctx.today(context))
    result = await ctx.store(context, record_check, judge, target, reading)
    await send(update, context, fmt.checked(result, judge.tz))


async def wrongread(update: Update, context: Context) -> None:
    """/wrongread 栏目 [说明] (administrators): the last reading of the column is wrong."""
    judge = ctx.judge(context)
    result = await ctx.act(context, update, dispute_reading, judge, ctx.args(context))
    await send(update, context, fmt.disputed(result, judge.tz))


async def readok(update: Update, context: Context) -> None:
    """/readok 栏目 (administrators): the page or the reader is fixed; readings may log updates again."""
    result = await ctx.act(context, update, clear_dispute, ctx.args(context))
    await send(update, context, fmt.disputed(result, ctx.judge(context).tz))
