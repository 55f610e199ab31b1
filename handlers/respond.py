"""Sending a `Reply`: split at line ends for Telegram's limit, buttons under the last piece, long lists also
as an XLSX file."""

from __future__ import annotations

from telegram import InputFile, Update

from channels.telegram import keyboard
from handlers.context import Context
from replies.format import Reply, split_message, table_caption
from reports.table import Table, xlsx


async def send(update: Update, context: Context, reply: Reply) -> None:
    """Answer the message `update` carries (quoting it in groups, so people see what is answered)."""
    message = update.effective_message
    if message is None:
        return
    pieces = split_message(reply.text)
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        await message.reply_text(piece, reply_markup=keyboard([(o,) for o in reply.offers]) if last else None)
    if reply.table is not None:
        await send_table(update, reply.table)


async def send_table(update: Update, table: Table) -> None:
    """A list as an XLSX file, answering the message `update` carries."""
    message = update.effective_message
    if message is None:
        return
    document = InputFile(xlsx(table), filename=table.filename)
    await message.reply_document(document, caption=table_caption(table))


async def say(context: Context, chat_id: int, reply: Reply) -> None:
    """Send to a chat without a message to answer (e.g. when the bot is added to a group)."""
    for piece in split_message(reply.text):
        await context.bot.send_message(chat_id, piece)
