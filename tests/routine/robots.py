"""A routine day's robots, for the tests that send to DingTalk, WeCom and Feishu groups through the production
path (`tests/routine/test_robots_routine.py`, `test_robot_mentions.py`, `test_robot_escalation.py`): the
simulated clock, the robots' local fakes, the bindings, and the fixtures (registered for tests/routine by its
conftest)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from telegram import Bot

from bot.app import make_bot
from bot.config import Settings
from bot.robots import lookup
from channels.registry import Channel, Channels
from channels.robots.common import LinkTo
from channels.robots.transport import PLATFORMS, RobotTransport
from channels.telegram_send import TelegramTransport
from domain.actions import Action
from domain.notice import TELEGRAM
from domain.robots import Kind, Robot
from jobs.routine import RoutineConfig, tick
from jobs.sender import SenderState
from storage import outbox, robots
from storage.db import session_scope
from storage.items import Judge
from storage.models import Chat, Outbox
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import (
    ADMIN_TG,
    EDU_CHAT,
    EDU_WM_TG,
    FIN_CHAT,
    FIN_WM_TG,
    LEADER_TG,
    World,
    add_item,
)
from tests.support.fake_botapi import FakeBotAPI
from tests.support.fake_robots import FakeDingTalk, FakeFeishu, FakeWeCom, _FakeRobotServer

DAY_START = at("2026-10-13 09:00")  # a Tuesday, a working day
DAY_END = at("2026-10-13 18:00")
PUBLIC = "https://zhiri.example.gov.cn/a"
SECRET = "SEC0123456789abcdef+/="
FAKES: dict[Kind, type[_FakeRobotServer]] = {
    Kind.DINGTALK: FakeDingTalk,
    Kind.WECOM: FakeWeCom,
    Kind.FEISHU: FakeFeishu,
}
TOO_FAST = {Kind.DINGTALK: "130101", Kind.WECOM: "45009", Kind.FEISHU: "11232"}


@dataclass
class Sim:
    """The day's clock: real time as it passes, plus the jumps the test makes between ticks."""

    start: datetime
    jumped: float = 0.0
    t0: float = field(default_factory=time.monotonic)

    def clock(self) -> float:
        return time.monotonic() + self.jumped

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.clock() - self.t0)

    def jump_to(self, when: datetime) -> None:
        self.jumped += max(0.0, (when - self.now()).total_seconds())


def link(action: Action) -> str:
    return f"{PUBLIC}?do={action.encode()}"


def text_of(kind: Kind, body: dict[str, Any]) -> list[str]:
    """The lines of a robot message as its group reads them (links included)."""
    if kind is Kind.DINGTALK:
        return str(body["markdown"]["text"]).split("  \n")
    if kind is Kind.WECOM:
        return str(body["markdown"]["content"]).split("\n")
    paragraphs = body["content"]["post"]["zh_cn"]["content"]
    return ["".join(e.get("text", "") for e in p if e["tag"] in ("text", "a")) for p in paragraphs]


def bind_robot(engine: Engine, title: str, unit_id: int, robot: Robot) -> int:
    """Bind a robot to the unit as `zhiri channel add` does (`storage.robots.bind`); its group's address."""
    with session_scope(engine) as s:
        bound = robots.bind(
            s,
            DAY_START - timedelta(days=30),
            kind=robot.kind.value,
            url=robot.url,
            secret=robot.secret,
            unit_id=unit_id,
            title=title,
            person_id=None,
        )
        return bound.chat.address


def fin_telegram_group_left(engine: Engine) -> None:
    """市财政局's group is its robot's now: the Telegram group the world built is gone (the bot left it)."""
    with session_scope(engine) as s:
        chat = s.exec(select(Chat).where(Chat.platform == TELEGRAM, Chat.address == FIN_CHAT)).one()
        chat.active = False
        s.add(chat)


def items(engine: Engine, world: World, judge: Judge) -> None:
    for n in range(3):  # due today: the daily read lists them, the warnings name them (09:00 and 15:00)
        add_item(
            engine, world, judge, f"政务公开 / 财政预算{n}", "2周内更新", "市财政局", at("2026-09-29 10:00")
        )
    for n in range(3):  # overdue: the 09:00 overdue notice
        add_item(engine, world, judge, f"首页 / 财政动态{n}", "2周内更新", "市财政局", at("2026-09-20 10:00"))
    for unit, name in (("市教育局", "教育"), ("市政府办公室", "政务")):
        add_item(engine, world, judge, f"首页 / {name}动态", "2周内更新", unit, at("2026-09-29 10:00"))
        add_item(engine, world, judge, f"政务公开 / {name}通知", "2周内更新", unit, at("2026-09-20 10:00"))


def rows_of(engine: Engine, chat: int) -> list[Outbox]:
    with session_scope(engine) as s:
        rows = s.exec(select(Outbox).where(Outbox.chat_id == chat).order_by(col(Outbox.id))).all()
        for r in rows:
            s.expunge(r)
        return list(rows)


@pytest.fixture
def telegram_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        for tg, name in (
            (ADMIN_TG, "王主任"),
            (LEADER_TG, "李局长"),
            (FIN_WM_TG, "张三"),
            (EDU_WM_TG, "赵六"),
        ):
            api.private_chat(api.user(tg, name))
        api.group("教育局网站工作群", chat_id=EDU_CHAT)
        yield api


@pytest.fixture
def sim() -> Sim:
    return Sim(DAY_START)


@pytest.fixture
def state() -> SenderState:
    return SenderState()


@pytest.fixture
async def bot(
    telegram_api: FakeBotAPI, engine: Engine, db_url: str, sim: Sim, state: SenderState
) -> AsyncIterator[Bot]:
    settings = Settings(
        telegram_bot_token=telegram_api.token, telegram_api_url=telegram_api.base_url, database_url=db_url
    )
    b = make_bot(settings, engine, sim.now, pacer=state.pacer)  # one pacer: the bot's and the sender's
    async with b:
        yield b


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


@pytest.fixture(params=list(Kind), ids=[k.value for k in Kind])
def kind(request: pytest.FixtureRequest) -> Kind:
    return Kind(request.param)


def channels_for(bot: Bot, client: httpx.AsyncClient, engine: Engine, sim: Sim) -> Channels:
    # One for every robot; the production lookup reads each chat's binding at each send.
    transport = RobotTransport(lookup(engine), client, LinkTo(link), clock=sim.now)
    return Channels(
        Channel(TELEGRAM, TelegramTransport(bot)),
        *(Channel(k.value, transport, PLATFORMS[k].style) for k in Kind),
    )


async def run_day(engine: Engine, channels: Channels, sim: Sim, state: SenderState) -> int:
    """The rest of the day to 18:00, a tick whenever something is due: a slot of the routine (15:00, 16:00,
    17:00), or a message waiting for its robot's throttle to end. Returns how many ticks ran."""
    config = RoutineConfig(tz=SHANGHAI, limits=state.limits)
    slots = [at(f"2026-10-13 {h}:00") for h in (15, 16, 17, 18)]
    ticks = 0
    while True:
        with session_scope(engine) as s:
            ready = outbox.next_ready_at(s)
        later = [m for m in [*slots, ready] if m is not None and m > sim.now()]
        if not later:
            return ticks
        sim.jump_to(min(later) + timedelta(seconds=1))
        await tick(engine, channels, sim.now(), config, state, clock=sim.clock)
        ticks += 1
