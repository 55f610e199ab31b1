"""/score: would the site pass an inspection today (administrators: the site; others: their units);
/category ITEM CATEGORY: the administrator corrects how inspectors would count a column; /bulletin [2026Q4]:
the quarterly bulletin (季通报) as a Word document and its annex."""

from __future__ import annotations

from telegram import InputFile, Update

from acts.category import category_by
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send
from replies.format import Reply
from replies.score import bulletin_reply, category_reply, score_reply
from storage.score import score_view


async def score(update: Update, context: Context) -> None:
    result = await ctx.act(context, update, score_view, ctx.judge(context))
    await send(update, context, Reply(score_reply(result)))


async def category(update: Update, context: Context) -> None:
    result = await ctx.act(context, update, category_by, ctx.judge(context), ctx.args(context))
    await send(update, context, Reply(category_reply(result)))


async def bulletin(update: Update, context: Context) -> None:
    # Imported here: python-docx and matplotlib load only when someone asks for a bulletin.
    from reports.bulletin import BulletinFile, bulletin_for

    args = ctx.args(context)
    quarter = args[0] if args else None
    workdays = ctx.settings(context).bulletin_fix_workdays
    result = await ctx.act(context, update, bulletin_for, ctx.judge(context), quarter, workdays)
    message = update.effective_message
    if not isinstance(result, list) or not result or message is None:
        return await send(update, context, Reply(bulletin_reply(result)))
    for f in result:
        assert isinstance(f, BulletinFile)
        await message.reply_document(InputFile(f.data, filename=f.filename), caption=f.caption)
