"""What does not fit elsewhere: unknown commands, plain text, anonymous senders, and errors."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send
from replies import format as fmt

log = logging.getLogger(__name__)


async def unknown_command(update: Update, context: Context) -> None:
    """A command no handler took. In groups only answer when it was addressed to this bot."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split(maxsplit=1)[0]
    addressed = command.lower().endswith(f"@{ctx.bot_username(context).lower()}")
    if ctx.is_private(update) or addressed:
        await send(update, context, fmt.Reply(fmt.UNKNOWN_COMMAND))


async def plain_text(update: Update, context: Context) -> None:
    """Text that is not a command, in a private chat: point to the commands."""
    await send(update, context, fmt.Reply(fmt.PLAIN_TEXT))


async def anonymous(update: Update, context: Context) -> None:
    """A command sent as an anonymous group administrator or a channel: nobody to check rights for."""
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0] if message else ""
    target = command.partition("@")[2]
    if not target or target.lower() == ctx.bot_username(context).lower():
        await send(update, context, fmt.Reply(fmt.ANONYMOUS))


async def stale_button(update: Update, context: Context) -> None:
    """A button no handler knows (an old message, a changed format): say so rather than spin."""
    if update.callback_query is not None:
        await update.callback_query.answer(fmt.BUTTON_EXPIRED)


QUIET = (Forbidden, RetryAfter, NetworkError, TimedOut)


async def on_error(update: object, context: Context) -> None:
    """Log the error; apologise in the chat when there is one. One update's error never stops the bot."""
    log.error("error while handling an update: %r", context.error, exc_info=context.error)
    if not isinstance(update, Update) or isinstance(context.error, QUIET):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(fmt.APOLOGY[:200])
        elif update.effective_message is not None:
            await update.effective_message.reply_text(fmt.APOLOGY)
    except Exception as exc:  # the apology is best effort
        log.warning("could not apologise: %r", exc)
