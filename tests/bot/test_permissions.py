"""One permission policy behind every administrators' command, through the real handlers.

Each command the menu marks as the administrators' is refused to a person who administers nothing (a unit's
webmaster, a stranger) with the same answer, and writes nothing; a unit's administrator acts on their own
unit only.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from replies import format as fmt
from replies.menu import COMMANDS
from storage.db import session_scope
from storage.models import (
    CalendarDay,
    Chat,
    ChatUnit,
    Invitation,
    Item,
    Membership,
    Person,
    Robot,
    UnitGroupMember,
)
from storage.queries import NotYourUnit
from tests.bot.conftest import ADMIN, CREATED, FINANCE, GROUP_ID, STRANGER, WEBMASTER
from tests.bot.seed import add_person

UNIT_ADMIN = 2004  # administers 市教育局 only
EDU_ITEM = "意见征集"  # 市教育局's
FIN_ITEM = "财政预决算"  # 市财政局's

ADMIN_COMMANDS = [c for c in COMMANDS if c.admin]


def example(command: Any) -> str:
    """The command as its /help example writes it (the first form), in the seed's names."""
    first = command.example.split("　或　")[0]
    return first.format(unit="市财政局", unit2="市教育局", group="市属各部门")


def written(h) -> dict[str, Any]:
    """What an administrators' command could change."""
    with session_scope(h.engine) as s:
        return {
            "invitations": s.exec(select(Invitation.code, Invitation.revoked_at)).all(),
            "memberships": s.exec(select(Membership.id, Membership.active)).all(),
            "chats": s.exec(select(Chat.address, Chat.all_units, Chat.active)).all(),
            "bindings": s.exec(select(ChatUnit.chat_id, ChatUnit.unit_id)).all(),
            "robots": s.exec(select(Robot.id, Robot.removed_at)).all(),
            "groups": s.exec(select(UnitGroupMember.group_id, UnitGroupMember.member_id)).all(),
            "calendar": s.exec(select(CalendarDay.day, CalendarDay.kind)).all(),
            "items": s.exec(
                select(Item.id, Item.retired_at, Item.category_override).order_by(col(Item.id))
            ).all(),
        }


def test_every_administrators_command_is_covered():
    assert {c.name for c in ADMIN_COMMANDS} == {
        "invite",
        "bindchat",
        "group",
        "unbindchat",
        "revoke",
        "remove",
        "status",
        "category",
        "bulletin",
        "holidays",
        "retire",
        "unretire",
        "robot",
        "wrongread",
        "readok",
    }


@pytest.mark.parametrize("user", [WEBMASTER, STRANGER], ids=["webmaster", "stranger"])
@pytest.mark.parametrize("command", ADMIN_COMMANDS, ids=[c.name for c in ADMIN_COMMANDS])
async def test_a_non_administrator_gets_the_one_policy_answer_and_changes_nothing(harness, command, user):
    if command.name == "unbindchat":  # a bound group, so there is something to refuse
        await harness.send("/bindchat 市财政局", user=ADMIN, chat=GROUP_ID)
    chat = GROUP_ID if not command.private else user
    before = written(harness)
    reply = (await harness.send(example(command), user=user, chat=chat)).last_text()
    assert reply == fmt.NOT_ADMIN
    assert written(harness) == before


async def test_a_units_administrator_acts_on_their_own_unit_only(harness):
    add_person(harness.engine, CREATED, UNIT_ADMIN, "钱管", [("市教育局", "admin")], harness.world)

    async def say(text: str, chat: int = UNIT_ADMIN) -> str:
        return (await harness.send(text, user=UNIT_ADMIN, chat=chat)).last_text()

    # Invitations: for 市教育局, not for another unit, nor deployment-wide.
    assert "start=" in await say("/invite 市教育局 网站维护员")
    assert await say("/invite 市财政局 网站维护员") == fmt.problem(NotYourUnit("市财政局"))
    assert await say("/invite 全部 系统管理员") == fmt.NOT_ADMIN

    # A group: bound to 市教育局, not to 市财政局 or to every unit.
    assert "市教育局" in await say("/bindchat 市教育局", chat=GROUP_ID)
    assert await say("/bindchat 市财政局", chat=GROUP_ID) == fmt.problem(NotYourUnit("市财政局"))
    assert await say("/bindchat 全部", chat=GROUP_ID) == fmt.NOT_ADMIN

    # Retiring: 市教育局's item only; 市财政局's is not even among the items offered.
    assert "已停更" in await say(f"/retire {EDU_ITEM} 栏目已合并")
    assert "没有找到" in await say(f"/retire {FIN_ITEM} 栏目已合并")
    with session_scope(harness.engine) as s:
        retired = s.exec(select(Item.name).where(col(Item.retired_at).is_not(None))).all()
    assert retired == [EDU_ITEM]

    # Removing: not a person of another unit.
    assert await say("/remove 赵财 市财政局") == fmt.problem(NotYourUnit("市财政局"))
    with session_scope(harness.engine) as s:
        finance = s.exec(select(Person).where(Person.telegram_id == FINANCE)).one()
        bound = s.exec(select(Membership).where(Membership.person_id == finance.id)).all()
    assert [m.active for m in bound] == [True]

    # The deployment's own settings stay the deployment administrators'.
    for text in ("/category 首页/部门动态 首页", "/holidays 2027", "/group 市属各部门 市政府办公室"):
        assert await say(text) == fmt.NOT_ADMIN, text
