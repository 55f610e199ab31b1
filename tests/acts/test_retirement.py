"""Retiring items: by an administrator with a reason, by the list's 停更 column; re-imports, the export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from acts.catalog import run_import
from acts.retire import Retired, RetireUsage, Unretired, retire_by, unretire_by
from bot.cli import main
from domain.text import UNKNOWN_LAST
from reports.export import run_export
from storage import audit
from storage.db import session_scope
from storage.items import Judge, log_update
from storage.models import Item, Membership, Person, Unit, UpdateLog
from storage.people import ItemUnknown
from storage.queries import NotAdmin, Speaker, actor_for, item_refs
from storage.routine import gather
from tests.conftest import at

REPO = Path(__file__).resolve().parents[2]
COUNTY_CSV = REPO / "tests" / "fixtures" / "lists" / "county-columns-gbk.csv"
TZ = ZoneInfo("Asia/Shanghai")
NOW = at("2026-11-23 09:00")
ADMIN, WEBMASTER = 1000, 2002
KEY = "column:政务公开/人事信息"


def county(tmp_path: Path, retire_cell: str | None = None) -> Path:
    """The county list, with a 停更 column whose cell for 人事信息 says `retire_cell`."""
    lines = COUNTY_CSV.read_bytes().decode("gbk").splitlines()
    if retire_cell is not None:
        head = next(i for i, ln in enumerate(lines) if ln.startswith("序号"))
        lines[head] += ",停更"
        row = next(i for i, ln in enumerate(lines) if "人事信息" in ln)
        lines[row] += f",{retire_cell}"
    path = tmp_path / "county.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def act(engine, fn, speaker, *args, now=NOW):
    """`fn(session, now, actor, *args)`, the speaker resolved into the acting person as the entrance does."""
    with session_scope(engine) as session:
        return fn(session, now, actor_for(session, speaker, [ADMIN]), *args)


def row(engine) -> Item:
    with Session(engine) as s:
        return s.exec(select(Item).where(Item.key == KEY)).one()


@pytest.fixture
def listed(engine, judge):
    run_import(engine, NOW, TZ, COUNTY_CSV)
    with session_scope(engine) as s:
        log_update(
            s, at("2026-11-20 10:00"), judge, s.exec(select(Item).where(Item.key == KEY)).one(), source="done"
        )
    return engine


def test_an_administrator_retires_an_item_with_a_reason_and_it_leaves_every_view(listed, judge):
    words = ["人事信息", "栏目已并入政府信息公开"]
    assert act(listed, retire_by, Speaker(WEBMASTER), words) == NotAdmin()
    assert act(listed, retire_by, Speaker(ADMIN), ["人事信息"]) == RetireUsage(retire=True)
    result = act(listed, retire_by, Speaker(ADMIN), words)
    assert result == Retired("政务公开 / 人事信息", "栏目已并入政府信息公开")
    item = row(listed)
    assert (
        item.retired_at == NOW and item.retired_by_admin and item.retired_reason == "栏目已并入政府信息公开"
    )
    with session_scope(listed) as s:
        assert KEY not in {r.path for r in item_refs(s, None)} and "政务公开 / 人事信息" not in {
            r.path for r in item_refs(s, None)
        }
        snapshot = gather(s, item.site_id, Judge(TZ), NOW)
        assert item.id not in {i.id for i in snapshot.items}  # no reminder, no daily read, no checklist
        assert len(s.exec(select(UpdateLog).where(UpdateLog.item_id == item.id)).all()) == 1  # history kept

    back = act(listed, unretire_by, Speaker(ADMIN), judge, ["人事信息"])
    assert back == Unretired("政务公开 / 人事信息", "栏目已并入政府信息公开")
    item = row(listed)
    assert item.retired_at is None and not item.retired_by_admin and item.last_update_source == "done"


def test_a_reimport_keeps_an_administrators_retirement_unless_the_list_says_in_use(listed, tmp_path):
    act(listed, retire_by, Speaker(ADMIN), ["人事信息", "专题活动已结束"])
    again = run_import(listed, NOW, TZ, COUNTY_CSV)
    assert again.restored == [] and again.kept_retired == ["政务公开 / 人事信息（专题活动已结束）"]
    assert "保持停更" in again.render()
    assert row(listed).retired_at is not None
    # The list's 停更 column says it is in use again: back, with its history.
    used = run_import(listed, at("2026-11-24 09:00"), TZ, county(tmp_path, "在用"))
    assert used.restored == ["政务公开 / 人事信息"]
    assert row(listed).retired_at is None
    # Brought back by the list, as by /unretire: in the audit trail, after the retirement it undoes.
    assert [(e.kind, e.detail) for e in kept_records(listed)] == [
        (audit.UNRETIRE, "停更原因曾为：专题活动已结束"),
        (audit.RETIRE, "原因：专题活动已结束"),
    ]


def kept_records(engine) -> list[audit.Entry]:
    """The item's retirements and returns in the audit trail, newest first."""
    with Session(engine) as s:
        entries = audit.trail(s, item_ids=[row(engine).id])
    return [e for e in entries if e.kind in (audit.RETIRE, audit.UNRETIRE)]


def test_an_item_that_only_left_the_list_comes_back_with_it(listed, tmp_path):
    path = county(tmp_path)
    path.write_bytes(
        "\r\n".join(ln for ln in path.read_bytes().decode("gbk").splitlines() if "人事信息" not in ln).encode(
            "gbk"
        )
    )
    assert run_import(listed, NOW, TZ, path).retired == ["政务公开 / 人事信息"]
    assert not row(listed).retired_by_admin and row(listed).retired_reason is None
    assert run_import(listed, NOW, TZ, COUNTY_CSV).restored == ["政务公开 / 人事信息"]
    assert [(e.kind, e.who) for e in kept_records(listed)] == [(audit.UNRETIRE, "")]  # by the import


def test_the_lists_retire_column_retires_with_its_reason(listed, tmp_path):
    report = run_import(listed, NOW, TZ, county(tmp_path, "已停更：专题活动已结束"))
    assert report.retired_by_list == ["政务公开 / 人事信息"] and report.retired == []
    item = row(listed)
    assert item.retired_by_admin and item.retired_reason == "专题活动已结束"
    assert run_import(listed, NOW, TZ, county(tmp_path, "已停更：专题活动已结束")).retired_by_list == []
    odd = run_import(listed, NOW, TZ, county(tmp_path, "看情况"))
    assert any("“停更”列的“看情况”无法识别" in n.text for n in odd.notices)


def test_the_export_shows_retired_items_and_importing_it_keeps_them_retired(listed, tmp_path):
    act(listed, retire_by, Speaker(ADMIN), ["人事信息", "专题活动已结束"])
    act(listed, retire_by, Speaker(ADMIN), ["财政预决算", "并入政务公开专栏"])
    path = tmp_path / "export.xlsx"
    run_export(listed, NOW, TZ, path)
    sheet = load_workbook(path)["栏目"]
    header = [c.value for c in sheet[2]]
    line = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if "人事信息" in r)
    assert line[header.index("状态")] == "已停更"
    assert line[header.index("停更")] == "已停更：专题活动已结束"
    assert line[header.index("最近更新")] == datetime(2026, 11, 20, 10, 0)  # its history, in local time
    # A retired item nobody ever logged says so, as a live one does, rather than leaving the cell empty.
    unlogged = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if "财政预决算" in r)
    assert unlogged[header.index("状态")] == "已停更"
    assert unlogged[header.index("最近更新")] == UNKNOWN_LAST
    report = run_import(listed, NOW, TZ, path)
    assert report.restored == [] and report.retired_by_list == [] and not report.changed
    assert row(listed).retired_reason == "专题活动已结束"


def test_the_command_line_retires_lists_and_restores(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import", str(COUNTY_CSV)]) == 0
    capsys.readouterr()
    assert main(["retire", "人事信息"]) == 2
    assert "--reason" in capsys.readouterr().err
    assert main(["retire", "人事信息", "--reason", "专题活动已结束"]) == 0
    assert "已停更：政务公开 / 人事信息（原因：专题活动已结束）" in capsys.readouterr().out
    assert main(["retire", "--list"]) == 0
    assert "政务公开 / 人事信息" in capsys.readouterr().out
    assert main(["retire", "人事信息", "--restore"]) == 0
    assert "已恢复：政务公开 / 人事信息" in capsys.readouterr().out
    assert main(["retire", "不存在的栏目", "--restore"]) == 2


def test_a_units_administrator_retires_only_that_units_items(listed, judge):
    """/retire asks the one permission policy (administer, on the item's units), like /invite and /remove."""
    with session_scope(listed) as s:
        person = Person(telegram_id=3003, name="钱管", created_at=NOW)
        s.add(person)
        s.flush()
        unit = s.exec(select(Unit).where(Unit.name == "县委组织部")).one()
        s.add(Membership(person_id=person.id, unit_id=unit.id, role="admin", created_at=NOW))
    unit_admin = Speaker(3003, "钱管")
    theirs = act(listed, retire_by, unit_admin, ["财政预决算", "栏目已合并"])
    assert isinstance(theirs, ItemUnknown)  # 县财政局's: not among the items this person administers
    assert act(listed, retire_by, unit_admin, ["人事信息", "栏目已合并"]) == Retired(
        "政务公开 / 人事信息", "栏目已合并"
    )
    assert row(listed).retired_by is not None
    assert isinstance(act(listed, unretire_by, unit_admin, judge, ["财政预决算"]), ItemUnknown)
    back = act(listed, unretire_by, unit_admin, judge, ["人事信息"])
    assert back == Unretired("政务公开 / 人事信息", "栏目已合并")
