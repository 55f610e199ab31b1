"""Sites, units and unit groups (acts.catalog)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from acts.catalog import ImportProblem, ensure_unit, resolve_site
from acts.groups import add_group_members
from storage.db import session_scope
from storage.models import Site, Unit, UnitGroupMember
from storage.sites import find_site, site_judge
from tests.conftest import at

NOW = at("2026-11-23 09:00")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_ensure_unit_creates_once_and_marks_groups(engine):
    with session_scope(engine) as s:
        site, created = resolve_site(s, NOW, None, "楚雄市人民政府网站栏目管理责任分解清单", "list")
        assert created and site.name == "楚雄市人民政府网站"
        assert site.id is not None
        office, new = ensure_unit(s, NOW, site.id, "市政府办公室")
        again, new_again = ensure_unit(s, NOW, site.id, "市政府办公室")
        assert new and not new_again and office.id == again.id
        group, _ = ensure_unit(s, NOW, site.id, "市属各部门", group=True)
        assert group.is_group and not office.is_group
    with session_scope(engine) as s:
        assert len(s.exec(select(Unit)).all()) == 2


def test_a_group_is_filled_by_the_administrator(engine):
    with session_scope(engine) as s:
        site, _ = resolve_site(s, NOW, "楚雄市人民政府网站", None, "list")
        assert site.id is not None
        group, _ = ensure_unit(s, NOW, site.id, "市属各部门", group=True)
        finance, _ = ensure_unit(s, NOW, site.id, "市财政局")
        audit, _ = ensure_unit(s, NOW, site.id, "市审计局")
        assert add_group_members(s, group.id, [finance.id, audit.id, audit.id]) == 2
        assert add_group_members(s, group.id, [finance.id, group.id]) == 0  # no repeats, not itself
        ids = {group.id: group.name, finance.id: finance.name, audit.id: audit.name}
    with session_scope(engine) as s:
        pairs = {(ids[m.group_id], ids[m.member_id]) for m in s.exec(select(UnitGroupMember))}
    assert pairs == {("市属各部门", "市财政局"), ("市属各部门", "市审计局")}


def test_the_site_is_named_or_the_only_one(engine):
    with session_scope(engine) as s:
        assert find_site(s, None) is None
        made, created = resolve_site(s, NOW, None, None, "牟定县栏目清单")
        assert created and made.name == "牟定县栏目清单"
        assert find_site(s, None) is made
        same, created_again = resolve_site(s, NOW, None, "别的标题网站", "x")
        assert same is made and not created_again
        other, _ = resolve_site(s, NOW, "南华县人民政府网站", None, "x")
        assert find_site(s, None) is None and find_site(s, "南华县人民政府网站") is other
        with pytest.raises(ImportProblem, match="多个网站"):
            resolve_site(s, NOW, None, None, "x")
    with session_scope(engine) as s:
        assert sorted(s.exec(select(Site.name))) == ["南华县人民政府网站", "牟定县栏目清单"]


def test_a_site_is_judged_in_its_own_time_zone(engine):
    with session_scope(engine) as s:
        site, _ = resolve_site(s, NOW, "喀什市人民政府网站", None, "x")
        assert site_judge(s, site, SHANGHAI).tz == SHANGHAI  # no zone of its own: the deployment's
        site.tz_name = "Asia/Urumqi"
        assert site_judge(s, site, SHANGHAI).tz == ZoneInfo("Asia/Urumqi")
        assert site_judge(s, None, SHANGHAI).tz == SHANGHAI
