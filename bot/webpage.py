"""The web page's wiring (`zhiri run`): the link key from the settings, the robots' signed links, the server,
and Telegram's webhook on the same address when WEBHOOK_URL is on PUBLIC_URL's (`telegram_route`).

The page is served only when PUBLIC_URL is set, and never without WEB_SECRET: links signed with an empty or
guessable key would let anyone log updates for any unit.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from channels.robots.common import Links, NoLinks
from storage.items import Judge
from web.app import create_app
from web.entrance import Web
from web.links import MIN_SECRET, LinkKey, SignedLinks
from web.server import WebServer

log = logging.getLogger(__name__)

NO_SECRET = f"""\
已设置 PUBLIC_URL，但 WEB_SECRET 未设置或少于{MIN_SECRET}个字符：没有它，一键链接无法签名，网页不能启动。
请在 .env 中写入一行 WEB_SECRET=随机密钥，可用下面的命令生成：
python3 -c "import secrets; print(secrets.token_urlsafe(32))"
PUBLIC_URL is set but WEB_SECRET is missing or shorter than {MIN_SECRET} characters: the one-tap links
cannot be signed, so the web page does not start. Put WEB_SECRET=<random key> in .env (see .env.example)."""

# Every link under a robot message carries it, and WeCom counts them in its 4096 bytes (robots/wecom.py).
MAX_PUBLIC_URL = 100
LONG_URL = f"""\
PUBLIC_URL 太长（{{n}}个字符，最多{MAX_PUBLIC_URL}个）：每条群机器人消息下的链接都包含它，
企业微信限制消息长度。请换用更短的地址。
PUBLIC_URL is too long ({{n}} characters, at most {MAX_PUBLIC_URL}): every link under a robot message carries
it, and WeCom limits a message's size. Use a shorter address."""

BAD_URL = """\
PUBLIC_URL 不是有效的网址：{url}。请填写手机能打开的完整地址，例如 https://zhiri.example.gov.cn
PUBLIC_URL is not a valid address: {url}. Give the full address phones open, e.g. https://zhiri.example.gov.cn"""


def refusal(settings: Settings) -> str | None:
    """Why the page cannot start as configured (Chinese and English), or None."""
    if not settings.public_url:
        return None
    parts = urlsplit(settings.public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return BAD_URL.format(url=settings.public_url)
    if len(settings.public_url) > MAX_PUBLIC_URL:
        return LONG_URL.format(n=len(settings.public_url))
    if len(settings.web_secret.strip()) < MIN_SECRET:
        return NO_SECRET
    return None


def link_key(settings: Settings) -> LinkKey:
    return LinkKey(settings.web_secret.strip(), timedelta(days=settings.web_link_days))


def robot_links(settings: Settings) -> Links:
    """The links under every robot message (`RobotTransport`'s): signed for the page, or none without one."""
    if not settings.public_url or refusal(settings) is not None:
        return NoLinks()
    return SignedLinks(settings.public_url, link_key(settings))


def web_server(
    settings: Settings, engine: Engine, judge: Judge, routes: Sequence[BaseRoute] = ()
) -> WebServer | None:
    if not settings.public_url:
        return None
    app = create_app(Web(engine, judge, link_key(settings)), routes=routes)
    return WebServer(app, settings.web_host, settings.web_port)


def webhook_on_page(settings: Settings) -> bool:
    """WEBHOOK_URL on PUBLIC_URL's scheme and host: the page's server takes Telegram's updates too (one port
    behind the reverse proxy, no second server)."""
    if not settings.webhook_url or not settings.public_url or refusal(settings) is not None:
        return False
    hook, page = urlsplit(settings.webhook_url), urlsplit(settings.public_url)
    return (hook.scheme, hook.netloc) == (page.scheme, page.netloc) and hook.path.strip("/") != ""


MAX_UPDATE = 1 << 20  # bytes of one update: Telegram's are a few kilobytes


def telegram_route(application: Application, path: str, secret_token: str) -> Route:
    """Telegram's webhook as a route of the page: the secret token checked in constant time, the update
    kept (the application's update queue writes it to the database, `bot.inbox.KeptUpdates`) before the 200
    that tells Telegram it was received."""
    expected = secret_token.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "").encode()
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("forbidden", status_code=403)
        if int(request.headers.get("content-length") or 0) > MAX_UPDATE:
            return PlainTextResponse("too large", status_code=413)
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("webhook: an update that cannot be read was refused (%s)", exc)
            return PlainTextResponse("bad update", status_code=400)
        await application.update_queue.put(update)
        return PlainTextResponse("ok")

    return Route("/" + path.strip("/"), receive, methods=["POST"])
