"""End to end: bindings reach the audit trail (issue 17, point 9). An invitation used, a group bound to a unit
and unbound, units added to a unit group, an item retired and brought back, the bot removed from a group:
each appears in `zhiri log` (with who did it, filtered by unit) and the item's in `/history`."""

from __future__ import annotations

import json
import re

from storage.models import AuditRecord, Chat
from tests.bot.e2e import FINANCE, WEBMASTER, running_bot, zhiri

BOT = "ZhiriTestBot"


def test_bindings_unbindings_invitations_retirements_and_removals_are_in_the_trail(tmp_path):
    with running_bot(tmp_path) as bot:
        fake, admin, admin_chat = bot.fake, bot.admin, bot.admin_chat
        url = str(bot.engine.url)

        invite = bot.ask(admin_chat, admin, "/invite 市政府办公室 网站维护员", "已生成邀请").text or ""
        code = re.search(r"start=([A-Za-z0-9_-]+)", invite)
        assert code is not None
        webmaster, webmaster_chat = bot.person(WEBMASTER, "王小明")
        bot.ask(webmaster_chat, webmaster, f"/start {code.group(1)}", "已绑定为")

        finance = fake.user(FINANCE, "赵财")
        group = fake.group("审计测试群", members=[webmaster, finance], admins=[admin], bot_status="left")
        since = bot.last_seq()
        fake.add_bot_to_group(group, admin)
        bot.expect(group, "/bindchat", since)
        bot.ask(group, admin, f"/bindchat@{BOT} 市财政局", "本群已绑定到：市财政局")
        bot.ask(group, admin, f"/unbindchat@{BOT}", "解除")
        bot.ask(group, admin, f"/bindchat@{BOT} 市政府办公室", "本群已绑定到：市政府办公室")
        bot.ask(admin_chat, admin, "/group 市属各部门 市政府办公室", "已将 市政府办公室 加入「市属各部门」")
        bot.ask(admin_chat, admin, "/retire 通知公告 栏目已并入政策文件", "已停更")
        bot.ask(admin_chat, admin, "/unretire 通知公告", "已恢复")
        fake.kick_bot(group, admin)
        bot.wait_db(lambda: not bot.rows(Chat)[0].active, "the binding to go inactive")
        bot.wait_db(lambda: bot.rows(AuditRecord, AuditRecord.kind == "chat_gone"), "the removal recorded")

        records = [json.loads(line) for line in zhiri(url, "log", "--json").stdout.splitlines()]
        kinds = [r["kind"] for r in records]
        for kind in ("join", "chat_bind", "chat_unbind", "group_add", "retire", "unretire", "chat_gone"):
            assert kind in kinds, (kind, kinds)
        by_kind = {r["kind"]: r for r in records}  # newest first: the oldest of each kind stays
        assert by_kind["join"]["who"] == "王小明" and "成为网站" in by_kind["join"]["detail"]
        assert (by_kind["chat_bind"]["who"], by_kind["chat_bind"]["unit"]) == ("信息中心", "市财政局")
        assert "审计测试群" in by_kind["chat_bind"]["detail"]
        assert (by_kind["chat_unbind"]["who"], by_kind["chat_unbind"]["unit"]) == ("信息中心", "市财政局")
        assert (
            "市政府办公室" in by_kind["group_add"]["detail"] and by_kind["group_add"]["unit"] == "市属各部门"
        )
        assert (
            by_kind["retire"]["item"] == "政务公开 / 通知公告"
            and "栏目已并入政策文件" in by_kind["retire"]["detail"]
        )
        assert (
            by_kind["chat_gone"]["unit"] == "市政府办公室" and "审计测试群" in by_kind["chat_gone"]["detail"]
        )

        # `zhiri log --unit` keeps the unit's own: 市财政局's binding, not 市政府办公室's group being removed.
        finance_log = zhiri(url, "log", "--unit", "市财政局").stdout
        assert "绑定群" in finance_log and "解除群绑定" in finance_log and "机器人离开群" not in finance_log
        office_log = zhiri(url, "log", "--unit", "市政府办公室").stdout
        assert "使用邀请" in office_log and "机器人离开群" in office_log and "停更" in office_log

        history = bot.ask(admin_chat, admin, "/history 通知公告", "的记录").text or ""
        assert "停更（信息中心）" in history and "恢复（信息中心）" in history
