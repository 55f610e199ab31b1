"""The daily broken-link check against a local site with dead links of each kind: 404, 500, a host name
that does not resolve, a server that never answers (a short time limit from the settings, the retry
included), a server that refuses HEAD. Each link is checked at most once a day, one host is never hit beyond
the checker's limits, the dead links are told to the column's unit once a day (the home page's to the
administrators), and the scheduled check waits for the day's reading. Time is passed in as `now`; the only
waits are the local server's silent answers against the checker's small time limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.cli import main
from bot.robots import robot_styles
from domain.links import LinkState
from domain.notice import MessageKind
from jobs.crawl import crawl, crawl_if_due
from jobs.links import LinksConfig, check_links, links_if_due
from storage.db import make_engine, session_scope
from storage.items import set_rule
from storage.links import dead_links
from storage.models import Chat, ChatUnit, Item, ItemUnit, LinkCheck, Outbox, PageLink, Person, Site, Unit
from tests.support.local_site import NOT_FOUND, Answer, LocalSite
from webread.fetch import Reader
from webread.linkcheck import LinkChecker

TZ = ZoneInfo("Asia/Shanghai")
ADMIN = 1000
GROUP = -100777
TIMEOUT = 0.5  # LINKS_TIMEOUT, scaled down: the silent server holds each request for 2 s
NOWHERE = "http://zhiri-no-such-host.invalid/platform/"  # .invalid never resolves (RFC 2606)

HOME = """<html><head><meta charset="utf-8"><title>示例市人民政府</title></head><body>
<a href="/">首页</a> <a href="/col/">部门动态</a> <a href="/friends/">友情链接</a>
<a href="/notice/old.html">旧通知</a> <a href="/server-error">办事服务</a>
<a href="{nowhere}">政务服务平台</a> <a href="http://not-ours.invalid/x">别人的网站</a>
<a href="javascript:void(0)">打印</a> <a href="mailto:a@b.cn">联系我们</a>
</body></html>"""
COLUMN = """<html><head><meta charset="utf-8"><title>部门动态</title></head><body>
<ul class="list">
<li><a href="/col/1.html">关于做好第一项工作的通知</a><span>2026-11-20</span></li>
<li><a href="/col/2.html">关于做好第二项工作的通知</a><span>2026-11-18</span></li>
<li><a href="/col/gone.html">已删除的文章</a><span>2026-11-02</span></li>
<li><a href="/silent">附件下载</a><span>2026-10-30</span></li>
<li><a href="/no-head">统计表</a><span>2026-10-20</span></li>
<li><a href="/server-error#top">办事服务</a><span>2026-10-10</span></li>
</ul><a href="/"><img src="/logo.png" alt="返回首页"></a></body></html>"""
FRIENDS = """<html><head><meta charset="utf-8"><title>友情链接</title></head><body>
<ul><li><a href="{nowhere}">政务服务平台</a></li><li><a href="http://also-gone.invalid/">兄弟县网站</a></li>
<li><a href="/col/1.html">本站文章</a></li></ul></body></html>"""


def _answer(method: str, path: str) -> Answer:
    if path == "/silent":
        return Answer(wait=2.0, hang_up=True)  # never answers within the checker's time limit
    if path == "/no-head" and method == "HEAD":
        return Answer(405)
    if path == "/":
        return Answer(200, HOME.format(nowhere=NOWHERE))
    if path == "/col/":
        return Answer(200, COLUMN)
    if path == "/friends/":
        return Answer(200, FRIENDS.format(nowhere=NOWHERE))
    if path == "/server-error":
        return Answer(500, "<html><body>Internal Server Error</body></html>")
    if path in ("/col/1.html", "/col/2.html", "/no-head", "/logo.png"):
        return Answer(200, "<html><body>正文</body></html>")
    return NOT_FOUND


@pytest.fixture
def local_site() -> Iterator[tuple[LocalSite, str]]:
    with LocalSite(_answer) as site:
        yield site, site.base


def _seed(engine, judge, base: str) -> dict[str, int]:
    created = datetime(2026, 10, 1, 9, 0, tzinfo=TZ)
    ids: dict[str, int] = {}
    with session_scope(engine) as s:
        site = Site(name="示例市人民政府网站", home_url=f"{base}/", created_at=created)
        s.add(site)
        s.flush()
        office = Unit(site_id=site.id, name="示例市政府办公室", created_at=created)
        finance = Unit(site_id=site.id, name="示例市财政局", created_at=created)
        s.add_all([office, finance])
        s.flush()
        chat = Chat(address=GROUP, title="财政局工作群", created_at=created)
        s.add(chat)
        s.flush()
        s.add(ChatUnit(chat_id=chat.id, unit_id=finance.id))
        s.add(Person(name="管理员", telegram_id=ADMIN, created_at=created))
        for name, url, rule, unit in (
            ("部门动态", f"{base}/col/", "2周内更新", finance),
            ("友情链接", f"{base}/friends/", "每日检查是否运行正常", office),
            ("政务服务平台", NOWHERE, "外链", office),
        ):
            item = Item(
                site_id=site.id,
                kind="column",
                key=f"column:首页/{name}",
                name=name,
                path=f"首页 / {name}",
                level1="首页",
                level2=name,
                url=url,
                created_at=created,
            )
            s.add(item)
            s.flush()
            assert item.id is not None
            s.add(ItemUnit(item_id=item.id, unit_id=unit.id, lead=True))
            set_rule(s, created, judge, item, rule)
            ids[name] = item.id
    return ids


def _checker() -> LinkChecker:
    return LinkChecker(timeout=TIMEOUT, per_host=2, host_delay=0)


def _config() -> LinksConfig:
    return LinksConfig(tz=TZ, admin_ids=(ADMIN,))


def _notices(engine) -> list[Outbox]:
    with session_scope(engine) as s:
        rows = list(
            s.exec(select(Outbox).where(Outbox.kind == MessageKind.BROKEN_LINKS).order_by(col(Outbox.id)))
        )
        for r in rows:
            s.expunge(r)
        return rows


def _states(engine) -> dict[str, tuple[str, int | None, str]]:
    with session_scope(engine) as s:
        return {c.url: (c.state, c.http_status, c.reason) for c in s.exec(select(LinkCheck))}


async def test_dead_links_of_each_kind_are_found_checked_once_a_day_and_told_to_the_unit(
    engine, judge, local_site
) -> None:
    site, base = local_site
    ids = _seed(engine, judge, base)
    now = datetime(2026, 11, 23, 6, 40, tzinfo=TZ)
    async with Reader(host_delay=0, timeout=5, clock=lambda: now) as reader:
        await crawl(engine, judge, now, reader=reader)
        site.reset()
        async with _checker() as checker:
            report = await check_links(engine, now, reader=reader, checker=checker, config=_config())

    states = _states(engine)
    dead = {
        url.removeprefix(base): (state, status, reason) for url, (state, status, reason) in states.items()
    }
    assert dead["/col/gone.html"] == (LinkState.DEAD, 404, "HTTP 404")
    assert dead["/notice/old.html"] == (LinkState.DEAD, 404, "HTTP 404")
    assert dead["/server-error"] == (LinkState.DEAD, 500, "HTTP 500")
    assert dead[NOWHERE] == (LinkState.DEAD, None, "域名解析失败")  # linked from the home page: declared 外链
    assert (
        dead["http://also-gone.invalid/"][0] == LinkState.DEAD
    )  # on the 友情链接 page: every link is checked
    assert dead["/silent"] == (LinkState.DEAD, None, f"{TIMEOUT:g}秒内没有响应")
    assert dead["/no-head"][:2] == (LinkState.OK, 200)  # HEAD refused, a small GET says it works
    assert dead["/col/1.html"][0] == dead["/col/2.html"][0] == dead["/"][0] == LinkState.OK
    # not the site's to keep: another site's link on an ordinary page, script and mail links
    assert "http://not-ours.invalid/x" not in states
    assert not any(u.startswith(("javascript", "mailto")) for u in states)
    assert report.checked == len(states) and report.dead == 6

    # the politeness: a HEAD first, a GET only where HEAD was refused, the silent page tried twice, and
    # never more than the checker's two requests at once to the host
    asked = site.asked()
    assert asked[("HEAD", "/no-head")] == 1 and asked[("GET", "/no-head")] == 1
    assert asked[("GET", "/col/gone.html")] == 1  # a 404 to HEAD is asked again with GET: still 404
    assert asked[("HEAD", "/silent")] == 2, site.hits
    assert ("GET", "/col/1.html") not in asked
    assert site.most == 2

    notices = _notices(engine)
    to_group = [n for n in notices if n.chat_id == GROUP]
    to_admin = [n for n in notices if n.chat_id == ADMIN]
    assert len(to_group) == 1 and len(to_admin) == 1
    text = to_group[0].text
    assert text.startswith(
        "【失效链接提醒】示例市财政局\n11月23日检查发现，本单位负责的栏目页面上有3个链接打不开："
    )
    assert f"「首页 / 部门动态」 {base}/col/" in text
    assert f"· 「已删除的文章」 {base}/col/gone.html（HTTP 404）" in text
    assert f"· 「办事服务」 {base}/server-error（HTTP 500）" in text
    assert f"· 「附件下载」 {base}/silent（{TIMEOUT:g}秒内没有响应）" in text
    assert f"· 「政务服务平台」 {NOWHERE}（域名解析失败）" not in text  # the 友情链接 page is the office's
    assert "首页每个扣1分" in text
    home = to_admin[0].text
    assert home.startswith("【失效链接提醒】示例市人民政府网站 首页\n")
    assert f"· 「旧通知」 {base}/notice/old.html（HTTP 404）" in home
    assert f"· 「政务服务平台」 {NOWHERE}（域名解析失败）" in home
    with session_scope(engine) as s:
        columns = {d.page for d in dead_links(s, 1)}
        assert columns == {"首页", "首页 / 部门动态", "首页 / 友情链接"}
        # the office has no group: its 友情链接 page's dead links are kept, not told
    assert report.untold_units == ["示例市政府办公室"]

    # the same day again: nothing is checked twice, nothing told twice
    site.reset()
    async with Reader(host_delay=0, timeout=5, clock=lambda: now) as reader, _checker() as checker:
        again = await check_links(
            engine, now + timedelta(hours=3), reader=reader, checker=checker, config=_config()
        )
    assert (again.checked, again.notices) == (0, 0)
    assert [k for k in site.asked() if k[1] != "/"] == []  # only the home page was read again
    assert len(_notices(engine)) == 2

    # the next day every link is checked again, and the dead ones are told again, dead since the 23rd
    tomorrow = now + timedelta(days=1)
    async with Reader(host_delay=0, timeout=5, clock=lambda: tomorrow) as reader:
        await crawl(engine, judge, tomorrow, reader=reader, item_ids=[ids["部门动态"]])
        async with _checker() as checker:
            nxt = await check_links(engine, tomorrow, reader=reader, checker=checker, config=_config())
    assert nxt.checked == len(states)
    day_two = [n for n in _notices(engine) if n.day == tomorrow.date() and n.chat_id == GROUP]
    assert len(day_two) == 1
    assert f"{base}/col/gone.html（HTTP 404，11月23日起）" in day_two[0].text


async def test_the_scheduled_check_waits_for_the_days_reading_and_runs_once_a_day(
    engine, judge, local_site
) -> None:
    _site, base = local_site
    _seed(engine, judge, base)
    morning = datetime(2026, 11, 23, 6, 0, tzinfo=TZ)
    reading_at = dtime(6, 30)
    async with Reader(host_delay=0, timeout=5) as reader, _checker() as checker:
        # before the reading time and before the reading: nothing
        assert (
            await links_if_due(
                engine, morning, reader=reader, checker=checker, config=_config(), at=reading_at
            )
            is None
        )
        later = morning + timedelta(hours=1)
        assert (
            await links_if_due(engine, later, reader=reader, checker=checker, config=_config(), at=reading_at)
            is None
        )
        await crawl_if_due(engine, later, tz=TZ, at=reading_at, reader=reader)
        first = await links_if_due(
            engine, later, reader=reader, checker=checker, config=_config(), at=reading_at
        )
        assert first is not None and first.checked > 0 and first.notices == 2
        assert (
            await links_if_due(
                engine,
                later + timedelta(minutes=1),
                reader=reader,
                checker=checker,
                config=_config(),
                at=reading_at,
            )
            is None
        )
    with session_scope(engine) as s:
        assert s.exec(select(PageLink)).first() is not None


def test_the_command_line_checks_now_and_shows_per_site_and_per_unit(
    sqlite_url, judge, local_site, monkeypatch, capsys
) -> None:
    _site, base = local_site
    for name, value in {
        "DATABASE_URL": sqlite_url,
        "LINKS_TIMEOUT": str(TIMEOUT),
        "LINKS_HOST_DELAY": "0",
        "READER_HOST_DELAY": "0",
        "ADMIN_TELEGRAM_IDS": str(ADMIN),
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["db", "upgrade"]) == 0
    _seed(make_engine(sqlite_url), judge, base)
    assert main(["crawl"]) == 0
    capsys.readouterr()
    assert main(["links", "show"]) == 0
    assert "没有发现打不开的链接" in capsys.readouterr().out  # nothing checked yet
    assert main(["links", "check"]) == 0
    out = capsys.readouterr().out
    assert "读取首页 1 个" in out and "打不开 6 个；写入提醒 2 条。" in out
    assert "以下单位没有绑定群，失效链接未能提醒：示例市政府办公室" in out
    assert main(["links", "check"]) == 0
    assert "检查链接 0 个" in capsys.readouterr().out  # today's are done
    assert main(["links", "show"]) == 0
    shown = capsys.readouterr().out.splitlines()
    # 6 dead addresses, two of them on two pages each (办事服务, the 外链)
    assert shown[0] == "示例市人民政府网站：3个页面上共有8个链接打不开："
    assert shown[1] == f"首页 {base}/"
    assert f"首页 / 部门动态（示例市财政局） {base}/col/" in shown
    assert f"  · 「已删除的文章」 {base}/col/gone.html（HTTP 404）" in shown
    assert main(["links", "show", "示例市财政局"]) == 0
    unit = capsys.readouterr().out.splitlines()
    assert unit[0] == "示例市财政局（示例市人民政府网站）负责的栏目页面上有3个链接打不开："
    assert unit[1] == f"首页 / 部门动态 {base}/col/"
    # The inspection score deducts them: 首页 each 1 point, other pages each 0.1.
    assert main(["score"]) in (0, 1)
    score = capsys.readouterr().out
    assert (
        "−3 首页链接打不开3个，每个扣1分" in score
    )  # old.html, server-error, the 外链 that does not resolve
    assert "−0.5 其他页面链接打不开5个，每个扣0.1分，2项" in score  # 部门动态's 3, 友情链接's 2


async def test_a_robot_group_of_the_unit_is_told_on_its_own_platform(engine, judge, local_site) -> None:
    _site, base = local_site
    _seed(engine, judge, base)
    with session_scope(engine) as s:
        finance = s.exec(select(Unit).where(Unit.name == "示例市财政局")).one()
        robot = Chat(
            address=0, title="财政局企业微信群", type="robot", platform="wecom", created_at=datetime.now(TZ)
        )
        s.add(robot)
        s.flush()
        robot.address = robot.id  # a robot group's address is its own id
        s.add(ChatUnit(chat_id=robot.id, unit_id=finance.id))
    now = datetime(2026, 11, 23, 6, 40, tzinfo=TZ)
    config = LinksConfig(tz=TZ, admin_ids=(ADMIN,), styles=robot_styles())
    async with Reader(host_delay=0, timeout=5, clock=lambda: now) as reader, _checker() as checker:
        await crawl(engine, judge, now, reader=reader)
        await check_links(engine, now, reader=reader, checker=checker, config=config)
        await check_links(engine, now, reader=reader, checker=checker, config=config)  # nothing twice
    rows = [n for n in _notices(engine) if n.chat_id != ADMIN]
    assert sorted(r.platform for r in rows) == ["telegram", "wecom"]
    wecom = next(r for r in rows if r.platform == "wecom")
    assert wecom.text == next(r for r in rows if r.platform == "telegram").text  # short enough for both
    assert len(wecom.text) <= robot_styles()["wecom"].max_text and wecom.key.startswith("broken_links:wecom/")
