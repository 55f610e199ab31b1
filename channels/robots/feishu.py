"""Feishu (and Lark) 自定义机器人: `https://open.feishu.cn/open-apis/bot/v2/hook/…`, 签名校验 secret.

签名校验: `timestamp + "\\n" + secret` (timestamp in seconds, within one hour) is the HmacSHA256 *key*, the
message signed is empty; base64; `timestamp` and `sign` go in the JSON body. Messages go as rich text
(`msg_type: post`): a paragraph per line, offers as `a` links, `at` by user id (open_id). 100 requests a
minute and 5 a second per robot; a request body at most 20 KB. Sources: docs/CHANNELS.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from channels.robots.common import (
    Code,
    Limits,
    Links,
    Request,
    encode,
    hmac_b64,
    offer_rows,
    verdict_from,
)
from channels.transport import Outgoing, TransportError
from domain.notice import Mention
from domain.robots import Kind, Robot
from domain.wording import Style

LIMITS = Limits(per_minute=100, per_second=5, blocked_for=60.0)
MAX_BODY = 20 * 1024
# A custom robot carries no files (a long list goes in parts, not as a digest and a spreadsheet) and hears
# nothing (its messages offer links, not buttons or /done replies).
STYLE = Style(
    max_text=3000,
    done_buttons=8,
    documents=False,
    hears=False,
    usernames=False,
    name="飞书群机器人",
    rebind=(
        "请在该群检查或重新添加飞书群机器人（安全设置选“签名校验”），"
        "再由管理员用 zhiri channel add 重新绑定，并用 zhiri channel test 试发。"
    ),
)

_GONE = "机器人地址无效：机器人可能已被移除，或地址抄错。请在群里重新添加机器人并绑定。"

CODES: Mapping[int, Code] = {
    19021: Code("签名校验失败，或时间戳与当前时间相差超过1小时：请核对签名密钥和服务器时间。", gone=True),
    19022: Code("服务器IP不在机器人的IP白名单中：请在机器人安全设置中改用签名校验。", gone=True),
    19024: Code("消息不含机器人设置的自定义关键词：请在机器人安全设置中改用签名校验。", gone=True),
    19001: Code(_GONE, gone=True),  # param invalid: incoming webhook access token invalid
    9499: Code("请求格式错误，或请求体超过20KB。", permanent=True),
    11232: Code("发送过于频繁（每个机器人每分钟100次、每秒5次）。", wait=LIMITS.blocked_for),
    99991400: Code("请求触发频率限制。", wait=LIMITS.blocked_for),
}


def sign(secret: str, now: datetime) -> tuple[str, str]:
    """(timestamp in seconds, sign) for 签名校验: the key is timestamp + "\\n" + secret, the message empty."""
    timestamp = str(int(now.timestamp()))
    return timestamp, hmac_b64(f"{timestamp}\n{secret}", b"")


class Feishu:
    kind = Kind.FEISHU
    limits = LIMITS
    style = STYLE

    def request(
        self, robot: Robot, message: Outgoing, links: Links, now: datetime, mentions: Sequence[Mention] = ()
    ) -> Request:
        paragraphs: list[list[dict[str, str]]] = [
            [{"tag": "text", "text": line}] for line in message.text.split("\n")
        ]
        for row in offer_rows(message, links):
            paragraph: list[dict[str, str]] = []
            for label, url in row:
                if paragraph:
                    paragraph.append({"tag": "text", "text": "　"})
                paragraph.append({"tag": "a", "text": label, "href": url})
            paragraphs.append(paragraph)
        at = [{"tag": "at", "user_id": m.user_id} for m in mentions if m.user_id]
        if at:
            paragraphs.append(at)
        body: dict[str, Any] = {
            "msg_type": "post",
            "content": {"post": {"zh_cn": {"title": "", "content": paragraphs}}},
        }
        if robot.secret:
            timestamp, signature = sign(robot.secret, now)
            body = {"timestamp": timestamp, "sign": signature, **body}
        size = len(encode(body))
        if size > MAX_BODY:
            raise TransportError(
                f"飞书消息请求体超过20KB（{size}字节），无法发送；应按飞书的长度拆分。", permanent=True
            )
        return Request(robot.url, body)

    def verdict(self, payload: Mapping[str, Any]) -> TransportError | None:
        code = payload.get("code", payload.get("StatusCode"))
        message = payload.get("msg", payload.get("StatusMessage", ""))
        return verdict_from(self.kind, CODES, code if isinstance(code, int) else None, str(message))


PLATFORM = Feishu()
