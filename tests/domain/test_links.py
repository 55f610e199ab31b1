"""The broken-link rules: which links of a page are the site's to keep working, which are due today, what
an answer means, and how the dead ones group per unit and column."""

from __future__ import annotations

from datetime import date

import pytest

from domain.links import (
    MAX_LINKS_PER_PAGE,
    DeadLink,
    FoundLink,
    LinkState,
    by_unit,
    due_today,
    is_link_list,
    state_of,
    to_check,
    unit_notice,
)
from domain.rules import parse_rule

PAGE = "http://www.example.gov.cn/col/bmdt/index.html"
TODAY = date(2026, 10, 8)


def test_a_page_keeps_its_own_sites_links_the_declared_ones_and_each_address_once() -> None:
    found = [
        FoundLink("http://www.example.gov.cn/col/bmdt/1.html", ""),
        FoundLink("http://example.gov.cn/col/bmdt/1.html#top", "第一条"),  # www. or not: the same site
        FoundLink("http://www.example.gov.cn/col/bmdt/1.html", "又一次"),
        FoundLink(PAGE + "#main", "本页"),
        FoundLink("https://www.gov.cn/zhengce/", "国务院政策文件库"),
        FoundLink("http://other.example.com/", "别的网站"),
        FoundLink("javascript:void(0)", "打印"),
        FoundLink("mailto:office@example.gov.cn", "写信"),
        FoundLink("ftp://example.gov.cn/file", "文件"),
    ]
    kept = to_check(PAGE, found, declared=frozenset({"https://www.gov.cn/zhengce/"}))
    assert kept == [
        FoundLink("http://www.example.gov.cn/col/bmdt/1.html", "又一次"),  # its first words, when it had none
        FoundLink("http://example.gov.cn/col/bmdt/1.html", "第一条"),
        FoundLink("https://www.gov.cn/zhengce/", "国务院政策文件库"),
    ]
    everything = to_check(PAGE, found, whole_page=True)
    assert FoundLink("http://other.example.com/", "别的网站") in everything


def test_a_huge_page_is_cut_at_the_limit() -> None:
    found = [FoundLink(f"http://www.example.gov.cn/a/{n}.html", f"第{n}条") for n in range(1000)]
    assert len(to_check(PAGE, found)) == MAX_LINKS_PER_PAGE


@pytest.mark.parametrize(
    ("name", "rule", "whole"),
    [
        ("友情链接", "每日检查是否运行正常", True),
        ("相关网站链接", "", True),
        ("部门动态", "2周内更新", False),
        ("省政府信息公开平台链接", "外链", False),  # an external column: its page is the other site's
    ],
)
def test_a_list_of_links_has_every_link_checked(name: str, rule: str, whole: bool) -> None:
    assert is_link_list(name, parse_rule(rule) if rule else None) is whole


def test_each_address_is_checked_at_most_once_a_day() -> None:
    seen = ["http://a/1", "http://a/2", "http://a/3", "http://a/1"]
    checked = {"http://a/1": TODAY, "http://a/2": date(2026, 10, 7)}
    assert due_today(seen, checked, TODAY) == ["http://a/2", "http://a/3"]
    assert due_today(seen, {u: TODAY for u in seen}, TODAY) == []


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (200, LinkState.OK),
        (304, LinkState.OK),
        (403, LinkState.DEAD),
        (404, LinkState.DEAD),
        (410, LinkState.DEAD),
        (500, LinkState.DEAD),
        (503, LinkState.DEAD),
        (None, LinkState.DEAD),  # no name, refused, no answer after the retry
        (429, LinkState.UNKNOWN),  # asked to slow down: says nothing about the link
    ],
)
def test_what_an_answer_means(status: int | None, state: LinkState) -> None:
    assert state_of(status) == state


def _dead(item_id: int | None, page: str, url: str, text: str = "链接") -> DeadLink:
    return DeadLink(item_id, page, f"http://x/{item_id}/", url, text, "HTTP 404", date(2026, 10, 6))


def test_dead_links_go_to_each_unit_of_their_column_and_the_home_pages_to_nobody() -> None:
    dead = [
        _dead(1, "首页 / 部门动态", "http://x/b"),
        _dead(1, "首页 / 部门动态", "http://x/a"),
        _dead(2, "首页 / 乡镇动态", "http://x/c"),
        _dead(None, "首页", "http://x/d"),
    ]
    grouped = by_unit(dead, {1: (10, 11), 2: (11,)})
    assert set(grouped) == {10, 11}
    assert [c.page for c in grouped[11]] == ["首页 / 乡镇动态", "首页 / 部门动态"]
    assert [d.url for d in grouped[10][0].links] == ["http://x/a", "http://x/b"]
    text = unit_notice("示例市财政局", grouped[10], TODAY)
    assert text.splitlines()[:3] == [
        "【失效链接提醒】示例市财政局",
        "10月8日检查发现，本单位负责的栏目页面上有2个链接打不开：",
        "「首页 / 部门动态」 http://x/1/",
    ]
    assert "· 「链接」 http://x/a（HTTP 404，10月6日起）" in text


def test_a_long_list_is_cut_and_counted() -> None:
    dead = [_dead(1, "首页 / 部门动态", f"http://x/{n:03}") for n in range(30)]
    text = unit_notice("示例市财政局", by_unit(dead, {1: (10,)})[10], TODAY)
    assert text.count("\n· ") == 20 and "……另有10个未列出" in text


def test_a_robot_groups_message_keeps_within_its_platforms_size() -> None:
    dead = [
        _dead(1, "首页 / 部门动态", f"http://x/{n:03}", text="关于做好某项重点工作的通知" * 3)
        for n in range(30)
    ]
    text = unit_notice("示例市财政局", by_unit(dead, {1: (10,)})[10], TODAY, max_text=850, hears=False)
    assert len(text) <= 850
    listed = text.count("\n· ")
    assert 0 < listed < 20 and f"……另有{30 - listed}个未列出，请联系网站管理员查看全部失效链接。" in text
    assert text.endswith("修复后次日复查通过即不再提醒。")
