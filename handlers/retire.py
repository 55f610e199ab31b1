"""/retire and /unretire: an administrator retires an item (a finished topic, a merged column) with a reason,
or brings it back. A retired item leaves every reminder and view and keeps its history."""

from __future__ import annotations

from telegram import Update

from acts.retire import retire_by, unretire_by
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send
from replies import format as fmt
from replies.retire import describe


async def retire(update: Update, context: Context) -> None:
    """/retire ITEM REASON (administrators)."""
    result = await ctx.act(context, update, retire_by, ctx.args(context))
    await send(update, context, fmt.Reply(describe(result)))


async def unretire(update: Update, context: Context) -> None:
    """/unretire ITEM (administrators)."""
    result = await ctx.act(context, update, unretire_by, ctx.judge(context), ctx.args(context))
    await send(update, context, fmt.Reply(describe(result)))
