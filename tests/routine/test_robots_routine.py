"""A routine day reaches a unit whose group is a DingTalk, WeCom or Feishu robot, through the production
path: `jobs.routine.tick` (plan → outbox → the real sender), the real `RobotTransport` over HTTP to the
platform's local fake (signature or key checked, its real error codes), and Telegram's real transport to the
fake Bot API.

- Every message arrives once, in order, under the platform's own rate limit: the fake robot takes one message
  a minute while the pacer allows the documented 20 (100), so the platform's "too fast" really comes back
  (DingTalk's 130101 and its 10-minute throttle, WeCom's 45009, Feishu's 11232). The throttled robot waits
  alone: the Telegram group and another robot of the same platform get all their messages in the first tick.
- A dead robot (removed from its group, or its signing secret wrong): the chat goes inactive, its messages are
  kept (given up, not deleted), and the administrator is told on Telegram with the platform's explanation.

The day runs on a simulated clock: each tick jumps it ahead (the sender's pacing clock, the database's `now`,
the robots' signatures and the fakes' rate windows all read it); nothing sleeps for the jumps.
"""

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
from domain.calendar import WorkCalendar
from domain.notice import TELEGRAM, MessageKind
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
    build_world,
)
from tests.support.fake_botapi import FakeBotAPI
from tests.support.fake_robots import FakeDingTalk, FakeFeishu, FakeWeCom, _FakeRobotServer

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

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


async def test_a_routine_day_reaches_each_robot_in_order_once_under_its_rate_limit(
    engine: Engine,
    kind: Kind,
    telegram_api: FakeBotAPI,
    bot: Bot,
    client: httpx.AsyncClient,
    sim: Sim,
    state: SenderState,
    capsys: pytest.CaptureFixture[str],
) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine, created=DAY_START - timedelta(days=60))
    items(engine, world, judge)
    with FAKES[kind](clock=sim.now) as fake:
        secret = None if kind is Kind.WECOM else SECRET
        # 市财政局's robot takes one message a minute (its platform says "too fast" beyond); the pacer,
        # knowing only the documented 20 (100) a minute, sends faster: the platform's own answer comes back.
        fin_url = fake.add_robot(secret, per_minute=1)
        other_url = fake.add_robot(secret)  # 市政府办公室's robot on the same platform, its normal limit
        fin_telegram_group_left(engine)
        fin = bind_robot(engine, "财政局工作群", world.units["市财政局"], Robot(kind, fin_url, secret))
        office = world.units["市政府办公室"]
        other = bind_robot(engine, "政府办工作群", office, Robot(kind, other_url, secret))
        channels = channels_for(bot, client, engine, sim)

        # 09:00, the first tick: the Telegram group and the other robot get everything; 市财政局's robot is
        # throttled after its first message and its later ones wait, unclaimed, in order.
        config = RoutineConfig(tz=SHANGHAI, limits=state.limits)
        first = await tick(engine, channels, sim.now(), config, state, clock=sim.clock)
        assert first.drain.rate_limited >= 1
        assert fake.refused(fin_url) >= 1
        fin_rows, other_rows, edu_rows = (
            rows_of(engine, fin),
            rows_of(engine, other),
            rows_of(engine, EDU_CHAT),
        )
        assert len(fin_rows) >= 3 and len(other_rows) >= 2 and len(edu_rows) >= 2
        assert [r.sent_at is not None for r in fin_rows].count(True) == 1
        assert TOO_FAST[kind.value] in (fin_rows[1].last_error or "")
        assert all(r.sent_at is not None for r in other_rows), "the other robot was held"
        assert all(r.sent_at is not None for r in edu_rows), "the Telegram group was held"
        assert len(fake.messages_to(other_url)) == len(other_rows)
        assert len(telegram_api.messages_to(EDU_CHAT)) == len(edu_rows)

        # The rest of the day.
        ticks = await run_day(engine, channels, sim, state)

        fin_rows = rows_of(engine, fin)
        got = fake.messages_to(fin_url)
        # Every message once, in the outbox's order: the group reads each row's text, then its links.
        assert all(r.sent_at is not None and r.dead_at is None for r in fin_rows)
        assert len(got) == len(fin_rows)
        for row, body in zip(fin_rows, got, strict=True):
            lines = text_of(kind, body)
            assert lines[: len(row.text.split("\n"))] == row.text.split("\n")
        kinds = [r.kind for r in fin_rows]
        assert kinds.index(MessageKind.DAILY_READ) < kinds.index(MessageKind.DUE_WARNING)
        assert kinds.count(MessageKind.DUE_WARNING) >= 2  # the afternoon repeat came too, after the morning's
        repeat = next(r for r in fin_rows if "再次提醒" in r.text)
        assert repeat.sent_at is not None and repeat.sent_at >= at("2026-10-13 15:00")
        # Nothing doubled anywhere. (Telegram's flood limits are not enforced here: the fake Bot API counts
        # real seconds, the day jumps ahead; tests/routine/test_faults.py holds our pacing to them.)
        other_rows, edu_rows = rows_of(engine, other), rows_of(engine, EDU_CHAT)
        assert len(fake.messages_to(other_url)) == len(other_rows)
        assert len(telegram_api.messages_to(EDU_CHAT)) == len(edu_rows)
        with session_scope(engine) as s:
            unsent = s.exec(select(Outbox).where(col(Outbox.sent_at).is_(None))).all()
        assert unsent == []
        refused = fake.refused(fin_url)
        with capsys.disabled():
            print(
                f"\n[{kind.value} robot day] ticks={ticks} messages={len(fin_rows)} received={len(got)} "
                f"platform_refusals={refused} other_robot={len(other_rows)} telegram_group={len(edu_rows)} "
                f"last_sent={max(r.sent_at for r in fin_rows if r.sent_at).astimezone(SHANGHAI):%H:%M}"
            )


@pytest.mark.parametrize("cause", ["removed", "wrong_secret"])
async def test_a_dead_robot_is_reported_and_its_messages_kept(
    engine: Engine,
    kind: Kind,
    cause: str,
    telegram_api: FakeBotAPI,
    bot: Bot,
    client: httpx.AsyncClient,
    sim: Sim,
    state: SenderState,
) -> None:
    if cause == "wrong_secret" and kind is Kind.WECOM:
        pytest.skip("a WeCom robot has no signing secret: its key is in the URL (the 'removed' case)")
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine, created=DAY_START - timedelta(days=60))
    items(engine, world, judge)
    with FAKES[kind](clock=sim.now) as fake:
        secret = None if kind is Kind.WECOM else SECRET
        url = fake.add_robot(secret)
        if cause == "removed":
            fake.remove_robot(url)
        fin_telegram_group_left(engine)
        wrong = "SECnot-the-robots-own-secret" if cause == "wrong_secret" else secret
        fin = bind_robot(engine, "财政局工作群", world.units["市财政局"], Robot(kind, url, wrong))
        channels = channels_for(bot, client, engine, sim)

        await tick(engine, channels, sim.now(), RoutineConfig(tz=SHANGHAI), state, clock=sim.clock)

        assert fake.messages_to(url) == []
        with session_scope(engine) as s:
            chat = s.exec(select(Chat).where(Chat.address == fin, Chat.platform == kind.value)).one()
            assert chat is not None and not chat.active and chat.inactive_reason
        rows = rows_of(engine, fin)
        assert rows and all(r.dead_at is not None and r.sent_at is None for r in rows)  # kept, given up
        told = [m.text for m in telegram_api.messages_to(ADMIN_TG) if "【消息无法送达】" in m.text]
        assert len(told) == 1 and "财政局工作群" in told[0] and "市财政局" in told[0]
        # The platform's own explanation, and how to bind a robot again (not Telegram's /bindchat).
        explained = {"removed": "机器人可能已被移除", "wrong_secret": "签"}[cause]
        assert explained in told[0] and "zhiri channel add" in told[0] and "/bindchat" not in told[0]
        # The Telegram group was served as on any day.
        assert len(telegram_api.messages_to(EDU_CHAT)) == len(rows_of(engine, EDU_CHAT)) >= 2
