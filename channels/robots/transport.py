"""The robots' transport: an outbox message posted to the group robot bound to its chat, over httpx.

`RobotTransport.send` implements `channels.transport.Transport`. The chat's address is looked up with
`robots` (`bot.robots.lookup`: its binding in `storage.robots`, read at each send); the platform module
builds the signed request at the clock's `now` and reads the answer. No answer at all (connection refused,
timeout) is an outage, as for Telegram. A robot has no message id to give back, nor an idempotency key: a send
whose answer was lost may arrive twice when retried (docs/CHANNELS.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import httpx

from channels.robots import dingtalk, feishu, wecom
from channels.robots.common import Links, Platform, classify, encode
from channels.transport import Outgoing, TransportError
from domain.robots import NAMES, Kind, Robot

PLATFORMS: Mapping[Kind, Platform] = {
    Kind.DINGTALK: dingtalk.PLATFORM,
    Kind.WECOM: wecom.PLATFORM,
    Kind.FEISHU: feishu.PLATFORM,
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RobotTransport:
    """Sends to whichever robot a chat is bound to (DingTalk, WeCom or Feishu)."""

    def __init__(
        self,
        robots: Callable[[int], Robot | None],
        client: httpx.AsyncClient,
        links: Links,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.robots = robots
        self.client = client
        self.links = links
        self.clock = clock

    async def send(self, message: Outgoing) -> int | None:
        robot = self.robots(message.chat_id)
        if robot is None:
            raise TransportError("这个群没有绑定机器人（可能已被解除绑定）。", chat_gone=True)
        name = NAMES[robot.kind]
        if message.document is not None:
            raise TransportError(
                f"{name}群机器人不能发送文件（{message.document_name or '附件'}）。", permanent=True
            )
        platform = PLATFORMS[robot.kind]
        request = platform.request(robot, message, self.links, self.clock(), message.mentions)
        try:
            answer = await self.client.post(
                request.url,
                content=encode(request.body),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        except httpx.TransportError as exc:
            raise TransportError(
                f"{name}服务器没有应答（{type(exc).__name__}），稍后重试。", outage=True
            ) from exc
        error = classify(platform, answer.status_code, answer.content, answer.headers)
        if error is not None:
            raise error
        return None
