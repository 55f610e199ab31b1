"""Reading responsibility lists into rows (sheetread.sheets): no database."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from sheetread.sheets import (
    MAX_ROWS,
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
    read_table_file,
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
        ("网站管理员", ("person", 0)),  # recorded as the unit's webmaster (acts.catalog)
        ("运维人员", ("person", 0)),
        ("联系电话", ("phone", 0)),
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


def test_a_list_written_by_a_program_without_dimensions_reads_as_the_same_list_from_excel(tmp_path):
    """A sheet written by openpyxl's streaming writer (as `zhiri export` writes, and other programs) has no
    `<dimension>`: it reads as the same sheet written with one, with a chart sheet beside it left out."""
    import zipfile

    from openpyxl.chart import BarChart, Reference

    rows = [["某县政府网站栏目责任清单"], ["序号", "一级栏目", "二级栏目", "更新要求", "责任单位"]]
    rows += [[n, "政务公开", f"栏目{n}", "每月一次", "县政府办公室"] for n in range(1, 6)]
    streamed, built = tmp_path / "streamed.xlsx", tmp_path / "built.xlsx"
    book = Workbook(write_only=True)
    ws = book.create_sheet("清单")
    for row in rows:
        ws.append(row)
    book.save(streamed)
    book = Workbook()
    ws = book.active
    ws.title = "清单"
    for row in rows:
        ws.append(row)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=1, min_row=3, max_row=7))
    book.create_chartsheet("图表").add_chart(chart)
    book.save(built)
    with zipfile.ZipFile(streamed) as z:
        assert b"<dimension" not in z.read("xl/worksheets/sheet1.xml")
    assert read_table_file(streamed) == read_table_file(built)
    assert [s.name for s in read_table_file(built)] == ["清单"]
    assert [r.name for r in parse_list(streamed).rows] == [f"栏目{n}" for n in range(1, 6)]


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


# --- layouts from other offices (tests/fixtures/lists/make_lists.py) -------------------------------

COUNTY_PATHS = LISTS / "county-paths.xlsx"
BAND_HEADER = LISTS / "band-header.xlsx"
SECTIONS = LISTS / "sections-notes.xlsx"
WORKBOOK = LISTS / "workbook-sheets.xlsx"
GB18030_CSV = LISTS / "county-gb18030.csv"
TREE = LISTS / "tree-levels.xlsx"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("更新周期", ("rule", 0)),
        ("维护要求", ("rule", 0)),
        ("更新时效", ("rule", 0)),
        ("保障时限", ("rule", 0)),
        ("发布频率", ("rule", 0)),
        ("更新\n频率", ("rule", 0)),
        ("信息更新要求", ("rule", 0)),
        ("责任科室", ("unit", 0)),
        ("责任股室", ("unit", 0)),
        ("责任处室", ("unit", 0)),
        ("承办单位", ("unit", 0)),
        ("维护单位", ("unit", 0)),
        ("管理单位", ("unit", 0)),
        ("内容保障单位", ("unit", 0)),
        ("责任单位及联系人", ("unit", 0)),
        ("开办主体", ("unit", 0)),
        ("牵头", ("unit_lead", 0)),
        ("配合", ("unit_helper", 0)),
        ("访问地址", ("url", 0)),
        ("栏目URL", ("url", 0)),
        ("网页地址", ("url", 0)),
        ("栏目链接", ("url", 0)),
        ("上次更新", ("last_update", 0)),
        ("最新更新日期", ("last_update", 0)),
        ("最近更新日期", ("last_update", 0)),
        ("栏目路径", ("colname", 0)),
        ("上级栏目", ("parent", 0)),
        ("栏目级别", ("depth", 0)),
        ("一级", ("level", 1)),
        ("栏目类别", ("type", 0)),
        ("微信公众号名称", ("account", 0)),
        ("责任人", ("ignore", 0)),
        ("信息员", ("ignore", 0)),
        ("粉丝数", ("ignore", 0)),
    ],
)
def test_it_recognises_the_wordings_of_other_offices(text, field):
    assert header_field(text) == field


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("市财政局（张三 13800000000）", [("市财政局", None)]),
        ("市政府办公室\n（李四，0878-1234567）", [("市政府办公室", None)]),
        ("县融媒体中心 王五 13912345678", [("县融媒体中心", None)]),
        ("县政府办（联系人：赵六，电话：3012345）", [("县政府办", None)]),
        ("县教育体育局 联系人：张三 电话：0878-3012345", [("县教育体育局", None)]),
        ("县政府办：张三", [("县政府办", None)]),
        ("县卫健局（王小明同志）", [("县卫健局", None)]),
        ("县司法局 李四、王五", [("县司法局", None)]),
        ("牵头：市发改局；配合：市统计局", [("市发改局", True), ("市统计局", False)]),
        (
            "牵头单位：县政府办、县财政局\n配合单位：各乡镇",
            [("县政府办", True), ("县财政局", True), ("各乡镇", False)],
        ),
        ("市发改局牵头，市统计局配合", [("市发改局", True), ("市统计局", False)]),
        ("县委宣传部（网信办）", [("县委宣传部（网信办）", None)]),
        ("各乡镇（街道）", [("各乡镇（街道）", None)]),
        ("市12345热线办", [("市12345热线办", None)]),
        ("县人大常委会办公室", [("县人大常委会办公室", None)]),
        ("市政协办、各乡镇", [("市政协办", None), ("各乡镇", None)]),  # 协办 here is part of the name
    ],
)
def test_people_and_phones_in_a_unit_cell_are_not_units(text, expected):
    assert split_units(text) == expected


@pytest.mark.parametrize("name", ["各县市人民政府", "州级各部门", "各乡镇（街道）", "县直有关单位"])
def test_more_group_words_are_groups(name):
    assert is_group_word(name)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026.11.3", date(2026, 11, 3)),
        ("2026/11/03", date(2026, 11, 3)),
        ("46329", date(2026, 11, 3)),  # a serial day number that came through a CSV
        (46329.4375, datetime(2026, 11, 3, 10, 30)),
        ("2026.11", None),
    ],
)
def test_it_reads_more_date_spellings(value, expected):
    assert parse_day(value) == expected


def test_a_path_in_one_cell_is_split_into_levels():
    parsed = parse_list(COUNTY_PATHS)
    assert parsed.title == "南华县人民政府门户网站栏目内容保障责任清单"
    assert [r.levels for r in parsed.rows][:9] == [
        ("首页", "南华要闻"),
        ("首页", "部门动态"),
        ("首页", "乡镇动态"),
        ("政务公开", "政策文件"),
        ("政务公开", "政策文件", "政策解读"),
        ("政务公开", "财政预决算"),
        ("政务公开", "规划计划"),
        ("互动交流", "县长信箱"),
        ("互动交流", "征集调查"),
    ]
    info = parsed.sheets[0]
    assert info.columns["更新\n时效"] == "更新要求" and info.columns["承 办 单 位"] == "责任单位"
    assert info.unused == ["栏目类别"]


def test_unit_cells_with_people_labels_and_line_breaks():
    rows = by_key(parse_list(COUNTY_PATHS))
    assert units(rows["column:首页/南华要闻"]) == [("县融媒体中心", True)]
    assert units(rows["column:首页/部门动态"]) == [("县政府办", True), ("县属各部门", False)]
    assert units(rows["column:政务公开/政策文件"]) == [("县政府办", True), ("县司法局", False)]
    assert units(rows["column:政务公开/财政预决算"]) == [("县财政局", True)]
    assert units(rows["column:政务公开/规划计划"]) == [("县发展和改革局", True), ("县统计局", False)]
    assert units(rows["column:互动交流/县长信箱"]) == [("县政府办公室（信息中心）", True)]
    assert units(rows["column:专题专栏"]) == [("县政府办", True)]
    names = {u.name for r in rows.values() for u in r.units or ()}
    assert not any(ch.isdigit() or "张三" in n or "联系人" in n for n in names for ch in n)
    notices = [n for n in parse_list(COUNTY_PATHS).notices if n.row is None]
    assert (
        len(notices) == 1 and "第3、4、8、10、13行" in notices[0].text and "联系人或电话" in notices[0].text
    )


def test_serial_number_and_text_dates_in_one_list():
    rows = by_key(parse_list(COUNTY_PATHS))
    assert rows["column:首页/部门动态"].last_update == date(2026, 11, 18)
    assert rows["column:首页/乡镇动态"].last_update == date(2026, 11, 3)
    assert rows["column:政务公开/财政预决算"].last_update == datetime(2026, 11, 3, 10, 30)


def test_a_band_over_bare_sub_headers_and_headers_written_only_above():
    parsed = parse_list(BAND_HEADER)
    info = parsed.sheets[0]
    assert info.header_row == 4
    assert (info.columns["一级"], info.columns["更新要求"], info.columns["备注"]) == (
        "栏目层级",
        "更新要求",
        "备注",
    )
    assert (info.columns["牵头"], info.columns["配合"]) == ("牵头单位", "配合单位")
    rows = by_key(parsed)
    assert len(rows) == 9 and not any("一级" in k for k in rows)  # the sub-header row is not a column
    assert rows["column:首页/州内要闻"].rule_text == "2周内更新"
    assert units(rows["column:首页/县市动态"]) == [("各县市人民政府", True), ("州融媒体中心", False)]
    assert rows["column:互动交流"].note == "州长信箱"
    groups = {u.name for r in rows.values() for u in r.units or () if u.group}
    assert groups == {"各县市人民政府", "州级各部门"}
    assert parsed.notices == []


def test_section_rows_give_the_parent_and_totals_and_notes_are_not_columns():
    parsed = parse_list(SECTIONS)
    assert [r.levels for r in parsed.rows] == [
        ("首页", "今日某某"),
        ("首页", "部门动态"),
        ("政务公开", "政策文件"),
        ("政务公开", "人事信息"),
        ("政务公开", "财政预决算"),
        ("政务公开", "重大建设项目"),  # "（4）" is numbering, not part of the name
        ("互动交流", "领导信箱"),
        ("互动交流", "在线访谈"),
    ]
    said = {n.row: n.text for n in parsed.notices}
    assert set(said) == {5, 9, 14, 15, 18, 19}
    assert "分组行" in said[9] and "合计行" in said[14] and "合计行" in said[19] and "说明文字" in said[18]
    assert parsed.title == "某某县人民政府网站栏目管理责任清单"


def test_a_section_row_fills_an_empty_first_level():
    parsed = parse_sheets(
        [
            sheet(
                ["序号", "一级栏目", "二级栏目", "更新要求"],
                ["一、首页", "", "", ""],
                [1, "", "要闻", "2周内更新"],
                [2, "政务公开", "政策文件", "印发后5个工作日内"],
            )
        ]
    )
    assert [r.levels for r in parsed.rows] == [("首页", "要闻"), ("政务公开", "政策文件")]


def test_a_workbook_of_several_sheets_says_what_it_did_not_read():
    parsed = parse_list(WORKBOOK)
    assert [(s.name, s.kind) for s in parsed.sheets] == [("网站栏目", "column"), ("政务新媒体", "account")]
    assert {n.sheet: n.text for n in parsed.skipped}.keys() == {"说明", "统计", "旧版清单"}
    assert "隐藏" in next(n.text for n in parsed.skipped if n.sheet == "旧版清单")
    rows = by_key(parsed)
    assert "column:政务公开/应急管理" in rows  # blank 上级栏目 inherited
    assert units(rows["column:政务公开/建议提案办理"]) == [
        ("县政府办公室", True),
        ("县人大常委会办公室", False),
        ("县政协办公室", False),
    ]
    assert units(rows["column:首页/通知公告"]) == [("县政府办公室", True)]
    wechat = rows["account:微信公众号:某某县发布"]
    assert (wechat.handle, wechat.last_update, units(wechat)) == (
        "mmxfb",
        date(2026, 11, 18),
        [("县委宣传部", True)],
    )
    assert rows["account:微博:某某县发布"].last_update == datetime(2026, 11, 15, 15, 0)
    assert units(rows["account:微信视频号:某某县应急"]) == [("县应急管理局", True)]
    assert "account::某某县教育" in rows
    assert any(n.row == 7 and "没有写明平台" in n.text for n in parsed.notices)
    assert parsed.sheets[1].unused == []  # read as each account's person and phone
    wechat_row = next(r for r in parsed.rows if r.key == "account:微信公众号:某某县发布")
    assert (wechat_row.person, wechat_row.phone) == ("张三", "13800000000")


def test_a_gb18030_csv_under_two_title_lines():
    with pytest.raises(UnicodeEncodeError):
        "䶮".encode("gbk")  # the file really needs GB18030
    parsed = parse_list(GB18030_CSV)
    assert parsed.title == "某某县人民政府网站栏目保障责任表"
    assert parsed.sheets[0].header_row == 3
    rows = by_key(parsed)
    assert list(rows) == [
        "column:首页/要闻动态",
        "column:首页/图片新闻",
        "column:首页/乡镇动态",
        "column:政务公开/法定主动公开内容/政府文件",
        "column:政务公开/法定主动公开内容/部门文件",
        "column:互动交流/咨询投诉",
    ]
    assert [r.last_update for r in parsed.rows] == [
        date(2026, 11, 3),
        date(2026, 11, 3),
        None,
        date(2026, 11, 3),
        None,
        date(2026, 11, 2),
    ]
    assert units(rows["column:首页/乡镇动态"]) == [("各乡镇（街道）", True), ("䶮山镇人民政府", False)]
    assert rows["column:首页/要闻动态"].url == "http://www.mm.example.gov.cn/xwzx/"


def test_a_level_column_places_each_name_in_the_tree():
    parsed = parse_list(TREE)
    assert [r.levels for r in parsed.rows] == [
        ("首页",),
        ("首页", "要闻动态"),
        ("首页", "通知公告"),
        ("政务公开",),
        ("政务公开", "政策"),
        ("政务公开", "政策", "政策文件"),
        ("政务公开", "政策", "政策解读"),
        ("政务公开", "财政信息"),
        ("互动交流",),
        ("互动交流", "民意征集"),
    ]
    assert [(n.row, "请检查栏目级别" in n.text) for n in parsed.notices] == [(11, True)]


def test_more_than_five_levels_in_one_cell_is_fatal_and_names_the_row():
    with pytest.raises(ImportProblem, match=r"第2行.*超过五级"):
        parse_sheets([sheet(["栏目", "更新要求"], ["一-二-三-四-五-六", "每年一次"])])


def test_a_name_with_a_dash_between_digits_or_a_url_is_not_a_path():
    parsed = parse_sheets(
        [sheet(["栏目名称", "更新要求"], ["12345-热线", "每年一次"], ["COVID-19", "每年一次"])]
    )
    assert [r.levels for r in parsed.rows] == [("12345-热线",), ("COVID-19",)]


def test_a_provinces_list_of_100000_rows_is_read_and_a_larger_one_refused(tmp_path):
    """The size limit stops hostile files, not a province's whole list (issue 16: 100,000 rows) with its title
    and header rows above it."""
    header = "某省政府网站栏目管理责任分解清单\n一级栏目,二级栏目,更新时限要求,责任单位\n"
    province = tmp_path / "province.csv"
    province.write_text(header + "首页,栏目,2周内更新,县政府办\n" * 100_000, encoding="utf-8")
    (sheet,) = read_table_file(province)
    assert len(sheet.rows) == 100_002
    too_many = tmp_path / "too-many.csv"
    too_many.write_text(header + "首页,栏目,2周内更新,县政府办\n" * MAX_ROWS, encoding="utf-8")
    with pytest.raises(ImportProblem, match=f"最多 {MAX_ROWS} 行"):
        read_table_file(too_many)
