"""Taking access back and reading who did what: /revoke, /remove (administrators), /history."""

from __future__ import annotations

from telegram import Update

from acts.roster import remove_member, revoke_invitation
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send
from replies import format as fmt
from storage.audit import item_history


async def revoke(update: Update, context: Context) -> None:
    """/revoke [CODE] (administrators): list the unused invitations, or revoke one."""
    result = await ctx.act(context, update, revoke_invitation, ctx.args(context))
    await send(update, context, fmt.revoked(result, ctx.judge(context).tz))


async def remove(update: Update, context: Context) -> None:
    """/remove PERSON [UNIT] (administrators): end a person's binding to a unit; their history stays."""
    result = await ctx.act(
        context, update, remove_member, ctx.args(context), configured=ctx.configured_admins(context)
    )
    await send(update, context, fmt.removed(result))


async def history(update: Update, context: Context) -> None:
    """/history ITEM: who logged, undid, recorded and checked what on an item, newest first."""
    result = await ctx.act(context, update, item_history, ctx.args(context))
    await send(update, context, fmt.history(result, ctx.judge(context).tz))
