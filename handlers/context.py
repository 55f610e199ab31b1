"""What handlers need at runtime, read from `application.bot_data` (filled by bot/app.py).

Handlers never read configuration: bot/app.py puts the engine, the judge, the settings and the clock here.
`store()` runs one storage operation in one transaction, off the event loop, with the clock read once; `act()`
does the same for an act, with the person who sent the update resolved once into an `Actor` (their powers,
from their memberships and the configured administrators). This is the one place in the Telegram entrance
that knows the configured administrators' ids: acts and handlers ask `domain.access` about the `Actor`.
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
from storage.queries import Actor, Speaker, actor_for, clean

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
    @property
    def bulletin_fix_workdays(self) -> int: ...


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


def configured_admins(context: Context) -> frozenset[int]:
    """The administrators' Telegram ids from the deployment's configuration. `act` resolves every person
    with them; elsewhere they are data, never a permission: who is told when the bot leaves a group, who
    /status counts, who /remove cannot unbind (their powers do not come from a binding)."""
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


async def act(
    context: Context,
    update: Update,
    op: Callable[Concatenate[Session, datetime, Actor, P], R],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """`op(session, now, actor, *args)` in one transaction (as `store`), `actor` being the person who sent
    `update`, resolved in that transaction."""
    moment, eng = now(context), engine(context)
    speaker, configured = sender(update), configured_admins(context)

    def run() -> R:
        with session_scope(eng) as session:
            return op(session, moment, actor_for(session, speaker, configured), *args, **kwargs)

    return await asyncio.to_thread(run)


async def actor(context: Context, update: Update) -> Actor:
    """The person who sent `update`, resolved (what a reply shows depends on it: /help, /start)."""
    return await act(context, update, _itself)


def _itself(_session: Session, _now: datetime, actor: Actor) -> Actor:
    return actor


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
