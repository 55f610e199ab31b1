"""/check ITEM: read a column's list page now and say what the website shows, with the recent readings."""

from __future__ import annotations

from telegram import Update

from acts.check import CheckTarget, check_target, record_check
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
    async with Reader() as reader:  # the network between two transactions, not inside one
        reading = await reader.read(target.url, today=ctx.today(context))
    result = await ctx.store(
        context,
        record_check,
        judge,
        target,
        status=reading.status,
        newest=reading.newest,
        items=reading.items,
        reason=reading.reason,
    )
    await send(update, context, fmt.checked(result, judge.tz))
