"""Unit cells as offices write them: leads, co-leads, helpers and placeholders (groups and roles)."""

from __future__ import annotations

import pytest

from domain.units import (
    Groups,
    _abbreviates,
    compose_units,
    office_key,
    placeholder_kind,
    propose_merges,
    read_unit_cell,
)

# (cell, leads, co-leads, helpers, placeholders as (name, role, kind))
SHAPES = [
    # lead and helpers in one cell
    ("县政府办牵头，县财政局、县审计局配合", ["县政府办"], [], ["县财政局", "县审计局"], []),
    ("县融媒体中心负责发布，各部门配合供稿", ["县融媒体中心"], [], [], [("各部门", "helper", "group")]),
    ("县政府办、县财政局牵头", [], ["县政府办", "县财政局"], [], []),
    ("县委宣传部负责，县文旅局、县教体局等部门配合", ["县委宣传部"], [], ["县文旅局", "县教体局"], []),
    ("县政府办及涉及单位", ["县政府办"], [], [], [("涉及单位", "helper", "group")]),
    ("各部门按分工具体负责", [], [], [], [("各部门", "lead", "group")]),
    ("市属各部门按职责分工负责", [], [], [], [("市属各部门", "lead", "group")]),
    ("县发改局牵头县统计局配合", ["县发改局"], [], ["县统计局"], []),
    ("牵头：市发改局；配合：市统计局", ["市发改局"], [], ["市统计局"], []),
    (
        "牵头单位：县政府办、县财政局\n配合单位：各乡镇",
        [],
        ["县政府办", "县财政局"],
        [],
        [("各乡镇", "helper", "group")],
    ),
    ("市财政局（牵头）、市审计局", ["市财政局"], [], ["市审计局"], []),
    ("市住房城乡建设局(牵头) 市城管局(配合)", ["市住房城乡建设局"], [], ["市城管局"], []),
    ("由县政府办负责更新", ["县政府办"], [], [], []),
    # units run together, odd separators
    ("县税务局县科工信局", ["县税务局"], [], ["县科工信局"], []),
    ("县委宣传部县融媒体中心", ["县委宣传部"], [], ["县融媒体中心"], []),
    ("县政府办／县财政局", ["县政府办"], [], ["县财政局"], []),
    ("县政府办;县财政局", ["县政府办"], [], ["县财政局"], []),
    ("县政府办\n县财政局", ["县政府办"], [], ["县财政局"], []),
    ("县政府办|县财政局", ["县政府办"], [], ["县财政局"], []),
    ("县市场监管局", ["县市场监管局"], [], [], []),  # 市场 after 县 is a word, not a new unit
    ("市市场监督管理局", ["市市场监督管理局"], [], [], []),
    # roles instead of units
    ("具备执法权的单位", [], [], [], [("具备执法权的单位", "lead", "role")]),
    ("具有执法权的单位", [], [], [], [("具有执法权的单位", "lead", "role")]),
    ("文件起草、制发单位", [], [], [], [("文件起草、制发单位", "lead", "role")]),
    ("规划制定部门", [], [], [], [("规划制定部门", "lead", "role")]),
    ("实施单位", [], [], [], [("实施单位", "lead", "role")]),
    ("各预算单位", [], [], [], [("各预算单位", "lead", "role")]),
    ("县财政局牵头，各预算单位配合", ["县财政局"], [], [], [("各预算单位", "helper", "role")]),
    # groups (shapes from county notices found through search: 各乡镇(场)、各部门、各单位 …)
    ("市政府办公室、市属各部门", ["市政府办公室"], [], [], [("市属各部门", "helper", "group")]),
    (
        "各乡镇人民政府,各街道办事处,市政府各部门",
        [],
        [],
        [],
        [
            ("各乡镇人民政府", "lead", "group"),
            ("各街道办事处", "helper", "group"),
            ("市政府各部门", "helper", "group"),
        ],
    ),
    ("各乡镇（场）、各部门", [], [], [], [("各乡镇（场）", "lead", "group"), ("各部门", "helper", "group")]),
    ("县政府办公室（电子政务办）", ["县政府办公室（电子政务办）"], [], [], []),
    ("县府办、新桥农场", ["县府办"], [], ["新桥农场"], []),
    # short forms and names that look like verbs
    ("县文旅", ["县文旅"], [], [], []),
    ("市政协办、各乡镇", ["市政协办"], [], [], [("各乡镇", "helper", "group")]),  # 协办 is part of the name
    ("县委宣传部（网信办）", ["县委宣传部（网信办）"], [], [], []),
    ("市12345热线办", ["市12345热线办"], [], [], []),
    # people and phones beside units are not units
    ("县融媒体中心 王五 13912345678", ["县融媒体中心"], [], [], []),
    ("县政府办（联系人：赵六，电话：3012345）、县财政局", ["县政府办"], [], ["县财政局"], []),
]


@pytest.mark.parametrize(("cell", "leads", "coleads", "helpers", "placeholders"), SHAPES)
def test_it_reads_a_unit_cell(cell, leads, coleads, helpers, placeholders):
    r = read_unit_cell(cell)
    assert list(r.leads) == leads
    assert list(r.coleads) == coleads
    assert list(r.helpers) == helpers
    assert [(u.name, u.role, u.kind) for u in r.links if u.group] == placeholders
    assert r.problems == ()


@pytest.mark.parametrize("cell", ["外链", "外部链接", " 外链 "])
def test_an_external_link_names_no_unit(cell):
    r = read_unit_cell(cell)
    assert r.external and r.links == () and r.problems == ()


@pytest.mark.parametrize("cell", ["—", "无", "-", "暂无", "/", ""])
def test_a_dash_or_none_names_no_unit(cell):
    r = read_unit_cell(cell)
    assert r.links == () and r.problems == () and not r.external


@pytest.mark.parametrize(
    ("cell", "units", "problems"),
    [
        ("每周更新", [], ["每周更新"]),
        ("及时上传", [], ["及时上传"]),
        ("县政府办、按要求做好", ["县政府办"], ["按要求做好"]),
        ("见附件", [], ["见附件"]),
    ],
)
def test_a_fragment_of_a_sentence_is_never_a_unit(cell, units, problems):
    r = read_unit_cell(cell)
    assert [u.name for u in r.links] == units
    assert list(r.problems) == problems


def test_a_lead_column_and_a_helper_column_make_one_row():
    r = compose_units(["县政府办"], ["县财政局"], ["各乡镇"])
    assert r.leads == ("县政府办",)
    assert r.helpers == ("县财政局",)
    assert r.placeholders == ("各乡镇",)


def test_a_cell_with_only_helpers_still_has_someone_leading():
    r = read_unit_cell("县统计局配合")
    assert r.leads == ("县统计局",)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("市属各部门", "group"),
        ("15个乡镇", "group"),
        ("各预算单位", "role"),
        ("行业主管部门", "role"),
        ("规划部门", "role"),
        ("市财政局", None),
        ("市委宣传部", None),
        ("县人民政府办公室", None),
    ],
)
def test_placeholder_kinds(name, kind):
    assert placeholder_kind(name) == kind


# -- one office under several names --------------------------------------------------------------------


def every_pair(names, place=""):
    """propose_merges as it was: each name against every fuller one (the reference for the indexed one)."""
    units = [n for n in dict.fromkeys(names) if n and not placeholder_kind(n)]
    keys = {n: office_key(n, place) for n in units}
    out, taken = [], set()
    by_length = sorted(units, key=lambda n: (-len(n), units.index(n)))
    for short in sorted(units, key=len):
        if short in taken:
            continue
        for full in by_length:
            if full == short or full in taken or len(full) < len(short):
                continue
            same = keys[short] == keys[full]
            if same or _abbreviates(keys[short], keys[full]):
                if same and len(full) == len(short) and full > short:
                    continue
                out.append((short, full))
                taken.add(short)
                break
    return out


OFFICES = [
    "县文旅局",
    "县文化和旅游局",
    "县市场监管局",
    "县市场监督管理局",
    "某某县财政局",
    "县财政局",
    "财政局",
    "县发改局",
    "县发展和改革局",
    "县发展改革局",
    "县政府办",
    "县人民政府办公室",
    "县政府办公室",
    "县教体局",
    "县教育体育局",
    "文旅",
    "县融媒体中心",
    "县委宣传部",
    "县委宣传部（网信办）",
    "市属各部门",
    "各乡镇",
    "具备执法权的单位",
    "县卫健局",
    "县卫生健康局",
    "县卫生和健康局",
    "县科工信局",
    "县科技工业信息化局",
    "县林草局",
    "县林业和草原局",
    "县自然资源局",
    "县资源局",
    "县审计局",
    "县统计局",
    "县税务局",
    "县公安局",
]
DEPARTMENTS = ("财政局", "教育局", "民政局", "农业农村局", "卫生健康局", "自然资源局", "交通运输局", "水务局")


@pytest.mark.parametrize(
    ("names", "place"),
    [
        (OFFICES, ""),
        (OFFICES, "某某县"),
        (list(reversed(OFFICES)), "某某县"),
        # a province's units (bench/bench_files.py): 2,000 names, many holding another's characters
        ([f"第{n // 8 + 1}县{DEPARTMENTS[n % 8]}" for n in range(2_000)], "某省"),
    ],
)
def test_merges_are_proposed_as_comparing_every_pair_would(names, place):
    assert propose_merges(names, place) == every_pair(names, place)


def test_merges_proposed_from_a_countys_names():
    assert propose_merges(["县文旅局", "县文化和旅游局", "县市场监管局", "县市场监督管理局", "各乡镇"]) == [
        ("县文旅局", "县文化和旅游局"),
        ("县市场监管局", "县市场监督管理局"),
    ]


# -- unit groups: the one expansion ----------------------------------------------------------------------

# 市属各部门 (10) holds 市财政局 (1) and 市教育局 (2); 具备执法权的单位 (20) holds 市教育局 and
# 市市场监管局 (3); 各乡镇 (30) is not filled yet; 市政府办公室 (4) is in no group.
GROUPS = Groups.of([(10, 1), (10, 2), (20, 2), (20, 3), (10, 1)])


def test_a_group_expands_to_its_members_and_an_unfilled_group_stands_for_itself():
    assert GROUPS.members == {10: (1, 2), 20: (2, 3)}
    assert GROUPS.expand([10, 4]) == (1, 2, 4)
    assert GROUPS.expand([10, 20]) == (1, 2, 3)
    assert GROUPS.expand([30]) == (30,)
    assert Groups().expand([10]) == (10,)


@pytest.mark.parametrize(
    ("bound", "item_units", "covered"),
    [
        ((1,), (10,), True),  # a member answers for its group's items
        ((10,), (1,), True),  # a group's people and chats answer for each member's items
        ((1,), (2,), False),  # a member does not answer for another member's own items
        ((10,), (20,), True),  # two groups sharing a member (市教育局)
        ((1,), (20,), False),  # 市财政局 is not in 具备执法权的单位
        ((4,), (10,), False),
        ((30,), (30,), True),  # an unfilled group answers for its own items
        ((), (1,), False),
    ],
)
def test_covers_compares_both_sides_expanded(bound, item_units, covered):
    assert GROUPS.covers(bound, item_units) is covered


def test_answerable_is_covers_for_every_unit_an_item_can_be_stored_under():
    every = (1, 2, 3, 4, 10, 20, 30)
    for bound in [(1,), (2,), (10,), (20,), (4,), (30,), (1, 3), ()]:
        assert GROUPS.answerable(bound) == {u for u in every if GROUPS.covers(bound, (u,))}, bound
    assert GROUPS.answerable([1]) == {1, 10}
    assert GROUPS.answerable([10]) == {1, 2, 10, 20}
