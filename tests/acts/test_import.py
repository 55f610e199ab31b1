"""Importing responsibility lists into a real database (SQLite file and PostgreSQL): acts.catalog."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import Session, col, select

from acts import catalog
from acts.catalog import ImportProblem, import_list, run_import
from bot.cli import main
from domain.inspection import classify
from domain.model import ItemKind
from storage.db import current_revision, make_engine, session_scope, upgrade
from storage.items import log_update, set_rule
from storage.models import Item, ItemUnit, Site, Unit, UnitGroupMember, UpdateLog
from tests.conftest import at

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "chuxiong-city-columns.xlsx"
LISTS = REPO / "tests" / "fixtures" / "lists"
COUNTY_CSV = LISTS / "county-columns-gbk.csv"
FIVE_LEVELS = LISTS / "five-levels.xlsx"
TZ = ZoneInfo("Asia/Shanghai")
NOW = at("2026-11-23 09:00")
TABLES = (Site, Unit, UnitGroupMember, Item, ItemUnit, UpdateLog)


def counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {t.__name__: s.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(TZ).replace(tzinfo=None) if moment else None


def do_import(engine, path: Path, now=NOW, **kwargs) -> catalog.ImportReport:
    return run_import(engine, now, TZ, path, **kwargs)


def item(session: Session, key: str) -> Item:
    found = session.exec(select(Item).where(Item.key == key)).one()
    return found


def item_units(session: Session, key: str) -> list[tuple[str, bool, bool]]:
    rows = session.exec(
        select(Unit.name, ItemUnit.lead, Unit.is_group)
        .join(ItemUnit, col(ItemUnit.unit_id) == Unit.id)
        .join(Item, col(Item.id) == ItemUnit.item_id)
        .where(Item.key == key)
        .order_by(col(ItemUnit.lead).desc(), col(Unit.id))
    )
    return [(n, lead, g) for n, lead, g in rows]


def county_csv(tmp_path: Path, edit=lambda lines: lines, name: str = "county.csv") -> Path:
    lines = COUNTY_CSV.read_bytes().decode("gbk").splitlines()
    path = tmp_path / name
    path.write_bytes(("\r\n".join(edit(lines)) + "\r\n").encode("gbk"))
    return path


def test_it_imports_the_city_example(engine):
    report = do_import(engine, EXAMPLE)
    assert (report.columns, report.accounts, len(report.units), len(report.needs_rule)) == (98, 7, 43, 10)
    assert report.site == "楚雄市人民政府网站" and report.site_created
    assert len(report.added) == 105 and not report.changed and not report.retired
    assert counts(engine)["Item"] == 105
    # Every row that needs a rule is listed with its sheet and row.
    assert ("栏目", 28, "互动交流 / 网上信访", "") in [
        (p.sheet, p.row, p.label, p.text) for p in report.needs_rule
    ]
    assert {p.sheet for p in report.needs_rule} == {"栏目"}
    with Session(engine) as s:
        today = item(s, "column:首页/今日楚雄")
        # Imported without a last-update date: unknown is not fresh, it is due on the import day.
        assert (today.path, today.category, today.rule_ok, today.state, today.last_update_at) == (
            "首页 / 今日楚雄",
            "home",
            True,
            "due_today",
            None,
        )
        assert (today.source_sheet, today.source_row) == ("栏目", 4)
        assert item(s, "column:政务公开/市政府信息公开目录/统计信息").level3 == "统计信息"
        visits = item(s, "column:互动交流/网上信访")
        assert (visits.rule_ok, visits.state) == (False, "needs_rule")
        assert item_units(s, "column:首页/部门动态") == [
            ("市政府办公室", True, False),
            ("市属各部门", False, True),
        ]
        assert item_units(s, "column:首页/乡镇动态")[1] == ("15个乡镇", False, True)
        account = item(s, "account:微信公众号:楚雄发布")
        assert (account.kind, account.platform, account.category) == ("account", "微信公众号", "account")
        assert item_units(s, "account:微信公众号:楚雄发布") == [
            ("市委宣传部", True, False),
            ("市融媒体中心", False, False),
        ]
        # An account without a rule posts weekly by default: not a row needing a rule.
        silent = item(s, "account:抖音:楚雄发布")
        assert silent.rule_text == "" and silent.state != "needs_rule"
        groups = set(s.exec(select(Unit.name).where(col(Unit.is_group).is_(True))))
    assert groups == {"市属各部门", "各乡镇", "15个乡镇", "市属相关部门", "市政府组成部门", "市属相关单位"}
    text = report.render()
    assert "栏目 98 个，政务新媒体账号 7 个，责任单位 43 个" in text
    assert "工作表“栏目”第28行　互动交流 / 网上信访：（空）" in text


def test_importing_the_same_file_again_changes_nothing(engine):
    do_import(engine, EXAMPLE)
    before = counts(engine)
    again = do_import(engine, EXAMPLE, now=at("2026-11-24 09:00"))
    assert (len(again.added), len(again.changed), len(again.retired), len(again.restored)) == (0, 0, 0, 0)
    assert len(again.units_added) == 0 and not again.site_created
    assert counts(engine) == before
    assert "新增 0 项，变更 0 项，停用 0 项" in again.render()


def test_the_county_csv_in_gbk(engine, tmp_path):
    report = do_import(engine, COUNTY_CSV)
    assert (report.columns, report.accounts) == (14, 0)
    assert report.site == "牟定县人民政府门户网站"
    assert [(p.row, p.text) for p in report.needs_rule] == [
        (11, "定期更新"),
        (15, ""),
        (17, "按上级要求更新"),
    ]
    with Session(engine) as s:
        assert item(s, "column:政务服务/网上办事大厅").state == "not_applicable"  # 外链
        assert item(s, "column:首页/牟定要闻").url == "http://www.example.gov.cn/xwzx/mdyw/"
        assert item(s, "column:专题专栏").note == "各专题由主办单位负责"
        assert item_units(s, "column:政务公开/机构职能") == [
            ("县委编办", True, False),
            ("各乡镇", False, True),
        ]


def test_five_levels_lead_and_helper_units_and_accounts(engine):
    report = do_import(engine, FIVE_LEVELS)
    assert (report.columns, report.accounts) == (11, 4)
    assert [(p.sheet, p.row, p.text) for p in report.needs_rule] == [
        ("栏目保障", 10, "待定"),
        ("新媒体", 5, "按上级要求更新"),
    ]
    with Session(engine) as s:
        five = item(s, "column:政务公开/法定主动公开内容/政策文件/行政规范性文件/现行有效")
        assert (five.level1, five.level5, five.name) == ("政务公开", "现行有效", "现行有效")
        assert set(item_units(s, five.key)) == {
            ("市司法局", True, False),
            ("各县市", False, True),
            ("市政府办公室", False, False),
        }
        assert item(s, "account:微信公众号:某某发布").handle == "mmfb"
        expected = classify(("互动交流",), ItemKind.COLUMN).value
        assert item(s, "column:互动交流").category == expected


def test_last_update_dates_are_logged_once_and_only_when_newer(engine, judge):
    report = do_import(engine, FIVE_LEVELS)
    assert report.logged == 6
    with Session(engine) as s:
        logs = s.exec(select(UpdateLog).where(UpdateLog.source == "import")).all()
        assert len(logs) == 6
        org = item(s, "column:政务公开/法定主动公开内容/机构信息/机构职能")
        assert org.last_update_source == "import"
        assert local(org.last_update_at) == datetime(2026, 11, 18, 9, 30)
    assert do_import(engine, FIVE_LEVELS, now=at("2026-11-24 09:00")).logged == 0
    # Someone logs through the bot after the list's date: the older list date is not logged again.
    with session_scope(engine) as s:
        log_update(s, at("2026-11-24 10:00"), judge, item(s, "column:新闻中心/图片新闻"), source="done")
    assert do_import(engine, FIVE_LEVELS, now=at("2026-11-25 09:00")).logged == 0
    assert counts(engine)["UpdateLog"] == 7


def test_a_date_in_the_future_is_not_logged(engine, tmp_path):
    path = tmp_path / "future.csv"
    path.write_text("栏目名称,更新要求,最近更新\n通知公告,6个月内更新,2027-01-05\n", encoding="utf-8")
    report = do_import(engine, path)
    assert report.logged == 0
    assert any("晚于今天" in n.text for n in report.notices)


def test_a_changed_list_reports_added_changed_and_retired_and_keeps_history(engine, judge, tmp_path):
    do_import(engine, COUNTY_CSV)
    with session_scope(engine) as s:
        log_update(s, at("2026-11-20 10:00"), judge, item(s, "column:政务公开/人事信息"), source="done")

    def edit(lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            if "人事信息" in line:
                continue  # left the list
            line = line.replace("9,,财政预决算,每年一次", "9,,财政预决算,6个月内更新")
            line = line.replace("县政府办（牵头）、县属相关部门", "县政府办（牵头）、县财政局")
            out.append(line)
        out.insert(
            next(i for i, ln in enumerate(out) if "财政预决算" in ln) + 1, "15,,审计信息,每年一次,县审计局,,"
        )
        return out

    report = do_import(engine, county_csv(tmp_path, edit), now=at("2026-11-24 09:00"))
    assert report.added == ["政务公开 / 审计信息"]
    assert [(c.label, c.fields) for c in report.changed] == [
        ("首页 / 通知公告", ("units",)),
        ("政务公开 / 财政预决算", ("rule_text",)),
    ]
    assert report.retired == ["政务公开 / 人事信息"]
    assert report.units_added == ["县审计局"]
    with Session(engine) as s:
        gone = item(s, "column:政务公开/人事信息")
        assert gone.retired_at is not None
        assert len(s.exec(select(UpdateLog).where(UpdateLog.item_id == gone.id)).all()) == 1
        assert item(s, "column:政务公开/财政预决算").rule_text == "6个月内更新"
        assert item_units(s, "column:首页/通知公告") == [
            ("县政府办", True, False),
            ("县财政局", False, False),
        ]
    text = report.render()
    assert "政务公开 / 财政预决算：更新要求" in text and "停用（已不在清单中，历史记录保留）" in text

    # The old list again: the retired column comes back with its history, the new one is retired.
    back = do_import(engine, COUNTY_CSV, now=at("2026-11-25 09:00"))
    assert back.restored == ["政务公开 / 人事信息"]
    assert back.retired == ["政务公开 / 审计信息"]
    with Session(engine) as s:
        assert item(s, "column:政务公开/人事信息").retired_at is None
        assert item(s, "column:政务公开/人事信息").last_update_source == "done"


def test_a_list_without_an_account_sheet_leaves_accounts_alone(engine, tmp_path):
    do_import(engine, FIVE_LEVELS)
    wb = load_workbook(FIVE_LEVELS)
    del wb["新媒体"]
    path = tmp_path / "columns-only.xlsx"
    wb.save(path)
    report = do_import(engine, path)
    assert report.retired == [] and report.untouched_kinds == ["account"]
    with Session(engine) as s:
        accounts = s.exec(select(Item).where(Item.kind == "account", col(Item.retired_at).is_(None))).all()
    assert len(accounts) == 4


def test_duplicate_rows_merge_their_units_but_conflicting_rules_are_fatal(engine, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        "栏目名称,更新要求,责任单位\n部门动态,2周内更新,市财政局\n部门动态,2周内更新,市审计局\n",
        encoding="utf-8",
    )
    report = do_import(engine, path)
    assert report.columns == 1
    with Session(engine) as s:
        assert item_units(s, "column:部门动态") == [("市财政局", True, False), ("市审计局", False, False)]
    path.write_text("栏目名称,更新要求\n部门动态,2周内更新\n部门动态,每周一次\n", encoding="utf-8")
    before = counts(engine)
    with pytest.raises(ImportProblem, match=r"第3行与.*第2行是同一个栏目"):
        do_import(engine, path)
    assert counts(engine) == before


def fatal_files(tmp_path: Path) -> list[Path]:
    nameless = tmp_path / "nameless.csv"
    nameless.write_text("栏目名称,责任单位\n通知公告,市政府办公室\n,市财政局\n", encoding="utf-8")
    headerless = tmp_path / "headerless.csv"
    headerless.write_text("楚雄市网站\n通知公告,市政府办公室\n", encoding="utf-8")
    return [nameless, headerless, tmp_path / "missing.xlsx"]


def test_fatal_problems_write_nothing(engine, tmp_path):
    do_import(engine, COUNTY_CSV)
    before = counts(engine)
    for path in fatal_files(tmp_path):
        with pytest.raises(ImportProblem):
            do_import(engine, path)
        assert counts(engine) == before, path.name


def test_a_failure_in_the_first_chunk_writes_nothing(engine, monkeypatch):
    """The list fits one chunk (CHUNK_ROWS): a failure leaves the database as it was, and the problem is the
    import's own (nothing was written, so not ImportInterrupted). Longer lists: the test below."""
    before = counts(engine)
    calls = 0
    original = catalog.log_update

    def failing(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:  # after sites, units and a dozen items were written
            raise ImportProblem("模拟的故障")
        return original(*args, **kwargs)

    monkeypatch.setattr(catalog, "log_update", failing)
    with pytest.raises(ImportProblem, match="模拟的故障"):
        do_import(engine, FIVE_LEVELS)
    assert counts(engine) == before


def snapshot(engine) -> list[tuple]:
    """What an import leaves, item by item: key, rule, judged state and due day, units, logged updates."""
    with Session(engine) as s:
        items = s.exec(select(Item).order_by(col(Item.key))).all()
        out = []
        for i in items:
            units = sorted(
                s.exec(
                    select(Unit.name, ItemUnit.role)
                    .join(ItemUnit, col(ItemUnit.unit_id) == Unit.id)
                    .where(ItemUnit.item_id == i.id)
                ).all()
            )
            logs = s.exec(select(func.count()).select_from(UpdateLog).where(UpdateLog.item_id == i.id)).one()
            out.append((i.key, i.rule_text, i.state, i.due_on, i.retired_at, tuple(units), logs))
        return out


def test_an_import_writes_in_chunks_and_one_interrupted_halfway_completes_when_run_again(
    engine, monkeypatch, tmp_path
):
    """Short transactions (the running bot is never locked out): a failure halfway keeps whole chunks, says
    how far it got, retires nothing, and the same list imported again ends as an uninterrupted import."""
    clean = make_engine(f"sqlite:///{tmp_path / 'clean.db'}")
    upgrade(clean)
    do_import(clean, FIVE_LEVELS)
    expected = snapshot(clean)
    clean.dispose()

    monkeypatch.setattr(catalog, "CHUNK_ROWS", 3)
    calls = 0
    original = catalog.refresh_all

    def failing(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:  # the third chunk: two are written
            raise OSError(28, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(catalog, "refresh_all", failing)
    with pytest.raises(catalog.ImportInterrupted) as stopped:
        do_import(engine, FIVE_LEVELS)
    assert stopped.value.rows_done == 6
    assert "前 6 行已写入" in stopped.value.render() and "重新导入同一个文件" in stopped.value.render()
    halfway = snapshot(engine)
    assert len(halfway) == 6 and all(row in expected for row in halfway)  # whole chunks, judged

    monkeypatch.setattr(catalog, "refresh_all", original)
    again = do_import(engine, FIVE_LEVELS)
    assert len(again.added) == len(expected) - 6 and not again.retired
    assert snapshot(engine) == expected


def test_cli_says_how_far_an_interrupted_import_got(cli_db, capsys, monkeypatch):
    monkeypatch.setattr(catalog, "CHUNK_ROWS", 3)
    original = catalog.refresh_all
    calls = 0

    def failing(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(28, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(catalog, "refresh_all", failing)
    assert main(["import", str(FIVE_LEVELS)]) == 1
    err = capsys.readouterr().err
    assert "导入中断" in err and "前 3 行已写入" in err and "No space left" in err


def test_several_sites_need_a_site_name(engine):
    do_import(engine, COUNTY_CSV)
    do_import(engine, FIVE_LEVELS, site="某某市人民政府网站")
    with pytest.raises(ImportProblem, match="--site"):
        do_import(engine, COUNTY_CSV)
    again = do_import(engine, COUNTY_CSV, site="牟定县人民政府门户网站")
    assert not again.added and not again.retired
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Site)).one() == 2


def test_the_wrong_list_for_the_only_site_is_flagged_first(engine):
    do_import(engine, FIVE_LEVELS)
    report = do_import(engine, COUNTY_CSV, dry_run=True)
    assert len(report.retired) == 11
    assert [c[:6] for c in report.cautions] == ["清单标题“牟", "本次导入停用"]
    assert (
        "注意：清单标题“牟定县人民政府门户网站栏目内容保障责任清单”与网站“某某市人民政府网站”不同"
        in report.render()
    )


def test_dry_run_reports_the_same_and_writes_nothing(engine):
    before = counts(engine)
    report = do_import(engine, EXAMPLE, dry_run=True)
    assert (report.columns, report.accounts, len(report.needs_rule), len(report.added)) == (98, 7, 10, 105)
    assert counts(engine) == before
    assert "试运行" in report.render()


def test_import_list_works_in_the_callers_transaction(engine, judge):
    with session_scope(engine) as s:
        report = import_list(s, NOW, judge, COUNTY_CSV, site="牟定县")
        assert report.site == "牟定县"
    assert counts(engine)["Item"] == 14


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def cli_db(sqlite_url, monkeypatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return sqlite_url


def test_cli_imports_upgrading_the_database_first(cli_db, capsys):
    assert main(["import", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "栏目 98 个，政务新媒体账号 7 个" in out and "需要补充更新要求 10 行" in out
    assert main(["import", str(EXAMPLE)]) == 0
    assert "新增 0 项，变更 0 项，停用 0 项" in capsys.readouterr().out


def test_cli_dry_run_writes_nothing(cli_db, capsys):
    assert main(["import", str(COUNTY_CSV), "--dry-run", "--site", "牟定县"]) == 0
    assert "试运行" in capsys.readouterr().out
    assert main(["export", "/tmp/never-written.xlsx"]) == 2
    assert "数据库结构版本为 空" in capsys.readouterr().err  # the dry run did not even create the schema


def test_cli_fatal_problem_exits_2_in_chinese(cli_db, capsys, tmp_path):
    for path in fatal_files(tmp_path):
        assert main(["import", str(path)]) == 2
        err = capsys.readouterr().err
        assert "导入失败，数据库没有任何修改" in err
    assert main(["import", str(fatal_files(tmp_path)[0])]) == 2
    assert "第3行没有栏目名称" in capsys.readouterr().err


def test_cli_reads_the_file_before_touching_the_database(cli_db, capsys, tmp_path):
    assert main(["import", str(tmp_path / "missing.xlsx")]) == 2
    assert "找不到文件" in capsys.readouterr().err
    engine = make_engine(cli_db)
    assert current_revision(engine) is None  # not even the schema was created
    engine.dispose()


# --- layouts from other offices (tests/fixtures/lists/make_lists.py) -------------------------------

LAYOUTS = [
    # file, columns, accounts, units, needs a rule, dates logged, unit groups
    ("county-paths.xlsx", 11, 0, 11, 1, 4, 3),
    ("band-header.xlsx", 9, 0, 9, 0, 2, 2),
    ("sections-notes.xlsx", 8, 0, 9, 0, 2, 1),
    ("workbook-sheets.xlsx", 7, 6, 7, 0, 2, 0),
    ("county-gb18030.csv", 6, 0, 6, 0, 4, 2),
    ("tree-levels.xlsx", 10, 0, 4, 0, 0, 0),
]


@pytest.mark.parametrize(("name", "columns", "accounts", "units", "needs", "logged", "groups"), LAYOUTS)
def test_other_layouts_import_and_import_again_unchanged(
    engine, name, columns, accounts, units, needs, logged, groups
):
    report = do_import(engine, LISTS / name)
    figures = (report.columns, report.accounts, len(report.units), len(report.needs_rule), report.logged)
    assert figures == (columns, accounts, units, needs, logged)
    assert len(report.groups) == groups
    assert len(report.added) == columns + accounts and not report.changed and not report.retired
    with Session(engine) as s:
        names = list(s.exec(select(Unit.name)))
    # No unit is named after a person or a phone number, or keeps a 牵头/配合 label.
    assert not [n for n in names if any(ch.isdigit() for ch in n) and "12345" not in n]
    assert not [n for n in names if re.search(r"张三|李四|王五|赵六|联系人|电话|牵头|配合|[:：]", n)]
    before = counts(engine)
    again = do_import(engine, LISTS / name, now=at("2026-11-24 09:00"))
    assert (len(again.added), len(again.changed), len(again.retired), len(again.restored)) == (0, 0, 0, 0)
    assert not again.units_added and again.logged == 0
    assert counts(engine) == before


def test_the_report_says_what_was_left_out_with_sheet_and_row(engine):
    text = do_import(engine, LISTS / "workbook-sheets.xlsx").render()
    assert "工作表“旧版清单”：是隐藏的工作表，未导入" in text
    assert "工作表“说明”：没有找到表头" in text
    assert "工作表“政务新媒体”第7行：账号“某某县教育”没有写明平台" in text
    assert "未使用的列：运维人员、联系电话" not in text  # read: the accounts' webmasters and their mobiles
    assert "新增网站维护员 2 人" in text
    text = do_import(engine, LISTS / "sections-notes.xlsx", site="某某县人民政府网站").render()
    assert "工作表“栏目清单”第19行：合计行“合计”不是栏目，已跳过" in text
    assert "工作表“栏目清单”第18行：说明文字" in text


def test_units_without_their_people_are_linked_with_lead_and_helper(engine):
    do_import(engine, LISTS / "county-paths.xlsx")
    with Session(engine) as s:
        assert item_units(s, "column:政务公开/财政预决算") == [("县财政局", True, False)]
        assert item_units(s, "column:政务公开/政策文件") == [
            ("县政府办", True, False),
            ("县司法局", False, False),
        ]
        assert item_units(s, "column:首页/部门动态") == [
            ("县政府办", True, False),
            ("县属各部门", False, True),
        ]
        assert item(s, "column:首页/南华要闻").url == "http://www.nanhua.example.gov.cn/xwzx/nhyw/"
        assert local(item(s, "column:政务公开/财政预决算").last_update_at) == datetime(2026, 11, 3, 10, 30)


def test_an_imported_per_unit_duty_says_so_and_a_new_rule_says_so_again(engine, judge, tmp_path):
    """/overdue counts late items from the stored schedule except per-unit duties (whose late units take the
    live judgement): every way an item gets its rule stores whether it is one."""
    path = tmp_path / "per-unit.csv"
    path.write_text(
        "栏目名称,更新要求,责任单位\n部门动态,各部门每周不少于1条,市属各部门\n通知公告,2周内更新,市财政局\n",
        encoding="utf-8",
    )
    do_import(engine, path)
    with session_scope(engine) as s:
        assert (item(s, "column:部门动态").per_unit, item(s, "column:通知公告").per_unit) == (True, False)
        set_rule(s, NOW, judge, item(s, "column:部门动态"), "2周内更新")
        set_rule(s, NOW, judge, item(s, "column:通知公告"), "各部门每周不少于1条")
    with session_scope(engine) as s:
        assert (item(s, "column:部门动态").per_unit, item(s, "column:通知公告").per_unit) == (False, True)
