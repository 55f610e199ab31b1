"""A group robot bound with `zhiri channel add` is planned like any group of its unit: through the
channels `zhiri run` registers (`bot.robots`: the binding read from the database, the DingTalk fake
checking the signature), 市财政局's robot gets the same daily read and warnings its Telegram group gets,
each once; once the robot is removed it gets nothing more, and the Telegram group goes on."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import select

from acts.channels import RobotBound, add_robot, remove_robot
from bot.robots import robot_channels
from channels.registry import Channel, Channels
from channels.robots.common import NoLinks
from domain.calendar import WorkCalendar
from domain.notice import TELEGRAM
from jobs.routine import RoutineConfig, tick
from jobs.sender import SendLimits
from storage.db import session_scope
from storage.items import Judge
from storage.models import Outbox
from storage.queries import OPERATOR
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import EDU_CHAT, FIN_CHAT, FakeTransport, add_item, build_world
from tests.support.fake_robots import FakeDingTalk

FAST = SendLimits(per_second=1000, private_interval=0.0, group_per_window=10_000, linger=0.2)
SECRET = "SEC0123456789abcdef+/="


def _first_lines(texts: list[str]) -> list[str]:
    return [t.splitlines()[0].strip() for t in texts]  # DingTalk breaks lines with "  \n"


async def test_a_bound_robot_gets_what_the_units_telegram_group_gets(engine: Engine) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine)
    for path in ("政务公开 / 财政预决算", "政务公开 / 财政专项"):
        add_item(engine, world, judge, path, "2周内更新", "市财政局", at("2026-09-16 10:00"))
    add_item(engine, world, judge, "政务公开 / 教育动态", "6个月内更新", "市教育局", at("2026-09-29 10:00"))
    telegram = FakeTransport()
    config = RoutineConfig(limits=FAST, tz=SHANGHAI)
    with FakeDingTalk() as fake:
        url = fake.add_robot(SECRET)
        with session_scope(engine) as s:
            bound = add_robot(s, at("2026-09-29 12:00"), OPERATOR, "市财政局", url, SECRET, "dingtalk")
        assert isinstance(bound, RobotBound) and bound.created
        async with httpx.AsyncClient(timeout=5) as client:
            channels = Channels(Channel(TELEGRAM, telegram), *robot_channels(engine, client, NoLinks()))

            await tick(engine, channels, at("2026-09-30 09:00"), config)
            robot = [str(b["markdown"]["text"]) for b in fake.messages_to(url)]
            group = [d.text for d in telegram.to(FIN_CHAT)]
            assert (
                _first_lines(robot)
                == _first_lines(group)
                == [
                    "【日查】2026年9月30日（星期三）",
                    "【当日预警】2026年9月30日（星期三）",
                ]
            )
            assert "财政预决算" in robot[1] and "财政专项" in robot[1]
            # The plan's keys name the robot's platform: its address is a small number a Telegram chat may
            # also have, and the same message to both is two rows.
            with session_scope(engine) as s:
                keys = s.exec(select(Outbox.key).where(Outbox.platform == "dingtalk")).all()
            assert len(keys) == 2 and all(k.split(":")[1].startswith("dingtalk/") for k in keys)
            assert "教育动态" not in "".join(robot) and telegram.to(EDU_CHAT)

            with session_scope(engine) as s:
                remove_robot(s, at("2026-09-30 12:00"), OPERATOR, "市财政局")
            await tick(engine, channels, at("2026-09-30 15:00"), config)
            assert len(fake.messages_to(url)) == 2  # nothing after the removal, nothing twice
            assert any("再次提醒" in d.text for d in telegram.to(FIN_CHAT)[2:])
