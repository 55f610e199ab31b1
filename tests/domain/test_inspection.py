"""Every inspection line of 附件4 / the 2019 indicators: triggered, warned and clear on days around each
threshold (National Day 2026 does not stop an inspector's clock), the deductions, and what to fix first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.inspection import (
    Thresholds,
    category_from_text,
    classify,
    render_score,
    score_dict,
    score_site,
    verdict_line,
)
from domain.model import Category, ItemKind, State


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


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("首页", Category.HOME),
        ("动态要闻", Category.NEWS),
        ("通知公告", Category.NOTICE),
        ("人事规划", Category.PERSONNEL),
        ("news", Category.NEWS),
        ("随便", None),
    ],
)
def test_it_reads_the_category_an_administrator_names(word: str, category: Category | None) -> None:
    assert category_from_text(word) is category


# A site of fixed facts; `today` moves around each threshold. The National Day holiday (Oct 1–8, 2026)
# sits inside the windows: inspectors count calendar days, so it changes nothing.
CREATED = date(2026, 1, 5)
_ids = iter(range(1, 10_000))


def view(
    category: Category = Category.OTHER,
    last: date | None = None,
    *,
    kind: ItemKind = ItemKind.COLUMN,
    depth: int = 2,
    state: State = State.FRESH,
    updates: tuple[tuple[date, int], ...] = (),
    letters: tuple[date, ...] = (),
    empty: bool = False,
    broken: bool = False,
    dead_links: int = 0,
):
    from domain.inspection import InspectedItem

    n = next(_ids)
    return InspectedItem(
        id=n,
        label=f"栏目{n}",
        units=("市某局",),
        kind=kind,
        category=category,
        depth=depth,
        state=state,
        created=CREATED,
        last_update=last,
        updates=updates,
        open_letters=letters,
        empty=empty,
        broken=broken,
        dead_links=dead_links,
    )


def line(score, name):
    return {v.line: v for v in score.vetoes}[name]


def outcome(v) -> str:
    return "triggered" if v.triggered else ("warning" if v.warning else "clear")


HOME_LAST = date(2026, 9, 28)  # the Monday before National Day


@pytest.mark.parametrize(
    ("today", "expected", "days"),
    [
        (date(2026, 10, 7), "clear", 9),  # inside the holiday
        (date(2026, 10, 8), "warning", 10),  # 10 days: the monitors' warning line
        (date(2026, 10, 11), "warning", 13),  # the 调休 Sunday, a working day
        (date(2026, 10, 12), "triggered", 14),  # 2 weeks: single veto
    ],
)
def test_home_page_line_around_ten_and_fourteen_days(today: date, expected: str, days: int) -> None:
    fresher = view(Category.HOME, HOME_LAST)
    older = view(Category.HOME, HOME_LAST - timedelta(days=30))
    score = score_site([older, fresher, view(Category.NEWS, today)], today)
    home = line(score, "home_stale")
    assert (outcome(home), home.value) == (expected, days)  # the freshest home column decides
    assert score.failed is (expected == "triggered")
    if expected != "clear":
        assert set(home.items) == {fresher.id, older.id}


def test_without_home_columns_the_second_level_pages_stand_for_the_home_page() -> None:
    today = date(2026, 10, 12)
    second = view(Category.NEWS, HOME_LAST, depth=2)
    deep = view(Category.OTHER, today, depth=3)  # a fresh third-level page does not count
    assert outcome(line(score_site([second, deep], today), "home_stale")) == "triggered"
    assert line(score_site([deep], today), "home_stale").value is None  # nothing to judge: no data


@pytest.mark.parametrize(
    ("news_days", "expected"),
    [(13, "clear"), (14, "triggered")],
)
def test_news_and_notice_line_counts_five_columns(news_days: int, expected: str) -> None:
    today = date(2026, 10, 15)
    news = [view(Category.NEWS, today - timedelta(days=news_days)) for _ in range(3)]
    # Notice columns: 6 months back from Oct 15 is Apr 15; one on Apr 14 is stale, one on Apr 15 is not.
    notices = [view(Category.NOTICE, date(2026, 4, 14)) for _ in range(2)]
    fresh_notice = view(Category.NOTICE, date(2026, 4, 15))
    deep_notice = view(Category.NOTICE, date(2026, 1, 6), depth=3)  # a sub-column: deductions only
    home = view(Category.HOME, today)
    score = score_site([*news, *notices, fresh_notice, deep_notice, home], today)
    v = line(score, "news_notice_stale")
    assert outcome(v) == expected
    assert v.value == (5 if expected == "triggered" else 2)


@pytest.mark.parametrize(
    ("count", "expected"), [(2, "clear"), (3, "warning"), (4, "warning"), (5, "triggered")]
)
def test_news_and_notice_line_warns_from_three(count: int, expected: str) -> None:
    today = date(2026, 10, 15)
    items = [view(Category.NEWS, date(2026, 9, 1)) for _ in range(count)]
    assert (
        outcome(line(score_site([view(Category.HOME, today), *items], today), "news_notice_stale"))
        == expected
    )


@pytest.mark.parametrize(
    ("count", "expected"), [(6, "clear"), (7, "warning"), (9, "warning"), (10, "triggered")]
)
def test_stale_columns_line_warns_above_six_and_vetoes_at_ten(count: int, expected: str) -> None:
    today = date(2026, 10, 9)
    items = [view(state=State.OVERDUE, last=today) for _ in range(count)]
    items.append(view(state=State.NOT_APPLICABLE, last=CREATED))  # no content duty: never counted
    assert outcome(line(score_site(items, today), "stale_columns")) == expected


@pytest.mark.parametrize(
    ("count", "expected"), [(2, "clear"), (3, "warning"), (4, "warning"), (5, "triggered")]
)
def test_empty_columns_line_warns_above_two_and_vetoes_at_five(count: int, expected: str) -> None:
    today = date(2026, 10, 9)
    items = [view(last=today, empty=True) for _ in range(count)]
    score = score_site(items, today)
    assert outcome(line(score, "empty_columns")) == expected
    assert score.failed is (expected == "triggered")


@pytest.mark.parametrize(
    ("pct", "expected", "points"),
    [
        (None, "clear", None),
        (2.99, "clear", 10),
        (3.0, "warning", 15),
        (4.99, "warning", 20),
        (5.0, "triggered", 25),
    ],
)
def test_unreachable_line_and_its_deduction(pct: float | None, expected: str, points: float | None) -> None:
    today = date(2026, 10, 9)
    score = score_site([view(Category.HOME, today, updates=((today, 12),))], today, unreachable_pct=pct)
    v = line(score, "unreachable")
    assert outcome(v) == expected
    assert v.value == pct
    got = {d.reason[:4]: d.points for d in score.deductions if d.reason.startswith("首页无法")}
    assert next(iter(got.values()), None) == points


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 9, 19), "clear"),  # 1 month 29 days
        (date(2026, 9, 21), "warning"),  # past 2 months
        (date(2026, 10, 20), "warning"),  # 3 months to the day is not "more than 3 months"
        (date(2026, 10, 21), "triggered"),
    ],
)
def test_letter_unanswered_more_than_three_months(today: date, expected: str) -> None:
    mailbox = view(Category.INTERACTIVE, today, letters=(date(2026, 7, 20),))
    assert outcome(line(score_site([mailbox], today), "letters_unanswered")) == expected


def test_a_letter_older_than_the_inspected_year_is_not_counted() -> None:
    today = date(2026, 10, 21)
    mailbox = view(Category.INTERACTIVE, today, letters=(date(2025, 10, 1),))
    assert outcome(line(score_site([mailbox], today), "letters_unanswered")) == "clear"


@pytest.mark.parametrize(
    ("days", "expected"), [(9, "clear"), (10, "warning"), (13, "warning"), (14, "triggered")]
)
def test_account_silent_two_weeks(days: int, expected: str) -> None:
    today = date(2026, 10, 8)  # the last day of the holiday: a silent account is silent all the same
    account = view(Category.ACCOUNT, today - timedelta(days=days), kind=ItemKind.ACCOUNT)
    assert outcome(line(score_site([account], today), "account_silent")) == expected


def test_thresholds_are_settings() -> None:
    today = date(2026, 10, 9)
    items = [view(last=today, empty=True) for _ in range(2)]
    strict = Thresholds(empty_veto=2, empty_warn=1)
    assert outcome(line(score_site(items, today, strict), "empty_columns")) == "triggered"


def test_deductions_add_up_and_fail_above_forty() -> None:
    today = date(2026, 10, 15)
    items = [
        *(view(Category.PERSONNEL, date(2025, 10, 1)) for _ in range(7)),  # −5 each: 35
        view(Category.NEWS, date(2026, 9, 30)),  # −3
        view(Category.SURVEY, today, updates=((date(2026, 3, 1), 5),)),  # 5 < 6: −3
        view(Category.INTERVIEW, today, updates=((date(2026, 3, 1), 6),)),  # 6: fine
        view(Category.HOME, today, updates=((today, 10),)),  # 10 in 2 weeks: fine
        view(Category.OTHER, today, broken=True),  # −0.1
    ]
    score = score_site(items, today)
    assert {d.reason[:6]: d.points for d in score.deductions} == {
        "人事、规划计": 35,
        "动态要闻类栏": 3,
        "调查征集活动": 3,
        "其他页面链接": 0.1,
    }
    assert score.points == 41.1 and score.total == 58.9
    assert score.triggered == () and score.failed and score.grade == "不合格"
    assert "不合格" in verdict_line(score)


def test_dead_links_found_on_the_pages_are_deducted_each() -> None:
    """首页链接打不开每个扣1分, 其他页面每个扣0.1分: a home column whose page does not open and each dead
    link on the home page; a column page that does not open and each dead link found on a column's page."""
    today = date(2026, 10, 15)
    home = view(Category.HOME, today, updates=((today, 10),), broken=True)
    other = view(Category.OTHER, today, dead_links=3)
    both = view(Category.OTHER, today, broken=True, dead_links=1)
    score = score_site([home, other, both, view(Category.OTHER, today)], today, home_dead_links=2)
    deductions = {d.line: d for d in score.deductions}
    assert (deductions["broken_home"].points, deductions["broken_home"].reason) == (
        3,
        "首页链接打不开3个，每个扣1分",
    )
    assert deductions["broken_home"].items == (home.id,)
    assert (
        deductions["broken_other"].points == 0.5
        and "其他页面链接打不开5个" in deductions["broken_other"].reason
    )
    assert set(deductions["broken_other"].items) == {other.id, both.id}
    assert score.points == 3.5


def test_home_page_with_fewer_than_ten_updates_in_two_weeks_loses_five() -> None:
    today = date(2026, 10, 15)
    home = view(Category.HOME, today, updates=((today - timedelta(days=14), 20), (today, 9)))
    assert [d.points for d in score_site([home], today).deductions] == [5]


def test_fix_first_picks_the_fewest_items_that_clear_every_veto() -> None:
    today = date(2026, 10, 15)
    homes = [view(Category.HOME, date(2026, 9, 1)) for _ in range(3)]  # any one of them clears the line
    empty = [view(last=today, empty=True) for _ in range(6)]  # two must be filled to go under five
    quiet = [view(last=today, state=State.FRESH) for _ in range(5)]
    score = score_site([*homes, *empty, *quiet], today)
    assert {v.line for v in score.triggered} == {"home_stale", "empty_columns"}
    fix = set(score.fix_first)
    assert len(fix) == 3  # one home column and two empty ones: the vetoes are gone (a warning stays)
    assert len(fix & {h.id for h in homes}) == 1 and len(fix & {e.id for e in empty}) == 2
    after = score_site([*homes, *empty, *quiet], today)
    assert after.fix_first == score.fix_first  # the same facts give the same advice


def test_a_passing_site_lists_what_removes_its_warnings() -> None:
    today = date(2026, 10, 9)
    items = [view(Category.HOME, today), *(view(last=today, empty=True) for _ in range(3))]
    score = score_site(items, today)
    assert not score.failed and len(score.warnings) == 1 and len(score.fix_first) == 1


def test_the_json_contract() -> None:
    today = date(2026, 10, 12)
    home = view(Category.HOME, HOME_LAST)
    score = score_site([home], today)
    data = score_dict("某市人民政府网站", score, {home.id: home})
    assert list(data) == ["site", "at", "grade", "total", "vetoes", "deductions", "fix_first"]
    assert data["grade"] == "不合格" and data["at"] == "2026-10-12"
    first = data["vetoes"][0]  # type: ignore[index]
    assert list(first) == ["line", "value", "threshold", "triggered", "warning", "items"]
    assert first["items"][0]["item"] == home.label
    assert [i["id"] for i in data["fix_first"]] == [home.id]  # type: ignore[union-attr]
    text = render_score("某市人民政府网站", score, {home.id: home})
    assert "不合格" in text and "首页无法访问次数占比：无数据" in text and home.label in text


def test_what_people_read_says_the_configured_lines_not_the_default_ones():
    today = date(2026, 10, 20)
    t = Thresholds(news_stale_days=10, notice_stale_months=3, letter_veto_months=2, account_veto_days=21)
    views = [
        view(Category.NEWS, today - timedelta(days=10)),
        view(Category.NOTICE, date(2026, 7, 1), depth=3),
        view(kind=ItemKind.ACCOUNT, last=today - timedelta(days=21)),
    ]
    score = score_site(views, today, t)
    labels = {v.line: v.label for v in score.vetoes}
    assert labels["news_notice_stale"] == "动态要闻类10天、通知公告政策文件类3个月未更新的栏目"
    assert labels["letters_unanswered"] == "超过2个月未回应留言的政务咨询栏目"
    assert labels["account_silent"] == "3周无更新的政务新媒体账号"
    reasons = {d.line: d.reason for d in score.deductions}
    assert reasons["news_stale"] == "动态要闻类栏目10天内未更新，每栏扣3分"
    assert reasons["notice_stale"] == "通知公告、政策文件类栏目3个月内未更新，每栏扣4分"


def _every_item_greedy(views, today: date, t: Thresholds, limit: int = 20) -> tuple[int, ...]:
    """The greedy pick as first written: try fixing every listed item, one full assessment each (the oracle
    for the faster search, which tries one item per set of lines listing them)."""
    from domain.inspection import _assess, _fixed, _risk

    current = list(views)
    index = {v.id: k for k, v in enumerate(current)}
    score = _assess(current, today, t, None)
    passing = not score.failed
    chosen: list[int] = []
    while len(chosen) < limit:
        risk = _risk(score, t)
        if risk[0] == 0 and risk[2] == 0.0 and (not passing or risk[3] == 0):
            break
        candidates = {i for v in score.vetoes if v.triggered or (passing and v.warning) for i in v.items}
        candidates |= {i for d in score.deductions for i in d.items}
        best = None
        for item_id in sorted(candidates - set(chosen)):
            trial = list(current)
            trial[index[item_id]] = _fixed(current[index[item_id]], today)
            s = _assess(trial, today, t, None)
            if best is None or _risk(s, t) < best[0]:
                best = (_risk(s, t), item_id, s)
        if best is None or best[0] >= risk:
            break
        _, item_id, score = best
        current[index[item_id]] = _fixed(current[index[item_id]], today)
        chosen.append(item_id)
    return tuple(chosen)


@pytest.mark.parametrize("seed", range(40))
def test_fix_first_picks_what_trying_every_item_would_pick(seed: int) -> None:
    import random

    rng = random.Random(seed)
    today = date(2026, 10, 15)
    categories = list(Category)
    states = [State.FRESH, State.FRESH, State.DUE_SOON, State.OVERDUE, State.NOT_APPLICABLE]
    ages = [10, 70, 100]  # days a letter has waited

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    items = []
    for _ in range(rng.randint(5, 60)):
        kind = ItemKind.ACCOUNT if rng.random() < 0.15 else ItemKind.COLUMN
        last = today - timedelta(days=rng.choice([0, 3, 9, 12, 15, 20, 40, 100, 200, 400]))
        items.append(
            view(
                Category.ACCOUNT if kind is ItemKind.ACCOUNT else rng.choice(categories),
                None if rng.random() < 0.1 else last,
                kind=kind,
                depth=rng.choice([1, 2, 2, 3]),
                state=rng.choice(states),
                updates=tuple((ago(rng.randint(0, 30)), 1) for _ in range(rng.randint(0, 3))),
                letters=tuple(today - timedelta(days=rng.choice(ages)) for _ in range(rng.randint(0, 1))),
                empty=rng.random() < 0.1,
                broken=rng.random() < 0.05,
            )
        )
    t = Thresholds()
    assert score_site(items, today, t).fix_first == _every_item_greedy(items, today, t)
