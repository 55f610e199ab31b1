"""Whom a robot's message @s (pure): the webmasters its part names, each as their platform's @ takes them, and
the mobile numbers and ids an administrator types, checked."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.model import State
from domain.notice import ChatView, Mention, MessageKind, UnitView, Who
from domain.robots import Kind, masked_phone, mention_of, mobile, user_id
from domain.routine import plan
from tests.domain.test_routine import CAL, EDU, FIN, LEADER, item, local, snap

ZHANG = Who(12, "张三", "zhangsan", 9201, "13812345678", (("wecom", "zhangsan"), ("feishu", "ou_1")))
QIAN = Who(14, "钱七")  # nothing recorded
ZHAO = Who(13, "赵六", None, None, "13900000000", (("dingtalk", "zhaoliu"),))
UNITS = (
    UnitView(FIN, "市财政局", (ZHANG, QIAN), (LEADER,)),
    UnitView(EDU, "市教育局", (ZHAO,), ()),
)


def test_each_platform_takes_what_its_at_takes():
    assert mention_of(ZHANG, "dingtalk") == Mention("13812345678", None)
    assert mention_of(ZHAO, "dingtalk") == Mention("13900000000", "zhaoliu")
    assert mention_of(ZHANG, "wecom") == Mention(None, "zhangsan")  # WeCom's markdown @s by userid only
    assert mention_of(ZHANG, "feishu") == Mention(None, "ou_1")
    assert mention_of(ZHAO, "wecom") is None
    assert mention_of(QIAN, "dingtalk") is None
    assert mention_of(ZHANG, "telegram") is None  # Telegram names people its own way


def test_the_phone_is_in_no_repr():
    assert "13812345678" not in repr(ZHANG) and "13812345678" not in repr(mention_of(ZHANG, "dingtalk"))


@pytest.mark.parametrize("platform", ["dingtalk", "wecom", "feishu", "telegram"])
def test_warnings_and_overdue_notices_at_the_webmasters_of_their_part_the_daily_read_nobody(platform):
    items = (
        item(1, "财政预算", State.DUE_TODAY, due=local("2026-10-13 00:00").date()),
        item(2, "财政动态", State.OVERDUE, due=local("2026-10-01 00:00").date(), late=12),
        item(3, "教育动态", State.OVERDUE, due=local("2026-10-01 00:00").date(), late=12, units=(EDU,)),
    )
    chats = (ChatView(-1, "财政局群", (FIN,), platform), ChatView(-2, "全部", (FIN, EDU), platform))
    planned = plan(snap(*items, units=UNITS, chats=chats), local("2026-10-13 09:00"), CAL)
    fin = [p for p in planned if p.to.chat_id == -1]
    both = [p for p in planned if p.to.chat_id == -2]
    want_fin = tuple(m for m in [mention_of(ZHANG, platform)] if m)
    want_edu = tuple(m for m in [mention_of(ZHAO, platform)] if m)
    asking = (MessageKind.DUE_WARNING, MessageKind.OVERDUE, MessageKind.ESCALATION)
    for p in fin:
        assert p.mentions == (want_fin if p.kind in asking else ()), p.kind
        assert "钱七" in p.text or p.kind not in asking
    (overdue,) = [p for p in both if p.kind == MessageKind.OVERDUE]
    assert sorted(map(repr, overdue.mentions)) == sorted(map(repr, want_fin + want_edu))
    assert len(overdue.mentions) == len(want_fin + want_edu)
    (warning,) = [p for p in both if p.kind == MessageKind.DUE_WARNING]
    assert warning.mentions == want_fin  # 市教育局 has nothing due today: its webmaster is not @-ed
    # An escalation goes to the leader in private (named, no @), and, since issue 15's leaders without
    # Telegram read in their unit's robot group, to that group too: 市财政局's own group (not the county-wide
    # one again), 市教育局's only group the county-wide one. Both @ the webmasters; 李局长 is on Telegram, so
    # he is named there but not @-ed a second time.
    escalations = [p for p in planned if p.kind == MessageKind.ESCALATION]
    assert all(not p.mentions for p in escalations if p.to.person_id is not None)
    grouped = {p.to.chat_id: p.mentions for p in escalations if p.to.person_id is None}
    assert grouped == ({} if platform == "telegram" else {-1: want_fin, -2: want_edu})
    if platform != "telegram":
        assert "分管领导：李局长" in next(p.text for p in escalations if p.to.chat_id == -1)


def test_a_part_ats_only_the_units_it_lists():
    many = tuple(
        item(
            100 + k, f"很长的栏目名称第{k:03d}号" * 3, State.OVERDUE, late=5, units=((FIN,), (EDU,))[k >= 60]
        )
        for k in range(120)
    )
    chats = (ChatView(-2, "全部", (FIN, EDU), "dingtalk"),)
    planned = plan(snap(*many, units=UNITS, chats=chats), local("2026-10-13 09:00"), CAL)
    parts = [p for p in planned if p.kind == MessageKind.OVERDUE]
    assert len(parts) > 2
    phones = {p.key: {m.phone for m in p.mentions} for p in parts}
    # Units by name: 市教育局's items come first, 市财政局's last.
    assert phones[parts[0].key] == {"13900000000"}
    assert phones[parts[-1].key] == {"13812345678"}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
    ],
)
def test_a_mobile_number_as_people_type_it(typed, kept):
    assert mobile(typed) == kept
    assert masked_phone(kept) == "138****5678"


@pytest.mark.parametrize("typed", ["", "0878-3125678", "1381234567", "138123456789", "12812345678", "一三八"])
def test_a_wrong_number_says_what_to_type(typed):
    with pytest.raises(ValueError, match="11位数字、以1开头"):
        mobile(typed)


@pytest.mark.parametrize("typed", ["", "张三", "a b", "<@all>", "x" * 65])
def test_a_wrong_user_id_says_what_to_type(typed):
    with pytest.raises(ValueError, match="1至64个字母"):
        user_id(Kind.WECOM, typed)


def test_a_who_without_contacts_is_as_before():
    assert replace(ZHANG, phone=None, platform_ids=()) == Who(12, "张三", "zhangsan", 9201)


def test_an_escalation_reaches_each_leader_once_and_names_to_the_administrators_those_it_cannot():
    """A leader on Telegram is written to in private; one who is not is @-ed in the unit's robot group (by
    phone on DingTalk); one with neither path is named to the administrators with what to do."""
    by_phone = Who(21, "钱局长", None, None, "13700000000")  # no Telegram, a phone: DingTalk @s by phone
    nothing = Who(22, "孙局长")  # no Telegram, nothing recorded
    units = (
        UnitView(FIN, "市财政局", (ZHANG,), (by_phone, LEADER)),
        UnitView(EDU, "市教育局", (ZHAO,), (nothing,)),
        UnitView(3, "市民政局", (), (Who(23, "周局长"),)),  # no robot group at all
    )
    items = (
        item(2, "财政动态", State.OVERDUE, due=local("2026-10-01 00:00").date(), late=12),
        item(3, "教育动态", State.OVERDUE, due=local("2026-10-01 00:00").date(), late=12, units=(EDU,)),
        item(4, "民政动态", State.OVERDUE, due=local("2026-10-01 00:00").date(), late=12, units=(3,)),
    )
    chats = (ChatView(-1, "财政局群", (FIN,), "dingtalk"), ChatView(-2, "教育局群", (EDU,), "dingtalk"))
    planned = plan(snap(*items, units=units, chats=chats), local("2026-10-13 09:00"), CAL)
    escalations = [p for p in planned if p.kind == MessageKind.ESCALATION]
    (fin,) = [p for p in escalations if p.to.chat_id == -1]
    assert fin.mentions == (Mention("13812345678", None), Mention("13700000000", None))  # 张三, 钱局长
    assert "分管领导：钱局长、李局长" in fin.text and "13700000000" not in fin.text
    assert fin.offers  # 已更新 links under it, as under an overdue notice
    (edu,) = [p for p in escalations if p.to.chat_id == -2]
    assert edu.mentions == (Mention("13900000000", "zhaoliu"),)  # 赵六; 孙局长 is only named
    privately = {p.to.label for p in escalations if p.to.person_id is not None}
    assert {"person:李局长", "person:王主任"} <= privately
    (digest,) = [p for p in escalations if p.to.label == "person:王主任"]
    tail = digest.text.split("以下分管领导未能收到本次督办提醒：", 1)[1]
    assert "孙局长（市教育局）：未绑定 Telegram；钉钉群中只点了名，无法@提醒" in tail
    assert "周局长（市民政局）：未绑定 Telegram，本单位也没有绑定群机器人" in tail
    assert "钱局长" not in tail and "李局长" not in tail
    assert "zhiri person set" in tail


def test_a_leader_reached_somewhere_is_not_reported_and_nothing_is_said_when_all_are():
    items = (item(2, "财政动态", State.OVERDUE, due=local("2026-10-01 00:00").date(), late=12),)
    units = (UnitView(FIN, "市财政局", (ZHANG,), (LEADER,)),)
    planned = plan(snap(*items, units=units, chats=()), local("2026-10-13 09:00"), CAL)
    digest = [p for p in planned if p.kind == MessageKind.ESCALATION and p.to.label == "person:王主任"]
    assert digest and all("未能收到" not in p.text for p in digest)
