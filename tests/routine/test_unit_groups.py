"""One meaning of a unit group everywhere (`domain.units.Groups`): an item of a group belongs to each member,
so a member's people and groups answer for it, and a group's people and chats answer for each member's items.
The routine's snapshot, a person's units and the half-month answer given in a chat now agree.

Changed here: a chat bound to the group itself (市属各部门) was sent the checklist of its members' items by
the routine but was refused when it answered (正常) for one of them; it is now accepted there."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from acts.routine import AnswerRecorded, NotEntitled, NotYourItem, record_answer
from domain.model import CheckResult, Role, UnitKind
from storage.db import session_scope
from storage.models import Chat, ChatUnit, Membership, Person, Unit, UnitGroupMember
from storage.queries import Speaker, actor_for
from storage.routine import gather
from tests.conftest import at
from tests.routine.conftest import EDU_CHAT, EDU_WM_TG, FIN_CHAT, World, add_item, build_world

GROUP_CHAT = -1003
GROUP_WM_TG = 9301
CREATED = at("2026-09-01 09:00")
NOW = at("2026-10-09 10:00")
PERIOD = date(2026, 10, 1)


def _with_a_group(engine, judge) -> tuple[World, int, int, int]:
    """市属各部门 holds 市财政局 and 市教育局, has its own chat and webmaster; items of 市财政局, of the group
    and of 市政府办公室 (in no group)."""
    world = build_world(engine, CREATED)
    with session_scope(engine) as s:
        group = Unit(
            site_id=world.site_id, name="市属各部门", is_group=True, kind=UnitKind.GROUP, created_at=CREATED
        )
        s.add(group)
        s.flush()
        assert group.id is not None
        world.units["市属各部门"] = group.id
        for member in ("市财政局", "市教育局"):
            s.add(UnitGroupMember(group_id=group.id, member_id=world.units[member]))
        chat = Chat(address=GROUP_CHAT, title="各部门网站工作群", site_id=world.site_id, created_at=CREATED)
        person = Person(telegram_id=GROUP_WM_TG, name="钱七", created_at=CREATED)
        s.add_all([chat, person])
        s.flush()
        assert chat.id is not None and person.id is not None
        s.add(ChatUnit(chat_id=chat.id, unit_id=group.id))
        s.add(Membership(person_id=person.id, unit_id=group.id, role=Role.WEBMASTER, created_at=CREATED))
    budget = add_item(engine, world, judge, "政务公开 / 财政预决算", "6个月内更新", "市财政局", CREATED)
    news = add_item(engine, world, judge, "首页 / 部门动态", "2周内更新", "市属各部门", CREATED)
    office = add_item(engine, world, judge, "政务公开 / 通知公告", "6个月内更新", "市政府办公室", CREATED)
    return world, budget, news, office


def _answer(session: Session, item: int, who: int, chat: int):
    actor = actor_for(session, Speaker(who, "某人"), ())
    return record_answer(session, NOW, actor, item, PERIOD, CheckResult.OK, chat)


def test_the_snapshot_the_people_and_the_answers_agree_on_a_group(engine, judge):
    world, budget, news, office = _with_a_group(engine, judge)
    with session_scope(engine) as s:
        snap = gather(s, world.site_id, judge, NOW)
        chats = {c.telegram_id: set(c.unit_ids) for c in snap.chats}
        items = {i.id: set(i.unit_ids) for i in snap.items}
        told = {chat: {i for i, units in items.items() if units & chats[chat]} for chat in chats}
        # The group's chat is told of its members' items and its own; a member's chat of its own and its
        # group's.
        assert told[GROUP_CHAT] == {budget, news}
        assert told[FIN_CHAT] == {budget, news}
        assert told[EDU_CHAT] == {news}

        group, fin = world.units["市属各部门"], world.units["市财政局"]
        assert actor_for(s, Speaker(GROUP_WM_TG), ()).units == {group, fin, world.units["市教育局"]}
        assert actor_for(s, Speaker(EDU_WM_TG), ()).units == {group, world.units["市教育局"]}

        # Answers are accepted exactly where the routine asked for them.
        assert isinstance(_answer(s, budget, GROUP_WM_TG, GROUP_CHAT), AnswerRecorded)  # refused before
        assert isinstance(_answer(s, news, GROUP_WM_TG, GROUP_CHAT), AnswerRecorded)
        assert isinstance(_answer(s, news, EDU_WM_TG, EDU_CHAT), AnswerRecorded)
        # …and nowhere else: 市教育局's chat does not answer for 市财政局's item, nor anyone for
        # 市政府办公室's.
        assert isinstance(_answer(s, budget, GROUP_WM_TG, EDU_CHAT), NotYourItem)
        assert isinstance(_answer(s, budget, EDU_WM_TG, EDU_CHAT), NotEntitled)
        assert isinstance(_answer(s, office, GROUP_WM_TG, GROUP_CHAT), NotEntitled)
