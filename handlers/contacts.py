"""/phone 138… (in a private chat): a person records their own mobile number, so that their unit's DingTalk
group robot @s them. A number sent in a group is personal data shown to everyone there: it is not recorded,
and the sender is asked to use the private chat."""

from __future__ import annotations

from telegram import Update

from acts.contacts import own_phone
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send
from replies import contacts as words
from replies.format import Reply


async def phone(update: Update, context: Context) -> None:
    args = ctx.args(context)
    if not ctx.is_private(update):
        return await send(update, context, Reply(words.PHONE_IN_GROUP))
    if not args:
        return await send(update, context, Reply(words.PHONE_USAGE))
    recorded = await ctx.act(context, update, own_phone, " ".join(args))
    await send(update, context, Reply(words.own_phone(recorded)))
