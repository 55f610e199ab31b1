"""What the three group robots share when sending: the platforms' documented limits, offers drawn as links,
and the HTTP answer sorted into success or a `TransportError` before each platform reads its own error codes.
The robot itself (kind, webhook, secret, the kind guessed from the host) is `domain.robots`'.

Pure: no I/O, no clock (`now` is passed in). Sources for every number and code: docs/CHANNELS.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from channels.transport import Outgoing, TransportError
from domain.actions import Action
from domain.notice import Mention
from domain.robots import NAMES, Kind, Robot
from domain.wording import Style


@dataclass(frozen=True)
class Limits:
    """A robot's documented sending rate, and how long the platform blocks it once exceeded."""

    per_minute: int
    per_second: int | None
    blocked_for: float  # seconds to wait when the platform says "too fast" without saying how long


class Links(Protocol):
    """The links a robot's message carries, since a custom robot cannot hear a tap: one per offered action
    (已更新, 已巡查 …) and one to the unit's list. The web page's (`web.links.SignedLinks`) are signed,
    expiring and bound to the message's chat and unit; `LinkTo` builds plain ones."""

    def offer(self, action: Action, message: Outgoing) -> str | None:
        """The link that does `action`, or None for no link (the offer is left out)."""
        ...

    def unit_list(self, message: Outgoing) -> str | None:
        """The link to the list of the message's unit (its chat's units), or None for no such link."""
        ...


@dataclass(frozen=True)
class LinkTo:
    """Links from a plain function of the action (tests; a deployment without the web page)."""

    to: Callable[[Action], str]
    list_url: str | None = None

    def offer(self, action: Action, message: Outgoing) -> str | None:
        return self.to(action)

    def unit_list(self, message: Outgoing) -> str | None:
        return self.list_url


class NoLinks:
    """No web page (PUBLIC_URL unset): a robot's messages carry their words only, no dead links."""

    def offer(self, action: Action, message: Outgoing) -> str | None:
        return None

    def unit_list(self, message: Outgoing) -> str | None:
        return None


UNIT_LIST = "查看本单位清单"  # the label of the list link under every robot message


@dataclass(frozen=True)
class Request:
    url: str
    body: dict[str, Any]


class Platform(Protocol):
    kind: Kind
    limits: Limits
    style: Style

    def request(
        self, robot: Robot, message: Outgoing, links: Links, now: datetime, mentions: Sequence[Mention] = ()
    ) -> Request: ...

    def verdict(self, payload: Mapping[str, Any]) -> TransportError | None: ...


def encode(body: Mapping[str, Any]) -> bytes:
    """The JSON a request carries, as UTF-8 (what the platforms' size limits count)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def hmac_b64(key: str | bytes, message: str | bytes) -> str:
    """base64(HMAC-SHA256(key, message)), both as UTF-8."""
    k = key.encode() if isinstance(key, str) else key
    m = message.encode() if isinstance(message, str) else message
    return base64.b64encode(hmac.new(k, m, hashlib.sha256).digest()).decode()


def link_label(label: str) -> str:
    """A label safe inside markdown's [label](…)."""
    return label.replace("[", "［").replace("]", "］")


def link_url(url: str) -> str:
    """A URL safe inside markdown's (…): spaces and parentheses escaped, the rest as given."""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def offer_rows(message: Outgoing, links: Links) -> list[list[tuple[str, str]]]:
    """Each row of the message's offers as (label, link) pairs, then the unit's list link on a row of its
    own (when there is one)."""
    rows = []
    for row in message.offers:
        linked = [(o.label, url) for o in row if (url := links.offer(o.action, message))]
        if linked:
            rows.append(linked)
    listed = links.unit_list(message)
    if listed:
        rows.append([(UNIT_LIST, listed)])
    return rows


def markdown(message: Outgoing, links: Links, line_break: str) -> str:
    """The message's text and its offers as markdown: one line per text line, then one line per row of
    links."""
    lines = message.text.split("\n")
    for row in offer_rows(message, links):
        lines.append("　".join(f"[{link_label(label)}]({link_url(url)})" for label, url in row))
    return line_break.join(lines)


def title_of(text: str, limit: int = 20) -> str:
    """The first line, shortened: what a notification banner shows."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "值日提醒")
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _kind_of(headers: Mapping[str, str], body: bytes) -> str:
    """What came back instead of the platform's JSON, in a few words for the administrators."""
    if not body.strip():
        return "空白应答"
    content_type = headers.get("content-type", "").split(";")[0].strip()
    return f"内容类型 {content_type}" if content_type else f"{len(body)}字节无法识别的内容"


# Answers that mean the platform itself is away (its gateway answers for it): everyone waits.
_GATEWAY = (502, 503, 504)


def retry_after(headers: Mapping[str, str], default: float) -> float:
    """How long to wait: the answer's Retry-After (or Feishu's x-ogw-ratelimit-reset) when it says."""
    for name in ("retry-after", "x-ogw-ratelimit-reset"):
        value = headers.get(name)
        if value is not None:
            try:
                seconds = float(value)
            except ValueError:
                continue
            if seconds > 0:
                return seconds
    return default


def classify(
    platform: Platform, status: int, body: bytes, headers: Mapping[str, str]
) -> TransportError | None:
    """The platform's HTTP answer: None when the message was accepted, else what to do about it.

    Odd answers are decided the way that loses nothing (docs/CHANNELS.md, "Odd answers"): a 2xx JSON object
    with no error code is accepted (it is the platform's, and a retry would double the message); a 2xx that is
    not a JSON object (an HTML page from a proxy or a URL that is no robot) is not, since the platforms always
    answer JSON: it is unexpected, retried, then set aside and reported.
    """
    name = NAMES[platform.kind]
    if status in _GATEWAY:
        return TransportError(f"{name}服务器暂时不可用（HTTP {status}），稍后重试。", outage=True)
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        error = platform.verdict(payload)
        if error is not None:
            if error.retry_after is not None:
                error.retry_after = retry_after(headers, error.retry_after)
            return error
    if 200 <= status <= 299:
        if isinstance(payload, dict):
            return None
        return TransportError(
            f"{name}机器人地址的应答不是机器人的应答（HTTP {status}，{_kind_of(headers, body)}）："
            "消息可能没有送到群里。请用 zhiri channel test 检查这个地址。"
        )
    if status == 429:
        wait = retry_after(headers, platform.limits.blocked_for)
        return TransportError(f"{name}机器人发送过快（HTTP 429），{wait:.0f}秒后重试。", retry_after=wait)
    if status == 404:
        return TransportError(
            f"{name}机器人地址不存在（HTTP 404）：机器人可能已被移除，请重新添加并绑定。", chat_gone=True
        )
    return TransportError(f"{name}机器人返回了意外的应答（HTTP {status}）。")


@dataclass(frozen=True)
class Code:
    """One documented error code and what it means for the sender."""

    meaning: str  # in Chinese, for the administrators (`zhiri channel test`, the dead-robot notice)
    gone: bool = False  # every message to this robot fails until an administrator fixes it
    permanent: bool = False  # this message can never be sent as it is
    wait: float | None = None  # rate-limited: wait this long


def verdict_from(
    kind: Kind, codes: Mapping[int, Code], code: int | None, message: str
) -> TransportError | None:
    """A platform's error code as a TransportError (None for 0 or no code); unknown codes are unexpected."""
    if code is None or code == 0:
        return None
    name = NAMES[kind]
    known = codes.get(code)
    if known is None:
        return TransportError(f"{name}机器人返回错误 {code}：{message}")
    text = f"{name}机器人返回错误 {code}（{message}）：{known.meaning}"
    if known.wait is not None:
        return TransportError(text, retry_after=known.wait)
    return TransportError(text, chat_gone=known.gone, permanent=known.permanent)
