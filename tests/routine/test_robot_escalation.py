"""督办 where the leader reads (issue 15): a leader in charge added by name with a phone or a platform id and
no Telegram account is reached in the unit's robot group, through the production path (`jobs.routine.tick`,
the outbox, the real sender and `RobotTransport` over HTTP to the platform's local fake, signature or key
checked).

- The robot group's escalation names the unit's leaders and webmasters and @s the webmasters and the leaders
  who are not written to in private: by phone on DingTalk (`at.atMobiles`), by userid on WeCom (`<@id>`),
  by open_id on Feishu. A leader on Telegram keeps the private message and is named, not @-ed, in the group
  (one notification per leader: a reminder must reach, and must not be noise).
- A leader of a unit with no robot and no Telegram account is reached by no path: the administrators'
  digest says so by name, with what to do; the escalation is still kept for the administrators (nothing
  lost).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from telegram import Bot

from acts.contacts import Change, ContactSet, add_person, set_contact
from domain.calendar import WorkCalendar
from domain.model import Role
from domain.notice import MessageKind
from domain.robots import Kind, Robot
from jobs.routine import RoutineConfig, tick
from jobs.sender import SenderState
from storage.db import session_scope
from storage.items import Judge
from storage.models import Outbox
from storage.queries import OPERATOR
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, LEADER_TG, build_world
from tests.routine.robots import (
    FAKES,
    SECRET,
    Sim,
    bind_robot,
    channels_for,
    fin_telegram_group_left,
    items,
    rows_of,
    text_of,
)
from tests.routine.test_robot_mentions import ats

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

WEBMASTER_PHONE = "13812345678"
LEADER_PHONE = "13700001111"
# 钱局长, 市财政局's second leader, has no Telegram: on DingTalk only a phone, on WeCom a userid, on Feishu an
# open_id (and a phone, which Feishu's @ does not take).
LEADER_IDS = {Kind.WECOM: "qianjuzhang", Kind.FEISHU: "ou_0123456789abcdef0123456789abcdef"}
WEBMASTER_IDS = {Kind.WECOM: "zhangsan", Kind.FEISHU: "ou_7d8a6e6df7621556ce0d21922b676706"}


def leaders(engine: Engine, kind: Kind) -> None:
    now = at("2026-10-01 09:00")
    with session_scope(engine) as s:
        ids = {kind: WEBMASTER_IDS[kind]} if kind in WEBMASTER_IDS else {}
        done = set_contact(s, now, OPERATOR, "张三", None, Change(phone=WEBMASTER_PHONE, ids=ids))
        assert isinstance(done, ContactSet)
        ids = {kind: LEADER_IDS[kind]} if kind in LEADER_IDS else {}
        phone = LEADER_PHONE if kind is not Kind.WECOM else None
        added = add_person(s, now, OPERATOR, "市财政局", "钱局长", Role.LEADER, Change(phone=phone, ids=ids))
        assert isinstance(added, ContactSet) and added.created
        # 市政府办公室 has no group of any kind; its leader no Telegram account.
        added = add_person(
            s, now, OPERATOR, "市政府办公室", "孙主任", Role.LEADER, Change(phone="13600002222")
        )
        assert isinstance(added, ContactSet) and added.created


async def test_an_escalation_reaches_a_leader_without_telegram_in_the_units_robot_group(
    engine: Engine,
    kind: Kind,
    telegram_api: Any,
    bot: Bot,
    client: httpx.AsyncClient,
    sim: Sim,
    state: SenderState,
    capsys: pytest.CaptureFixture[str],
) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine, created=at("2026-08-14 09:00"))
    items(engine, world, judge)  # 市财政局's 财政动态0–2 and 市政府办公室's 政务通知 overdue since 10月4日
    leaders(engine, kind)
    with FAKES[kind](clock=sim.now) as fake:
        secret = None if kind is Kind.WECOM else SECRET
        url = fake.add_robot(secret)
        fin_telegram_group_left(engine)
        fin = bind_robot(engine, "财政局工作群", world.units["市财政局"], Robot(kind, url, secret))
        channels = channels_for(bot, client, engine, sim)

        await tick(engine, channels, sim.now(), RoutineConfig(tz=SHANGHAI, limits=state.limits), state)

        rows = rows_of(engine, fin)
        got = fake.messages_to(url)
        assert len(got) == len(rows) and all(r.sent_at is not None for r in rows)  # all arrived, once
        (escalation,) = [body for r, body in zip(rows, got, strict=True) if r.kind == MessageKind.ESCALATION]
        lines = text_of(kind, escalation)
        assert lines[0].startswith("【督办提醒】")
        assert any("【市财政局】" in line and "分管领导：" in line for line in lines)
        heading = next(line for line in lines if "分管领导：" in line)
        assert "李局长" in heading and "钱局长" in heading and "张三" in heading
        assert sum("财政动态" in line and "已逾期" in line for line in lines) == 3
        # 钱局长 is @-ed (by what the platform takes) with the webmaster; 李局长, written to in private on
        # Telegram, is named only.
        want = {
            Kind.DINGTALK: [WEBMASTER_PHONE, LEADER_PHONE],
            Kind.WECOM: [WEBMASTER_IDS[Kind.WECOM], LEADER_IDS[Kind.WECOM]],
            Kind.FEISHU: [WEBMASTER_IDS[Kind.FEISHU], LEADER_IDS[Kind.FEISHU]],
        }[kind]
        assert ats(kind, escalation) == want
        if kind is Kind.DINGTALK:
            assert escalation["at"] == {"atMobiles": want, "atUserIds": [], "isAtAll": False}
            assert escalation["markdown"]["text"].endswith(f"@{WEBMASTER_PHONE} @{LEADER_PHONE}")
            with capsys.disabled():
                print(
                    "\n[DingTalk escalation request]\n" + json.dumps(escalation, ensure_ascii=False, indent=1)
                )

        # 李局长 has his private message as before; the administrator's digest names 孙主任, whom nothing
        # reaches, and not 钱局长, whom the group reached.
        private = [t or "" for t in telegram_api.texts_to(LEADER_TG)]
        assert any(t.startswith("【督办提醒】") and "财政动态" in t for t in private)
        (digest,) = [t or "" for t in telegram_api.texts_to(ADMIN_TG) if (t or "").startswith("【督办汇总】")]
        assert "孙主任（市政府办公室）：未绑定 Telegram，本单位也没有绑定群机器人" in digest
        assert "钱局长（" not in digest.split("以下分管领导未能收到本次督办提醒：")[1]
        assert "政务通知" in digest  # the escalated item itself is kept for the administrators
        with session_scope(engine) as s:
            texts = [r.text for r in s.exec(select(Outbox)).all()]
        assert all(LEADER_PHONE not in t and WEBMASTER_PHONE not in t for t in texts)
