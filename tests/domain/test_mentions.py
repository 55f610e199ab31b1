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
    for p in fin:
        asks = p.kind in (MessageKind.DUE_WARNING, MessageKind.OVERDUE)
        assert p.mentions == (want_fin if asks else ()), p.kind
        assert "钱七" in p.text or p.kind not in (MessageKind.DUE_WARNING, MessageKind.OVERDUE)
    (overdue,) = [p for p in both if p.kind == MessageKind.OVERDUE]
    assert sorted(map(repr, overdue.mentions)) == sorted(map(repr, want_fin + want_edu))
    assert len(overdue.mentions) == len(want_fin + want_edu)
    (warning,) = [p for p in both if p.kind == MessageKind.DUE_WARNING]
    assert warning.mentions == want_fin  # 市教育局 has nothing due today: its webmaster is not @-ed
    # Escalations go to the leader in private, named as before.
    assert all(not p.mentions for p in planned if p.kind == MessageKind.ESCALATION)


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
