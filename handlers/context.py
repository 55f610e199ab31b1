"""What handlers need at runtime, read from `application.bot_data` (filled by bot/app.py).

Handlers never read configuration: bot/app.py puts the engine, the judge, the settings and the clock here.
`store()` runs one storage operation in one transaction, off the event loop, with the clock read once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram import Update
from telegram.ext import ContextTypes

from acts.chats import ChatRef
from storage.db import session_scope
from storage.items import Judge
from storage.queries import Speaker, clean

ENGINE = "engine"
JUDGE = "judge"
SETTINGS = "settings"
CLOCK = "clock"

Context = ContextTypes.DEFAULT_TYPE
P = ParamSpec("P")
R = TypeVar("R")


class RuntimeSettings(Protocol):
    """The settings handlers use (bot.config.Settings satisfies it; handlers may not import bot)."""

    @property
    def admin_telegram_ids(self) -> Sequence[int]: ...
    @property
    def invite_days(self) -> int: ...


def engine(context: Context) -> Engine:
    return context.bot_data[ENGINE]


def judge(context: Context) -> Judge:
    return context.bot_data[JUDGE]


def settings(context: Context) -> RuntimeSettings:
    return context.bot_data[SETTINGS]


def now(context: Context) -> datetime:
    clock: Callable[[], datetime] = context.bot_data[CLOCK]
    return clock()


def today(context: Context) -> date:
    """The site-local day now, for the words of a reply (the operation reads the clock for itself)."""
    return judge(context).today(now(context))


def admin_ids(context: Context) -> frozenset[int]:
    return frozenset(settings(context).admin_telegram_ids)


async def store(
    context: Context, op: Callable[Concatenate[Session, datetime, P], R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """`op(session, now, *args)` in one transaction, in a worker thread so the event loop keeps serving."""
    moment, eng = now(context), engine(context)

    def run() -> R:
        with session_scope(eng) as session:
            return op(session, moment, *args, **kwargs)

    return await asyncio.to_thread(run)


def sender(update: Update) -> Speaker:
    user = update.effective_user
    if user is None:  # channel posts and anonymous senders are filtered out before any handler runs
        raise ValueError("update without a sender")
    return Speaker(user.id, user.first_name or "", user.last_name, user.username)


def chat_ref(update: Update) -> ChatRef:
    chat = update.effective_chat
    assert chat is not None
    return ChatRef(chat.id, chat.title or chat.full_name or "", chat.type)


def args(context: Context) -> list[str]:
    """The command's words, NFKC-normalised, invisible characters gone, empty words dropped."""
    return [word for word in (clean(w) for w in context.args or []) if word]


def origin(update: Update) -> str | None:
    """Where an act comes from, so a redelivered update or a second tap writes nothing."""
    message = update.effective_message
    if message is None:
        return None
    return f"tg:{message.chat_id}:{message.message_id}"


def reply_to_bot(update: Update, context: Context) -> tuple[int, int] | None:
    """(chat id, message id) of the bot's own message this message replies to, if any."""
    message = update.effective_message
    target = message.reply_to_message if message else None
    if target is None or target.from_user is None or target.from_user.id != context.bot.id:
        return None
    return target.chat_id, target.message_id


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


def bot_username(context: Context) -> str:
    return context.bot.username or ""
