"""The one pacer keys every chat by (platform, address): each robot its documented rate, its throttle its own;
Telegram's limits and its 429 as before, never held by a robot. Plain bookkeeping, `t` passed in."""

from __future__ import annotations

import pytest

from domain.robots import Kind
from jobs.pace import Pacer, SendLimits, telegram

DING, WECOM, FEISHU = (Kind.DINGTALK.value, 1), (Kind.WECOM.value, 2), (Kind.FEISHU.value, 3)


def test_a_dingtalk_robot_gets_twenty_a_minute_and_another_robot_is_free() -> None:
    pacer = Pacer(SendLimits())
    for i in range(20):
        assert pacer.chat_ready_at(DING, 100.0 + i) == 100.0 + i
        pacer.took(DING, 100.0 + i)
    # The 21st waits until the first is a (generous) minute old: 60 s x the 5 % margin.
    assert pacer.chat_ready_at(DING, 120.0) == pytest.approx(100.0 + 63.0)
    assert pacer.chat_ready_at(("dingtalk", 9), 120.0) == 120.0  # another DingTalk robot: its own minute
    assert pacer.chat_ready_at(WECOM, 120.0) == 120.0
    # A robot's address is positive (its own Chat.id): it is never paced as a Telegram private chat.
    assert pacer.privates == {}


def test_a_feishu_robot_gets_five_a_second_and_a_hundred_a_minute() -> None:
    pacer = Pacer(SendLimits())
    for i in range(5):
        pacer.took(FEISHU, 10.0 + i * 0.01)
    assert pacer.chat_ready_at(FEISHU, 10.05) == pytest.approx(10.0 + 1.05)  # the 6th in that second waits
    pacer, t = Pacer(SendLimits()), 20.0
    for _ in range(100):
        t = pacer.chat_ready_at(FEISHU, t)
        pacer.took(FEISHU, t)
    # 100 in 20 s (5 a second), then the minute is full: the 101st waits for the first of them to age out.
    assert t < 20.0 + 21.0
    assert pacer.chat_ready_at(FEISHU, t) == pytest.approx(20.0 + 63.0)


def test_a_robots_throttle_holds_that_robot_only() -> None:
    pacer = Pacer(SendLimits())
    pacer.pause(700.0, DING)  # DingTalk's 130101: this robot, ten minutes
    assert pacer.chat_ready_at(DING, 100.0) == 700.0
    assert pacer.slot_at(DING) == 700.0
    assert pacer.chat_ready_at(("dingtalk", 9), 100.0) == 100.0
    assert pacer.chat_ready_at(WECOM, 100.0) == 100.0
    assert pacer.chat_ready_at(telegram(-1001), 100.0) == 100.0
    assert pacer.global_ready_at() == 0.0  # Telegram, and so the bot's replies, are not held


def test_telegrams_429_holds_all_of_telegram_and_no_robot() -> None:
    pacer = Pacer(SendLimits(per_second=29))
    pacer.pause(300.0, telegram(-1001))
    for chat in (telegram(-1001), telegram(-1002), telegram(7)):
        assert pacer.chat_ready_at(chat, 100.0) == 300.0
    assert pacer.global_ready_at() == 300.0
    assert pacer.chat_ready_at(DING, 100.0) == 100.0 and pacer.slot_at(DING) == 0.0
    # Robots do not spend Telegram's 29 a second either.
    pacer.took(DING, 400.0)
    assert pacer.next_global == 0.0


def test_a_send_that_never_arrived_does_not_count_against_the_robot() -> None:
    pacer = Pacer(SendLimits())
    for i in range(20):
        pacer.took(WECOM, 100.0 + i)
    pacer.untook(WECOM, 119.0)
    assert pacer.chat_ready_at(WECOM, 119.5) == 119.5


def test_an_unknown_platform_is_paced_like_a_group_on_its_own() -> None:
    pacer = Pacer(SendLimits(group_per_window=2, group_window=10.0))
    other = ("robot", 5)
    pacer.took(other, 1.0)
    pacer.took(other, 2.0)
    assert pacer.chat_ready_at(other, 3.0) == pytest.approx(11.0)
    pacer.pause(50.0, other)
    assert pacer.chat_ready_at(other, 20.0) == 50.0 and pacer.global_ready_at() == 0.0
