"""DingTalk 自定义机器人: `https://oapi.dingtalk.com/robot/send?access_token=…`, 加签 secret `SEC…`.

加签: the string `timestamp + "\\n" + secret` (timestamp in milliseconds, within one hour of DingTalk's clock)
is signed with HmacSHA256 keyed by the secret, base64-encoded, then URL-encoded, and sent as the
`timestamp` and `sign` query parameters. Messages go as markdown (links work; `@` by mobile number needs the
number in the text as well as in `at.atMobiles`). 20 messages a minute per robot; over that the robot is
throttled for 10 minutes (errcode 130101). Sources: docs/CHANNELS.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from channels.robots.common import (
    Code,
    Limits,
    Links,
    Request,
    hmac_b64,
    markdown,
    title_of,
    verdict_from,
)
from channels.transport import Outgoing, TransportError
from domain.notice import Mention
from domain.robots import Kind, Robot
from domain.wording import Style

LIMITS = Limits(per_minute=20, per_second=None, blocked_for=600.0)
# A custom robot carries no files (a long list goes in parts, not as a digest and a spreadsheet) and hears
# nothing (its messages offer links, not buttons or /done replies).
STYLE = Style(
    max_text=3800,
    done_buttons=8,
    documents=False,
    hears=False,
    usernames=False,
    name="钉钉群机器人",
    rebind=(
        "请在该群检查或重新添加钉钉群机器人（安全设置选“加签”），"
        "再由管理员用 zhiri channel add 重新绑定，并用 zhiri channel test 试发。"
    ),
)

_SECURITY = (
    "机器人安全设置校验未通过：加签密钥不对或时间戳超过1小时、消息缺少自定义关键词，或服务器IP不在白名单。"
    "请在群机器人设置中改用“加签”，并重新绑定地址和密钥。"
)
_GONE = "机器人不存在（access_token 无效）：机器人可能已被移除，或地址抄错。请在群里重新添加机器人并绑定。"

CODES: Mapping[int, Code] = {
    310000: Code(_SECURITY, gone=True),  # sign not match / keywords not in content / ip not in whitelist
    300001: Code(_GONE, gone=True),  # token is not exist
    300005: Code(_GONE, gone=True),  # token is not exist (seen on other accounts)
    130101: Code("发送过快：每个机器人每分钟最多20条，超过后限流10分钟。", wait=LIMITS.blocked_for),
}


def sign(secret: str, now: datetime) -> tuple[str, str]:
    """(timestamp in ms, sign) for 加签, sign already URL-encoded as DingTalk expects."""
    timestamp = str(int(now.timestamp() * 1000))
    return timestamp, quote_plus(hmac_b64(secret, f"{timestamp}\n{secret}"))


def signed_url(robot: Robot, now: datetime) -> str:
    if not robot.secret:
        return robot.url
    timestamp, signature = sign(robot.secret, now)
    joiner = "&" if "?" in robot.url else "?"
    return f"{robot.url}{joiner}timestamp={timestamp}&sign={signature}"


class DingTalk:
    kind = Kind.DINGTALK
    limits = LIMITS
    style = STYLE

    def request(
        self, robot: Robot, message: Outgoing, links: Links, now: datetime, mentions: Sequence[Mention] = ()
    ) -> Request:
        text = markdown(message, links, "  \n")
        phones = [m.phone for m in mentions if m.phone]
        user_ids = [m.user_id for m in mentions if m.user_id and not m.phone]
        if phones or user_ids:
            # DingTalk notifies those in `at` but shows the @ only where the text carries it.
            text += "\n\n" + " ".join([f"@{p}" for p in phones] + [f"@{u}" for u in user_ids])
        body: dict[str, Any] = {
            "msgtype": "markdown",
            "markdown": {"title": title_of(message.text), "text": text},
            "at": {"atMobiles": phones, "atUserIds": user_ids, "isAtAll": False},
        }
        return Request(signed_url(robot, now), body)

    def verdict(self, payload: Mapping[str, Any]) -> TransportError | None:
        code = payload.get("errcode")
        return verdict_from(
            self.kind, CODES, code if isinstance(code, int) else None, str(payload.get("errmsg", ""))
        )


PLATFORM = DingTalk()
