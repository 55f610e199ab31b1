"""/group: administrators fill a unit group (市属各部门) with the units it stands for."""

from __future__ import annotations

from sqlmodel import select

from storage.db import session_scope
from storage.models import UnitGroupMember
from tests.bot.conftest import ADMIN, WEBMASTER


def members(harness) -> set[int]:
    group_id = harness.world.units["市属各部门"]
    with session_scope(harness.engine) as s:
        rows = s.exec(select(UnitGroupMember.member_id).where(UnitGroupMember.group_id == group_id))
        return set(rows.all())


async def test_group_lists_the_groups_and_their_members(harness):
    assert "现有单位组：市属各部门" in (await harness.send("/group", user=ADMIN)).last_text()
    text = (await harness.send("/group 市属各部门", user=ADMIN)).last_text()
    assert "现有成员单位 2 个：市教育局、市财政局" in text or "现有成员单位 2 个：市财政局、市教育局" in text


async def test_group_adds_units_once(harness):
    before = members(harness)
    text = (await harness.send("/group 市属各部门 市政府办公室", user=ADMIN)).last_text()
    assert "已将 市政府办公室 加入「市属各部门」" in text
    assert members(harness) == before | {harness.world.units["市政府办公室"]}
    again = (await harness.send("/group 市属各部门 市政府办公室", user=ADMIN)).last_text()
    assert "已将" not in again and "现有成员单位 3 个" in again
    assert len(members(harness)) == 3


async def test_group_refuses_a_plain_unit_an_unknown_unit_and_a_non_administrator(harness):
    assert "不是单位组" in (await harness.send("/group 市财政局 市教育局", user=ADMIN)).last_text()
    unknown = await harness.send("/group 市属各部门 市外事办", user=ADMIN)
    assert "没有找到单位「市外事办」" in unknown.last_text()
    before = members(harness)
    refused = await harness.send("/group 市属各部门 市政府办公室", user=WEBMASTER)
    assert "只有系统管理员" in refused.last_text()
    assert members(harness) == before
