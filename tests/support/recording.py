"""A Bot API stand-in for handler tests: records every call, no network. It answers the methods Zhiri uses
(the fake Bot API's list, `tests.support.fake_botapi.PARAMS`) and fails the test on any other method or
parameter, as PTB's own OfflineRequest does."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram.request import BaseRequest, RequestData

from tests.support.fake_botapi import PARAMS

BOT_ID, BOT_USERNAME = 4242, "ZhiriTestBot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)  # uploaded files: multipart field -> content


class RecordingRequest(BaseRequest):
    """A Bot API that accepts everything and remembers it."""

    def __init__(self, date: int = 0) -> None:
        self.calls: list[Call] = []
        self._ids = itertools.count(500)
        self.date = date  # the `date` of the messages it answers with (epoch seconds)
        self.last_message_id: int | None = None  # id of the last message it answered with

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
        expected = PARAMS.get(name.lower())
        if expected is None:
            pytest.fail(f"the bot called {name}, which Zhiri is not known to call")
        extra = sorted(set(params) - expected)
        if extra:
            pytest.fail(f"the bot passed {name} parameters Zhiri is not known to pass: {', '.join(extra)}")
        uploads = (request_data.multipart_data or {}) if request_data else {}
        files = {part: d if isinstance(d := up[1], bytes) else d.read() for part, up in uploads.items()}
        self.calls.append(Call(name, params, files))
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
            self.last_message_id = int(params.get("message_id") or next(self._ids))
            message: dict[str, Any] = {
                "message_id": self.last_message_id,
                "date": self.date,
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

    def files(self, method: str = "sendDocument") -> list[bytes]:
        """The files the bot uploaded with `method`, in order."""
        return [data for c in self.calls if c.method == method for data in c.files.values()]

    def texts(self) -> list[str]:
        return [str(p.get("text", "")) for p in self.sent()]

    def last_text(self) -> str:
        texts = self.texts()
        assert texts, f"the bot sent nothing; calls: {[c.method for c in self.calls]}"
        return texts[-1]

    def clear(self) -> None:
        self.calls.clear()
