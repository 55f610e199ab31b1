"""Handler tests: the real Application (bot/app.py) on a real SQLite file, a fixed clock, and no network.

`RecordingRequest` stands in for HTTP: it answers the Bot API methods the bot calls with plausible
results and records every call, so tests feed `Update`s to `application.process_update` and read what
the bot sent.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.app import build_application
from bot.config import Settings
from domain.calendar import WorkCalendar
from storage.db import make_engine, upgrade
from storage.items import Judge
from tests.bot.seed import World, add_person, seed
from tests.conftest import SHANGHAI, at

BOT_ID, BOT_USERNAME = 4242, "ZhiriTestBot"
NOW = at("2026-11-23 09:00")  # Monday; 首页 / 部门动态 is late since 10月15日
CREATED = at("2026-10-01 09:00")
ADMIN, LEADER, WEBMASTER, FINANCE, STRANGER = 1000, 2001, 2002, 2003, 9999
GROUP_ID, SUPERGROUP_ID = -4001, -1004001


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class RecordingRequest(BaseRequest):
    """A Bot API that accepts everything and remembers it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._ids = itertools.count(500)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        self.calls.append(Call(name, params))
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> object:
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "值日", "username": BOT_USERNAME}
        if name == "getMe":
            return {
                **bot,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if name in ("sendMessage", "sendDocument", "editMessageText"):
            chat_id = int(params.get("chat_id", 0))
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": int(NOW.timestamp()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "群"},
                "from": bot,
                "text": params.get("text", ""),
            }
            if name == "sendDocument":
                message["document"] = {"file_id": "f", "file_unique_id": "u", "file_name": "x.xlsx"}
            return message
        return True

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def texts(self) -> list[str]:
        return [str(p.get("text", "")) for p in self.sent()]

    def last_text(self) -> str:
        texts = self.texts()
        assert texts, f"the bot sent nothing; calls: {[c.method for c in self.calls]}"
        return texts[-1]

    def clear(self) -> None:
        self.calls.clear()


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
    request = RecordingRequest()
    app = build_application(settings, clock=lambda: NOW, request=request)
    await app.initialize()
    request.clear()
    try:
        yield Harness(app, request, engine, world)
    finally:
        await app.shutdown()
        engine.dispose()
