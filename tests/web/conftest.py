"""A routine day whose 市财政局 group is a DingTalk robot: the reminders go out through the real
RobotTransport (signed links from `web.links.SignedLinks`) to the local DingTalk fake, and the tests take
their links from the markdown the fake received, as a webmaster would tap them.

On 30 September 2026 (09:00): 财政预决算 (2周内更新, last 10 September) is overdue, 财政专项 (last 16
September) is due today, and 教育动态 belongs to 市教育局's Telegram group.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from channels.registry import Channel, Channels
from channels.robots import dingtalk
from channels.robots.transport import RobotTransport
from domain.calendar import WorkCalendar
from domain.notice import TELEGRAM
from domain.robots import Kind, Robot
from jobs.routine import RoutineConfig, tick
from jobs.sender import SendLimits
from storage.db import session_scope
from storage.items import Judge
from storage.models import Chat
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import EDU_CHAT, FIN_CHAT, FakeTransport, World, add_item, build_world
from tests.support.fake_robots import FakeDingTalk
from web.entrance import Web
from web.links import LinkKey, SignedLinks

FAST = SendLimits(per_second=1000, private_interval=0.0, group_per_window=10_000, linger=0.2)
PUBLIC = "https://zhiri.example.gov.cn"
SECRET = "web-secret-for-tests-0123456789"
DAY = at("2026-09-30 09:00")
LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)]+)\)")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Day:
    engine: Engine
    world: World
    judge: Judge
    web: Web
    messages: list[str]  # the markdown texts the robot posted, in order
    telegram: FakeTransport

    def links(self, label: str, heading: str = "") -> list[str]:
        """The links whose label starts with `label`, in the messages that start with `heading`."""
        return [
            url
            for text in self.messages
            if text.startswith(heading)
            for name, url in LINK.findall(text)
            if name.startswith(label)
        ]

    def link(self, label: str, heading: str = "") -> str:
        found = self.links(label, heading)
        assert found, f"no {label} link under {heading!r} in {self.messages}"
        return found[0]


def path_of(url: str) -> str:
    """The link as the page serves it (the tests serve the page on their own address)."""
    assert url.startswith(PUBLIC + "/l/")
    return urlsplit(url).path


@pytest.fixture
def robot_day(engine: Engine) -> Iterator[Day]:
    yield from routine_day(engine, DAY)


def routine_day(engine: Engine, day: datetime, more: int = 0) -> Iterator[Day]:
    """`more`: that many more columns of 市财政局 (政务公开 / 专栏01 …), updated the day before `day`."""
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine)
    add_item(engine, world, judge, "政务公开 / 财政预决算", "2周内更新", "市财政局", at("2026-09-10 10:00"))
    add_item(engine, world, judge, "政务公开 / 财政专项", "2周内更新", "市财政局", at("2026-09-16 10:00"))
    for k in range(1, more + 1):
        add_item(
            engine, world, judge, f"政务公开 / 专栏{k:02d}", "2周内更新", "市财政局", day - timedelta(days=1)
        )
    add_item(engine, world, judge, "政务公开 / 教育动态", "6个月内更新", "市教育局", at("2026-09-29 10:00"))
    with session_scope(engine) as s:  # 市财政局's group is a DingTalk robot's
        chat = s.exec(select(Chat).where(Chat.address == FIN_CHAT)).one()
        chat.platform = Kind.DINGTALK.value
        s.add(chat)
    key = LinkKey(SECRET, timedelta(days=7))
    clock = Clock(day)
    with FakeDingTalk(clock) as fake:
        url = fake.add_robot(secret="SECtest0123456789")
        robot = Robot(Kind.DINGTALK, url, "SECtest0123456789")

        async def run() -> FakeTransport:
            telegram = FakeTransport()
            async with httpx.AsyncClient(timeout=5) as client:
                robots = RobotTransport(
                    lambda address: robot if address == FIN_CHAT else None,
                    client,
                    SignedLinks(PUBLIC, key, clock),
                    clock,
                )
                channels = Channels(
                    Channel(TELEGRAM, telegram), Channel(Kind.DINGTALK.value, robots, dingtalk.STYLE)
                )
                await tick(engine, channels, day, RoutineConfig(limits=FAST, tz=SHANGHAI))
            return telegram

        telegram = asyncio.run(run())
        messages = [str(body["markdown"]["text"]) for body in fake.messages_to(url)]
    assert EDU_CHAT in {d.chat_id for d in telegram.sent}
    yield Day(engine, world, judge, Web(engine, judge, key), messages, telegram)
