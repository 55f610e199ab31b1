"""/check ITEM: the bot reads the column's page on request, keeps the reading and explains it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from jobs.links import LinksConfig, check_links
from storage.db import session_scope
from storage.models import AuditRecord, Item, PageRead, Person, Site, UpdateLog
from tests.bot.conftest import ADMIN, NOW, STRANGER, WEBMASTER
from tests.conftest import SHANGHAI
from tests.support.local_site import NOT_FOUND, Answer, LocalSite
from webread.fetch import Reader
from webread.linkcheck import LinkChecker

PAGE = """<html><head><meta charset="utf-8"></head><body><ul>
<li><a href="/1.html">市政府召开常务会议</a><span>2026-11-20</span></li>
<li><a href="/2.html">关于开展安全检查的通知</a><span>2026-11-12</span></li>
<li><a href="/3.html">全市经济运行情况通报</a><span>2026-11-03</span></li>
</ul></body></html>""".encode()


PAGES = {"/bmdt/": PAGE, "/1.html": "<p>市政府召开常务会议</p>".encode()}  # 2 and 3 are gone


@pytest.fixture
def site() -> Iterator[str]:
    with LocalSite(lambda method, path: Answer(200, PAGES[path]) if path in PAGES else NOT_FOUND) as local:
        yield local.base


def _set_url(harness, key: str, url: str | None) -> int:
    item_id = harness.world.items[key]
    with session_scope(harness.engine) as s:
        item = s.get(Item, item_id)
        item.url = url
        s.add(item)
    return item_id


async def test_check_reads_the_page_now_logs_the_newer_date_and_explains(harness, site):
    item_id = _set_url(harness, "首页 / 部门动态", f"{site}/bmdt/")
    request = await harness.send("/check 首页/部门动态", user=WEBMASTER)
    text = request.last_text()
    assert "已读取「首页 / 部门动态」：正常" in text
    assert "11月20日" in text
    assert "已据此登记为网站更新" in text
    with session_scope(harness.engine) as s:
        assert [r.status for r in s.exec(select(PageRead).where(PageRead.item_id == item_id))] == ["ok"]
        sources = [u.source for u in s.exec(select(UpdateLog).where(UpdateLog.item_id == item_id))]
        assert sources == ["import", "website"]  # the seed imported a last-update date
        assert s.get(Item, item_id).state == "fresh"


async def test_check_of_a_broken_page_says_why_and_logs_nothing(harness, site):
    item_id = _set_url(harness, "政务公开 / 通知公告", f"{site}/gone/")
    text = (await harness.send("/check 通知公告", user=ADMIN)).last_text()
    assert "无法访问" in text and "404" in text
    with session_scope(harness.engine) as s:
        logged = select(UpdateLog).where(UpdateLog.item_id == item_id, UpdateLog.source != "import")
        assert s.exec(logged).all() == []
        assert s.get(Item, item_id).read_status == "broken"


async def test_check_without_a_url_without_a_name_and_from_a_stranger(harness, site):
    _set_url(harness, "政务公开 / 通知公告", None)
    assert "没有登记栏目网址" in (await harness.send("/check 通知公告", user=ADMIN)).last_text()
    assert "/check 部门动态" in (await harness.send("/check", user=WEBMASTER)).last_text()
    assert "邀请" in (await harness.send("/check 通知公告", user=STRANGER)).last_text()


async def test_overdue_lists_what_the_website_reading_found(harness, site):
    _set_url(harness, "首页 / 部门动态", f"{site}/gone/")
    await harness.send("/check 首页/部门动态", user=ADMIN)  # broken
    with session_scope(harness.engine) as s:
        for key in ("政务公开 / 通知公告", "互动交流 / 意见征集", "政务公开 / 部门信息 / 部门动态"):
            item = s.get(Item, harness.world.items[key])
            item.read_status = "empty"
            s.add(item)
    text = (await harness.send("/overdue", user=ADMIN)).last_text()
    assert "网站读取发现的问题（4 项" in text
    assert "• 政务公开 / 通知公告 — 空白栏目（无内容）" in text
    assert "• 首页 / 部门动态 — 页面无法访问" in text
    assert "全站空白栏目 3 个，达到5个即单项否决" in text


async def test_check_shows_what_the_page_said_status_title_and_link(harness, site):
    _set_url(harness, "首页 / 部门动态", f"{site}/bmdt/")
    text = (await harness.send("/check 首页/部门动态", user=WEBMASTER)).last_text()
    assert "：正常（HTTP 200）" in text
    assert "「市政府召开常务会议」" in text and f"链接：{site}/1.html" in text
    _set_url(harness, "首页 / 部门动态", f"{site}/gone/")
    text = (await harness.send("/check 首页/部门动态", user=WEBMASTER)).last_text()
    assert "：无法访问（HTTP 404）" in text and "说明：HTTP 404 Not Found" in text
    assert "最近几次读取（页面当时显示的内容）" in text
    assert "正常（HTTP 200），最新 2026年11月20日（周五）「市政府召开常务会议」" in text


async def test_an_admin_marks_a_reading_wrong_and_the_page_logs_nothing_until_fixed(harness, site):
    item_id = _set_url(harness, "首页 / 部门动态", f"{site}/bmdt/")
    await harness.send("/check 首页/部门动态", user=WEBMASTER)  # logs 11月20日 from the page
    assert "只有系统管理员" in (await harness.send("/wrongread 首页/部门动态", user=WEBMASTER)).last_text()
    text = (await harness.send("/wrongread 首页/部门动态 日期是置顶文章的", user=ADMIN)).last_text()
    assert "已将「首页 / 部门动态」最近一次的网站读取标记为错误" in text
    assert "据此登记的网站更新已撤销" in text and "/readok 首页 / 部门动态" in text
    with session_scope(harness.engine) as s:
        logs = s.exec(select(UpdateLog).where(UpdateLog.item_id == item_id)).all()
        # taken back, not deleted (the seed's import log stays as it was)
        assert sorted(u.source for u in logs) == ["import", "undo", "website"]
        assert s.get(Item, item_id).state != "fresh"
    # read again: the page still shows 11月20日, but nothing is logged while the dispute stands
    text = (await harness.send("/check 首页/部门动态", user=WEBMASTER)).last_text()
    assert "已据此登记" not in text.split("\n")[3]
    assert "管理员已于" in text and "标记为错误（日期是置顶文章的）" in text
    assert "页面读取有争议，未登记" in text
    with session_scope(harness.engine) as s:
        assert len(s.exec(select(UpdateLog).where(UpdateLog.item_id == item_id)).all()) == 3
    assert "已恢复" in (await harness.send("/readok 首页/部门动态", user=ADMIN)).last_text()
    assert "无需恢复" in (await harness.send("/readok 首页/部门动态", user=ADMIN)).last_text()
    with session_scope(harness.engine) as s:
        trail = s.exec(select(AuditRecord).where(AuditRecord.item_id == item_id)).all()
        assert [r.kind for r in trail] == ["read_wrong", "read_ok"]  # the second /readok cleared nothing
        admin = s.exec(select(Person).where(Person.telegram_id == ADMIN)).one()
        assert {r.person_id for r in trail} == {admin.id}
    assert "标记网站读取错误" in (await harness.send("/history 首页/部门动态", user=ADMIN)).last_text()
    text = (await harness.send("/check 首页/部门动态", user=WEBMASTER)).last_text()
    assert "已据此登记为网站更新" in text
    with session_scope(harness.engine) as s:
        assert s.get(Item, item_id).state == "fresh"


async def test_wrongread_usage_and_no_reading_yet(harness, site):
    assert "用法：/wrongread" in (await harness.send("/wrongread", user=ADMIN)).last_text()
    _set_url(harness, "首页 / 部门动态", f"{site}/bmdt/")
    assert "还没有网站读取记录" in (await harness.send("/wrongread 首页/部门动态", user=ADMIN)).last_text()


async def test_check_shows_the_dead_links_the_daily_check_found_on_the_page(harness, site):
    _set_url(harness, "首页 / 部门动态", f"{site}/bmdt/")
    with session_scope(harness.engine) as s:
        for row in s.exec(select(Site)):
            row.home_url = f"{site}/"  # a local home page (it answers 404: it shows no links)
            s.add(row)
    # the first /check keeps the links the page shows; the daily check finds two of them dead
    text = (await harness.send("/check 首页/部门动态", user=WEBMASTER)).last_text()
    assert "打不开" not in text
    async with Reader(host_delay=0, timeout=5) as reader, LinkChecker(timeout=2, host_delay=0) as checker:
        report = await check_links(
            harness.engine, NOW, reader=reader, checker=checker, config=LinksConfig(tz=SHANGHAI), notify=False
        )
    assert (report.checked, report.dead) == (3, 2)
    text = (await harness.send("/check 首页/部门动态", user=WEBMASTER)).last_text()
    assert "页面上有2个链接打不开（每天检查一次），请修改或删除：" in text
    assert f"· 「关于开展安全检查的通知」 {site}/2.html（HTTP 404）" in text
    assert f"· 「全市经济运行情况通报」 {site}/3.html（HTTP 404）" in text
    assert f"{site}/1.html（" not in text
