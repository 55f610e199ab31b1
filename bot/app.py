"""Builds the Telegram application: runtime objects in `bot_data`, the handlers, the command menu.

The only place that wires handlers to updates. Handlers read what they need through handlers/context.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from telegram import (
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import schedule
from bot.config import Settings
from bot.inbox import KeptUpdates, MarkHandled, RecordedCalls
from bot.pacing import PacedReplies
from bot.robots import ROBOT_CLIENT, robot_channels, robot_client
from bot.webpage import robot_links
from channels import telegram as tg
from channels.telegram_send import NoteAccepted
from domain.actions import Verb
from handlers import asking, check, contacts, errors, people, retire, robots, roster, routine, score, updates
from handlers.context import CLOCK, ENGINE, JUDGE, SETTINGS, Context
from jobs import queue
from jobs.crawl import crawl_if_due
from jobs.links import links_if_due
from jobs.pace import Pacer
from jobs.probe import probe_due
from jobs.routine import calendar_fallback
from replies.menu import COMMANDS, menu
from storage.db import session_scope
from storage.items import Judge, load_calendar

log = logging.getLogger("zhiri")

# Updates the bot acts on; everything else (channel posts, edits, reactions) is not even fetched.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]

# A command is acted on only when sent as a new message by a person: not edited (no double logging),
# not forwarded (someone else's /done is not yours), not a channel post copied into a discussion group.
PEOPLE = filters.UpdateType.MESSAGE & ~filters.FORWARDED & ~filters.IS_AUTOMATIC_FORWARD
ANONYMOUS = filters.SenderChat.ALL

HANDLERS: dict[str, Callable[..., object]] = {
    "start": people.start,
    "invite": people.invite,
    "bindchat": people.bindchat,
    "unbindchat": people.unbindchat,
    "robot": robots.robot,
    "phone": contacts.phone,
    "people": people.people_list,
    "units": people.units,
    "group": people.group,
    "done": updates.done,
    "undo": updates.undo,
    "event": updates.event,
    "overdue": asking.overdue,
    "mine": asking.mine,
    "due": asking.due,
    "rule": asking.rule,
    "check": check.check,
    "wrongread": check.wrongread,
    "readok": check.readok,
    "status": asking.status,
    "help": asking.help_command,
    "holidays": routine.holidays,
    "score": score.score,
    "category": score.category,
    "bulletin": score.bulletin,
    "revoke": roster.revoke,
    "remove": roster.remove,
    "history": roster.history,
    "retire": retire.retire,
    "unretire": retire.unretire,
}

# What a pressed button does, by the platform-neutral action it carries (channels.telegram decodes it).
BUTTONS: dict[Verb, Callable[[Update, Context], Coroutine[Any, Any, None]]] = {
    Verb.DONE: updates.button,
    Verb.READ: routine.read_button,
    Verb.CHECK: routine.half_month_button,
    Verb.CHECK_REST: routine.rest_ok_button,
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_bot(
    settings: Settings,
    engine: Engine,
    clock: Callable[[], datetime],
    *,
    request: BaseRequest | None = None,
    pacer: Pacer | None = None,
) -> ExtBot[str]:
    """The one bot: the application's, and the one the fault tests send through.

    One pacer (jobs/pace.py) and one retry policy on the sending path: the outbox sender's. Its sends pass
    the bot's limiter untouched (PTB's AIORateLimiter retried them inside a claimed outbox row, past the
    claim's timeout, where a second sender could take the row and send it again); replies to people take
    their slots from the same pacer (`PacedReplies`; `pacer` is the sender's, made here when not given).
    Its calls go through RecordedCalls (bot/inbox.py): an update handled again after a crash does not send
    its replies twice; and through NoteAccepted (channels/telegram_send.py): a send Telegram accepted is known
    as accepted even when its answer cannot be read. `request` (no network) is for tests."""
    sending = RecordedCalls(request or HTTPXRequest(connection_pool_size=256), engine, clock)
    return ExtBot(
        settings.telegram_bot_token,
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
        request=NoteAccepted(sending),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
        defaults=Defaults(allow_sending_without_reply=True),
        rate_limiter=PacedReplies(pacer or Pacer(settings.routine_config().limits)),
    )


def build_application(
    settings: Settings, *, clock: Callable[[], datetime] | None = None, request: BaseRequest | None = None
) -> Application:
    """The application, ready to run. `clock` (aware UTC) and `request` (no network) are for tests."""
    clock = clock or utc_now
    engine = settings.make_engine()
    with session_scope(engine) as session:
        calendar = load_calendar(session, on_fallback=calendar_fallback)
    queue = KeptUpdates(engine, clock)
    builder = (
        ApplicationBuilder()
        .bot(make_bot(settings, engine, clock, request=request))
        .post_init(register_commands)
        # Every update is kept in the database from arrival until handled (bot/inbox.py).
        .update_queue(queue)
        .concurrent_updates(MarkHandled(engine, clock, queue))
    )
    application = builder.build()
    application.bot_data.update(
        {
            ENGINE: engine,
            JUDGE: Judge(tz=settings.tz, calendar=calendar, policy=settings.policy),
            SETTINGS: settings,
            CLOCK: clock,
        }
    )
    register_handlers(application)
    # The routine (daily read, warnings, half-month check) and the outbox sender: one repeating job.
    if settings.routine_enabled:
        # DingTalk, WeCom and Feishu group robots: one HTTP client for all, closed by `close_robots`.
        client = application.bot_data[ROBOT_CLIENT] = robot_client()
        robots = robot_channels(engine, client, robot_links(settings))
        schedule.register(application, engine, settings.routine_config(), clock=clock, robots=robots)
    if settings.crawl_enabled:
        register_crawl(application, engine, settings, clock)
    if settings.probe_enabled:
        register_probe(application, engine, settings, clock)
    if settings.crawl_enabled and settings.links_enabled:
        register_links(application, engine, settings, clock)
    return application


def every_minute(
    application: Application,
    run: Callable[[Context], Coroutine[Any, Any, None]],
    name: str,
    *,
    first: float,
) -> None:
    """A job that looks every minute whether its work is due (`first` seconds after start-up, staggered):
    never two runs at once, a missed minute not run twice."""
    job_queue = application.job_queue
    assert job_queue is not None
    job_queue.run_repeating(
        run,
        interval=60.0,
        first=first,
        name=name,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


def register_links(
    application: Application, engine: Engine, settings: Settings, clock: Callable[[], datetime]
) -> None:
    """The daily broken-link check, once the day's website reading is done (caught up after downtime)."""
    config = settings.links_config()

    # A queued reading (READ_QUEUE=procrastinate) is recorded when queued: the check waits for its jobs.
    pending = queue.reading_pending if settings.queued_reading else None

    async def run(_context: Context) -> None:
        async with settings.reader(clock) as reader, settings.link_checker() as checker:
            await links_if_due(
                engine,
                clock(),
                reader=reader,
                checker=checker,
                config=config,
                at=settings.crawl_at,
                pending=pending,
            )

    every_minute(application, run, "zhiri-links", first=25.0)


def register_probe(
    application: Application, engine: Engine, settings: Settings, clock: Callable[[], datetime]
) -> None:
    """The availability probe: every minute, the targets whose slot has come (PROBE_PER_DAY a day)."""
    config = settings.probe_config()

    async def run(_context: Context) -> None:
        async with settings.prober() as prober:
            await probe_due(engine, clock(), prober, config)

    every_minute(application, run, "zhiri-probe", first=15.0)


def register_crawl(
    application: Application, engine: Engine, settings: Settings, clock: Callable[[], datetime]
) -> None:
    """The daily website reading (CRAWL_AT, before the daily read), caught up after downtime: read here, or
    with READ_QUEUE=procrastinate queued for the `zhiri worker` processes."""
    if settings.queued_reading:
        app = queue.make_app(settings.database_url)

        async def put(_context: Context) -> None:
            queue.queue_if_due(engine, app, clock(), tz=settings.tz, at=settings.crawl_at)

        every_minute(application, put, "zhiri-crawl", first=5.0)
        return

    async def run(_context: Context) -> None:
        async with settings.reader(clock) as reader:
            await crawl_if_due(
                engine, clock(), tz=settings.tz, at=settings.crawl_at, reader=reader, policy=settings.policy
            )

    every_minute(application, run, "zhiri-crawl", first=5.0)


def register_handlers(application: Application) -> None:
    application.add_handler(TypeHandler(Update, log_incoming), group=-1)
    names = list(HANDLERS)
    ours = filters.Regex(rf"^/({'|'.join(names)})(@\w+)?(\s|$)")
    application.add_handler(MessageHandler(PEOPLE & ANONYMOUS & filters.COMMAND & ours, errors.anonymous))
    for name, callback in HANDLERS.items():
        application.add_handler(CommandHandler(name, callback, filters=PEOPLE & ~ANONYMOUS))  # type: ignore[arg-type]
    for verb, pressed in BUTTONS.items():
        application.add_handler(CallbackQueryHandler(pressed, pattern=tg.carries(verb)))
    application.add_handler(CallbackQueryHandler(errors.stale_button))
    application.add_handler(MessageHandler(PEOPLE & ~ANONYMOUS & routine.FIX_NOTE, routine.fix_note))
    application.add_handler(
        MessageHandler(PEOPLE & ~ANONYMOUS & routine.CHECKLIST_REPLY, routine.checklist_reply)
    )
    application.add_handler(ChatMemberHandler(people.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, people.migrated))
    application.add_handler(MessageHandler(PEOPLE & ~ANONYMOUS & filters.COMMAND, errors.unknown_command))
    private_text = PEOPLE & ~ANONYMOUS & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(private_text, errors.plain_text))
    application.add_error_handler(errors.on_error)


async def register_commands(application: Application) -> None:
    """The command menu, in Chinese: one for private chats, one for groups, admin commands for admins."""
    bot = application.bot
    settings: Settings = application.bot_data[SETTINGS]
    scopes = [
        (BotCommandScopeAllPrivateChats(), menu(private=True)),
        (BotCommandScopeAllGroupChats(), menu(private=False)),
        (BotCommandScopeAllChatAdministrators(), menu(private=False, admin=True)),
        *((BotCommandScopeChat(i), menu(private=True, admin=True)) for i in settings.admin_telegram_ids),
    ]
    done = 0
    for scope, commands in scopes:
        try:
            await bot.set_my_commands(commands, scope=scope)
            done += 1
        except TelegramError as exc:  # e.g. an administrator who never opened a chat with the bot
            log.warning("could not set the command menu for %s: %s", scope.type, exc)
    log.info(
        "command menu registered (%d of %d scopes, %d commands) for @%s",
        done,
        len(scopes),
        len(COMMANDS),
        bot.username,
    )


async def log_incoming(update: Update, context: Context) -> None:
    """One log line per thing people do (commands, buttons, the bot being added or removed)."""
    user = update.effective_user
    who = f"{user.id}" + (f"@{user.username}" if user and user.username else "") if user else "-"
    chat = update.effective_chat.id if update.effective_chat else "-"
    if update.callback_query is not None:
        log.info("button %r from %s in %s", update.callback_query.data, who, chat)
    elif update.my_chat_member is not None:
        log.info("bot is now %s in %s (by %s)", update.my_chat_member.new_chat_member.status, chat, who)
    elif update.message is not None and update.message.text and update.message.text.startswith("/"):
        log.info("command %r from %s in %s", update.message.text[:80], who, chat)
