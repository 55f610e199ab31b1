"""Handler tests: the real Application (bot/app.py) on a real SQLite file, a fixed clock, and no network.

`RecordingRequest` stands in for HTTP: it answers the Bot API methods the bot calls with plausible
results and records every call, so tests feed `Update`s to `application.process_update` and read what
the bot sent.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram import Update

from bot.app import build_application
from bot.config import Settings
from domain.calendar import WorkCalendar
from storage.db import make_engine, upgrade
from storage.items import Judge
from tests.bot.seed import World, add_person, seed
from tests.conftest import SHANGHAI, at
from tests.support.recording import BOT_ID, BOT_USERNAME, RecordingRequest

NOW = at("2026-11-23 09:00")  # Monday; 首页 / 部门动态 is late since 10月15日
CREATED = at("2026-10-01 09:00")
ADMIN, LEADER, WEBMASTER, FINANCE, STRANGER = 1000, 2001, 2002, 2003, 9999
GROUP_ID, SUPERGROUP_ID = -4001, -1004001


@dataclass
class Harness:
    app: Any
    request: RecordingRequest
    engine: Any
    world: World
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    async def send(self, text: str, **kwargs: Any) -> RecordingRequest:
        """A person sends `text` (a private chat by default); returns the request recorder."""
        await self.app.process_update(Update.de_json(self.message_update(text, **kwargs), self.app.bot))
        return self.request

    async def feed(self, data: dict[str, Any]) -> RecordingRequest:
        await self.app.process_update(
            Update.de_json({"update_id": next(self._update_ids), **data}, self.app.bot)
        )
        return self.request

    def message_update(
        self,
        text: str,
        *,
        user: int = WEBMASTER,
        chat: int | None = None,
        chat_type: str | None = None,
        reply_to: dict[str, Any] | None = None,
        kind: str = "message",
        username: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        chat_id = chat if chat is not None else user
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(NOW.timestamp()),
            "chat": {
                "id": chat_id,
                "type": chat_type or ("private" if chat_id > 0 else "group"),
                "title": "测试群",
            },
            "from": {
                "id": user,
                "is_bot": False,
                "first_name": f"用户{user}",
                **({"username": username} if username else {}),
            },
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(extra or {})
        return {"update_id": next(self._update_ids), kind: message}

    def bot_message(
        self, chat: int, message_id: int, text: str = "提醒", markup: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A message the bot sent earlier, as it appears in reply_to_message or a callback query."""
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(NOW.timestamp()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "group", "title": "测试群"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "值日", "username": BOT_USERNAME},
            "text": text,
        }
        if markup:
            message["reply_markup"] = markup
        return message


@pytest.fixture
async def harness(tmp_path) -> AsyncIterator[Harness]:
    url = f"sqlite:///{tmp_path / 'zhiri.db'}"
    engine = make_engine(url)
    upgrade(engine)
    world = seed(engine, Judge(tz=SHANGHAI, calendar=WorkCalendar()), CREATED, now=NOW)
    add_person(engine, CREATED, LEADER, "李领导", [("市政府办公室", "leader")], world)
    add_person(engine, CREATED, WEBMASTER, "王小明", [("市政府办公室", "webmaster")], world, username="wxm")
    add_person(engine, CREATED, FINANCE, "赵财", [("市财政局", "webmaster")], world)
    settings = Settings(
        telegram_bot_token="123456:TEST",
        telegram_api_url="http://telegram.invalid/bot",
        database_url=url,
        admin_telegram_ids=[ADMIN],
        tz_name="Asia/Shanghai",
    )
    request = RecordingRequest(date=int(NOW.timestamp()))
    app = build_application(settings, clock=lambda: NOW, request=request)
    await app.initialize()
    request.clear()
    try:
        yield Harness(app, request, engine, world)
    finally:
        await app.shutdown()
        engine.dispose()
