"""End to end: invitations, binding a group, privacy mode, migration to a supergroup, the bot kicked out."""

from __future__ import annotations

import re

from storage.models import Chat, ChatUnit, Membership, Outbox, Person
from tests.bot.e2e import ADMIN, FINANCE, STRANGER, WEBMASTER, running_bot

BOT = "ZhiriTestBot"


def test_an_invited_person_joins_and_a_group_is_bound_and_kept_through_migration_and_removal(tmp_path):
    with running_bot(tmp_path) as bot:
        fake, admin, admin_chat = bot.fake, bot.admin, bot.admin_chat

        # The administrator invites a webmaster; the link carries a single-use code.
        # (网站管理员 is the old word for a webmaster: accepted, with the new word said.)
        invite = bot.ask(admin_chat, admin, "/invite 市政府办公室 网站管理员", "已生成邀请")
        assert "今后请写“网站维护员”" in (invite.text or "")
        code = re.search(rf"https://t\.me/{BOT}\?start=([A-Za-z0-9_-]{{8,64}})", invite.text or "")
        assert code is not None and f"\n/start {code.group(1)}" in (invite.text or "")

        # She has no username; she opens the link (Telegram sends /start CODE in the private chat).
        webmaster, webmaster_chat = bot.person(WEBMASTER, "王", last_name="小明")
        bot.ask(webmaster_chat, webmaster, f"/start {code.group(1)}", "已绑定为「市政府办公室」的网站维护员")
        (person,) = bot.rows(Person, Person.telegram_id == WEBMASTER)
        assert (person.name, person.username) == ("王小明", None)
        assert [m.role for m in bot.rows(Membership, Membership.person_id == person.id)] == ["webmaster"]
        bot.ask(webmaster_chat, webmaster, f"/start {code.group(1)}", "已经使用过")

        # A stranger cannot use someone else's code, nor invite.
        stranger, stranger_chat = bot.person(STRANGER, "路人")
        bot.ask(stranger_chat, stranger, f"/start {code.group(1)}", "已被使用")
        bot.ask(stranger_chat, stranger, "/invite 市财政局 leader", "只有系统管理员")

        # The bot joins a group and says how to bind it; a non-administrator is refused; the admin binds it.
        finance = fake.user(FINANCE, "赵财")
        group = fake.group(
            "楚雄市网站工作群", members=[webmaster, finance, stranger], admins=[admin], bot_status="left"
        )
        since = bot.last_seq()
        fake.add_bot_to_group(group, admin)
        bot.expect(group, "/bindchat", since)
        bot.ask(group, finance, f"/bindchat@{BOT} 市财政局", "只有系统管理员")
        bot.ask(group, admin, f"/bindchat@{BOT} 市政府办公室 财政", "本群已绑定到：市政府办公室、市财政局")

        # Privacy mode: /cmd@OtherBot never reaches us; /cmd@ZhiriTestBot does.
        fake.send_text(group, webmaster, "/mine@OtherBot")
        assert any("OtherBot" in str(u) for u in fake.undelivered)
        bot.ask(group, webmaster, f"/mine@{BOT}", "首页 / 部门动态")

        # The group becomes a supergroup: the binding follows the new id.
        supergroup = fake.migrate_to_supergroup(group, by_user=admin)
        bot.wait_db(lambda: bot.rows(Chat, Chat.address == supergroup.id), "the chat to follow its new id")
        (chat,) = bot.rows(Chat)
        assert (chat.migrated_from, chat.type, chat.active) == (group.id, "supergroup", True)
        assert len(bot.rows(ChatUnit, ChatUnit.chat_id == chat.id)) == 2
        bot.ask(supergroup, admin, f"/bindchat@{BOT} 市财政局", "无需重复绑定")

        # The bot is kicked: the binding goes inactive and the administrator is told (through the outbox).
        fake.kick_bot(supergroup, admin)
        bot.wait_db(lambda: not bot.rows(Chat)[0].active, "the binding to go inactive")
        assert bot.rows(Chat)[0].inactive_reason == "kicked"
        # The real clock drives this bot: after 09:00 in Shanghai the routine also tells the administrator
        # which units have no bound group, and may send to the group before the removal arrives, so Telegram's
        # refusal can tell the removal first (key …:gone:…) instead of the membership update (…:chat_left:…).
        # Either way the removal itself is told once.
        notices = bot.wait_db(
            lambda: [
                n
                for n in bot.rows(Outbox, Outbox.kind == "admin_notice")
                if ":chat_left:" in n.key or ":gone:" in n.key
            ],
            "an administrator notice",
        )
        assert [n.chat_id for n in notices] == [ADMIN], [(n.key, n.text) for n in notices]
        assert "被移出" in notices[0].text and "楚雄市网站工作群" in notices[0].text

        # Added back: active again, binding kept, and the group is told.
        since = bot.last_seq()
        fake.add_bot_to_group(supergroup, admin)
        bot.expect(supergroup, "绑定已恢复", since)
        assert bot.rows(Chat)[0].active
