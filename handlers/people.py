"""Who is who: invitations, /start, binding groups, the bot joining and leaving groups, migrations."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus

from acts import chats, groups, invitations
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import say, send
from replies import format as fmt
from storage import queries

log = logging.getLogger(__name__)


async def start(update: Update, context: Context) -> None:
    """/start [CODE]: with a code (from an invitation link), bind the sender; without, say hello."""
    args, sender = ctx.args(context), ctx.sender(update)
    if not args:
        actor = await ctx.actor(context, update)
        words = await ctx.act(context, update, queries.words_for)
        return await send(update, context, fmt.welcome(actor, words))
    if not ctx.is_private(update):
        return await send(update, context, fmt.Reply(fmt.START_IN_GROUP))
    result = await ctx.act(context, update, invitations.accept_invitation, args[0])
    await send(update, context, fmt.joined(result, sender.name, ctx.today(context)))


async def invite(update: Update, context: Context) -> None:
    """/invite UNIT ROLE (administrators): a single-use link that binds whoever opens it."""
    args = ctx.args(context)
    if len(args) < 2:
        return await send(update, context, fmt.Reply(fmt.INVITE_USAGE))
    days = ctx.settings(context).invite_days
    result = await ctx.act(
        context, update, invitations.create_invitation, " ".join(args[:-1]), args[-1], days
    )
    await send(update, context, fmt.invited(result, ctx.bot_username(context), days))


async def bindchat(update: Update, context: Context) -> None:
    """/bindchat UNIT [UNIT …] | 全部 (administrators, in a group): reminders for these units come here."""
    if ctx.is_private(update):
        return await send(update, context, fmt.Reply(fmt.BINDCHAT_IN_PRIVATE))
    if not ctx.args(context):
        return await send(update, context, fmt.Reply(fmt.BINDCHAT_USAGE))
    result = await ctx.act(context, update, chats.bind_chat, ctx.chat_ref(update), ctx.args(context))
    await send(update, context, fmt.bound(result))


async def unbindchat(update: Update, context: Context) -> None:
    """/unbindchat (administrators, in a group): the group stops hearing about its units."""
    if ctx.is_private(update):
        return await send(update, context, fmt.Reply(fmt.BINDCHAT_IN_PRIVATE))
    result = await ctx.act(context, update, chats.unbind_chat, ctx.chat_ref(update))
    await send(update, context, fmt.unbound(result))


async def people_list(update: Update, context: Context) -> None:
    """/people [UNIT]: each unit's webmasters and leaders."""
    unit = " ".join(ctx.args(context)) or None
    result = await ctx.act(context, update, queries.people_view, ctx.judge(context), unit)
    await send(update, context, fmt.people_list(result))


async def units(update: Update, context: Context) -> None:
    """/units: every unit with its item counts and how many people answer for it."""
    result = await ctx.act(context, update, queries.people_view, ctx.judge(context), None, detail=False)
    await send(update, context, fmt.people_list(result))


GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}


async def bot_membership(update: Update, context: Context) -> None:
    """The bot was added to or removed from a group: keep the binding's state and tell the administrators."""
    change = update.my_chat_member
    if change is None or change.chat.type not in ("group", "supergroup"):
        return
    present = change.new_chat_member.status not in GONE
    if present == (change.old_chat_member.status not in GONE):
        return  # a change of rights, not of presence
    result = await ctx.store(
        context,
        chats.bot_membership_changed,
        ctx.judge(context),
        ctx.chat_ref(update),
        ctx.configured_admins(context),
        present=present,
        kicked=change.new_chat_member.status == ChatMemberStatus.BANNED,
        event_key=str(int(change.date.timestamp())),
        notice=fmt.removed_notice,
    )
    log.info(
        "bot %s chat %s (%s): %s",
        "added to" if present else "removed from",
        change.chat.id,
        change.chat.title,
        result,
    )
    reply = fmt.presence(result, present)
    if reply is not None:
        await say(context, change.chat.id, reply)


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its binding and unsent messages follow the new chat id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    result = await ctx.store(context, chats.migrate_chat, old, new)
    log.info("chat %s migrated to %s: %s", old, new, result)


async def group(update: Update, context: Context) -> None:
    """/group 组名 [单位 …] (administrators): the member units of a group word such as 市属各部门."""
    result = await ctx.act(context, update, groups.fill_group, ctx.args(context))
    await send(update, context, fmt.group(result))
