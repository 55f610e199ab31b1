"""Reading responsibility lists into rows (storage.sheets): no database."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from storage.sheets import (
    Cell,
    ImportProblem,
    ListRow,
    ParsedList,
    RawSheet,
    header_field,
    is_group_word,
    normalize_platform,
    parse_day,
    parse_list,
    parse_sheets,
    split_units,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "chuxiong-city-columns.xlsx"
LISTS = REPO / "tests" / "fixtures" / "lists"
COUNTY_CSV = LISTS / "county-columns-gbk.csv"
FIVE_LEVELS = LISTS / "five-levels.xlsx"


def by_key(parsed: ParsedList) -> dict[str, ListRow]:
    return {r.key: r for r in parsed.rows}


def sheet(*rows: list[object], name: str = "Sheet1") -> RawSheet:
    return RawSheet(name, [[Cell(v if v != "" else None) for v in row] for row in rows])


def units(row: ListRow) -> list[tuple[str, bool]]:
    return [(u.name, u.lead) for u in row.units or ()]


# --- headers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("一级栏目", ("level", 1)),
        ("一级\n栏目", ("level", 1)),
        ("二级栏目", ("level", 2)),
        ("三级栏目名称", ("level", 3)),
        ("四级栏目", ("level", 4)),
        ("五级栏目", ("level", 5)),
        ("栏目名称", ("colname", 0)),
        ("子栏目", ("sub", 0)),
        ("序号", ("seq", 0)),
        ("更新时限要求", ("rule", 0)),
        ("更新时限\n要求", ("rule", 0)),
        ("更新频率", ("rule", 0)),
        ("更新要求", ("rule", 0)),
        ("保障要求", ("rule", 0)),
        ("时限要求", ("rule", 0)),
        ("内容", ("content", 0)),
        ("栏目内容", ("content", 0)),
        ("管理内容", ("content", 0)),
        ("责任单位", ("unit", 0)),
        ("责 任 单 位", ("unit", 0)),
        ("责任部门", ("unit", 0)),
        ("主办单位", ("unit", 0)),
        ("开设主体", ("unit", 0)),
        ("运维单位", ("unit", 0)),
        ("责任单位（牵头）", ("unit_lead", 0)),
        ("牵头单位", ("unit_lead", 0)),
        ("配合单位", ("unit_helper", 0)),
        ("栏目地址", ("url", 0)),
        ("链接", ("url", 0)),
        ("网址", ("url", 0)),
        ("ＵＲＬ", ("url", 0)),
        ("最近更新", ("last_update", 0)),
        ("最后更新时间", ("last_update", 0)),
        ("更新时间", ("last_update", 0)),
        ("备注", ("note", 0)),
        ("账号名称", ("account", 0)),
        ("平台", ("platform", 0)),
        ("类型", ("type", 0)),
        ("账号ID", ("handle", 0)),
        ("微信号", ("handle", 0)),
        # What the export adds and the import must not read back as data:
        ("要求解读", ("ignore", 0)),
        ("网站管理员", ("ignore", 0)),
        ("更新来源", ("ignore", 0)),
        ("到期日", ("ignore", 0)),
        ("状态", ("ignore", 0)),
    ],
)
def test_it_recognises_headers_by_meaning(text, field):
    assert header_field(text) == field


@pytest.mark.parametrize(
    "text", ["楚雄市人民政府网站栏目管理责任分解清单", "填报单位：市政府办公室", "", "2026年"]
)
def test_it_does_not_take_titles_and_notes_for_headers(text):
    assert header_field(text) is None


def test_it_finds_the_header_under_the_title_row():
    parsed = parse_list(EXAMPLE)
    assert parsed.title == "楚雄市人民政府网站栏目管理责任分解清单"
    assert [(s.name, s.kind, s.header_row) for s in parsed.sheets] == [
        ("栏目", "column", 2),
        ("政务新媒体", "account", 2),
    ]


def test_it_finds_a_two_row_header_under_notes():
    parsed = parse_list(FIVE_LEVELS)
    columns = parsed.sheets[0]
    assert (columns.name, columns.header_row) == ("栏目保障", 5)
    assert columns.columns["牵头单位"] == "牵头单位"
    assert columns.columns["最后更新时间"] == "最近更新"  # carried down from the merged header above


def test_it_tells_the_account_sheet_by_its_headers_not_its_name():
    parsed = parse_sheets(
        [
            sheet(["序号", "栏目名称", "责任单位"], [1, "通知公告", "市政府办公室"], name="Sheet1"),
            sheet(["平台", "账号名称", "运维单位"], ["微信", "楚雄发布", "市委宣传部"], name="Sheet2"),
        ]
    )
    assert [s.kind for s in parsed.sheets] == ["column", "account"]
    assert [r.key for r in parsed.rows] == ["column:通知公告", "account:微信公众号:楚雄发布"]


def test_it_skips_sheets_without_a_header_and_says_so():
    parsed = parse_sheets(
        [
            sheet(["说明"], ["本表由市政府办填写"], name="说明"),
            sheet(["栏目", "更新要求"], ["通知公告", "每月一次"]),
        ]
    )
    assert [s.name for s in parsed.sheets] == ["Sheet1"]
    assert [n.sheet for n in parsed.skipped] == ["说明"]


def test_hidden_sheets_are_not_read():
    assert "旧表" not in {s.name for s in parse_list(FIVE_LEVELS).sheets}


def test_a_header_repeated_on_every_printed_page_is_not_a_column():
    parsed = parse_sheets(
        [
            sheet(
                ["序号", "栏目名称", "更新要求", "责任单位"],
                [1, "通知公告", "每月一次", "市政府办公室"],
                ["序号", "栏目名称", "更新要求", "责任单位"],
                [2, "政策解读", "6个月内更新", "市政府办公室"],
            )
        ]
    )
    assert [r.name for r in parsed.rows] == ["通知公告", "政策解读"]


# --- merged cells and levels ----------------------------------------------------------------------


def test_merged_cells_count_for_every_row_they_cover():
    rows = by_key(parse_list(EXAMPLE))
    # 政务公开 and 市政府信息公开目录 are written once and merged down; so is the unit 市志办 over four rows.
    assert "column:政务公开/市政府信息公开目录/统计信息" in rows
    assert units(rows["column:美丽楚雄/地理环境"]) == [("市志办", True)]
    assert rows["column:政务公开/重点领域信息公开/民政信息公开"].rule_text == (
        "适时更新，自该政府信息形成或者变更之日起20个工作日内予以公开。"
    )


def test_the_city_example_has_every_column_of_the_seed():
    parsed = parse_list(EXAMPLE)
    columns = [r for r in parsed.rows if r.kind == "column"]
    assert len(columns) == 98
    assert len({r.key for r in columns}) == 98
    assert sum(1 for r in parsed.rows if r.kind == "account") == 7
    # The note below the table is not a column.
    assert not any(r.name.startswith("注") for r in columns)


def test_a_name_merged_across_level_columns_is_one_first_level_column():
    rows = by_key(parse_list(FIVE_LEVELS))
    assert rows["column:互动交流"].levels == ("互动交流",)


def test_a_column_is_a_leaf_where_its_name_stops():
    rows = by_key(parse_list(FIVE_LEVELS))
    assert rows["column:政务公开/政府信息公开年报"].levels == ("政务公开", "政府信息公开年报")
    five = rows["column:政务公开/法定主动公开内容/政策文件/行政规范性文件/现行有效"]
    assert five.levels[-1] == "现行有效" and len(five.levels) == 5
    county = by_key(parse_list(COUNTY_CSV))
    assert county["column:专题专栏"].levels == ("专题专栏",)


def test_blank_upper_levels_inherit_from_the_row_above():
    county = by_key(parse_list(COUNTY_CSV))
    # 栏目名称 written once per group, 子栏目 on every row.
    assert "column:政务公开/财政预决算" in county
    assert "column:互动交流/意见征集" in county
    rows = by_key(parse_list(FIVE_LEVELS))
    # 二级栏目 blank (not merged) under a row that has it; then 三级 blank too.
    assert "column:政务公开/重点领域信息公开/教育信息" in rows
    assert "column:政务公开/重点领域信息公开/教育信息/学校名录" in rows


def test_a_blank_level_is_not_inherited_when_nothing_below_it_is_named():
    parsed = parse_sheets(
        [
            sheet(
                ["一级栏目", "二级栏目", "更新要求"],
                ["首页", "今日楚雄", "2周内更新"],
                ["投资楚雄", "", "2个月内更新"],
                ["", "招商项目", "2个月内更新"],
            )
        ]
    )
    assert [r.levels for r in parsed.rows] == [("首页", "今日楚雄"), ("投资楚雄",), ("投资楚雄", "招商项目")]


def test_inheritance_follows_the_row_above_whatever_its_depth():
    parsed = parse_sheets(
        [
            sheet(
                ["一级栏目", "二级栏目", "三级栏目"],
                ["政务公开", "信息公开目录", "统计信息"],
                ["", "领导之窗", ""],  # shallower than the row above: only 一级 is taken
                ["", "", "班子成员"],  # deeper: 一级 and 二级 come from the row above
                ["", "", "分工"],
            )
        ]
    )
    assert [r.levels for r in parsed.rows] == [
        ("政务公开", "信息公开目录", "统计信息"),
        ("政务公开", "领导之窗"),
        ("政务公开", "领导之窗", "班子成员"),
        ("政务公开", "领导之窗", "分工"),
    ]
    assert parsed.notices == []


def test_a_blank_level_under_a_different_parent_is_not_inherited_but_reported():
    parsed = parse_sheets(
        [
            sheet(
                ["一级栏目", "二级栏目", "三级栏目", "更新要求"],
                ["政务公开", "重点领域", "财政信息", "6个月内更新"],
                ["互动交流", "", "信件选登", "2周内更新"],
            )
        ]
    )
    assert parsed.rows[1].levels == ("互动交流", "信件选登")
    assert [(n.row, "二级栏目" in n.text) for n in parsed.notices] == [(3, True)]


def test_a_first_row_with_no_upper_level_is_reported():
    parsed = parse_sheets([sheet(["一级栏目", "二级栏目", "更新要求"], ["", "今日楚雄", "2周内更新"])])
    assert parsed.rows[0].levels == ("今日楚雄",)
    assert parsed.notices[0].row == 2


def test_a_row_with_no_column_name_is_fatal_and_names_the_row():
    rows = sheet(
        ["标题"],
        ["序号", "一级栏目", "二级栏目", "责任单位"],
        [1, "首页", "今日楚雄", "市政府办公室"],
        [2, "", "", "市财政局"],
    )
    with pytest.raises(ImportProblem, match="第4行没有栏目名称"):
        parse_sheets([rows])


def test_a_list_without_a_header_is_fatal():
    with pytest.raises(ImportProblem, match="没有找到表头"):
        parse_sheets([sheet(["楚雄市网站栏目"], ["首页", "市政府办公室"])])


def test_rows_with_only_a_number_or_a_signature_are_skipped():
    parsed = parse_sheets(
        [
            sheet(
                ["序号", "栏目名称", "责任单位"],
                [1, "通知公告", "市政府办公室"],
                [2, "", ""],
                ["填表人：李四", "", ""],
            )
        ]
    )
    assert [r.name for r in parsed.rows] == ["通知公告"]


# --- units ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("市政府办公室、市属各部门", [("市政府办公室", None), ("市属各部门", None)]),
        ("各乡镇人民政府，市财政局", [("各乡镇人民政府", None), ("市财政局", None)]),
        (
            "市政府办公室及各乡镇、市属各部门",
            [("市政府办公室", None), ("各乡镇", None), ("市属各部门", None)],
        ),
        ("市委宣传部、市文体广电旅游局", [("市委宣传部", None), ("市文体广电旅游局", None)]),
        ("市发展改革局及市属相关单位", [("市发展改革局", None), ("市属相关单位", None)]),
        ("市财政局（牵头）、市审计局", [("市财政局", True), ("市审计局", None)]),
        ("市住房城乡建设局(牵头) 市城管局(配合)", [("市住房城乡建设局", True), ("市城管局", False)]),
        ("县委编办(牵头);各乡镇", [("县委编办", True), ("各乡镇", None)]),
        ("市人力资源和社会保障局", [("市人力资源和社会保障局", None)]),
        ("市财政局等", [("市财政局", None)]),
        ("市政府办公室\n市财政局", [("市政府办公室", None), ("市财政局", None)]),
        ("市财政局 市审计局", [("市财政局", None), ("市审计局", None)]),
        ("市 财 政 局", [("市财政局", None)]),
        ("", []),
    ],
)
def test_it_splits_a_cell_into_units(text, expected):
    assert split_units(text) == expected


@pytest.mark.parametrize(
    "name",
    [
        "市属各部门",
        "各乡镇",
        "各乡镇人民政府",
        "15个乡镇",
        "市属相关部门",
        "各县市",
        "市政府组成部门",
        "市属相关单位",
    ],
)
def test_group_words_are_groups(name):
    assert is_group_word(name)


@pytest.mark.parametrize(
    "name", ["市政府办公室", "市财政局", "开发区招商局", "市委宣传部", "县融媒体中心", "市志办"]
)
def test_unit_names_are_not_groups(name):
    assert not is_group_word(name)


def test_the_first_unit_leads_unless_one_is_marked():
    rows = by_key(parse_list(COUNTY_CSV))
    assert units(rows["column:首页/乡镇动态"]) == [("各乡镇人民政府", True), ("县政府办", False)]
    assert units(rows["column:首页/通知公告"]) == [("县政府办", True), ("县属相关部门", False)]
    groups = {u.name: u.group for u in rows["column:首页/乡镇动态"].units or ()}
    assert groups == {"各乡镇人民政府": True, "县政府办": False}


def test_lead_and_helper_columns_give_lead_and_helper_units():
    rows = by_key(parse_list(FIVE_LEVELS))
    row = rows["column:政务公开/法定主动公开内容/政策文件/行政规范性文件/现行有效"]
    assert units(row) == [("市司法局", True), ("各县市", False), ("市政府办公室", False)]
    # The merged 牵头单位 cell covers the next row too.
    assert units(rows["column:政务公开/法定主动公开内容/政策文件/行政规范性文件/已废止"]) == [
        ("市司法局", True)
    ]


def test_a_marked_unit_leads_even_when_written_second():
    parsed = parse_sheets([sheet(["栏目名称", "责任单位"], ["通知公告", "市审计局、市财政局（牵头）"])])
    assert units(parsed.rows[0]) == [("市财政局", True), ("市审计局", False)]


# --- dates, accounts, encodings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 18), date(2026, 11, 18)),
        (datetime(2026, 11, 18, 9, 30), datetime(2026, 11, 18, 9, 30)),
        (date(2026, 11, 18), date(2026, 11, 18)),
        ("2026-11-18", date(2026, 11, 18)),
        ("2026/11/18", date(2026, 11, 18)),
        ("2026年11月18日", date(2026, 11, 18)),
        ("2026.11.18", date(2026, 11, 18)),
        ("２０２６-11-18", date(2026, 11, 18)),
        ("2026-11-20 16:05", datetime(2026, 11, 20, 16, 5)),
        ("20261118", date(2026, 11, 18)),
        (46344, date(2026, 11, 18)),
        ("待核实", None),
        ("2026-13-01", None),
    ],
)
def test_it_reads_last_update_dates_as_offices_write_them(value, expected):
    assert parse_day(value) == expected


def test_last_update_cells_of_every_spelling_are_read():
    rows = by_key(parse_list(FIVE_LEVELS))
    got = {k.rsplit("/", 1)[-1]: r.last_update for k, r in rows.items() if r.last_update is not None}
    assert got == {
        "机构职能": datetime(2026, 11, 18, 9, 30),
        "现行有效": date(2026, 11, 18),
        "已废止": date(2026, 11, 18),
        "财政信息": date(2026, 11, 2),
        "图片新闻": datetime(2026, 11, 20, 16, 5),
        "account:微信公众号:某某发布": date(2026, 11, 20),
    }
    parsed = parse_list(FIVE_LEVELS)
    assert [(n.row, n.text) for n in parsed.notices] == [(12, "最近更新“待核实”不是日期，已忽略")]


@pytest.mark.parametrize(
    ("written", "platform"),
    [("微信", "微信公众号"), ("公众号", "微信公众号"), ("新浪微博", "微博"), ("抖音号", "抖音")],
)
def test_platforms_have_one_spelling(written, platform):
    assert normalize_platform(written) == platform


def test_accounts_are_read_with_platform_handle_and_unit():
    rows = by_key(parse_list(FIVE_LEVELS))
    wechat = rows["account:微信公众号:某某发布"]
    assert (wechat.handle, wechat.rule_text, units(wechat)) == (
        "mmfb",
        "每周不少于1条",
        [("市融媒体中心", True)],
    )
    assert rows["account:微博:某某发布"].rule_text == ""


def test_a_sheet_per_platform_names_the_platform():
    parsed = parse_sheets(
        [
            sheet(["账号名称", "运维单位"], ["楚雄发布", "市委宣传部"], name="政务微博"),
            sheet(["账号名称", "运维单位"], ["楚雄发布", "市委宣传部"], name="微信公众号"),
        ]
    )
    assert [r.key for r in parsed.rows] == ["account:微博:楚雄发布", "account:微信公众号:楚雄发布"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_is_read_in_every_encoding_offices_save(tmp_path, encoding):
    text = COUNTY_CSV.read_bytes().decode("gbk")
    path = tmp_path / f"list-{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    parsed = parse_list(path)
    assert parsed.title == "牟定县人民政府门户网站栏目内容保障责任清单"
    assert len(parsed.rows) == 14
    assert parsed.rows[0].key == "column:首页/牟定要闻"


def test_tab_separated_text_is_read(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("栏目名称\t更新频率\t责任部门\n通知公告\t每月一次\t县政府办\n", encoding="utf-8")
    assert [(r.name, r.rule_text) for r in parse_list(path).rows] == [("通知公告", "每月一次")]


def test_an_unreadable_file_is_fatal_with_a_way_out(tmp_path):
    with pytest.raises(ImportProblem, match="找不到文件"):
        parse_list(tmp_path / "missing.xlsx")
    old = tmp_path / "list.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(ImportProblem, match="另存为"):
        parse_list(old)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportProblem, match="无法打开"):
        parse_list(broken)


def test_an_account_sheet_without_account_names_is_fatal(tmp_path):
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["平台", "微信号", "运维单位"])
    ws.append(["微信", "cxfb", "市委宣传部"])
    path = tmp_path / "accounts.xlsx"
    wb.save(path)
    with pytest.raises(ImportProblem, match="账号名称"):
        parse_list(path)
