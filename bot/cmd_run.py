"""`zhiri run`: the Telegram bot. Long polling by default; a webhook when WEBHOOK_URL is set.

The database is upgraded to the newest schema before the bot starts (see README, "Database").
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import secrets
import sys
from urllib.parse import urlparse

from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from telegram.error import InvalidToken
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application, utc_now
from bot.config import OFFICIAL_API_URL, Settings, load_settings
from bot.heartbeat import Heartbeat
from bot.inbox import recover
from bot.robots import close_robots
from bot.runner import Webhook, WebhookRefused, serve
from bot.webpage import refusal, telegram_route, web_server, webhook_on_page
from handlers.context import ENGINE, JUDGE
from storage import robots
from storage.db import upgrade

log = logging.getLogger("zhiri")

NO_TOKEN = """\
未设置机器人令牌 TELEGRAM_BOT_TOKEN，机器人无法启动。
获取令牌：在 Telegram 中给 @BotFather 发送 /newbot，按提示起名，复制它回复的令牌；
然后在项目目录的 .env 文件中写入一行 TELEGRAM_BOT_TOKEN=令牌（格式见 .env.example），再运行 make run。
TELEGRAM_BOT_TOKEN is not set, so the bot cannot start.
To get a token: in Telegram, send /newbot to @BotFather, follow the steps and copy the token it replies with;
then put the line TELEGRAM_BOT_TOKEN=<token> in the .env file in the project folder (see .env.example)
and run `make run` again."""

BAD_TOKEN = """\
Telegram 拒绝了机器人令牌 TELEGRAM_BOT_TOKEN（令牌无效或已被撤销）。
请在 Telegram 中给 @BotFather 发送 /mybots → 选择机器人 → API Token，复制正确的令牌，
更新 .env 中的 TELEGRAM_BOT_TOKEN=令牌 后重新运行。{server_zh}
Telegram rejected TELEGRAM_BOT_TOKEN (the token is wrong or was revoked).
In Telegram, send /mybots to @BotFather → choose the bot → API Token, copy the right token,
set TELEGRAM_BOT_TOKEN=<token> in .env and run again.{server_en}"""

UNREACHABLE = """\
暂时无法连接 Telegram 服务器（{url}）：{error}
机器人会自动重试，连上后即开始工作；如果一直连不上，请检查网络，或 .env 中的 TELEGRAM_API_URL 是否正确。
Cannot reach the Telegram Bot API at {url} yet: {error}
The bot keeps trying and starts working once it is reachable; if it never is, check the network,
or TELEGRAM_API_URL in .env."""

NO_DATABASE = """\
无法打开数据库（请检查 .env 中的 DATABASE_URL，以及数据库服务是否已启动）：{error}
Could not open the database (check DATABASE_URL in .env, and that the database server is running): {error}"""

NO_WEBHOOK_SERVER = """\
已设置 WEBHOOK_URL，但未安装 webhook 所需的组件（python-telegram-bot[webhooks]）。
请删除 WEBHOOK_URL 改用长轮询，或安装该组件。
WEBHOOK_URL is set but python-telegram-bot's webhook server (the [webhooks] extra, tornado) is not installed.
Unset WEBHOOK_URL to use long polling, or install the extra."""


WEBHOOK_REFUSED = """\
Telegram 拒绝了 WEBHOOK_URL（{url}）：{error}
请填写 Telegram 能访问的 HTTPS 地址（端口只能是 443、80、88 或 8443），或留空 WEBHOOK_URL 改用长轮询。
Telegram refused WEBHOOK_URL ({url}): {error}
Give an HTTPS address Telegram can reach (port 443, 80, 88 or 8443), or leave WEBHOOK_URL empty for
long polling."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        "run", help="运行 Telegram 机器人（自动升级数据库）/ run the Telegram bot (upgrades the database)"
    )


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
    )
    # httpx logs every request at INFO (one line per getUpdates poll) and Alembic its every step: noise.
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging()
    if not settings.telegram_bot_token.strip():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    on_page = webhook_on_page(settings)
    if settings.webhook_url and not on_page and importlib.util.find_spec("tornado") is None:
        print(NO_WEBHOOK_SERVER, file=sys.stderr)
        return 2
    refused = refusal(settings) or settings.queue_refusal()
    if refused is not None:
        print(refused, file=sys.stderr)
        return 2
    try:
        upgrade_database(settings)
    except OperationalError as exc:
        print(NO_DATABASE.format(error=str(exc.orig or exc).strip()), file=sys.stderr)
        return 1
    application = build_application(settings)
    webhook = webhook_config(settings)
    if webhook is None:
        log.info("starting with long polling")

    def unreachable(exc: Exception) -> None:
        print(UNREACHABLE.format(url=settings.telegram_api_url, error=exc), file=sys.stderr)

    engine = application.bot_data[ENGINE]
    heartbeat = Heartbeat(engine, utc_now, mode="webhook" if webhook else "polling")

    async def before_start(app: Application) -> None:
        await recover(app, engine, utc_now)

    routes = (
        [telegram_route(application, webhook.url_path, webhook.secret_token)] if webhook and on_page else []
    )
    web = web_server(settings, engine, application.bot_data[JUDGE], routes) if settings.public_url else None

    async def main() -> None:
        if web is not None:
            # The one-tap links' page, in this same loop: up while the bot waits for Telegram too.
            log.info("serving the web page at %s (links on %s)", web.where, settings.public_url)
            web.start()
        try:
            await serve(
                application,
                allowed_updates=ALLOWED_UPDATES,
                webhook=webhook,
                on_unreachable=unreachable,
                heartbeat=heartbeat,
                before_start=before_start,
            )
        finally:
            if web is not None:
                await web.stop()
            await close_robots(application.bot_data)

    try:
        asyncio.run(main())
    except InvalidToken:
        # A token refused by getMe at start-up, or by getUpdates again and again: exit non-zero (a supervisor
        # sees it) rather than stay up and hear nothing.
        custom = settings.telegram_api_url != OFFICIAL_API_URL
        server_zh = f"\n（当前使用的 Bot API 服务器：{settings.telegram_api_url}）" if custom else ""
        server_en = f"\n(Bot API server in use: {settings.telegram_api_url})" if custom else ""
        print(BAD_TOKEN.format(server_zh=server_zh, server_en=server_en), file=sys.stderr)
        return 2
    except WebhookRefused as exc:
        print(WEBHOOK_REFUSED.format(url=settings.webhook_url, error=exc), file=sys.stderr)
        return 2
    log.info("stopped")
    return 0


def upgrade_database(settings: Settings) -> None:
    """Bring the schema up to date: running the bot is the one step people take, so it does this too."""
    engine = settings.make_engine()
    try:
        before, after = upgrade(engine)
        with Session(engine) as session:
            # The robots' webhooks must open with CHANNEL_KEY: refused now (exit 2, saying what to do), not
            # found out at each robot's first message.
            robots.check(session)
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        log.info("database %s is at the newest schema (%s)", where, after)
    else:
        log.info("database %s upgraded automatically from %s to %s", where, before or "empty", after)


def webhook_config(settings: Settings) -> Webhook | None:
    """None: long polling (no WEBHOOK_URL)."""
    if not settings.webhook_url:
        return None
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    if not settings.webhook_secret:
        log.info("WEBHOOK_SECRET not set: using a random secret token for this run")
    on_page = webhook_on_page(settings)
    if on_page:
        log.info("starting with a webhook at %s, served by the web page", settings.webhook_url)
    else:
        log.info(
            "starting with a webhook at %s (listening on %s:%d)",
            settings.webhook_url,
            settings.webhook_listen,
            settings.webhook_port,
        )
    return Webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlparse(settings.webhook_url).path.lstrip("/"),
        url=settings.webhook_url,
        secret_token=secret,
        on_page=on_page,
    )
