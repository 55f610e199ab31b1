"""Local FAKES of the three custom group robots' webhooks, over real HTTP, for tests.

One server per platform (stdlib `ThreadingHTTPServer` on a free port, in a daemon thread, like
`fake_botapi.py`), each checking a request the way its platform documents it and answering with the
platform's own error codes (docs/CHANNELS.md lists the sources):

* DingTalk `POST /robot/send?access_token=T[&timestamp=MS&sign=S]`: 加签 checked as documented (HmacSHA256 of
  `timestamp + "\\n" + secret` keyed by the secret, base64, URL-encoded; the millisecond timestamp within one
  hour of the fake's clock) → 310000; unknown or removed token → 300001; more than 20 messages in a minute →
  130101, and the robot stays throttled for 10 minutes.
* WeCom `POST /cgi-bin/webhook/send?key=K`: unknown or removed key → 93000; more than 20 a minute → 45009;
  markdown over 4096 bytes → 40058; an unknown msgtype → 40008.
* Feishu `POST /open-apis/bot/v2/hook/T`: 签名校验 (HmacSHA256 keyed by `timestamp + "\\n" + secret` over an
  empty message, base64; seconds, within one hour; both in the JSON body) → 19021; unknown or removed hook →
  19001; more than 5 a second or 100 a minute → 11232; a body over 20 KB or not a known message → 9499.

Time is the fake's `clock` (tests set it; nothing sleeps). `fail_next` injects an HTTP failure (a gateway's
502, a 429 with headers…). `received` keeps every accepted message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

JSON = dict[str, Any]
_tokens = itertools.count(1)


@dataclass
class Received:
    token: str
    body: JSON


@dataclass
class _Robot:
    token: str
    secret: str | None
    per_minute: int | None = (
        None  # this robot's own minute limit (a test makes it small), else the platform's
    )
    removed: bool = False
    sent: deque[datetime] = field(default_factory=deque)
    blocked_until: datetime | None = None


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _json(payload: JSON, status: int = 200) -> _Answer:
    return _Answer(
        status, json.dumps(payload, ensure_ascii=False).encode(), {"Content-Type": "application/json"}
    )


def _refusal(answer: _Answer) -> bool:
    if answer.status != 200:
        return True
    try:
        payload = json.loads(answer.body)
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("errcode", payload.get("code", 0)) != 0


def _hmac_b64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


class _FakeRobotServer:
    """What the three fakes share: the server, the robots, the clock, faults and what was received."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.robots: dict[str, _Robot] = {}
        self.received: list[Received] = []
        self.requests = 0
        self._refused: dict[str, int] = {}
        self._faults: deque[_Answer] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> _FakeRobotServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with fake._lock:
                    fake.requests += 1
                    answer = fake._faults.popleft() if fake._faults else fake._answer(self.path, raw)
                    if _refusal(answer):
                        try:
                            token = fake.token_of(fake.base_url + self.path)
                        except (KeyError, IndexError):
                            token = ""
                        fake._refused[token] = fake._refused.get(token, 0) + 1
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> _FakeRobotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- test side ---------------------------------------------------------------------------------------

    def add_robot(self, secret: str | None = None, per_minute: int | None = None) -> str:
        """A new robot in a group; returns its webhook URL on this fake. `per_minute`: a smaller limit than
        the platform's, so that a test sees the platform's own "too fast" answer."""
        token = f"{next(_tokens):04d}{hashlib.sha256(str(id(self)).encode()).hexdigest()[:12]}"
        with self._lock:
            self.robots[token] = _Robot(token, secret, per_minute)
        return self.url_of(token)

    def remove_robot(self, url: str) -> None:
        """The robot is removed from its group: its webhook stops working."""
        with self._lock:
            self.robots[self.token_of(url)].removed = True

    def fail_next(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """The next request is answered with this (e.g. a gateway's 502), whatever it is."""
        with self._lock:
            self._faults.append(_Answer(status, body, headers or {}))

    def messages_to(self, url: str) -> list[JSON]:
        token = self.token_of(url)
        with self._lock:
            return [r.body for r in self.received if r.token == token]

    # -- per platform ------------------------------------------------------------------------------------

    def url_of(self, token: str) -> str:
        raise NotImplementedError

    def token_of(self, url: str) -> str:
        raise NotImplementedError

    def _answer(self, path: str, raw: bytes) -> _Answer:
        raise NotImplementedError

    PER_MINUTE = 20

    def _accept(self, robot: _Robot, body: JSON, now: datetime) -> None:
        robot.sent.append(now)
        self.received.append(Received(robot.token, body))

    @staticmethod
    def _window(robot: _Robot, now: datetime, span: timedelta) -> int:
        return sum(1 for t in robot.sent if now - span < t <= now)

    def _per_minute(self, robot: _Robot) -> int:
        return robot.per_minute if robot.per_minute is not None else self.PER_MINUTE

    def refused(self, url: str) -> int:
        """How many requests to this robot were answered with an error (rate limits included)."""
        token = self.token_of(url)
        with self._lock:
            return self._refused.get(token, 0)


class FakeDingTalk(_FakeRobotServer):
    THROTTLE = timedelta(minutes=10)

    def url_of(self, token: str) -> str:
        return f"{self.base_url}/robot/send?access_token={token}"

    def token_of(self, url: str) -> str:
        return parse_qs(urlsplit(url).query)["access_token"][0]

    def _answer(self, path: str, raw: bytes) -> _Answer:
        parts = urlsplit(path)
        query = parse_qs(parts.query)  # decodes %2B to "+", and a bare "+" to a space, as a server does
        robot = self.robots.get((query.get("access_token") or [""])[0])
        if parts.path != "/robot/send" or robot is None or robot.removed:
            return _json({"errcode": 300001, "errmsg": "token is not exist"})
        now = self.clock()
        if robot.secret is not None:
            timestamp = (query.get("timestamp") or [""])[0]
            sign = (query.get("sign") or [""])[0]
            if not timestamp.isdigit() or abs(now.timestamp() * 1000 - int(timestamp)) > 3600 * 1000:
                return _json({"errcode": 310000, "errmsg": "invalid timestamp"})
            secret = robot.secret.encode()
            if not hmac.compare_digest(sign, _hmac_b64(secret, f"{timestamp}\n{robot.secret}".encode())):
                return _json({"errcode": 310000, "errmsg": "sign not match"})
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict) or not _dingtalk_message_ok(body):
            return _json({"errcode": 40035, "errmsg": "缺少参数 json"})
        if robot.blocked_until is not None and now < robot.blocked_until:
            return _json({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        if self._window(robot, now, timedelta(minutes=1)) >= self._per_minute(robot):
            robot.blocked_until = now + self.THROTTLE
            return _json({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        self._accept(robot, body, now)
        return _json({"errcode": 0, "errmsg": "ok"})


def _dingtalk_message_ok(body: JSON) -> bool:
    kind = body.get("msgtype")
    if kind == "text":
        return isinstance((body.get("text") or {}).get("content"), str)
    if kind == "markdown":
        md = body.get("markdown") or {}
        return isinstance(md.get("title"), str) and isinstance(md.get("text"), str)
    return kind in ("link", "actionCard", "feedCard")


class FakeWeCom(_FakeRobotServer):
    MAX_BYTES = 4096

    def url_of(self, token: str) -> str:
        return f"{self.base_url}/cgi-bin/webhook/send?key={token}"

    def token_of(self, url: str) -> str:
        return parse_qs(urlsplit(url).query)["key"][0]

    def _answer(self, path: str, raw: bytes) -> _Answer:
        parts = urlsplit(path)
        robot = self.robots.get((parse_qs(parts.query).get("key") or [""])[0])
        if parts.path != "/cgi-bin/webhook/send" or robot is None or robot.removed:
            return _json({"errcode": 93000, "errmsg": "invalid webhook url, hint: [fake]"})
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("msgtype") not in (
            "text",
            "markdown",
            "image",
            "news",
            "file",
        ):
            return _json({"errcode": 40008, "errmsg": "invalid message type"})
        if body["msgtype"] == "markdown":
            content = (body.get("markdown") or {}).get("content")
            if not isinstance(content, str) or len(content.encode()) > self.MAX_BYTES:
                return _json({"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
        now = self.clock()
        if self._window(robot, now, timedelta(minutes=1)) >= self._per_minute(robot):
            return _json({"errcode": 45009, "errmsg": "api freq out of limit"})
        self._accept(robot, body, now)
        return _json({"errcode": 0, "errmsg": "ok"})


class FakeFeishu(_FakeRobotServer):
    PER_SECOND = 5
    PER_MINUTE = 100
    MAX_BODY = 20 * 1024
    PREFIX = "/open-apis/bot/v2/hook/"

    def url_of(self, token: str) -> str:
        return f"{self.base_url}{self.PREFIX}{token}"

    def token_of(self, url: str) -> str:
        return urlsplit(url).path.removeprefix(self.PREFIX)

    def _answer(self, path: str, raw: bytes) -> _Answer:
        parts = urlsplit(path)
        robot = (
            self.robots.get(parts.path.removeprefix(self.PREFIX))
            if parts.path.startswith(self.PREFIX)
            else None
        )
        if robot is None or robot.removed:
            return _json(
                {"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": {}}
            )
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if len(raw) > self.MAX_BODY or not isinstance(body, dict) or not _feishu_message_ok(body):
            return _json({"code": 9499, "msg": "Bad Request", "data": {}})
        now = self.clock()
        if robot.secret is not None:
            timestamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            expected = _hmac_b64(f"{timestamp}\n{robot.secret}".encode(), b"")
            fresh = timestamp.isdigit() and abs(now.timestamp() - int(timestamp)) <= 3600
            if not fresh or not hmac.compare_digest(sign, expected):
                return _json(
                    {
                        "code": 19021,
                        "msg": "sign match fail or timestamp is not within one hour from current time",
                        "data": {},
                    }
                )
        if self._window(robot, now, timedelta(seconds=1)) >= self.PER_SECOND or self._window(
            robot, now, timedelta(minutes=1)
        ) >= self._per_minute(robot):
            return _json(
                {
                    "code": 11232,
                    "msg": "frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]",
                    "data": {},
                }
            )
        self._accept(robot, body, now)
        return _json({"code": 0, "msg": "success", "data": {}})


def _feishu_message_ok(body: JSON) -> bool:
    kind, content = body.get("msg_type"), body.get("content")
    if kind == "text":
        return isinstance(content, dict) and isinstance(content.get("text"), str)
    if kind == "post":
        post = content.get("post") if isinstance(content, dict) else None
        return isinstance(post, dict) and any(isinstance(v, dict) and "content" in v for v in post.values())
    return kind in ("image", "share_chat", "interactive")
