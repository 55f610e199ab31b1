"""End to end: an administrator revokes an invitation, removes a person from a unit (access ends at once, the
history stays), and reads who did what with /history in the chat and `zhiri log` on the command line."""

from __future__ import annotations

import json
import re
import subprocess

from sqlmodel import col

from storage.models import Invitation, Membership, Person, UpdateLog
from tests.bot.e2e import FINANCE, STRANGER, WEBMASTER, running_bot, zhiri
from tests.bot.seed import add_person

BOT = "ZhiriTestBot"
BUDGET = "政务公开 / 重点领域信息公开 / 财政预决算"


def zhiri_log(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return zhiri(url, "log", *args)


def test_revoke_remove_history_and_the_log(tmp_path):
    with running_bot(tmp_path) as bot:
        admin, admin_chat = bot.admin, bot.admin_chat
        budget = bot.world.items[BUDGET]

        # The menu and /help offer the new commands (the administrator's menu also /revoke and /remove).
        admins = {c["command"] for c in bot.fake.commands({"type": "chat", "chat_id": admin.id})}
        assert {"revoke", "remove", "history"} <= admins
        assert "revoke" not in {c["command"] for c in bot.fake.commands({"type": "all_private_chats"})}
        helped = bot.ask(admin_chat, admin, "/help", "可以使用的命令").text or ""
        assert "/revoke" in helped and "/remove" in helped and "/history" in helped

        # An unused invitation is listed and revoked; its link then binds nobody.
        invite = bot.ask(admin_chat, admin, "/invite 市财政局 网站管理员", "已生成邀请").text or ""
        code = re.search(r"start=([A-Za-z0-9_-]+)", invite)
        assert code is not None
        listed = bot.ask(admin_chat, admin, "/revoke", "尚未使用的邀请").text or ""
        assert f"/revoke {code.group(1)}" in listed and "市财政局" in listed
        stranger, stranger_chat = bot.person(STRANGER, "路人")
        bot.ask(stranger_chat, stranger, f"/revoke {code.group(1)}", "只有系统管理员")
        bot.ask(admin_chat, admin, f"/revoke {code.group(1)}", "已撤销邀请")
        bot.ask(stranger_chat, stranger, f"/start {code.group(1)}", "已被管理员撤销")
        assert bot.rows(Person, Person.telegram_id == STRANGER) == []
        (row,) = bot.rows(Invitation)
        assert row.revoked_at is not None and row.used_at is None
        bot.ask(admin_chat, admin, f"/revoke {code.group(1)}", "已被撤销")

        # 赵财 logs; a webmaster of another unit may not remove her; the administrator does.
        finance, finance_chat = bot.person(FINANCE, "赵财")
        bot.ask(finance_chat, finance, "/done 财政预决算 发布2条", "已登记更新")
        other, other_chat = bot.person(WEBMASTER, "王小明")
        add_person(
            bot.engine, row.created_at, WEBMASTER, "王小明", [("市政府办公室", "webmaster")], bot.world
        )
        bot.ask(other_chat, other, "/remove 赵财 市财政局", "只有系统管理员")
        bot.ask(admin_chat, admin, "/remove 赵财", "已将 赵财 从「市财政局」移除")
        (membership,) = bot.rows(Membership, Membership.unit_id == bot.world.units["市财政局"])
        assert not membership.active and membership.ended_at is not None and membership.ended_by is not None

        # Access ends at once: no /done, no button, no /undo; her log stays.
        bot.ask(finance_chat, finance, "/done 财政预决算", "还没有绑定任何单位")
        reminder = bot.send_reminder(finance_chat, [(budget, BUDGET)], "【逾期提醒】")
        assert "没有绑定" in bot.press(finance_chat, finance, reminder, f"done:{budget}")
        bot.ask(finance_chat, finance, "/undo", "还没有绑定任何单位")
        (entry,) = bot.rows(UpdateLog, col(UpdateLog.person_id).is_not(None))
        assert (entry.count, entry.undone_at) == (2, None)
        bot.ask(admin_chat, admin, "/remove 赵财 市财政局", "没有绑定")

        # /history in the chat: what happened to the item, and by whom; a stranger sees nothing.
        history = bot.ask(admin_chat, admin, "/history 财政预决算", "的记录").text or ""
        assert "登记更新（赵财）" in history and "2条" in history
        bot.ask(stranger_chat, stranger, "/history 财政预决算", "还没有绑定任何单位")
        bot.ask(other_chat, other, "/history 财政预决算", "由市财政局负责")

        # `zhiri log` on the command line: the same trail, with bindings, removals and invitations.
        url = f"sqlite:///{tmp_path / 'zhiri.db'}"
        shown = zhiri_log(url, "--unit", "市财政局")
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        assert any("登记更新\t赵财\t市财政局\t" + BUDGET in line and "2条" in line for line in lines)
        assert any(line.split("\t")[1] == "移除人员" and "赵财" in line for line in lines)
        assert any(line.split("\t")[1] == "撤销邀请" for line in lines)
        assert any(line.split("\t")[1] == "绑定" and "赵财" in line for line in lines)
        assert not any("王小明" in line for line in lines)  # another unit's person
        records = [json.loads(x) for x in zhiri_log(url, "--json").stdout.splitlines()]
        assert {r["kind"] for r in records} >= {"log", "bind", "remove", "invite", "revoke"}
        assert zhiri_log(url, "--since", "2999-01-01").stdout == ""
        assert zhiri_log(url, "--unit", "不存在的单位").returncode == 2
        assert zhiri_log(url, "--since", "昨天").returncode == 2
