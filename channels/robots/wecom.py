"""WeCom 群机器人: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`; the key in the URL is the only
credential (no signature).

Messages go as markdown (links work, at most 4096 bytes of UTF-8; `<@userid>` mentions a member; mentions
by mobile number exist only for plain text messages). At most 20 messages a minute per robot (errcode
45009 beyond). Sources: docs/CHANNELS.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from channels.robots.common import Code, Limits, Links, Request, markdown, verdict_from
from channels.transport import Outgoing, TransportError
from domain.notice import Mention
from domain.robots import Kind, Robot
from domain.wording import Style

LIMITS = Limits(per_minute=20, per_second=None, blocked_for=60.0)
MAX_BYTES = 4096  # markdown.content, UTF-8
# Chinese text is 3 bytes a character, and the links count too: 790 characters (2,370 bytes) and the links
# under a message at their longest (four offers and the unit's list, signed, under a PUBLIC_URL of
# bot.webpage.MAX_PUBLIC_URL characters: 1,352 bytes) leave room for a line of five `<@userid>` mentions of
# the longest userids, 64 bytes (tests/channels/test_robot_sizes.py); more are left out, still named in the
# text.
# A custom robot carries no files (a long list goes in parts, not as a digest and a spreadsheet) and hears
# nothing (its messages offer links, not buttons or /done replies).
STYLE = Style(
    max_text=790,
    done_buttons=4,
    documents=False,
    hears=False,
    usernames=False,
    name="企业微信群机器人",
    rebind=(
        "请在该群检查或重新添加企业微信群机器人，"
        "再由管理员用 zhiri channel add 重新绑定，并用 zhiri channel test 试发。"
    ),
)

CODES: Mapping[int, Code] = {
    93000: Code(
        "机器人地址无效（webhook key 不对）：机器人可能已被移除，或地址抄错。请在群里重新添加机器人并绑定。",
        gone=True,
    ),
    45009: Code("发送过快：每个机器人每分钟最多20条。", wait=LIMITS.blocked_for),
    40008: Code("消息类型不合法。", permanent=True),
    40035: Code("消息参数不合法。", permanent=True),
}


class WeCom:
    kind = Kind.WECOM
    limits = LIMITS
    style = STYLE

    def request(
        self, robot: Robot, message: Outgoing, links: Links, now: datetime, mentions: Sequence[Mention] = ()
    ) -> Request:
        text = markdown(message, links, "\n")
        if len(text.encode()) > MAX_BYTES:
            raise TransportError(
                f"企业微信消息超过{MAX_BYTES}字节（{len(text.encode())}字节），无法发送；应按企业微信的长度拆分。",
                permanent=True,
            )
        return Request(robot.url, {"msgtype": "markdown", "markdown": {"content": _at(text, mentions)}})

    def verdict(self, payload: Mapping[str, Any]) -> TransportError | None:
        code = payload.get("errcode")
        return verdict_from(
            self.kind, CODES, code if isinstance(code, int) else None, str(payload.get("errmsg", ""))
        )


def _at(text: str, mentions: Sequence[Mention]) -> str:
    """The text with a line of `<@userid>` under it: as many as fit in MAX_BYTES (the style leaves room for a
    few of the longest ids; those that do not fit are still named in the text, only not notified)."""
    tags = dict.fromkeys(f"<@{m.user_id}>" for m in mentions if m.user_id)
    line = ""
    room = MAX_BYTES - len(text.encode()) - 1
    for tag in tags:
        longer = f"{line} {tag}" if line else tag
        if len(longer.encode()) > room:
            break
        line = longer
    return f"{text}\n{line}" if line else text


PLATFORM = WeCom()
