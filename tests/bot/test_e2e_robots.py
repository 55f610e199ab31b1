"""End to end: an administrator binds, tests and removes a group robot in a private chat with the real
`zhiri run` (fake Bot API; the robot is the local DingTalk fake, its signature checked). A webmaster is
refused as for every administrators' command; a webhook posted in a group is refused and nothing is bound."""

from __future__ import annotations

from storage import robots as robots_store
from storage.models import Robot
from tests.bot.e2e import FINANCE, running_bot
from tests.support.fake_robots import FakeDingTalk

SECRET = "SEC0123456789abcdef+/="


def test_an_administrator_binds_tests_and_removes_a_robot_in_a_private_chat(tmp_path):
    with running_bot(tmp_path) as bot, FakeDingTalk() as robots:
        url = robots.add_robot(SECRET)
        admin, private = bot.admin, bot.admin_chat
        finance, finance_chat = bot.person(FINANCE, "赵财")

        bot.ask(finance_chat, finance, f"/robot add 市财政局 {url} {SECRET} dingtalk", "只有系统管理员")
        group = bot.fake.group("财政局网站工作群", members=[finance], admins=[admin])
        bot.ask(group, admin, f"/robot add 市财政局 {url} {SECRET}", "请不要在群里发送机器人地址和密钥")
        assert bot.rows(Robot) == []

        bot.ask(private, admin, f"/robot add 市财政局 {url} {SECRET} 钉钉", "已把钉钉群机器人")
        (row,) = bot.rows(Robot)
        assert row.kind == "dingtalk" and robots_store.target(row).secret == SECRET  # kept sealed
        assert row.secret != SECRET and robots.token_of(url) not in row.url
        bot.ask(private, admin, "/robot list", "市财政局")
        bot.ask(private, admin, "/robot test 市财政局", "已发送")
        # The test message (the routine may already have posted the unit's reminders through the robot too).
        (body,) = [b for b in robots.messages_to(url) if "测试" in str(b)]
        assert "市财政局" in str(body)
        bot.ask(private, admin, "/robot remove 市财政局", "已解除")
        assert bot.rows(Robot)[0].removed_at is not None
        bot.ask(private, admin, "/robot test 市财政局", "没有绑定群机器人")
