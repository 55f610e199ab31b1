"""Unit cells through a real import, helpers logging, merges and renames kept across re-imports, the
import report's order and a dry run that creates no database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from acts.catalog import run_import
from acts.units import UnitProblem, add_alias, find_unit, list_units, merge_units, rename_unit
from acts.updates import Logged, log_done
from bot.cli import main
from storage.db import session_scope
from storage.models import Item, ItemUnit, Membership, Person, Site, Unit, UnitAlias, UnitGroupMember
from storage.people import NotYours
from storage.queries import Speaker, actor_for, site_words
from tests.conftest import at

TZ = ZoneInfo("Asia/Shanghai")
NOW = at("2026-11-23 09:00")
SITE = "某某县人民政府网站"

LIST = """某某县人民政府网站栏目保障责任清单,,
栏目名称,更新要求,责任单位
通知公告,2周内更新,县融媒体中心负责发布，各部门配合供稿
政策文件,6个月内更新,县政府办牵头，县财政局、县审计局配合
行政执法公示,6个月内更新,具备执法权的单位
规划计划,至少一年更新一次,规划制定部门
市场监管,2周内更新,县市场监管局
食品安全,2周内更新,县市场监督管理局
文化旅游,2周内更新,县文旅局
旅游资讯,2周内更新,县文化和旅游局
一部手机游,,外链
怪话,2周内更新,及时上传
看情况,随便写写,县政府办
乡镇动态,每周更新,各乡镇
"""


def write(tmp_path: Path, text: str = LIST) -> Path:
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    return path


def do_import(engine, path: Path, now=NOW, **kwargs):
    return run_import(engine, now, TZ, path, **kwargs)


def links(engine, path: str) -> list[tuple[str, str, str]]:
    with Session(engine) as s:
        rows = s.exec(
            select(Unit.name, ItemUnit.role, Unit.kind)
            .join(ItemUnit, col(ItemUnit.unit_id) == Unit.id)
            .join(Item, col(Item.id) == ItemUnit.item_id)
            .where(Item.path == path)
            .order_by(col(Unit.name))
        )
        return list(rows)


def test_unit_cells_are_stored_with_their_roles(engine, tmp_path):
    report = do_import(engine, write(tmp_path))
    assert links(engine, "通知公告") == [("县融媒体中心", "lead", "unit"), ("各部门", "helper", "group")]
    assert links(engine, "政策文件") == [
        ("县审计局", "helper", "unit"),
        ("县政府办", "lead", "unit"),
        ("县财政局", "helper", "unit"),
    ]
    assert links(engine, "行政执法公示") == [("具备执法权的单位", "lead", "role")]
    assert links(engine, "一部手机游") == []
    with Session(engine) as s:
        outside = s.exec(select(Item).where(Item.path == "一部手机游")).one()
        # An external link has no update duty: its rule is the external one, not a rule to fill in.
        assert (outside.rule_text, outside.rule_ok, outside.state) == ("外链", True, "not_applicable")
    assert "一部手机游" not in [w.text for w in report.without_unit]
    assert [(p.row, p.pieces) for p in report.unit_problems] == [(12, ("及时上传",))]
    assert report.unfilled_roles == ["具备执法权的单位", "规划制定部门"]
    assert report.unfilled_groups == ["各部门", "各乡镇"]
    assert report.merges == [("县文旅局", "县文化和旅游局"), ("县市场监管局", "县市场监督管理局")]
    # The site's office is the one its list names: what the bot says in reminders and reports.
    assert report.office == "县政府办" and "网站主管单位记为“县政府办”" in report.render()
    with Session(engine) as s:
        words = site_words(s, s.exec(select(Site)).one())
    assert (words.office, words.pledge, words.units[0]) == ("县政府办", None, "县政府办")


def test_the_report_lists_what_to_fix_in_order(engine, tmp_path):
    text = do_import(engine, write(tmp_path), dry_run=True).render()
    order = [
        "以下 1 行的更新要求无法识别",
        "工作表“list”第13行　看情况：“随便写写”",
        "以下 1 行的责任单位无法识别",
        "工作表“list”第12行　怪话：“及时上传”",
        "以下 2 个角色不是具体单位",
        "具备执法权的单位、规划制定部门",
        "单位组 2 个",
        "各部门、各乡镇",
        "以下 2 组名称可能是同一个单位",
        "zhiri units merge 县文旅局 县文化和旅游局",
        "zhiri units merge 县市场监管局 县市场监督管理局",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_a_helper_may_log_the_items_it_contributes_to(engine, judge, tmp_path):
    do_import(engine, write(tmp_path))
    with session_scope(engine) as s:
        site_id = s.exec(select(Unit.site_id)).first()
        for tid, unit in ((301, "县财政局"), (302, "县融媒体中心"), (303, "县文旅局")):
            person = Person(telegram_id=tid, name=unit, created_at=NOW)
            s.add(person)
            s.flush()
            found = find_unit(s, site_id, unit)
            assert found is not None and person.id is not None
            s.add(Membership(person_id=person.id, unit_id=found.id, role="webmaster", created_at=NOW))

    def done(tid: int, words: list[str]):
        with session_scope(engine) as s:
            return log_done(s, NOW, actor_for(s, Speaker(tid, "某人"), []), judge, words)

    assert isinstance(done(301, ["政策文件"]), Logged)  # 县财政局 helps with 政策文件
    assert isinstance(done(302, ["通知公告"]), Logged)  # "县融媒体中心负责发布": the lead, not "…负责发布"
    assert isinstance(done(303, ["政策文件"]), NotYours)


def test_a_reimport_after_merges_renames_and_fills_changes_nothing(engine, tmp_path):
    path = write(tmp_path)
    do_import(engine, path)
    with session_scope(engine) as s:
        site_id = s.exec(select(Unit.site_id)).first()
        merge_units(s, NOW, site_id, "县市场监管局", "县市场监督管理局")
        merge_units(s, NOW, site_id, "县文旅局", "县文化和旅游局")
        rename_unit(s, NOW, site_id, "县政府办", "县人民政府办公室")
        add_alias(s, NOW, site_id, "县人民政府办公室", "县府办")
        finance = find_unit(s, site_id, "县财政局")
        role = find_unit(s, site_id, "具备执法权的单位")
        assert finance is not None and role is not None and finance.id and role.id
        s.add(UnitGroupMember(group_id=role.id, member_id=finance.id))
    assert links(engine, "市场监管") == [("县市场监督管理局", "lead", "unit")]
    assert links(engine, "文化旅游") == [("县文化和旅游局", "lead", "unit")]

    def counts() -> dict[str, int]:
        with Session(engine) as s:
            return {
                t.__name__: s.exec(select(func.count()).select_from(t)).one()
                for t in (Unit, UnitAlias, ItemUnit, UnitGroupMember, Item)
            }

    before = counts()
    again = do_import(engine, path, now=at("2026-11-24 09:00"))
    assert (again.added, again.changed, again.retired, again.units_added) == ([], [], [], [])
    assert counts() == before
    assert again.merges == [] and again.unfilled_roles == ["规划制定部门"]
    assert ("县人民政府办公室", "lead", "unit") in links(engine, "政策文件")
    with Session(engine) as s:
        rows = {r.name: r for r in list_units(s, site_id)}
    assert rows["县市场监督管理局"].aliases == ("县市场监管局",)
    assert set(rows["县人民政府办公室"].aliases) == {"县政府办", "县府办"}
    assert rows["具备执法权的单位"].members == ("县财政局",)


def test_merging_refuses_what_cannot_be_merged(engine, tmp_path):
    do_import(engine, write(tmp_path))
    with session_scope(engine) as s:
        site_id = s.exec(select(Unit.site_id)).first()
        with pytest.raises(UnitProblem, match="没有找到单位"):
            merge_units(s, NOW, site_id, "县不存在局", "县财政局")
        with pytest.raises(UnitProblem, match="单位组"):
            merge_units(s, NOW, site_id, "各乡镇", "县财政局")
        with pytest.raises(UnitProblem, match="已有名为"):
            rename_unit(s, NOW, site_id, "县财政局", "县审计局")


def test_a_dry_run_creates_no_database_file(tmp_path, monkeypatch, capsys):
    db = tmp_path / "data" / "zhiri.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    assert main(["import", str(write(tmp_path)), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "试运行" in out and "以下 2 组名称可能是同一个单位" in out
    assert not db.exists() and not db.parent.exists()


def test_a_dry_run_leaves_an_existing_database_file_as_it_was(tmp_path, monkeypatch, capsys):
    db = tmp_path / "zhiri.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    assert main(["import", str(write(tmp_path))]) == 0
    capsys.readouterr()
    before = db.read_bytes()
    changed = write(tmp_path, LIST.replace("县融媒体中心负责发布", "县委宣传部负责发布"))
    assert main(["import", str(changed), "--dry-run"]) == 0
    assert "变更 1 项" in capsys.readouterr().out
    # (Reading a WAL database read-only may leave its -shm index beside it; the database is untouched.)
    assert db.read_bytes() == before
