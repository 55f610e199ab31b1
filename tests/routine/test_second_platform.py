"""A second chat platform is one channel (style + transport) in the registry: a routine day reaches a made-up
group robot (markdown text, each offered action a link, at most one under a message) through the production
path, the chat marked as the robot's, and a tapped link logs the update through the same act as Telegram's
button. Nothing in the planner, the outbox, the sender or the acts knows about it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy.engine import Engine
from sqlmodel import select

from acts.updates import Logged, log_button
from channels.registry import Channel, Channels
from channels.transport import Outgoing
from domain.actions import Action, Verb
from domain.calendar import WorkCalendar
from domain.notice import TELEGRAM
from domain.wording import Style
from jobs.routine import RoutineConfig, tick
from jobs.sender import SendLimits
from storage.db import session_scope
from storage.items import Judge
from storage.models import Chat, Outbox
from storage.queries import Speaker, actor_for
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import EDU_CHAT, FIN_CHAT, FIN_WM_TG, FakeTransport, add_item, build_world

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


ROBOT = "robot"
ROBOT_STYLE = Style(max_text=2000, done_buttons=1, name="群机器人")  # one link under a message
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
    special = add_item(
        engine, world, judge, "政务公开 / 财政专项", "2周内更新", "市财政局", at("2026-09-16 10:00")
    )
    add_item(engine, world, judge, "政务公开 / 教育动态", "6个月内更新", "市教育局", at("2026-09-29 10:00"))
    with session_scope(engine) as s:  # 市财政局's group is a robot's; 市教育局's stays on Telegram
        chat = s.exec(select(Chat).where(Chat.address == FIN_CHAT)).one()
        chat.platform = ROBOT
        s.add(chat)
    robot, telegram = RobotTransport(), FakeTransport()
    channels = Channels(Channel(TELEGRAM, telegram), Channel(ROBOT, robot, ROBOT_STYLE))
    config = RoutineConfig(limits=FAST, tz=SHANGHAI)

    # 30 September, 09:00: the daily read in both groups, the warning for both finance columns.
    await tick(engine, channels, at("2026-09-30 09:00"), config)
    assert {chat for chat, _ in robot.posted} == {FIN_CHAT}
    assert EDU_CHAT in {d.chat_id for d in telegram.sent} and not telegram.to(FIN_CHAT)
    fin = [_text(body) for _, body in robot.posted]
    assert [t.splitlines()[0] for t in fin] == [
        "【日查】2026年9月30日（星期三）",
        "【当日预警】2026年9月30日（星期三）",
    ]
    assert f"[✅ 已巡查]({BASE}?do=read%3A20260930)" in fin[0]
    # The robot's style: both columns are named, one link is offered (Telegram offers up to eight).
    assert "财政预决算" in fin[1] and "财政专项" in fin[1]
    links = re.findall(r"\((https://[^)]+do=done[^)]+)\)", fin[1])
    assert len(links) == 1
    assert (
        telegram.to(EDU_CHAT)[0].text.startswith("【日查】") and "教育动态" in telegram.to(EDU_CHAT)[0].text
    )
    with session_scope(engine) as s:
        platforms = {
            (r.chat_id, r.platform) for r in s.exec(select(Outbox)) if r.chat_id in (FIN_CHAT, EDU_CHAT)
        }
    assert platforms == {(FIN_CHAT, ROBOT), (EDU_CHAT, TELEGRAM)}

    # The webmaster taps the link: the same act as Telegram's button logs it, once.
    action = action_of_link(links[0])
    assert action is not None and action.verb is Verb.DONE and action.items in ((budget,), (special,))
    tapped, other = ("财政预决算", "财政专项") if action.items == (budget,) else ("财政专项", "财政预决算")
    webmaster = Speaker(FIN_WM_TG, "张三", username="zhangsan")
    with session_scope(engine) as s:
        actor = actor_for(s, webmaster, ())  # the platform's entrance resolves who tapped
        result = log_button(s, at("2026-09-30 10:00"), actor, judge, action.item, count=action.count)
    assert isinstance(result, Logged) and [i.path for i in result.items] == [f"政务公开 / {tapped}"]

    # 15:00: the repeat names only what is still not done.
    before = len(robot.posted)
    await tick(engine, channels, at("2026-09-30 15:00"), config)
    repeats = [_text(b) for _, b in robot.posted[before:] if "再次提醒" in _text(b)]
    assert len(repeats) == 1 and other in repeats[0] and tapped not in repeats[0]
    # Nothing was sent twice.
    assert len({(chat, _text(b)) for chat, b in robot.posted}) == len(robot.posted)
