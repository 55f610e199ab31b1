"""A local, faithful FAKE of the Telegram Bot API for end-to-end tests and benchmarks.

The real bot (`zhiri run` as a subprocess, `TELEGRAM_API_URL=fake.base_url`) or a `telegram.Bot(token,
base_url=fake.base_url)` talks to it over real HTTP, exactly as it talks to api.telegram.org:

* PTB POSTs to ``{base_url}{token}/{method}``, form-encoded (values JSON-encoded unless plain strings) or
  multipart/form-data when a file is attached; JSON bodies and GET query strings work too.
* Answers are ``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": N, "description": "…",
  "parameters": {"retry_after": N} | {"migrate_to_chat_id": N}}`` with the same HTTP status and the same
  description texts as the real server (taken from tdlib/telegram-bot-api and tdlib): 400 "Bad Request: …",
  401 "Unauthorized", 403 "Forbidden: …", 404 "Not Found", 409 "Conflict: …", 429 "Too Many Requests: retry
  after N" (+ ``Retry-After`` header).
* Text is processed the way the server does: HTML / MarkdownV2 / Markdown parse_mode parsed by ports of
  tdlib's parsers (same error messages, byte offsets), control characters cleaned, leading/trailing blanks
  trimmed, entities (incl. detected bot_command / url / mention / hashtag / email) with offsets and lengths
  in UTF-16 code units; the 4096-character limit counts Unicode code points after parsing, as tdlib does.

Test-side methods (``send_text``, ``press_button``, ``add_bot_to_group``, …) enqueue real Update JSON for
``getUpdates``; observation (``sent``, ``messages_to``, ``wait_for``, ``calls``) and fault injection
(``fail_next``, ``set_unreachable``, ``enforce_limits``, ``revoke_token``) let tests check behaviour and
resilience. Everything is stdlib; the server runs in background daemon threads.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import hashlib
import itertools
import json
import math
import mimetypes
import re
import socket
import sys
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "ApiError",
    "CallRecord",
    "EditRecord",
    "FakeBotAPI",
    "FakeChat",
    "FakeTimeout",
    "FakeUnexpected",
    "FakeUser",
    "SentRecord",
]

JSON = dict[str, Any]
T = TypeVar("T")

MAX_TEXT_LENGTH = 4096  # code points, after entity parsing
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
LONG_POLL_MAX_TIMEOUT = 50
SUPERGROUP_ID_FLOOR = -1_000_000_000_000  # ids at or below this are supergroups / channels (-100…)

ALL_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
DEFAULT_ALLOWED_UPDATES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

# The methods Zhiri calls, each with every parameter the real API takes that Zhiri may pass (names as in the
# Bot API reference, https://core.telegram.org/bots/api). Anything else is unexpected.
PARAMS: dict[str, frozenset[str]] = {
    "getme": frozenset(),
    "getupdates": frozenset({"offset", "limit", "timeout", "allowed_updates"}),
    "setwebhook": frozenset(
        {
            "url",
            "certificate",
            "ip_address",
            "max_connections",
            "allowed_updates",
            "drop_pending_updates",
            "secret_token",
        }
    ),
    "deletewebhook": frozenset({"drop_pending_updates"}),
    "getwebhookinfo": frozenset(),
    "setmycommands": frozenset({"commands", "scope", "language_code"}),
    "sendmessage": frozenset(
        {
            "chat_id",
            "message_thread_id",
            "text",
            "parse_mode",
            "entities",
            "link_preview_options",
            "disable_notification",
            "protect_content",
            "reply_parameters",
            "reply_markup",
        }
    ),
    "senddocument": frozenset(
        {
            "chat_id",
            "message_thread_id",
            "document",
            "caption",
            "parse_mode",
            "caption_entities",
            "disable_content_type_detection",
            "disable_notification",
            "protect_content",
            "reply_parameters",
            "reply_markup",
        }
    ),
    "editmessagetext": frozenset(
        {
            "chat_id",
            "message_id",
            "inline_message_id",
            "text",
            "parse_mode",
            "entities",
            "link_preview_options",
            "reply_markup",
        }
    ),
    "editmessagecaption": frozenset(
        {
            "chat_id",
            "message_id",
            "inline_message_id",
            "caption",
            "parse_mode",
            "caption_entities",
            "reply_markup",
        }
    ),
    "answercallbackquery": frozenset({"callback_query_id", "text", "show_alert", "url", "cache_time"}),
}

SEND_METHODS = frozenset({"sendmessage", "senddocument"})
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


# ----------------------------------------------------------------------------------------------------------
# Errors and records
# ----------------------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status == error_code, description, optional parameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class FakeUnexpected(AssertionError):
    """The bot called a method, or passed a parameter or parse mode, that the fake does not expect."""


class FakeTimeout(AssertionError):
    """`wait_for` gave up: what was awaited never happened."""


class _EntityError(Exception):
    pass


class _DropConnection(Exception):
    """Close the connection without answering (the server went away)."""


def _bad(message: str) -> ApiError:
    """The server's 400 wording: "Bad Request: " + message, first letter lowered unless an ERROR_CODE."""
    if len(message) >= 2 and (message[1] == "_" or message[1].isupper()):
        text = message
    else:
        text = message[:1].lower() + message[1:]
    return ApiError(400, f"Bad Request: {text}")


def _forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


def _too_many(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


@dataclass(frozen=True)
class SentRecord:
    """One message the bot sent that the fake ACCEPTED (in global acceptance order)."""

    seq: int
    method: str
    chat_id: int
    message_id: int
    text: str | None  # message text, or the caption of a document (after entity parsing)
    raw_text: str | None  # as the bot sent it (before parse_mode)
    parse_mode: str | None
    entities: list[JSON]
    reply_markup: JSON | None  # as sent (inline or reply keyboard), parsed JSON
    reply_to: int | None  # message_id replied to (same chat)
    at: float  # time.monotonic() of acceptance
    document_filename: str | None
    document_bytes: bytes | None
    document_mime_type: str | None
    params: JSON
    message: JSON  # the Message object returned to the bot

    @property
    def callback_data(self) -> list[str]:
        """callback_data of every inline button, row by row."""
        return [b["callback_data"] for b in _inline_buttons(self.reply_markup) if "callback_data" in b]


@dataclass(frozen=True)
class EditRecord:
    seq: int
    method: str
    chat_id: int
    message_id: int
    text: str | None
    reply_markup: JSON | None
    at: float
    params: JSON
    message: JSON


@dataclass(frozen=True)
class CallRecord:
    """Every HTTP request that reached a method (accepted or not)."""

    method: str  # as the client spelled it
    params: JSON
    files: dict[str, str]  # multipart field -> filename
    status: int
    description: str | None
    at: float


@dataclass
class _Upload:
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes
    file_path: str


@dataclass
class _StoredMessage:
    chat_id: int
    message_id: int
    data: JSON
    from_bot: bool
    sender_id: int | None
    kind: str  # text | document | service
    date: int
    deleted: bool = False


@dataclass
class _Fault:
    remaining: int
    code: int
    retry_after: int
    method: str | None
    description: str | None
    parameters: JSON | None


@dataclass
class _Callback:
    chat_id: int
    message_id: int
    data: str | None
    at: float
    answered: bool = False


# ----------------------------------------------------------------------------------------------------------
# Users and chats
# ----------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class FakeUser:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> JSON:
        d: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        return d


@dataclass(eq=False)
class FakeChat:
    """A chat. Its mutable state (bot status, members, blocks, migration) is changed by the fake's methods."""

    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    user: FakeUser | None = None  # the other party of a private chat
    bot_status: str = "member"  # creator | administrator | member | left | kicked
    members: dict[int, str] = field(default_factory=dict, repr=False)  # user id -> status
    started: bool = True  # private: the user has written to the bot
    blocked: bool = False  # private: the user blocked the bot
    migrated_to_chat_id: int | None = None
    next_message_id: int = field(default=1, repr=False)

    def to_dict(self) -> JSON:
        d: JSON = {"id": self.id}
        if self.type == "private":
            assert self.user is not None
            d["first_name"] = self.user.first_name
            if self.user.last_name:
                d["last_name"] = self.user.last_name
            if self.user.username:
                d["username"] = self.user.username
            d["type"] = "private"
            return d
        d["title"] = self.title or ""
        if self.username and self.type != "group":
            d["username"] = self.username
        d["type"] = self.type
        if self.type == "group":
            d["all_members_are_administrators"] = False
        return d

    @property
    def is_group_like(self) -> bool:
        return self.type in ("group", "supergroup")


def _chat_id(chat: FakeChat | FakeUser | int) -> int:
    return chat if isinstance(chat, int) else chat.id


def _put(msg: JSON, key: str, value: Any) -> None:
    """Set `key` when `value` is not empty, remove it otherwise: the Bot API leaves empty fields out."""
    if value:
        msg[key] = value
    else:
        msg.pop(key, None)


def _inline_buttons(markup: JSON | None) -> list[JSON]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list):
        return []
    return [b for row in rows if isinstance(row, list) for b in row if isinstance(b, dict)]


# ----------------------------------------------------------------------------------------------------------
# Text: UTF-16, entity parsing (ports of tdlib), cleaning, trimming, detection
# ----------------------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_space(b: int) -> bool:  # td::is_space
    return b in (32, 9, 13, 10, 0, 11)


def _is_alpha(b: int) -> bool:
    b |= 0x20
    return 0x61 <= b <= 0x7A


def _is_digit(b: int) -> bool:
    return 0x30 <= b <= 0x39


def _is_alnum(b: int) -> bool:
    return _is_alpha(b) or _is_digit(b)


def _u16_step(b: int) -> int:
    """UTF-16 units added by the UTF-8 byte b (0 for continuation bytes)."""
    if b & 0xC0 == 0x80:
        return 0
    return 2 if b >= 0xF0 else 1


def _lower_ascii(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    )


def _link_user_id(url: str) -> int | None:
    """tg://user?id=N -> N (LinkManager::get_link_user_id)."""
    u = url.lower()
    if not u.startswith("tg:"):
        return None
    u = u[3:]
    if u.startswith("//"):
        u = u[2:]
    if not u.startswith("user") or (len(u) > 4 and u[4] not in "/?#"):
        return None
    u = u[4:]
    if u.startswith("/"):
        u = u[1:]
    if not u.startswith("?"):
        return None
    for param in u[1:].split("#", 1)[0].split("&"):
        key, _, value = param.partition("=")
        if key == "id":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _checked_link(url: str) -> str:
    """LinkManager::get_checked_link: normalized http(s)/tg link, or "" when not acceptable."""
    url = url.strip()
    if not url:
        return ""
    low = url.lower()
    if low.startswith("tg:"):
        rest = url[3:].removeprefix("//")
        host, sep, tail = rest.partition("?")
        host = host.rstrip("/")
        if not host or not re.fullmatch(r"[A-Za-z0-9_-]+", host):
            return ""
        return f"tg://{host}" + (f"?{tail}" if sep else "")
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    if "." not in host:
        return ""
    netloc = host + (f":{port}" if port else "")
    result = f"{parts.scheme.lower()}://{netloc}{parts.path or '/'}"
    if parts.query:
        result += "?" + parts.query
    if parts.fragment:
        result += "#" + parts.fragment
    return result


def _decode_html_entity(t: bytes, pos: int) -> tuple[int, int]:
    end = pos + 1
    res = 0
    if t[pos + 1] == 0x23:  # '#'
        end += 1
        if t[pos + 2] == 0x78:  # 'x'
            end += 1
            while chr(t[end]) in "0123456789abcdefABCDEF":
                res = res * 16 + int(chr(t[end]), 16)
                end += 1
        else:
            while _is_digit(t[end]):
                res = res * 10 + t[end] - 0x30
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while _is_alpha(t[end]):
            end += 1
        res = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(t[pos + 1 : end], 0)
        if res == 0:
            return 0, pos
    if t[end] == 0x3B:  # ';'
        end += 1
    return res, end


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

# An internal entity: [type, offset, length, argument]; types are tdlib's names.
_Ent = list[Any]


def _parse_html(source: str) -> tuple[str, list[_Ent]]:
    """Port of tdlib's parse_html (MessageEntity.cpp): same accepted tags, same error messages."""
    raw = source.encode("utf-8", "surrogatepass")
    size = len(raw)
    t = raw + b"\0\0\0"
    out = bytearray()
    u16 = 0
    ents: list[_Ent] = []
    nested: list[list[Any]] = []  # [tag, argument, u16 offset, out position]
    i = 0
    while i < size:
        c = t[i]
        if c == 0x26:
            code, end = _decode_html_entity(t, i)
            if code:
                out += chr(code).encode("utf-8", "surrogatepass")
                u16 += 2 if code > 0xFFFF else 1
                i = end
                continue
        if c != 0x3C:
            u16 += _u16_step(c)
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if t[i] != 0x2F:  # start tag
            while not _is_space(t[i]) and t[i] != 0x3E:
                i += 1
            if t[i] == 0 and i >= size:
                raise _EntityError(f"Unclosed start tag at byte offset {begin}")
            tag = _lower_ascii(t[begin + 1 : i])
            if tag not in _HTML_TAGS:
                raise _EntityError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while t[i] != 0x3E:
                while i < size and _is_space(t[i]):
                    i += 1
                if t[i] == 0x3E:
                    break
                attr_begin = i
                while not _is_space(t[i]) and t[i] not in b"=>/\"'":
                    i += 1
                attr = bytes(t[attr_begin:i])
                if not attr:
                    raise _EntityError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while i < size and _is_space(t[i]):
                    i += 1
                if t[i] != 0x3D:
                    if i >= size:
                        raise _EntityError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and attr == b"expandable":
                        argument = "1"
                    continue
                i += 1
                while i < size and _is_space(t[i]):
                    i += 1
                if i >= size:
                    raise _EntityError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if t[i] not in (0x22, 0x27):
                    token_begin = i
                    while _is_alnum(t[i]) or t[i] in (0x2E, 0x2D):
                        i += 1
                    value = _lower_ascii(t[token_begin:i])
                    if not _is_space(t[i]) and t[i] != 0x3E:
                        raise _EntityError(f"Unexpected end of name token at byte offset {token_begin}")
                else:
                    quote = t[i]
                    i += 1
                    vb = bytearray()
                    while i < size and t[i] != quote:
                        if t[i] == 0x26:
                            code, end = _decode_html_entity(t, i)
                            if code:
                                vb += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        vb.append(t[i])
                        i += 1
                    if t[i] == quote and i < size:
                        i += 1
                    value = vb.decode("utf-8", "replace")
                if i >= size:
                    raise _EntityError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attr == b"href":
                    argument = value
                elif tag == "code" and attr == b"class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and attr == b"class" and value.startswith("tg-"):
                    argument = value[3:]
                elif (tag == "tg-emoji" and attr == b"emoji-id") or (tag == "tg-time" and attr == b"format"):
                    argument = value
                elif tag == "blockquote" and attr == b"expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise _EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            nested.append([tag, argument, u16, len(out)])
        else:  # end tag
            if not nested:
                raise _EntityError(f"Unexpected end tag at byte offset {begin}")
            while not _is_space(t[i]) and t[i] != 0x3E:
                i += 1
            end_tag = _lower_ascii(t[begin + 2 : i])
            while i < size and _is_space(t[i]):
                i += 1
            if t[i] != 0x3E:
                raise _EntityError(f"Unclosed end tag at byte offset {begin}")
            tag, argument, offset, out_begin = nested[-1]
            if end_tag and end_tag != tag:
                raise _EntityError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"'
                )
            if u16 > offset:
                length = u16 - offset
                if tag in ("i", "em"):
                    ents.append(["Italic", offset, length, ""])
                elif tag in ("b", "strong"):
                    ents.append(["Bold", offset, length, ""])
                elif tag in ("s", "strike", "del"):
                    ents.append(["Strikethrough", offset, length, ""])
                elif tag in ("u", "ins"):
                    ents.append(["Underline", offset, length, ""])
                elif tag in ("tg-spoiler", "span"):
                    ents.append(["Spoiler", offset, length, ""])
                elif tag == "tg-emoji":
                    if not argument.isdigit() or int(argument) == 0:
                        raise _EntityError("Invalid custom emoji identifier specified")
                    ents.append(["CustomEmoji", offset, length, argument])
                elif tag == "tg-time":
                    pass  # formatted dates are not modelled
                elif tag == "a":
                    url = argument or out[out_begin:].decode("utf-8", "replace")
                    user_id = _link_user_id(url)
                    if user_id is not None:
                        ents.append(["MentionName", offset, length, user_id])
                    else:
                        url = _checked_link(url)
                        if url:
                            ents.append(["TextUrl", offset, length, url])
                elif tag == "pre":
                    last = ents[-1] if ents else None
                    if last and last[0] == "Code" and last[1] == offset and last[2] == length and last[3]:
                        last[0] = "PreCode"
                    else:
                        ents.append(["Pre", offset, length, ""])
                elif tag == "code":
                    last = ents[-1] if ents else None
                    if last and last[0] == "Pre" and last[1] == offset and last[2] == length and argument:
                        last[0] = "PreCode"
                        last[3] = argument
                    else:
                        ents.append(["Code", offset, length, argument])
                elif tag == "blockquote":
                    ents.append(["ExpandableBlockQuote" if argument else "BlockQuote", offset, length, ""])
            nested.pop()
        i += 1
    if nested:
        raise _EntityError(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    for e in ents:
        if e[0] == "Code":
            e[3] = ""
    return out.decode("utf-8", "replace"), ents


_MDV2_RESERVED = b"_*[]()~`>#+-=|{}.!\n"


_API_TYPE = {
    "Bold": "bold",
    "Italic": "italic",
    "Underline": "underline",
    "Strikethrough": "strikethrough",
    "Spoiler": "spoiler",
    "Code": "code",
    "Pre": "pre",
    "PreCode": "pre",
    "TextUrl": "text_link",
    "MentionName": "text_mention",
    "CustomEmoji": "custom_emoji",
    "BlockQuote": "blockquote",
    "ExpandableBlockQuote": "expandable_blockquote",
    "BotCommand": "bot_command",
    "Mention": "mention",
    "Hashtag": "hashtag",
    "Cashtag": "cashtag",
    "Url": "url",
    "EmailAddress": "email",
    "PhoneNumber": "phone_number",
}
_FROM_API_TYPE = {v: k for k, v in _API_TYPE.items() if k != "PreCode"}
_PRIORITY = {
    "Mention": 50,
    "Hashtag": 50,
    "BotCommand": 50,
    "Url": 50,
    "EmailAddress": 50,
    "Bold": 90,
    "Italic": 91,
    "Code": 20,
    "Pre": 11,
    "PreCode": 10,
    "TextUrl": 49,
    "MentionName": 49,
    "Cashtag": 50,
    "PhoneNumber": 50,
    "Underline": 92,
    "Strikethrough": 93,
    "BlockQuote": 0,
    "Spoiler": 94,
    "CustomEmoji": 99,
    "ExpandableBlockQuote": 0,
}
_NO_DETECT_INSIDE = frozenset({"Code", "Pre", "PreCode", "TextUrl", "MentionName"})
_VALID_SHORT_USERNAMES = frozenset({"gif", "nft", "pic", "ufc", "vid"})


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _find_bot_commands(s: str) -> list[tuple[int, int]]:
    """Port of tdlib match_bot_commands: /cmd or /cmd@bot_name, cmd 1-64 [A-Za-z0-9_], name 3-32."""
    found = []
    n = len(s)
    pos = 0
    while True:
        idx = s.find("/", pos)
        if idx < 0:
            break
        if idx > 0 and (_word(s[idx - 1]) or s[idx - 1] in "/<>"):
            pos = idx + 1
            continue
        j = idx + 1
        while j < n and _ascii_word(s[j]):
            j += 1
        pos = j
        if not 1 <= j - idx - 1 <= 64:
            continue
        end = j
        if j < n and s[j] == "@":
            k = j + 1
            while k < n and _ascii_word(s[k]):
                k += 1
            pos = k
            if not 3 <= k - j - 1 <= 32:
                continue
            end = k
        nxt = s[end] if end < n else ""
        if nxt and (_word(nxt) or nxt in "/<>"):
            continue
        found.append((idx, end))
    return found


def _find_mentions(s: str) -> list[tuple[int, int]]:
    found = []
    for m in re.finditer(r"@([A-Za-z0-9_]{2,32})", s):
        a, b = m.span()
        if a > 0 and _word(s[a - 1]):
            continue
        if b < len(s) and _word(s[b]):
            continue
        name = m.group(1)
        if len(name) < 4 and name.lower() not in _VALID_SHORT_USERNAMES:
            continue
        found.append((a, b))
    return found


def _find_hashtags(s: str) -> list[tuple[int, int]]:
    found = []
    for m in re.finditer(r"#(\w{1,256})", s):
        a, b = m.span()
        if a > 0 and _word(s[a - 1]):
            continue
        if not any(ch.isalpha() for ch in m.group(1)):
            continue
        if b < len(s) and s[b] == "#":
            continue
        found.append((a, b))
    return found


_TLDS = (
    "com|cn|net|org|gov|edu|io|me|info|biz|ru|uk|de|jp|hk|tw|top|xyz|app|dev|site|online|cc|tv|co|us|eu|mil"
    "|int"
)
_URL_RE = re.compile(
    r"(?:(?:https?|ftp)://|tg://)[^\s<>\"，。、；：！？（）【】《》“”‘’]+"
    r"|(?<![\w@.\-/])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+(?:" + _TLDS + r")(?![A-Za-z0-9\-])"
    r"(?::\d{1,5})?(?:/[^\s<>\"，。、；：！？（）【】《》“”‘’]*)?",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,24}\b")


def _find_urls_and_emails(s: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for m in _EMAIL_RE.finditer(s):
        found.append((m.start(), m.end(), "EmailAddress"))
    for m in _URL_RE.finditer(s):
        a, b = m.span()
        while b > a and s[b - 1] in ".,:;!?)'\"»]":
            b -= 1
        if any(not (b <= x or a >= y) for x, y, _ in found):
            continue
        found.append((a, b, "Url"))
    return found


def _char_to_u16(s: str) -> list[int]:
    """UTF-16 offset of every character index (and of len(s))."""
    offsets = [0] * (len(s) + 1)
    u = 0
    for k, ch in enumerate(s):
        offsets[k] = u
        u += 2 if ord(ch) > 0xFFFF else 1
    offsets[len(s)] = u
    return offsets


def _detect_entities(text: str, explicit: list[_Ent]) -> list[_Ent]:
    """Entities the server finds by itself (bot_command, url, email, mention, hashtag)."""
    conv = _char_to_u16(text)
    blocked = [(e[1], e[1] + e[2]) for e in explicit if e[0] in _NO_DETECT_INSIDE]
    found: list[_Ent] = []
    spans: list[tuple[int, int]] = []

    def add(kind: str, a: int, b: int) -> None:
        ua, ub = conv[a], conv[b]
        if ub <= ua:
            return
        if any(not (ub <= x or ua >= y) for x, y in blocked + spans):
            return
        spans.append((ua, ub))
        found.append([kind, ua, ub - ua, ""])

    for a, b, kind in _find_urls_and_emails(text):
        add(kind, a, b)
    for a, b in _find_bot_commands(text):
        add("BotCommand", a, b)
    for a, b in _find_mentions(text):
        add("Mention", a, b)
    for a, b in _find_hashtags(text):
        add("Hashtag", a, b)
    return found


def _clean_text(text: str, ents: list[_Ent]) -> tuple[str, list[_Ent]]:
    """clean_input_string: control chars -> space, '\\r' and U+2028..U+202E dropped; entities remapped."""
    total = utf16_len(text)
    remap = [0] * (total + 1)
    chars: list[str] = []
    old = new = 0
    for ch in text:
        w = 2 if ord(ch) > 0xFFFF else 1
        if ch == "\r" or "\u2028" <= ch <= "\u202e":
            for k in range(w):
                remap[old + k] = new
            old += w
            continue
        if ord(ch) < 32 and ch != "\n":
            ch = " "
        for k in range(w):
            remap[old + k] = new + k
        chars.append(ch)
        old += w
        new += w
    remap[old] = new
    fixed: list[_Ent] = []
    for kind, offset, length, arg in ents:
        if offset < 0 or length <= 0 or offset >= total:
            continue
        a = remap[offset]
        b = remap[min(offset + length, total)]
        if b > a:
            fixed.append([kind, a, b - a, arg])
    return "".join(chars), fixed


def _trim(text: str, ents: list[_Ent]) -> tuple[str, list[_Ent]]:
    """fix_formatted_text: rtrim ' '/'\\n' (clipping entities), ltrim ' '/'\\n' up to the first entity."""
    last = len(text) - 1
    while last >= 0 and text[last] in " \n":
        last -= 1
    if last < 0:
        return "", []
    text = text[: last + 1]
    end = utf16_len(text)
    kept = []
    for kind, offset, length, arg in ents:
        if offset >= end:
            continue
        kept.append([kind, offset, min(length, end - offset), arg])
    first_entity = min((e[1] for e in kept), default=end)
    lead = 0
    while lead < first_entity and lead < len(text) and text[lead] in " \n":
        lead += 1
    if lead:
        text = text[lead:]
        for e in kept:
            e[1] -= lead
    return text, kept


def _sort_entities(ents: list[_Ent]) -> None:
    ents.sort(key=lambda e: (e[1], -e[2], _PRIORITY.get(e[0], 50)))


def _entities_to_api(ents: list[_Ent], users: dict[int, FakeUser]) -> list[JSON]:
    result = []
    for kind, offset, length, arg in ents:
        d: JSON = {"offset": offset, "length": length, "type": _API_TYPE[kind]}
        if kind == "TextUrl":
            d["url"] = arg
        elif kind == "PreCode":
            d["language"] = arg
        elif kind == "MentionName":
            user = users.get(int(arg))
            d["user"] = user.to_dict() if user else {"id": int(arg), "is_bot": False, "first_name": ""}
        elif kind == "CustomEmoji":
            d["custom_emoji_id"] = str(arg)
        result.append(d)
    return result


def _entities_from_api(value: Any) -> list[_Ent]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad("Can't parse entities JSON object")
    ents: list[_Ent] = []
    for item in value:
        if not isinstance(item, dict):
            raise _bad("Can't parse MessageEntity: expected an Object")
        kind = _FROM_API_TYPE.get(str(item.get("type", "")))
        try:
            offset, length = int(item["offset"]), int(item["length"])
        except (KeyError, TypeError, ValueError):
            raise _bad('Can\'t parse MessageEntity: Field "offset" must be of type Number') from None
        if kind is None or kind in ("BotCommand", "Mention", "Hashtag", "Cashtag", "Url", "EmailAddress"):
            continue  # unknown, or detected by the server itself
        arg: Any = ""
        if kind == "TextUrl":
            arg = _checked_link(str(item.get("url", "")))
            if not arg:
                raise _bad("Can't parse MessageEntity: Wrong HTTP URL")
        elif kind == "Pre" and item.get("language"):
            kind, arg = "PreCode", str(item["language"])
        elif kind == "MentionName":
            user = item.get("user")
            arg = int(user["id"]) if isinstance(user, dict) and "id" in user else 0
        elif kind == "CustomEmoji":
            arg = str(item.get("custom_emoji_id", ""))
        ents.append([kind, offset, length, arg])
    return ents


# ----------------------------------------------------------------------------------------------------------
# Request parameters and bodies
# ----------------------------------------------------------------------------------------------------------


class _Params:
    """Request parameters: strings from forms / query strings, native values from JSON bodies."""

    def __init__(self, values: JSON, files: dict[str, _Upload]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return name in self.values and self.values[name] is not None

    def get_str(self, name: str) -> str | None:
        v = self.values.get(name)
        if v is None:
            return None
        if isinstance(v, str):
            return v
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return str(v)
        return json.dumps(v, ensure_ascii=False)

    def get_int(self, name: str, default: int = 0) -> int:
        v = self.values.get(name)
        if v is None or v == "":
            return default
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, int):
            return v
        try:
            return int(str(v).strip())
        except ValueError:
            try:
                return int(float(str(v)))
            except ValueError:
                return 0

    def get_bool(self, name: str) -> bool:
        v = self.values.get(name)
        if isinstance(v, bool):
            return v
        if v is None:
            return False
        return str(v).lower() in ("true", "1")

    def get_json(self, name: str, what: str) -> Any:
        v = self.values.get(name)
        if v is None or v == "":
            return None
        if isinstance(v, str):
            try:
                return json.loads(v)
            except ValueError:
                raise _bad(f"Can't parse {what} JSON object") from None
        return v


def _read_body(h: BaseHTTPRequestHandler) -> bytes:
    if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            line = h.rfile.readline()
            if not line:
                break
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            chunks.append(h.rfile.read(size))
            h.rfile.readline()
        return b"".join(chunks)
    length = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(length) if length > 0 else b""


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for m in re.finditer(r'\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)\s*;?', rest):
        key, val = m.group(1).lower(), m.group(2).strip()
        if val.startswith('"') and val.endswith('"') and len(val) >= 2:
            val = re.sub(r"\\(.)", r"\1", val[1:-1])
        if key.endswith("*"):  # RFC 5987: charset''percent-encoded
            charset, _, encoded = val.partition("''")
            val = unquote(encoded, encoding=charset or "utf-8")
            key = key[:-1]
        params[key] = val
    return main.strip().lower(), params


def _parse_multipart(body: bytes, content_type: str) -> tuple[JSON, dict[str, _Upload]]:
    _, ct_params = _header_params(content_type)
    boundary = ct_params.get("boundary")
    if not boundary:
        raise _bad("Can't parse multipart/form-data: no boundary")
    values: JSON = {}
    files: dict[str, _Upload] = {}
    for part in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n").removesuffix(b"\r\n")
        head, _, data = part.partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.split(b"\r\n"):
            key, _, val = line.decode("utf-8", "replace").partition(":")
            headers[key.strip().lower()] = val.strip()
        _, disposition = _header_params(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name is None:
            continue
        name = _html5_unescape(name)
        if "filename" in disposition:
            filename = _html5_unescape(disposition["filename"])
            files[name] = _Upload(filename, headers.get("content-type"), data)
        else:
            values[name] = data.decode("utf-8", "replace")
    return values, files


def _html5_unescape(value: str) -> str:
    """httpx writes '"' as %22 and control characters as %XX in multipart names (HTML5 form encoding)."""
    return re.sub(r"%(22|[01][0-9A-Fa-f])", lambda m: chr(int(m.group(1), 16)), value)


# ----------------------------------------------------------------------------------------------------------
# HTTP server plumbing
# ----------------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: FakeBotAPI) -> None:
        self.api = api
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        with contextlib.suppress(OSError):  # answers are small: no Nagle / delayed-ACK stalls
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.connections_lock:
            self.connections.add(sock)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            socks = list(self.connections)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # dropped connections are expected (unreachable mode, client gone)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.18.0"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        try:
            self.server.api._serve(self)
        except _DropConnection:
            self.close_connection = True
        except OSError:
            self.close_connection = True

    do_GET = do_POST

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


# ----------------------------------------------------------------------------------------------------------
# The fake
# ----------------------------------------------------------------------------------------------------------


class FakeBotAPI:
    """A local Telegram Bot API server. See the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "ZhiriTestBot",
        bot_id: int = 123456,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_first_name: str = "Zhiri Test Bot",
        privacy_mode: bool = False,
        first_update_id: int = 850_000_001,
        callback_query_ttl: float | None = None,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.privacy_mode = privacy_mode
        self.callback_query_ttl = callback_query_ttl
        self.bot = FakeUser(bot_id, bot_first_name, username=bot_username, is_bot=True)

        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._epoch = 0  # bumped when connections are dropped: waiting long polls give up silently
        self._unreachable = False
        self._revoked = False

        self._users: dict[int, FakeUser] = {bot_id: self.bot}
        self._chats: dict[int, FakeChat] = {}
        self._messages: dict[tuple[int, int], _StoredMessage] = {}
        self._files: dict[str, _StoredFile] = {}
        self._callbacks: dict[str, _Callback] = {}
        self._group_ids = itertools.count(4001)
        self._supergroup_ids = itertools.count(1_000_000_001)
        self._callback_ids = itertools.count(1)
        self._file_counter = itertools.count(1)
        self._seq = itertools.count(1)

        self._pending: deque[JSON] = deque()
        self._next_update_id = first_update_id
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll_seq = 0
        self._waiting_polls = 0
        self._webhook: JSON | None = None
        self._commands: dict[tuple[str, int | None, int | None, str], list[JSON]] = {}

        self._faults: list[_Fault] = []
        self._chat_faults: dict[int, _Fault] = {}
        self._garbled = 0
        self._limits_on = False
        self._limit_cfg = (30, 20, 1)
        self._limit_edits = False
        self._win_global: deque[float] = deque()
        self._win_chat: dict[int, deque[float]] = {}

        # observations
        self._sent: list[SentRecord] = []
        self._edits: list[EditRecord] = []
        self._deleted: list[tuple[int, int]] = []
        self._calls: list[CallRecord] = []
        self._updates_log: list[JSON] = []
        self._undelivered: list[JSON] = []
        self._callback_answers: list[JSON] = []
        self.status_counts: Counter[int] = Counter()
        # Methods, parameters and parse modes Zhiri is not known to use: each fails the test when the fake
        # stops (FakeUnexpected), like PTB's OfflineRequest; the client meanwhile gets the API's own error.
        self.unexpected: list[str] = []
        self.internal_errors: list[str] = []
        self.limit_violations: list[tuple[str, int, int]] = []  # (method, chat_id, retry_after)

        self._methods: dict[str, Callable[[_Params], Any]] = {
            name[3:].lower(): getattr(self, name) for name in dir(self) if name.startswith("_m_")
        }

    # ------------------------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotAPI:
        with self._cond:
            if self._server is not None:
                return self
            self._unreachable = False
            self._open()
        return self

    def stop(self) -> None:
        with self._cond:
            self._epoch += 1
            self._cond.notify_all()
        self._close()
        if self.unexpected:
            raise FakeUnexpected(
                "the bot made calls the fake Bot API does not expect (add them, faithful to the real API, "
                "if the product now needs them): " + "; ".join(self.unexpected)
            )

    def _unexpected(self, what: str) -> ApiError:
        with self._cond:
            self.unexpected.append(what)
        print(f"[fake_botapi] unexpected: {what}", file=sys.stderr)
        return ApiError(400, f"Bad Request: not expected by the fake Bot API: {what}")

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _open(self) -> None:
        server = _Server((self.host, self.port), self)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-botapi-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def _close(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def url(self) -> str:
        """http://host:port (the server root)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What goes into TELEGRAM_API_URL / telegram.Bot(base_url=…): http://host:port/bot"""
        return f"{self.url}/bot"

    def env(self) -> dict[str, str]:
        """Environment for `zhiri run` against this fake (merge into os.environ for the subprocess)."""
        return {"TELEGRAM_BOT_TOKEN": self.token, "TELEGRAM_API_URL": self.base_url}

    # --------------------------------------------------------------------------------------- faults

    def set_unreachable(self, unreachable: bool = True) -> None:
        """True: close the listening socket and cut every open connection (clients see connection errors).
        False: listen again on the same port."""
        with self._cond:
            if unreachable == self._unreachable:
                return
            self._unreachable = unreachable
            if unreachable:
                self._epoch += 1
                self._cond.notify_all()
        if unreachable:
            self._close()
        else:
            with self._cond:
                if self._server is None:
                    self._open()

    def fail_next(
        self,
        n: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        method: str | None = "sendMessage",
        *,
        description: str | None = None,
        parameters: JSON | None = None,
    ) -> None:
        """The next n calls of `method` (None: any method) fail with error_code before doing anything."""
        with self._cond:
            self._faults.append(
                _Fault(
                    n, error_code, retry_after, method.lower() if method else None, description, parameters
                )
            )

    def fail_chat(
        self, chat: FakeChat | FakeUser | int, error_code: int = 500, description: str | None = None
    ) -> None:
        """Every send to `chat` fails with error_code (until `clear_faults`), every other chat works."""
        with self._cond:
            self._chat_faults[_chat_id(chat)] = _Fault(1, error_code, 1, None, description, None)

    def garble_next(self, n: int = 1) -> None:
        """The next n sends are ACCEPTED (delivered, recorded) but answered with a body that is not JSON, as a
        broken proxy in front of the API might: the client cannot read that its message went."""
        with self._cond:
            self._garbled += n

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()
            self._chat_faults.clear()

    def revoke_token(self, revoked: bool = True) -> None:
        """While revoked, every request with the bot's token gets 401 Unauthorized."""
        with self._cond:
            self._revoked = revoked

    def enforce_limits(
        self,
        enabled: bool = True,
        global_per_second: int = 30,
        per_group_per_minute: int = 20,
        per_private_per_second: int = 1,
        *,
        count_edits: bool = False,
    ) -> None:
        """Telegram's flood limits as sliding windows: a send that would break one gets 429 + retry_after."""
        with self._cond:
            self._limits_on = enabled
            self._limit_cfg = (global_per_second, per_group_per_minute, per_private_per_second)
            self._limit_edits = count_edits
            self._win_global.clear()
            self._win_chat.clear()

    def now(self) -> int:
        return int(time.time())

    # -------------------------------------------------------------------------------- users & chats

    def user(
        self,
        id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        *,
        language_code: str | None = None,
        is_bot: bool = False,
    ) -> FakeUser:
        with self._cond:
            u = FakeUser(id, first_name, username, last_name, language_code, is_bot)
            self._users[id] = u
            return u

    def private_chat(self, user: FakeUser, *, started: bool = True) -> FakeChat:
        """The private chat with `user` (chat id == user id). started=False: the user never wrote to the bot,
        so the bot may not write first (403 "bot can't initiate conversation with a user")."""
        with self._cond:
            self._users[user.id] = user
            chat = self._chats.get(user.id)
            if chat is None:
                chat = FakeChat(user.id, "private", user=user, started=started)
                self._chats[user.id] = chat
            return chat

    def group(
        self,
        title: str,
        chat_id: int | None = None,
        *,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        creator: FakeUser | None = None,
        bot_status: str = "member",
        username: str | None = None,
    ) -> FakeChat:
        """A group: type "group" for small negative ids (default -4001, -4002, …), "supergroup" for -100…"""
        with self._cond:
            if chat_id is None:
                chat_id = -next(self._group_ids)
            kind = "supergroup" if chat_id <= SUPERGROUP_ID_FLOOR else "group"
            chat = FakeChat(chat_id, kind, title=title, username=username, bot_status=bot_status)
            for u in members:
                self._users[u.id] = u
                chat.members[u.id] = "member"
            for u in admins:
                self._users[u.id] = u
                chat.members[u.id] = "administrator"
            if creator is not None:
                self._users[creator.id] = creator
                chat.members[creator.id] = "creator"
            self._chats[chat_id] = chat
            return chat

    def supergroup(self, title: str, chat_id: int | None = None, **kwargs: Any) -> FakeChat:
        with self._cond:
            if chat_id is None:
                chat_id = SUPERGROUP_ID_FLOOR - next(self._supergroup_ids)
        return self.group(title, chat_id, **kwargs)

    # ---------------------------------------------------------------------------- test-side actions

    def send_text(
        self,
        chat: FakeChat,
        user: FakeUser,
        text: str,
        reply_to: int | None = None,
        edited: bool = False,
        forward_from: FakeUser | FakeChat | str | None = None,
        *,
        message_id: int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """A user writes `text` in `chat` (update "message"; "edited_message" when edited=True, editing
        `message_id` or the user's last message there). Returns the Message JSON."""
        with self._cond:
            self._users[user.id] = user
            plain, ents = self._user_text(text, entities)
            if edited:
                stored = self._user_message_to_edit(chat, user, message_id)
                data = self._edit_user_text(stored, plain, ents)
                self._deliver(chat, "edited_message", data, user=user)
                return copy.deepcopy(data)
            self._note_user_in_chat(chat, user)
            msg = self._new_message(chat, user)
            if forward_from is not None:
                msg.update(self._forward_fields(forward_from))
            if reply_to is not None:
                msg["reply_to_message"] = self._reply_copy(chat, reply_to, strict=True)
            msg["text"] = plain
            _put(msg, "entities", _entities_to_api(ents, self._users))
            self._store(chat, msg, from_bot=False, sender_id=user.id, kind="text")
            self._deliver(chat, "message", msg, user=user, reply_to=reply_to, ents=ents)
            return copy.deepcopy(msg)

    def press_button(
        self,
        chat: FakeChat,
        user: FakeUser,
        message_id: int,
        data: str | None = None,
        *,
        text: str | None = None,
        strict: bool = True,
    ) -> str:
        """A user presses an inline button of message `message_id` (by callback_data, or by button text).
        strict: the button must exist on the message's CURRENT keyboard. Returns the callback query id."""
        with self._cond:
            self._users[user.id] = user
            stored = self._messages.get((chat.id, message_id))
            if strict:
                if stored is None or stored.deleted:
                    raise ValueError(f"no message {message_id} in chat {chat.id}")
                buttons = _inline_buttons(stored.data.get("reply_markup"))
                match = [
                    b
                    for b in buttons
                    if (data is None or b.get("callback_data") == data)
                    and (text is None or b.get("text") == text)
                    and "callback_data" in b
                ]
                if not match:
                    have = [(b.get("text"), b.get("callback_data")) for b in buttons]
                    raise ValueError(
                        f"message {message_id} has no button data={data!r} text={text!r}; has {have}"
                    )
                data = match[0]["callback_data"]
            query_id = str(4_611_686_018_427_387_904 + next(self._callback_ids) * 7919)
            query: JSON = {"id": query_id, "from": user.to_dict()}
            if stored is not None and not stored.deleted:
                query["message"] = copy.deepcopy(stored.data)
            else:
                query["message"] = {"chat": chat.to_dict(), "message_id": message_id, "date": 0}
            query["chat_instance"] = str(int(hashlib.sha1(f"{chat.id}".encode()).hexdigest()[:15], 16))
            if data is not None:
                query["data"] = data
            self._callbacks[query_id] = _Callback(chat.id, message_id, data, time.monotonic())
            self._enqueue("callback_query", query)
            return query_id

    def add_bot_to_group(self, chat: FakeChat, by_user: FakeUser, *, as_admin: bool = False) -> None:
        """by_user adds the bot: my_chat_member (left/kicked -> member|administrator) and, in groups, the
        new_chat_members service message."""
        with self._cond:
            self._users[by_user.id] = by_user
            old = chat.bot_status if chat.bot_status in ("left", "kicked") else "left"
            new = "administrator" if as_admin else "member"
            chat.bot_status = new
            self._note_user_in_chat(chat, by_user)
            self._enqueue("my_chat_member", self._member_update(chat, by_user, old, new))
            if chat.is_group_like:
                msg = self._new_message(chat, by_user)
                bot = self.bot.to_dict()
                msg.update({"new_chat_participant": bot, "new_chat_member": bot, "new_chat_members": [bot]})
                self._store(chat, msg, from_bot=False, sender_id=by_user.id, kind="service")
                self._enqueue("message", msg)

    def kick_bot(self, chat: FakeChat, by_user: FakeUser) -> None:
        """by_user removes the bot: my_chat_member -> kicked; later sends get 403 "bot was kicked from …"."""
        with self._cond:
            old = chat.bot_status
            chat.bot_status = "kicked"
            self._enqueue("my_chat_member", self._member_update(chat, by_user, old, "kicked"))

    def block_by_user(self, chat: FakeChat | FakeUser) -> None:
        """The user blocks the bot: my_chat_member member -> kicked; sends get 403 "bot was blocked by …"."""
        with self._cond:
            pchat = self._private(chat)
            if pchat.blocked:
                return
            pchat.blocked = True
            assert pchat.user is not None
            self._enqueue("my_chat_member", self._member_update(pchat, pchat.user, "member", "kicked"))

    def migrate_to_supergroup(
        self, chat: FakeChat, new_id: int | None = None, by_user: FakeUser | None = None
    ) -> FakeChat:
        """Upgrade a group: a message with migrate_to_chat_id in the old chat, one with migrate_from_chat_id
        in the new supergroup; sends to the old id then get 400 with parameters.migrate_to_chat_id."""
        with self._cond:
            if chat.type != "group":
                raise ValueError("only a basic group can be migrated")
            if new_id is None:
                new_id = SUPERGROUP_ID_FLOOR - next(self._supergroup_ids)
            if by_user is None:
                creators = [uid for uid, s in chat.members.items() if s == "creator"]
                by_user = self._users.get(creators[0]) if creators else None
            if by_user is None:
                by_user = self.user(777000, "Telegram")
            new = FakeChat(
                new_id, "supergroup", title=chat.title, bot_status=chat.bot_status, members=dict(chat.members)
            )
            self._chats[new_id] = new
            old_msg = self._new_message(chat, by_user)
            old_msg["migrate_to_chat_id"] = new_id
            self._store(chat, old_msg, from_bot=False, sender_id=by_user.id, kind="service")
            chat.migrated_to_chat_id = new_id
            new_msg = self._new_message(new, by_user)
            new_msg["migrate_from_chat_id"] = chat.id
            self._store(new, new_msg, from_bot=False, sender_id=by_user.id, kind="service")
            self._enqueue("message", old_msg)
            self._enqueue("message", new_msg)
            return new

    # ---------------------------------------------------------------------------------- observation

    @property
    def sent(self) -> list[SentRecord]:
        """Every accepted send (sendMessage, sendDocument, …), in acceptance order."""
        with self._cond:
            return list(self._sent)

    @property
    def edits(self) -> list[EditRecord]:
        with self._cond:
            return list(self._edits)

    @property
    def callback_answers(self) -> list[JSON]:
        with self._cond:
            return list(self._callback_answers)

    @property
    def updates(self) -> list[JSON]:
        """Every update ever enqueued (delivered or not yet)."""
        with self._cond:
            return list(self._updates_log)

    @property
    def undelivered(self) -> list[JSON]:
        """Test-side messages Telegram would not deliver (bot not in the chat, privacy mode, not allowed)."""
        with self._cond:
            return list(self._undelivered)

    @property
    def pending_updates(self) -> list[JSON]:
        with self._cond:
            return list(self._pending)

    @property
    def responses_429(self) -> int:
        with self._cond:
            return self.status_counts[429]

    @property
    def long_polls_waiting(self) -> int:
        """getUpdates requests currently held open waiting for updates."""
        with self._cond:
            return self._waiting_polls

    @property
    def webhook(self) -> JSON | None:
        with self._cond:
            return copy.deepcopy(self._webhook)

    @property
    def allowed_updates(self) -> frozenset[str]:
        with self._cond:
            return self._allowed_updates

    def messages_to(self, chat: FakeChat | FakeUser | int) -> list[SentRecord]:
        cid = _chat_id(chat)
        with self._cond:
            return [r for r in self._sent if r.chat_id == cid]

    def texts_to(self, chat: FakeChat | FakeUser | int) -> list[str | None]:
        return [r.text for r in self.messages_to(chat)]

    def message(self, chat: FakeChat | int, message_id: int) -> JSON | None:
        """The message as it is NOW (after edits); None if unknown or deleted."""
        with self._cond:
            stored = self._messages.get((_chat_id(chat), message_id))
            return None if stored is None or stored.deleted else copy.deepcopy(stored.data)

    def calls(self, method: str | None = None) -> list[CallRecord]:
        with self._cond:
            if method is None:
                return list(self._calls)
            low = method.lower()
            return [c for c in self._calls if c.method.lower() == low]

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        with self._cond:
            return copy.deepcopy(self._commands.get(self._scope_key(scope, language_code), []))

    def clear_records(self) -> None:
        """Forget observations (sent, edits, calls, counters); chats and messages stay."""
        with self._cond:
            self._sent.clear()
            self._edits.clear()
            self._deleted.clear()
            self._calls.clear()
            self._callback_answers.clear()
            self.status_counts.clear()
            self.limit_violations.clear()

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0, *, what: str | None = None) -> T:
        """Re-evaluate predicate() whenever the fake's state changes until it is truthy; return its value.
        Raises FakeTimeout after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [(r.chat_id, r.text) for r in self._sent[-5:]]
                    raise FakeTimeout(
                        f"timed out after {timeout}s waiting for "
                        f"{what or getattr(predicate, '__name__', '?')}"
                        f"; last sent: {recent}; internal errors: {self.internal_errors[-3:]}"
                    )
                self._cond.wait(min(remaining, 0.25))

    def wait_for_messages(
        self, chat: FakeChat | FakeUser | int, n: int = 1, timeout: float = 10.0
    ) -> list[SentRecord]:
        """Wait until at least n messages were sent to chat; returns all messages sent to it."""
        cid = _chat_id(chat)

        def enough() -> list[SentRecord]:
            msgs = [r for r in self._sent if r.chat_id == cid]
            return msgs if len(msgs) >= n else []

        return self.wait_for(enough, timeout, what=f"{n} message(s) to chat {cid}")

    async def async_wait_for(
        self, predicate: Callable[[], T], timeout: float = 10.0, *, what: str | None = None
    ) -> T:
        """wait_for without blocking the event loop (for in-process async tests)."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout, what=what)

    async def async_wait_for_messages(
        self, chat: FakeChat | FakeUser | int, n: int = 1, timeout: float = 10.0
    ) -> list[SentRecord]:
        return await asyncio.to_thread(self.wait_for_messages, chat, n, timeout)

    # ---------------------------------------------------------------------------------------- HTTP entry

    def _serve(self, h: _Handler) -> None:
        path, _, query = h.path.partition("?")
        body = _read_body(h)
        m = re.fullmatch(r"/bot([^/]*)/([^/]+)/?", path)
        if not m:
            self._respond(h, ApiError(404, "Not Found").payload(), 404)
            return
        token, method = unquote(m.group(1)), unquote(m.group(2))
        with self._cond:
            revoked = self._revoked
        if not token or ":" not in token:
            self._respond(h, ApiError(404, "Not Found").payload(), 404)
            return
        if token != self.token or revoked:
            self._respond(h, ApiError(401, "Unauthorized").payload(), 401)
            return
        handler = self._methods.get(method.lower())
        started = time.monotonic()
        params: JSON = {}
        files: dict[str, _Upload] = {}
        try:
            params, files = self._parse_request(h, body, query)
            if handler is None:
                self._unexpected(f"method {method!r}")
                raise ApiError(404, "Not Found")  # what the real API answers a method it does not have
            extra = sorted(set(params) - PARAMS[method.lower()])
            if extra:
                raise self._unexpected(f"{method} parameter(s) {', '.join(extra)}")
            self._inject_fault(method)
            self._inject_chat_fault(method, params)
            result = handler(_Params(params, files))
            status, payload = 200, {"ok": True, "result": result}
            description = None
        except ApiError as err:
            status, payload, description = err.code, err.payload(), err.description
        except _DropConnection:
            raise
        except Exception as exc:  # a bug in the fake: make it loud
            detail = "".join(traceback.format_exception(exc))
            with self._cond:
                self.internal_errors.append(detail)
            print(f"[fake_botapi] internal error in {method}:\n{detail}", file=sys.stderr)
            status, description = 500, f"Internal Server Error: {exc!r}"
            payload = {"ok": False, "error_code": 500, "description": description}
        with self._cond:
            self._calls.append(
                CallRecord(
                    method, params, {k: f.filename for k, f in files.items()}, status, description, started
                )
            )
            self.status_counts[status] += 1
            self._cond.notify_all()
            garble = status == 200 and method.lower() in SEND_METHODS and self._garbled > 0
            if garble:
                self._garbled -= 1
        if garble:
            h.reply(200, b"<html><body>502 upstream hiccup</body></html>")
            return
        self._respond(h, payload, status)

    def _respond(self, h: _Handler, payload: JSON, status: int) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {}
        retry = (payload.get("parameters") or {}).get("retry_after") if not payload.get("ok") else None
        if status == 429 and retry:
            headers["Retry-After"] = str(retry)
        h.reply(status, body, headers)

    def _parse_request(self, h: _Handler, body: bytes, query: str) -> tuple[JSON, dict[str, _Upload]]:
        values: JSON = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
        files: dict[str, _Upload] = {}
        ctype = h.headers.get("Content-Type", "")
        main, _ = _header_params(ctype)
        if not body:
            return values, files
        if main == "application/json":
            try:
                decoded = json.loads(body.decode("utf-8"))
            except ValueError:
                raise _bad("Can't parse JSON body") from None
            if isinstance(decoded, dict):
                values.update(decoded)
        elif main == "multipart/form-data":
            form, files = _parse_multipart(body, ctype)
            values.update(form)
        else:
            values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return values, files

    def _inject_fault(self, method: str) -> None:
        low = method.lower()
        with self._cond:
            for fault in self._faults:
                if fault.remaining > 0 and (fault.method is None or fault.method == low):
                    fault.remaining -= 1
                    self._faults = [f for f in self._faults if f.remaining > 0]
                    raise self._fault_error(fault)

    def _inject_chat_fault(self, method: str, params: JSON) -> None:
        if method.lower() not in SEND_METHODS:
            return
        try:
            chat_id = int(params.get("chat_id", 0))
        except (TypeError, ValueError):
            return
        with self._cond:
            fault = self._chat_faults.get(chat_id)
        if fault is not None:
            raise self._fault_error(fault)

    @staticmethod
    def _fault_error(fault: _Fault) -> ApiError:
        code = fault.code
        if code == 429:
            return ApiError(
                429,
                fault.description or f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after, **(fault.parameters or {})},
            )
        default = {
            400: "Bad Request: injected failure",
            401: "Unauthorized",
            403: "Forbidden: injected failure",
            404: "Not Found",
            409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
            "running",
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }.get(code, f"Error {code}")
        return ApiError(code, fault.description or default, fault.parameters)

    # ----------------------------------------------------------------------------- internals: state

    def _private(self, chat: FakeChat | FakeUser) -> FakeChat:
        if isinstance(chat, FakeUser):
            return self.private_chat(chat)
        if chat.type != "private":
            raise ValueError("a private chat is needed")
        return chat

    def _note_user_in_chat(self, chat: FakeChat, user: FakeUser) -> None:
        if chat.type == "private":
            chat.started = True
        elif chat.is_group_like and chat.members.get(user.id) in (None, "left"):
            chat.members[user.id] = "member"

    def _new_message(
        self, chat: FakeChat, sender: FakeUser | None, *, sender_chat: FakeChat | None = None
    ) -> JSON:
        mid = chat.next_message_id
        chat.next_message_id += 1
        msg: JSON = {"message_id": mid}
        if sender is not None:
            msg["from"] = sender.to_dict()
        if sender_chat is not None:
            msg["sender_chat"] = sender_chat.to_dict()
        msg["chat"] = chat.to_dict()
        msg["date"] = self.now()
        return msg

    def _store(self, chat: FakeChat, msg: JSON, *, from_bot: bool, sender_id: int | None, kind: str) -> None:
        self._messages[(chat.id, msg["message_id"])] = _StoredMessage(
            chat.id, msg["message_id"], copy.deepcopy(msg), from_bot, sender_id, kind, msg["date"]
        )

    def _reply_copy(self, chat: FakeChat, message_id: int, *, strict: bool) -> JSON | None:
        stored = self._messages.get((chat.id, message_id))
        if stored is None or stored.deleted:
            if strict:
                raise ValueError(f"no message {message_id} in chat {chat.id} to reply to")
            return None
        data = copy.deepcopy(stored.data)
        data.pop("reply_to_message", None)
        return data

    def _user_message_to_edit(self, chat: FakeChat, user: FakeUser, message_id: int | None) -> _StoredMessage:
        if message_id is None:
            mids = [
                m
                for (c, m), s in self._messages.items()
                if c == chat.id and s.sender_id == user.id and s.kind == "text" and not s.deleted
            ]
            if not mids:
                raise ValueError(f"{user.first_name} has no message in chat {chat.id} to edit")
            message_id = max(mids)
        stored = self._messages.get((chat.id, message_id))
        if stored is None or stored.sender_id != user.id:
            raise ValueError(f"message {message_id} in chat {chat.id} is not {user.first_name}'s")
        return stored

    def _edit_user_text(self, stored: _StoredMessage, plain: str, ents: list[_Ent]) -> JSON:
        """A user (or a channel) edits its own message's text; returns the message as it now is."""
        data = copy.deepcopy(stored.data)
        data["text"] = plain
        _put(data, "entities", _entities_to_api(ents, self._users))
        data["edit_date"] = self.now()
        stored.data = data
        return data

    def _user_text(self, text: str, entities: list[JSON] | None) -> tuple[str, list[_Ent]]:
        ents = _entities_from_api(entities) if entities else []
        plain, ents = _clean_text(text, ents)
        plain, ents = _trim(plain, ents)
        if not plain:
            raise ValueError("a message text must be non-empty after trimming")
        if len(plain) > MAX_TEXT_LENGTH:
            raise ValueError("a message text is at most 4096 characters")
        ents += _detect_entities(plain, ents)
        _sort_entities(ents)
        return plain, ents

    def _forward_fields(self, origin: FakeUser | FakeChat | str) -> JSON:
        date = self.now() - 60
        if isinstance(origin, FakeUser):
            return {
                "forward_origin": {"type": "user", "sender_user": origin.to_dict(), "date": date},
                "forward_from": origin.to_dict(),
                "forward_date": date,
            }
        if isinstance(origin, FakeChat):
            if origin.type == "channel":
                return {
                    "forward_origin": {
                        "type": "channel",
                        "chat": origin.to_dict(),
                        "message_id": 1,
                        "date": date,
                    },
                    "forward_from_chat": origin.to_dict(),
                    "forward_from_message_id": 1,
                    "forward_date": date,
                }
            return {
                "forward_origin": {"type": "chat", "sender_chat": origin.to_dict(), "date": date},
                "forward_from_chat": origin.to_dict(),
                "forward_date": date,
            }
        return {
            "forward_origin": {"type": "hidden_user", "sender_user_name": origin, "date": date},
            "forward_sender_name": origin,
            "forward_date": date,
        }

    def _deliver(
        self,
        chat: FakeChat,
        kind: str,
        msg: JSON,
        *,
        user: FakeUser | None = None,
        reply_to: int | None = None,
        ents: list[_Ent] | None = None,
    ) -> JSON | None:
        """Enqueue a message update if Telegram would deliver it to the bot."""
        if chat.type != "private" and chat.bot_status not in ("creator", "administrator", "member"):
            self._undelivered.append({kind: copy.deepcopy(msg), "reason": f"bot is {chat.bot_status}"})
            return None
        if chat.type == "private" and chat.blocked:
            self._undelivered.append({kind: copy.deepcopy(msg), "reason": "user blocked the bot"})
            return None
        if (
            self.privacy_mode
            and chat.is_group_like
            and chat.bot_status not in ("creator", "administrator")
            and not self._privacy_allows(chat, msg, reply_to, ents or [])
        ):
            self._undelivered.append({kind: copy.deepcopy(msg), "reason": "privacy mode"})
            return None
        return self._enqueue(kind, copy.deepcopy(msg))

    def _privacy_allows(self, chat: FakeChat, msg: JSON, reply_to: int | None, ents: list[_Ent]) -> bool:
        if "text" not in msg and "caption" not in msg:
            return True  # service messages
        text = msg.get("text") or msg.get("caption") or ""
        conv = _char_to_u16(text)
        for e in ents:
            if e[0] == "BotCommand":
                start = conv.index(e[1]) if e[1] in conv else 0
                command = text[start:][: e[2]]
                target = command.partition("@")[2]
                if not target or target.lower() == (self.bot.username or "").lower():
                    return True
            if e[0] == "Mention":
                start = conv.index(e[1]) if e[1] in conv else 0
                if text[start + 1 : start + e[2]].lower() == (self.bot.username or "").lower():
                    return True
        if reply_to is not None:
            stored = self._messages.get((chat.id, reply_to))
            return stored is not None and stored.from_bot
        return False

    def _enqueue(self, kind: str, payload: JSON) -> JSON | None:
        if kind not in self._allowed_updates:
            self._undelivered.append({kind: payload, "reason": "not in allowed_updates"})
            return None
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._pending.append(update)
        self._updates_log.append(update)
        self._cond.notify_all()
        return update

    def _member_json(self, chat: FakeChat, user: FakeUser, status: str) -> JSON:
        d: JSON = {"user": user.to_dict(), "status": status}
        if status == "creator":
            d["is_anonymous"] = False
        elif status == "administrator":
            d["can_be_edited"] = False
            d.update({"can_manage_chat": True, "can_change_info": True})
            if chat.type == "channel":
                d.update({"can_post_messages": True, "can_edit_messages": True})
            d.update({"can_delete_messages": True, "can_invite_users": True, "can_restrict_members": True})
            if chat.is_group_like:
                d["can_pin_messages"] = True
            if chat.type == "supergroup":
                d["can_manage_topics"] = False
            d.update(
                {
                    "can_promote_members": False,
                    "can_manage_video_chats": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
            if chat.type == "channel":
                d["can_manage_direct_messages"] = False
            d.update({"is_anonymous": False, "can_manage_voice_chats": True})
        elif status == "kicked":
            d["until_date"] = 0
        elif status == "restricted":
            d.update({"until_date": 0, "is_member": True})
        return d

    def _member_update(self, chat: FakeChat, actor: FakeUser, old: str, new: str) -> JSON:
        return {
            "chat": chat.to_dict(),
            "from": actor.to_dict(),
            "date": self.now(),
            "old_chat_member": self._member_json(chat, self.bot, old),
            "new_chat_member": self._member_json(chat, self.bot, new),
        }

    def _scope_key(self, scope: Any, language_code: str) -> tuple[str, int | None, int | None, str]:
        if not scope:
            return ("default", None, None, language_code or "")
        if not isinstance(scope, dict):
            raise _bad("Can't parse BotCommandScope: expected an Object")
        kind = str(scope.get("type", ""))
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return (kind, None, None, language_code or "")
        if kind in ("chat", "chat_administrators", "chat_member"):
            if "chat_id" not in scope:
                raise _bad("Can't parse BotCommandScope: Can't find field \"chat_id\"")
            chat = self._resolve_chat(scope["chat_id"])
            if chat.type == "private" and kind != "chat":
                raise _bad("Can't use specified scope in private chats")
            if chat.type == "channel":
                raise _bad("Can't change commands in channel chats")
            user_id = None
            if kind == "chat_member":
                if "user_id" not in scope:
                    raise _bad("Can't parse BotCommandScope: Can't find field \"user_id\"")
                user_id = int(scope["user_id"])
            return (kind, chat.id, user_id, language_code or "")
        raise _bad("Can't parse BotCommandScope: Unsupported type specified")

    def _resolve_chat(self, value: Any) -> FakeChat:
        if value is None or value == "":
            raise _bad("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            name = value[1:].lower()
            for chat in self._chats.values():
                if chat.type != "private" and chat.username and chat.username.lower() == name:
                    return chat
            raise _bad("chat not found")
        try:
            cid = int(value)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None
        found = self._chats.get(cid)
        if found is None:
            if cid in self._users and cid > 0:
                raise _forbidden("bot can't initiate conversation with a user")
            raise _bad("chat not found")
        return found

    def _check_write(self, chat: FakeChat) -> None:
        """check_chat_access(Write) of telegram-bot-api."""
        if chat.type == "private":
            if chat.user is not None and chat.user.is_bot:
                raise _forbidden("bot can't send messages to bots")
            if chat.blocked:
                raise _forbidden("bot was blocked by the user")
            if not chat.started:
                raise _forbidden("bot can't initiate conversation with a user")
            return
        if chat.type == "group":
            if chat.migrated_to_chat_id is not None:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": chat.migrated_to_chat_id},
                )
            if chat.bot_status == "kicked":
                raise _forbidden("bot was kicked from the group chat")
            if chat.bot_status == "left":
                raise _forbidden("bot is not a member of the group chat")
            return
        what = "supergroup" if chat.type == "supergroup" else "channel"
        if chat.bot_status == "kicked":
            raise _forbidden(f"bot was kicked from the {what} chat")
        if chat.bot_status == "left":
            raise _forbidden(f"bot is not a member of the {what} chat")
        if chat.type == "channel" and chat.bot_status != "administrator" and chat.bot_status != "creator":
            raise _bad("need administrator rights in the channel chat")

    def _write_chat(self, p: _Params) -> FakeChat:
        chat = self._resolve_chat(p.values.get("chat_id"))
        self._check_write(chat)
        return chat

    def _check_limits(self, chat: FakeChat, method: str) -> None:
        if not self._limits_on:
            return
        now = time.monotonic()
        g_max, group_max, private_max = self._limit_cfg
        waits: list[float] = []
        for window, limit, period in (
            (self._win_global, g_max, 1.0),
            (
                self._win_chat.setdefault(chat.id, deque()),
                private_max if chat.type == "private" else group_max,
                1.0 if chat.type == "private" else 60.0,
            ),
        ):
            while window and window[0] <= now - period:
                window.popleft()
            if limit > 0 and len(window) >= limit:
                waits.append(window[len(window) - limit] + period - now)
        if waits:
            retry = max(1, math.ceil(max(waits)))
            self.limit_violations.append((method, chat.id, retry))
            raise _too_many(retry)

    def _count_send(self, chat: FakeChat) -> None:
        if not self._limits_on:
            return
        now = time.monotonic()
        self._win_global.append(now)
        self._win_chat.setdefault(chat.id, deque()).append(now)

    # ------------------------------------------------------------------------------ internals: text

    def _format(
        self, raw: str, parse_mode: str | None, entities_value: Any, *, allow_empty: bool = False
    ) -> tuple[str, list[_Ent]]:
        if len(raw.encode("utf-8", "surrogatepass")) > (1 << 15):
            raise _bad("Text is too long")
        mode = (parse_mode or "").lower()
        if raw and mode and mode != "none":
            if mode in ("markdownv2", "markdown"):
                # Real parse modes, but Zhiri writes HTML only: a change to that must bring its parser here.
                raise self._unexpected(f"parse_mode {parse_mode!r} (Zhiri sends HTML only)")
            if mode != "html":
                raise _bad("Unsupported parse_mode")
            try:
                text, ents = _parse_html(raw)
            except _EntityError as err:
                raise _bad(f"Can't parse entities: {err}") from None
        else:
            text, ents = raw, _entities_from_api(entities_value)
        text, ents = _clean_text(text, ents)
        text, ents = _trim(text, ents)
        if not text:
            if allow_empty:
                return "", []
            raise _bad("Text must be non-empty")
        ents += _detect_entities(text, ents)
        _sort_entities(ents)
        return text, ents

    def _parse_markup(self, p: _Params) -> JSON | None:
        """Structural checks telegram-bot-api does while parsing reply_markup."""
        markup = p.get_json("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("Object expected as reply markup")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('Field "keyboard" must be an Array of Arrays')
            for row in rows:
                for b in row:
                    if not (isinstance(b, str) or (isinstance(b, dict) and isinstance(b.get("text"), str))):
                        raise _bad('Can\'t parse keyboard button: Field "text" must be of type String')
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for b in row:
                    if not isinstance(b, dict):
                        raise _bad("Can't parse inline keyboard button: expected an Object")
                    if "text" not in b:
                        raise _bad("Can't parse inline keyboard button: Can't find field \"text\"")
                    if not isinstance(b["text"], str):
                        raise _bad('Can\'t parse inline keyboard button: Field "text" must be of type String')
                    kinds = (
                        "url",
                        "callback_data",
                        "callback_game",
                        "pay",
                        "switch_inline_query",
                        "switch_inline_query_chosen_chat",
                        "switch_inline_query_current_chat",
                        "login_url",
                        "web_app",
                        "copy_text",
                    )
                    if not any(
                        b.get(k) not in (None, "") or (k in b and k not in ("url", "callback_data"))
                        for k in kinds
                    ):
                        raise _bad(
                            "Can't parse inline keyboard button: Text buttons are unallowed in the inline "
                            "keyboard"
                        )
        return markup

    def _check_markup_server(self, markup: JSON | None) -> None:
        """Checks the Telegram server itself does (error codes in upper case)."""
        buttons = _inline_buttons(markup)
        if len(buttons) > 100:
            raise _bad("reply markup is too long")
        for b in buttons:
            if not b.get("text"):
                raise _bad("BUTTON_TEXT_INVALID")
            data = b.get("callback_data")
            if data not in (None, "") and len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
            if b.get("url") not in (None, "") and not _checked_link(str(b["url"])):
                raise _bad("BUTTON_URL_INVALID")

    @staticmethod
    def _echo_markup(markup: JSON | None) -> JSON | None:
        """Message.reply_markup carries inline keyboards only."""
        if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
            return None
        rows = [[dict(b) for b in row] for row in markup["inline_keyboard"]]
        if not any(rows):
            return None
        return {"inline_keyboard": rows}

    def _reply_target(self, chat: FakeChat, p: _Params) -> int | None:
        params = p.get_json("reply_parameters", "reply parameters")
        allow_missing = p.get_bool("allow_sending_without_reply")
        message_id: int | None = None
        if isinstance(params, dict) and params.get("message_id") is not None:
            if params.get("chat_id") not in (None, chat.id, str(chat.id)):
                raise _bad("message to be replied not found")  # cross-chat replies are not modelled
            message_id = int(params["message_id"])
            allow_missing = bool(params.get("allow_sending_without_reply", allow_missing))
        elif p.has("reply_to_message_id"):
            message_id = p.get_int("reply_to_message_id")
        if not message_id:
            return None
        stored = self._messages.get((chat.id, message_id))
        if stored is None or stored.deleted:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return message_id

    def _link_preview(self, p: _Params) -> JSON | None:
        options = p.get_json("link_preview_options", "link preview options")
        if isinstance(options, dict):
            return options
        if p.get_bool("disable_web_page_preview"):
            return {"is_disabled": True}
        return None

    # ----------------------------------------------------------------------------- internals: files

    def _store_file(self, filename: str | None, mime_type: str | None, data: bytes) -> _StoredFile:
        n = next(self._file_counter)
        digest = hashlib.sha256(data + n.to_bytes(8, "big")).digest()
        file_id = "BQACAgUAAxkBAAI" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:56]
        unique_id = "AgAD" + base64.urlsafe_b64encode(hashlib.sha1(data).digest()).decode().rstrip("=")[:12]
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = (mimetypes.guess_type(filename)[0] if filename else None) or mime_type
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1][:10]
        stored = _StoredFile(file_id, unique_id, filename, mime_type, data, f"documents/file_{n}{ext}")
        self._files[file_id] = stored
        return stored

    @staticmethod
    def _document_json(f: _StoredFile) -> JSON:
        d: JSON = {}
        if f.file_name:
            d["file_name"] = f.file_name
        if f.mime_type:
            d["mime_type"] = f.mime_type
        d.update({"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": len(f.data)})
        return d

    # --------------------------------------------------------------------------- internals: records

    def _record_sent(
        self,
        method: str,
        chat: FakeChat,
        msg: JSON,
        p: _Params,
        *,
        raw_text: str | None,
        text: str | None,
        entities: list[JSON],
        markup: JSON | None,
        reply_to: int | None,
        document: _StoredFile | None = None,
    ) -> None:
        self._sent.append(
            SentRecord(
                seq=next(self._seq),
                method=method,
                chat_id=chat.id,
                message_id=msg["message_id"],
                text=text,
                raw_text=raw_text,
                parse_mode=p.get_str("parse_mode"),
                entities=entities,
                reply_markup=markup,
                reply_to=reply_to,
                at=time.monotonic(),
                document_filename=document.file_name if document else None,
                document_bytes=document.data if document else None,
                document_mime_type=document.mime_type if document else None,
                params=dict(p.values),
                message=copy.deepcopy(msg),
            )
        )
        self._cond.notify_all()

    def _new_bot_message(self, chat: FakeChat) -> JSON:
        if chat.type == "channel":
            return self._new_message(chat, None, sender_chat=chat)
        return self._new_message(chat, self.bot)

    # ---------------------------------------------------------------------------------------- API methods

    def _m_getMe(self, p: _Params) -> JSON:
        me = self.bot.to_dict()
        me.update(
            {
                "can_join_groups": True,
                "can_read_all_group_messages": not self.privacy_mode,
                "supports_inline_queries": False,
                "supports_guest_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
                "has_topics_enabled": False,
                "allows_users_to_create_topics": False,
                "can_manage_bots": False,
            }
        )
        return me

    def _m_getUpdates(self, p: _Params) -> list[JSON]:
        offset = p.get_int("offset", 0)
        limit = min(max(p.get_int("limit", 100), 1), 100)
        timeout = min(max(p.get_int("timeout", 0), 0), LONG_POLL_MAX_TIMEOUT)
        allowed = p.get_json("allowed_updates", "allowed updates")
        with self._cond:
            if isinstance(allowed, list) and all(isinstance(a, str) for a in allowed):
                names = frozenset(a.lower() for a in allowed) & frozenset(ALL_UPDATE_TYPES)
                self._allowed_updates = names or DEFAULT_ALLOWED_UPDATES
            if self._webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first",
                )
            self._confirm(offset)
            batch = list(itertools.islice(self._pending, limit))
            if batch or timeout == 0:
                return batch
            self._poll_seq += 1  # a newer long poll ends the older one with 409 Conflict
            self._cond.notify_all()
            mine, epoch = self._poll_seq, self._epoch
            deadline = time.monotonic() + timeout
            self._waiting_polls += 1
            self._cond.notify_all()
            try:
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return []
                    self._cond.wait(remaining)
                    if self._epoch != epoch:
                        raise _DropConnection
                    if self._poll_seq != mine:
                        raise ApiError(
                            409,
                            "Conflict: terminated by other getUpdates request; make sure that only one bot "
                            "instance is running",
                        )
                    if self._webhook is not None:
                        raise ApiError(409, "Conflict: terminated by setWebhook request")
                    batch = list(itertools.islice(self._pending, limit))
                    if batch:
                        return batch
            finally:
                self._waiting_polls -= 1
                self._cond.notify_all()

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft()
        elif 0 < offset <= self._next_update_id:
            while self._pending and self._pending[0]["update_id"] < offset:
                self._pending.popleft()

    def _m_setWebhook(self, p: _Params) -> bool:
        url = p.get_str("url") or ""
        with self._cond:
            if p.get_bool("drop_pending_updates"):
                self._pending.clear()
            if not url:
                self._webhook = None
                return True
            parts = urlsplit(url)
            if parts.scheme != "https":
                raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
            if (parts.port or 443) not in (80, 88, 443, 8443):
                raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
            allowed = p.get_json("allowed_updates", "allowed updates")
            if isinstance(allowed, list) and allowed:
                self._allowed_updates = (
                    frozenset(a.lower() for a in allowed if isinstance(a, str)) & frozenset(ALL_UPDATE_TYPES)
                    or DEFAULT_ALLOWED_UPDATES
                )
            self._webhook = {
                "url": url,
                "max_connections": p.get_int("max_connections", 40),
                "secret_token": p.get_str("secret_token"),
            }
            self._cond.notify_all()
            return True

    def _m_deleteWebhook(self, p: _Params) -> bool:
        with self._cond:
            if p.get_bool("drop_pending_updates"):
                self._pending.clear()
            self._webhook = None
            return True

    def _m_getWebhookInfo(self, p: _Params) -> JSON:
        with self._cond:
            info: JSON = {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
            if self._webhook is not None:
                info["url"] = self._webhook["url"]
                info["max_connections"] = self._webhook["max_connections"]
                if self._allowed_updates != DEFAULT_ALLOWED_UPDATES:
                    info["allowed_updates"] = sorted(self._allowed_updates)
            return info

    # commands -----------------------------------------------------------------------------------------

    def _m_setMyCommands(self, p: _Params) -> bool:
        commands = p.get_json("commands", "commands")
        if commands is None:
            commands = []
        if not isinstance(commands, list):
            raise _bad("Expected an Array of BotCommand")
        clean: list[JSON] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("Can't parse BotCommand: expected an Object")
            for name in ("command", "description"):
                if name not in item:
                    raise _bad(f"Can't parse BotCommand: Can't find field \"{name}\"")
                if not isinstance(item[name], str):
                    raise _bad(f'Can\'t parse BotCommand: Field "{name}" must be of type String')
            command = item["command"].strip().removeprefix("/")
            description = item["description"].strip()
            if not command:
                raise _bad("Command must be non-empty")
            if len(command) > 32:
                raise _bad("Command length must not exceed 32")
            if not description:
                raise _bad("Command description must be non-empty")
            if len(description) > 256:
                raise _bad("Command description length must not exceed 256")
            if not re.fullmatch(r"[a-z0-9_]+", command):
                raise _bad("BOT_COMMAND_INVALID")
            clean.append({"command": command, "description": description})
        if len(clean) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        with self._cond:
            key = self._command_key(p)
            if clean:
                self._commands[key] = clean
            else:
                self._commands.pop(key, None)
            return True

    def _command_key(self, p: _Params) -> tuple[str, int | None, int | None, str]:
        language = p.get_str("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return self._scope_key(p.get_json("scope", "BotCommandScope"), language)

    # messages -----------------------------------------------------------------------------------------

    def _m_sendMessage(self, p: _Params) -> JSON:
        raw = p.get_str("text") or ""
        if not raw:
            raise _bad("Message text is empty")
        text, ents = self._format(raw, p.get_str("parse_mode"), p.get_json("entities", "entities"))
        markup = self._parse_markup(p)
        preview = self._link_preview(p)
        with self._cond:
            chat = self._write_chat(p)
            if len(text) > MAX_TEXT_LENGTH:
                raise _bad("Message is too long")
            reply_to = self._reply_target(chat, p)
            self._check_markup_server(markup)
            self._check_limits(chat, "sendMessage")
            api_ents = _entities_to_api(ents, self._users)
            content: JSON = {"text": text, "entities": api_ents, "link_preview_options": preview}
            return self._send_bot_message(
                "sendMessage", chat, p, content, markup, reply_to, raw_text=raw, text=text, entities=api_ents
            )

    def _m_sendDocument(self, p: _Params) -> JSON:
        upload = p.files.get("document")
        ref = p.get_str("document")
        if upload is None and ref and ref.startswith("attach://"):
            upload = p.files.get(ref[len("attach://") :])
        if upload is None and not ref:
            raise _bad("there is no document in the request")
        if upload is not None:
            if not upload.data:
                raise _bad("file must be non-empty")
            if len(upload.data) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
        caption_raw = p.get_str("caption") or ""
        caption, ents = self._format(
            caption_raw,
            p.get_str("parse_mode"),
            p.get_json("caption_entities", "caption entities"),
            allow_empty=True,
        )
        markup = self._parse_markup(p)
        with self._cond:
            chat = self._write_chat(p)
            if len(caption) > MAX_CAPTION_LENGTH:
                raise _bad("message caption is too long")
            if upload is not None:
                stored_file = None
            else:
                assert ref is not None
                stored_file = self._files.get(ref)
                if stored_file is None:
                    if ref.startswith(("http://", "https://")):
                        name = urlsplit(ref).path.rsplit("/", 1)[-1] or "file"
                        stored_file = self._store_file(name, None, b"")
                    else:
                        raise _bad("wrong file identifier/HTTP URL specified")
            reply_to = self._reply_target(chat, p)
            self._check_markup_server(markup)
            self._check_limits(chat, "sendDocument")
            if upload is not None:
                stored_file = self._store_file(upload.filename, upload.content_type, upload.data)
            assert stored_file is not None
            api_ents = _entities_to_api(ents, self._users)
            content: JSON = {"document": self._document_json(stored_file), "caption": caption}
            content["caption_entities"] = api_ents if caption else None
            return self._send_bot_message(
                "sendDocument",
                chat,
                p,
                content,
                markup,
                reply_to,
                raw_text=caption_raw or None,
                text=caption or None,
                entities=api_ents,
                document=stored_file,
            )

    def _send_bot_message(
        self,
        method: str,
        chat: FakeChat,
        p: _Params,
        content: JSON,
        markup: JSON | None,
        reply_to: int | None,
        *,
        raw_text: str | None,
        text: str | None,
        entities: list[JSON],
        document: _StoredFile | None = None,
    ) -> JSON:
        """Store, count and record an accepted send; `content` holds the method's own fields (empty ones
        are left out of the message)."""
        msg = self._new_bot_message(chat)
        if reply_to is not None:
            msg["reply_to_message"] = self._reply_copy(chat, reply_to, strict=False)
        for key, value in content.items():
            _put(msg, key, value)
        _put(msg, "has_protected_content", p.get_bool("protect_content"))
        _put(msg, "reply_markup", self._echo_markup(markup))
        kind = "document" if document is not None else "text"
        self._store(chat, msg, from_bot=True, sender_id=self.bot.id, kind=kind)
        self._count_send(chat)
        self._record_sent(
            method,
            chat,
            msg,
            p,
            raw_text=raw_text,
            text=text,
            entities=entities,
            markup=markup,
            reply_to=reply_to,
            document=document,
        )
        return msg

    def _editable(self, p: _Params, *, purpose: str = "edit") -> tuple[FakeChat, _StoredMessage]:
        if p.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline mode is not modelled
        chat = self._resolve_chat(p.values.get("chat_id"))
        self._check_write(chat)
        if not p.has("message_id"):
            raise _bad("message identifier is not specified")
        stored = self._messages.get((chat.id, p.get_int("message_id")))
        if stored is None or stored.deleted:
            raise _bad(f"message to {purpose} not found")
        return chat, stored

    def _apply_edit(
        self,
        method: str,
        chat: FakeChat,
        stored: _StoredMessage,
        data: JSON,
        p: _Params,
        text: str | None,
        markup: JSON | None,
    ) -> JSON:
        if self._limit_edits:
            self._check_limits(chat, method)
            self._count_send(chat)
        data["edit_date"] = self.now()
        stored.data = data
        self._edits.append(
            EditRecord(
                next(self._seq),
                method,
                chat.id,
                stored.message_id,
                text,
                markup,
                time.monotonic(),
                dict(p.values),
                copy.deepcopy(data),
            )
        )
        self._cond.notify_all()
        return copy.deepcopy(data)

    def _m_editMessageText(self, p: _Params) -> JSON:
        if not p.get_str("text"):
            raise _bad("Message text is empty")
        return self._edit_content(p, "editMessageText", "text", "entities", "MESSAGE_TOO_LONG")

    def _m_editMessageCaption(self, p: _Params) -> JSON:
        return self._edit_content(
            p, "editMessageCaption", "caption", "caption_entities", "message caption is too long"
        )

    def _edit_content(self, p: _Params, method: str, key: str, entities_key: str, too_long: str) -> JSON:
        """editMessageText (`key` "text": a text message) and editMessageCaption ("caption": a document)."""
        value, ents = self._format(
            p.get_str(key) or "",
            p.get_str("parse_mode"),
            p.get_json(entities_key, entities_key.replace("_", " ")),
            allow_empty=key == "caption",
        )
        markup = self._parse_markup(p)
        preview = self._link_preview(p) if key == "text" else None
        kind, limit = ("text", MAX_TEXT_LENGTH) if key == "text" else ("document", MAX_CAPTION_LENGTH)
        with self._cond:
            chat, stored = self._editable(p)
            if not stored.from_bot:
                raise _bad("message can't be edited")
            if stored.kind != kind:
                raise _bad(f"there is no {key} in the message to edit")
            if len(value) > limit:
                raise _bad(too_long)
            self._check_markup_server(markup)
            api_ents = _entities_to_api(ents, self._users) if value else []
            echo = self._echo_markup(markup)
            old = stored.data
            if (
                old.get(key, "") == value
                and old.get(entities_key, []) == api_ents
                and old.get("reply_markup") == echo
            ):
                raise ApiError(400, NOT_MODIFIED)
            data = copy.deepcopy(old)
            _put(data, key, value)
            _put(data, entities_key, api_ents)
            _put(data, "reply_markup", echo)  # no reply_markup in the request removes the keyboard
            if preview is not None:
                data["link_preview_options"] = preview
            return self._apply_edit(method, chat, stored, data, p, value or None, markup)

    def _m_answerCallbackQuery(self, p: _Params) -> bool:
        query_id = p.get_str("callback_query_id") or ""
        text = p.get_str("text")
        if text is not None and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        with self._cond:
            cb = self._callbacks.get(query_id)
            if cb is None or cb.answered:
                raise _bad("query is too old and response timeout expired or query ID is invalid")
            if self.callback_query_ttl is not None and time.monotonic() - cb.at > self.callback_query_ttl:
                raise ApiError(400, QUERY_TOO_OLD)
            cb.answered = True
            self._callback_answers.append(
                {
                    "callback_query_id": query_id,
                    "text": text,
                    "show_alert": p.get_bool("show_alert"),
                    "url": p.get_str("url"),
                    "cache_time": p.get_int("cache_time", 0),
                    "chat_id": cb.chat_id,
                    "message_id": cb.message_id,
                    "data": cb.data,
                    "at": time.monotonic(),
                }
            )
            self._cond.notify_all()
            return True

    # chats --------------------------------------------------------------------------------------------
