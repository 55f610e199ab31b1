"""A second chat platform is one renderer and one transport: a routine day reaches a made-up group robot
(markdown text, each offered action a link) and a tapped link logs the update through the same act as
Telegram's button. Nothing in the planner, the outbox, the sender or the acts knows about it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy.engine import Engine

from acts.updates import Logged, log_button
from channels.transport import Outgoing
from domain.actions import Action, Verb
from domain.calendar import WorkCalendar
from jobs.routine import RoutineConfig, tick
from jobs.sender import SendLimits
from storage.db import session_scope
from storage.items import Judge
from storage.queries import Speaker
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import EDU_CHAT, FIN_CHAT, FIN_WM_TG, add_item, build_world

FAST = SendLimits(per_second=1000, private_interval=0.0, group_per_window=10_000, linger=0.2)
BASE = "https://zhiri.example.gov.cn/a"


# ---- the whole second platform: ~25 lines -------------------------------------------------------------
def render_robot(message: Outgoing) -> dict[str, object]:
    """The robot's message body: the words as they are, every offered action a link under them."""
    links = [f"[{o.label}]({BASE}?do={quote(o.action.encode())})" for row in message.offers for o in row]
    text = message.text + ("\n\n" + "　".join(links) if links else "")
    return {"msgtype": "markdown", "markdown": {"title": message.text.splitlines()[0], "text": text}}


def action_of_link(url: str) -> Action | None:
    """A tapped link back into the action it offered (the web page would do this, after its signature)."""
    return Action.decode(parse_qs(urlsplit(url).query).get("do", [""])[0])


class RobotTransport:
    """Posts to each chat's robot webhook; here it keeps what it posted."""

    def __init__(self) -> None:
        self.posted: list[tuple[int, dict[str, object]]] = []

    async def send(self, message: Outgoing) -> int | None:
        self.posted.append((message.chat_id, render_robot(message)))
        return len(self.posted)


# --------------------------------------------------------------------------------------------------------


def _text(body: dict[str, object]) -> str:
    markdown = body["markdown"]
    assert isinstance(markdown, dict)
    return str(markdown["text"])


async def test_a_routine_day_reaches_a_second_platform_and_its_link_logs_the_update(engine: Engine) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine)
    budget = add_item(
        engine, world, judge, "政务公开 / 财政预决算", "2周内更新", "市财政局", at("2026-09-16 10:00")
    )
    add_item(engine, world, judge, "政务公开 / 教育动态", "6个月内更新", "市教育局", at("2026-09-29 10:00"))
    robot = RobotTransport()
    config = RoutineConfig(limits=FAST, tz=SHANGHAI)

    # 30 September, 09:00: the daily read in both groups, the warning for 财政预决算 (due on a holiday).
    await tick(engine, robot, at("2026-09-30 09:00"), config)
    fin = [_text(body) for chat, body in robot.posted if chat == FIN_CHAT]
    edu = [_text(body) for chat, body in robot.posted if chat == EDU_CHAT]
    assert [t.splitlines()[0] for t in fin] == [
        "【日查】2026年9月30日（星期三）",
        "【当日预警】2026年9月30日（星期三）",
    ]
    assert f"[✅ 已巡查]({BASE}?do=read%3A20260930)" in fin[0]
    assert f"[✅ 已更新：财政预决算]({BASE}?do=done%3A{budget})" in fin[1]
    assert edu[0].startswith("【日查】") and "教育动态" in edu[0]

    # The webmaster taps the link: the same act as Telegram's button logs it, once.
    link = re.search(r"\((https://[^)]+do=done[^)]+)\)", fin[1])
    assert link is not None
    action = action_of_link(link.group(1))
    assert action is not None and action.verb is Verb.DONE and action.items == (budget,)
    webmaster = Speaker(FIN_WM_TG, "张三", username="zhangsan")
    with session_scope(engine) as s:
        result = log_button(s, at("2026-09-30 10:00"), judge, webmaster, (), action.item, count=action.count)
    assert isinstance(result, Logged) and [i.path for i in result.items] == ["政务公开 / 财政预决算"]

    # 15:00: the repeat names only what is still not done: nothing for 财政局 now.
    before = len(robot.posted)
    await tick(engine, robot, at("2026-09-30 15:00"), config)
    assert not any(chat == FIN_CHAT and "再次提醒" in _text(b) for chat, b in robot.posted[before:])
    # Nothing was sent twice.
    assert len({(chat, _text(b)) for chat, b in robot.posted}) == len(robot.posted)
