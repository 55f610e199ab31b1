from __future__ import annotations

import pytest

from domain.inspection import assess_site, classify
from domain.model import Category, InspectionRisk, ItemKind, State, Status


@pytest.mark.parametrize(
    ("path", "category"),
    [
        (["首页", "部门动态"], Category.HOME),
        (["首页", "通知公告"], Category.HOME),
        (["首页"], Category.HOME),
        (["首页", "", "乡镇动态"], Category.HOME),
        (["新闻中心", "楚雄要闻"], Category.NEWS),
        (["政务公开", "工作动态"], Category.NEWS),
        (["政务公开", "通知公告"], Category.NOTICE),
        (["政务公开", "政策解读"], Category.NOTICE),
        (["政务公开", "市政府文件"], Category.NOTICE),
        (["政务公开", "人事信息"], Category.PERSONNEL),
        (["政务公开", "市政府信息公开目录", "发展规划"], Category.PERSONNEL),
        (["政务公开", "年度工作计划"], Category.PERSONNEL),
        (["互动交流", "市长信箱"], Category.INTERACTIVE),
        (["互动交流", "网上留言"], Category.INTERACTIVE),
        (["互动交流", "政策咨询"], Category.INTERACTIVE),
        (["互动交流", "意见征集"], Category.SURVEY),
        (["互动交流", "网上调查"], Category.SURVEY),
        (["互动交流", "在线访谈"], Category.INTERVIEW),
        (["政务公开", "重点领域信息公开", "财政预决算"], Category.OTHER),
        (["走进楚雄", "楚雄概况", "历史沿革"], Category.OTHER),
        ([], Category.OTHER),
    ],
)
def test_it_classifies_columns_by_path(path: list[str], category: Category) -> None:
    assert classify(path, ItemKind.COLUMN) is category


def test_it_classifies_every_account_as_an_account() -> None:
    assert classify(["首页"], ItemKind.ACCOUNT) is Category.ACCOUNT


def stale(line: str = "x", crossed: bool = True, state: State = State.OVERDUE) -> Status:
    return Status(state, risk=InspectionRisk(line, False, 20, 14, crossed, ""))


FRESH = Status(State.FRESH)


def test_it_passes_a_tidy_site() -> None:
    result = assess_site([(Category.HOME, FRESH, False), (Category.NEWS, FRESH, False)])
    assert not result.failed and result.points == 0 and result.crossed == () and result.approaching == ()


def test_it_fails_a_site_with_a_stale_home_page_column() -> None:
    result = assess_site([(Category.HOME, stale(), False)])
    assert result.failed and [v.line for v in result.crossed] == ["home_stale"]


def test_it_warns_when_a_home_page_column_approaches_the_veto() -> None:
    result = assess_site([(Category.HOME, stale(crossed=False, state=State.DUE_TODAY), False)])
    assert not result.failed and [v.line for v in result.approaching] == ["home_stale"]


@pytest.mark.parametrize(
    ("count", "crossed", "approaching"),
    [(2, False, False), (3, False, True), (4, False, True), (5, True, False)],
)
def test_it_vetoes_five_stale_news_or_notice_columns(count: int, crossed: bool, approaching: bool) -> None:
    items = [(Category.NEWS if i % 2 else Category.NOTICE, stale(), False) for i in range(count)]
    line = {v.line: v for v in assess_site(items).vetoes}["news_notice_stale"]
    assert (line.count, line.crossed, line.approaching) == (count, crossed, approaching)


@pytest.mark.parametrize(
    ("empty", "crossed", "approaching"), [(2, False, False), (3, False, True), (5, True, False)]
)
def test_it_warns_above_two_empty_columns_and_vetoes_at_five(
    empty: int, crossed: bool, approaching: bool
) -> None:
    items = [(Category.OTHER, FRESH, i < empty) for i in range(8)]
    line = {v.line: v for v in assess_site(items).vetoes}["empty_columns"]
    assert (line.crossed, line.approaching) == (crossed, approaching)
    assert assess_site(items).failed is crossed


def test_it_vetoes_ten_overdue_columns_of_any_kind() -> None:
    items = [(Category.OTHER, Status(State.OVERDUE), False) for _ in range(10)]
    assert [v.line for v in assess_site(items).crossed] == ["stale_columns"]


def test_it_ignores_accounts_and_items_without_a_content_duty() -> None:
    items = [(Category.ACCOUNT, stale(), False)] * 12 + [
        (Category.OTHER, Status(State.NOT_APPLICABLE), True)
    ] * 6
    result = assess_site(items)
    assert not result.failed and result.points == 0


def test_it_adds_up_deductions_and_fails_above_forty() -> None:
    items = [(Category.PERSONNEL, stale(), False)] * 7 + [
        (Category.NEWS, stale(), False),
        (Category.SURVEY, Status(State.OVERDUE), False),
        (Category.INTERVIEW, Status(State.FRESH), False),
    ]
    result = assess_site(items)
    assert {d.line: d.points for d in result.deductions} == {
        "personnel_stale": 35,
        "news_stale": 3,
        "survey_short": 3,
    }
    assert result.points == 41 and result.failed
    assert result.crossed == ()  # failed on points alone (9 stale columns, under the 10-column veto)
