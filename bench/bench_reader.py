"""The website reader against 2,000 generated list pages with known truth, and htmldate on the same bytes.

A local server (127.0.0.1, in a child process so it does not share our GIL) serves pages in the corpus
styles: Hanweb datastore, TRS links without visible dates, tables with 发布日期/成文日期, spans, divs, <em>
before the title, year-less [11-18], 2026年11月18日, labelled title attributes, flat <br> lists, GBK bytes,
pinned rows, calendar-style date boxes, and empty / soft-404 / dateless pages. Everything is one host,
so the bench raises the Reader's per-host limit (16 instead of the polite default 2) and sets the per-host
delay to 0. The pages are generated in the styles the extractor was written for, so the accuracy figure is
a regression check, not a measure of accuracy on unseen sites (that is what the corpus is for).

Run: `scripts/uv.sh run --frozen python -m bench reader`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection

from webread import PageReading, Reader
from webread.extract import extract

PAGES = 2_000
TODAY = date(2026, 11, 23)
TARGET_PER_MINUTE = 2_000
HTMLDATE_BUDGET_S = 60.0  # htmldate is slow on big pages; stop it after this and report on what it read

_TITLES = (
    "楚雄市召开冬季森林防火工作部署会",
    "关于做好2026年度城乡居民基本医疗保险参保缴费工作的通知",
    "市政府召开第45次常务会议",
    "关于公布第二批市级非物质文化遗产代表性项目名录的通知",
    "我市开展安全生产大检查“回头看”工作",
    "东瓜镇扎实推进人居环境整治提升行动",
    "关于征求《城市管理条例（草案）》意见的公告",
    "市人社局开展根治欠薪冬季专项行动",
    "2026年1-10月全市经济运行情况",
    "关于2027年元旦春节期间加强值班值守工作的通知",
    "紫溪镇组织开展防范电信网络诈骗宣传活动",
    "市教体局举办中小学教师教学技能大赛",
    "关于印发优化营商环境三年行动方案的通知",
    "2026年11月18日市长办公会议纪要",
    "楚雄市荣获“全国法治政府建设示范市”称号",
    "关于城区部分道路临时交通管制的通告",
)
_NAV = (
    '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
    '<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>'
)
_TOP = (
    '<div class="topbar">今天是{today:%Y年%m月%d日} 星期一 <a href="#">设为首页</a><a href="#">加入收藏</a>'
    "</div>"
)
_FOOT = (
    '<div class="footer"><p>主办：楚雄市人民政府办公室 网站标识码：5323010001</p>'
    "<p>滇ICP备05001234号-1 滇公网安备 53230102000123号</p><p>Copyright©2003-2026 版权所有</p></div>"
)


@dataclass(frozen=True, slots=True)
class Page:
    body: bytes
    content_type: str
    status: str
    newest: date | None


def _dates(rng: random.Random, n: int, *, span_days: int = 700) -> list[date]:
    newest = TODAY - timedelta(days=rng.randrange(0, span_days))
    out, day = [], newest
    for _ in range(n):
        out.append(day)
        day -= timedelta(days=rng.choice((0, 1, 1, 2, 3, 5, 8)))
    if rng.random() < 0.2:
        rng.shuffle(out)  # some lists are not sorted (editors reorder); the truth is the max anyway
    return out


# Real portal pages are mostly chrome: a mega-menu, friendly links, inline scripts and styles (30-80 KB).
_MENU = (
    '<div class="mega-menu">'
    + "".join(
        f'<dl><dt><a href="/col{k}/">栏目{k}</a></dt>'
        + "".join(f'<dd><a href="/col{k}/sub{j}/">子栏目{k}-{j}</a></dd>' for j in range(8))
        + "</dl>"
        for k in range(12)
    )
    + "</div>"
)
_LINKS = (
    '<div class="yqlj"><select onchange="window.open(this.value)"><option>—— 友情链接 ——</option>'
    + "".join(f'<option value="http://www.site{k}.gov.cn/">某某州人民政府网站{k}</option>' for k in range(40))
    + "</select></div>"
)
_SCRIPT = "<script>" + "function f%d(a){return a.replace(/x/g,'y');}\n" * 250 + "</script>"
_STYLE = "<style>" + ".c%d{margin:0 auto;padding:2px 4px;color:#333;font-size:14px}\n" * 200 + "</style>"


def _wrap(title: str, listing: str, *, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"<title>{title}</title>{_STYLE}</head><body>{_TOP.format(today=TODAY)}{_NAV}{_MENU}"
        f'<div class="main"><div class="left"><ul class="subnav"><li><a href="../a/">工作动态</a></li>'
        f'<li><a href="../b/">通知公告</a></li></ul></div><div class="right">{listing}</div></div>'
        f"{_LINKS}{_FOOT}{_SCRIPT}</body></html>"
    )


def _page(heading: str, listing: str, status: str, newest: date | None = None, *, gbk: bool = False) -> Page:
    charset = "gb2312" if gbk else "utf-8"
    body = _wrap(heading, listing, charset=charset).encode("gbk" if gbk else "utf-8", "xmlcharrefreplace")
    return Page(body, f"text/html; charset={charset}", status, newest)


Row = Callable[[int, int, str, date], str]  # (page number, row number, title, date) -> the row's markup
Style = Callable[[random.Random, int], Page]


def _rows(rng: random.Random, i: int, days: list[date], row: Row) -> str:
    titles = [rng.choice(_TITLES) for _ in days]
    return "".join(row(i, k, t, d) for k, (t, d) in enumerate(zip(titles, days, strict=True)))


def _dated(heading: str, frame: str, row: Row, *, most: int = 30, gbk: bool = False) -> Style:
    """A page of 5 to `most` dated rows written by `row`, set into `frame` at its `{}`."""

    def style(rng: random.Random, i: int) -> Page:
        days = _dates(rng, rng.randint(5, most))
        return _page(heading, frame.format(_rows(rng, i, days, row)), "ok", max(days), gbk=gbk)

    return style


_span = _dated(
    "部门动态",
    '<ul class="list">{}</ul>',
    lambda i, k, t, d: (
        f'<li><a href="/n/{i}_{k}.html" title="{t}">{t}</a><span class="fbsj">{d:%Y-%m-%d}</span></li>'
    ),
    most=40,
)
_table = _dated(
    "政策文件",
    '<table class="xxgk"><tr><th>标题</th><th>成文日期</th><th>发布日期</th></tr>{}</table>',
    lambda i, k, t, d: (
        f'<tr><td><a href="/z/{i}_{k}.html">{t}</a></td><td>{d - timedelta(days=3):%Y-%m-%d}</td>'
        f"<td>{d:%Y-%m-%d}</td></tr>"
    ),
)
_divs = _dated(
    "乡镇动态",
    '<div class="box">{}</div>',
    lambda i, k, t, d: (
        f'<div class="item"><div class="tit"><a href="/d/{i}_{k}.html">{t}</a></div>'
        f'<div class="date">{d.year}/{d.month:02d}/{d.day:02d}</div></div>'
    ),
)
_em_before = _dated(
    "工作动态",
    '<ul class="lb">{}</ul>',
    lambda i, k, t, d: f'<li><em>{d:%Y.%m.%d}</em><a href="/e/{i}_{k}.htm">{t}</a></li>',
)
_chinese = _dated(
    "政务要闻",
    '<ul class="list-ul">{}</ul>',
    lambda i, k, t, d: (
        f'<li><a href="/c/{i}_{k}.shtml">{t}</a><span>{d.year}年{d.month}月{d.day}日</span></li>'
    ),
)
_title_attr = _dated(
    "信息公开",
    '<ul class="mid_list">{}</ul>',
    lambda i, k, t, d: (
        f'<li><a href="/show.asp?id={i}{k}" title="标题：{t}&#10;发布时间：{d:%Y-%m-%d}">{t[:14]}…</a></li>'
    ),
)
_trs = _dated(
    "通知公告",
    '<div class="list-con"><ul>{}</ul></div>',
    lambda i, k, t, d: f'<li><a href="./{d:%Y%m}/t{d:%Y%m%d}_{i * 100 + k}.html" title="{t}">{t}</a></li>',
    most=25,
)
_gbk = _dated(
    "工作动态",
    '<table class="listtable">{}</table>',
    lambda i, k, t, d: (
        f'<tr><td><a href="/Article/Show.asp?id={i}{k}">{t}</a></td><td class="rq">{d:%Y-%m-%d}</td></tr>'
    ),
    gbk=True,
)
_flat = _dated(
    "馆内动态",
    '<table><tr><td class="content">{}</td></tr></table>',
    lambda i, k, t, d: f'<a href="shownews.asp?id={i}{k}">{t}</a>&nbsp;({d:%Y-%m-%d})<br>',
    most=20,
)
_wrapped = _dated(
    "新闻中心",
    '<div class="rows">{}</div>',
    lambda i, k, t, d: (
        f'<a class="row" href="/w/{i}{k}"><span class="tit">{t}</span>'
        f'<span class="time">{d:%Y-%m-%d}</span></a>'
    ),
    most=20,
)
_boxes = _dated(
    "新闻中心",
    '<ul class="news-ul">{}</ul>',
    lambda i, k, t, d: (
        f'<li><div class="news-date"><span>{d:%d}</span><em>{d:%Y-%m}</em></div>'
        f'<div class="txt"><a href="/b/{i}{k}.html">{t}</a><p>{t}，会议要求压实责任……</p></div></li>'
    ),
    most=20,
)


def _yearless(rng: random.Random, i: int) -> Page:
    days = _dates(rng, rng.randint(5, 30), span_days=200)
    days = [d for d in days if (TODAY - d).days < 360] or [TODAY]  # a year-less list must stay within a year
    if i % 2:
        # the year only in the links (TRS ./202611/t20261118_….html): anchored, so dated
        rows = _rows(
            rng,
            i,
            days,
            lambda i, k, t, d: f'<li>·<a href="./{d:%Y%m}/t{d:%Y%m%d}_{i}{k}.html">{t}</a>[{d:%m-%d}]</li>',
        )
        return _page("通知公告", f'<div class="listbox"><ul>{rows}</ul></div>', "ok", max(days))
    # no year anywhere: the page does not say when, so the only right answer is "unknown"
    rows = _rows(rng, i, days, lambda i, k, t, d: f'<li>·<a href="/y/{i}_{k}.htm">{t}</a>[{d:%m-%d}]</li>')
    return _page("通知公告", f'<div class="listbox"><ul>{rows}</ul></div>', "unknown")


def _hanweb(rng: random.Random, i: int) -> Page:
    days = _dates(rng, rng.randint(5, 25))
    records = _rows(
        rng,
        i,
        days,
        lambda i, k, t, d: (
            f'<record><![CDATA[<li><a href="/art/{d.year}/{d.month}/{d.day}/art_1_{i}{k}.html">{t}</a>'
            f"<span>{d:%Y-%m-%d}</span></li>]]></record>"
        ),
    )
    store = (
        f'<div id="{i}"><script type="text/xml"><datastore>'
        '<nextgroup><![CDATA[<a href="/p"></a>]]></nextgroup>'
        f"<recordset>{records}</recordset><totalrecord>{len(days) * 7}</totalrecord>"
        "</datastore></script></div>"
    )
    return _page("部门动态", store, "ok", max(days))


def _pinned(rng: random.Random, i: int) -> Page:
    days = _dates(rng, rng.randint(5, 25), span_days=300)
    fake = min(TODAY, max(days) + timedelta(days=rng.randint(1, 30)))
    pinned = (
        f'<li class="top"><a href="/p/{i}.html">【置顶】政府信息公开指南</a><span>{fake:%Y-%m-%d}</span></li>'
    )
    rows = _rows(
        rng, i, days, lambda i, k, t, d: f'<li><a href="/p/{i}_{k}.html">{t}</a><span>{d:%F}</span></li>'
    )
    return _page("通知公告", f'<ul class="news">{pinned}{rows}</ul>', "ok", max(days))


def _empty(rng: random.Random, i: int) -> Page:
    phrase = rng.choice(("暂无信息", "暂无内容", "暂无数据", "没有记录"))
    return _page("规划计划", f'<ul class="list"></ul><div class="nodata">{phrase}</div>', "empty")


def _soft404(rng: random.Random, i: int) -> Page:
    tip = rng.choice(("抱歉！您访问的页面不存在或已被删除", "页面找不到了", "404 Not Found"))
    return _page("楚雄市人民政府", f'<div class="error"><p class="tip">{tip}</p></div>', "broken")


def _dateless(rng: random.Random, i: int) -> Page:
    titles = [rng.choice(_TITLES) for _ in range(12)]
    rows = "".join(f'<li><a href="/content.jsp?id={i}{k}">{t}</a></li>' for k, t in enumerate(titles))
    return _page("便民服务", f'<ul class="list">{rows}</ul>', "unknown")


_STYLES: tuple[Style, ...] = (
    *(_span, _table, _divs, _em_before, _yearless, _chinese, _title_attr, _hanweb, _trs, _pinned, _gbk),
    *(_flat, _wrapped, _boxes, _span, _table, _hanweb, _trs, _empty, _soft404, _dateless),
)


def generate(n: int = PAGES) -> dict[str, Page]:
    return {f"/p/{i}.html": _STYLES[i % len(_STYLES)](random.Random(i), i) for i in range(n)}


def _serve(pages: dict[str, Page], conn: Connection) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            page = pages.get(self.path)
            body = page.body if page else b"not found"
            self.send_response(200 if page else 404)
            self.send_header("Content-Type", page.content_type if page else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    conn.send(server.server_address[1])
    server.serve_forever()


def _right(pages: dict[str, Page], readings: dict[str, PageReading]) -> int:
    """How many pages were read as what they are: the status and the newest date both right."""
    return sum(readings[p].status == pg.status and readings[p].newest == pg.newest for p, pg in pages.items())


async def _read_all(base: str, pages: dict[str, Page]) -> tuple[float, dict[str, PageReading]]:
    started = time.perf_counter()
    async with Reader(per_host=16, global_limit=16, host_delay=0, timeout=15) as reader:
        readings = await reader.read_many([base + path for path in pages], today=TODAY)
    return time.perf_counter() - started, {path: readings[base + path] for path in pages}


def _extract_only(pages: dict[str, Page]) -> tuple[float, dict[str, PageReading]]:
    started = time.perf_counter()
    readings = {
        path: extract(page.body, headers={"Content-Type": page.content_type}, today=TODAY)
        for path, page in pages.items()
    }
    return time.perf_counter() - started, readings


def _htmldate(pages: dict[str, Page]) -> tuple[float, int, int, int]:
    """htmldate.find_date on the same bytes. A page is right when htmldate gives the newest date of an ok
    page, or no date for an empty/broken/dateless page. Returns (seconds, right, read, ok-pages right)."""
    from htmldate import find_date  # dev-only dependency

    started = time.perf_counter()
    right = read = ok_right = 0
    for page in pages.values():
        if time.perf_counter() - started > HTMLDATE_BUDGET_S:
            break
        found = find_date(page.body, original_date=True, outputformat="%Y-%m-%d", max_date=TODAY.isoformat())
        day = date.fromisoformat(found) if found else None
        read += 1
        ok = day == page.newest
        right += ok
        ok_right += ok and page.status == "ok"
    return time.perf_counter() - started, right, read, ok_right


def main() -> int:
    import logging

    logging.getLogger("htmldate").setLevel(logging.ERROR)
    pages = generate()
    ok_pages = sum(1 for p in pages.values() if p.status == "ok")
    size = sum(len(p.body) for p in pages.values()) / len(pages) / 1024
    print(f"pages: {len(pages)} ({ok_pages} with a date, the rest empty/broken/undated), mean {size:.1f} KB")

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(pages, child), daemon=True)
    server.start()
    try:
        port = parent.recv()
        elapsed, readings = asyncio.run(_read_all(f"http://127.0.0.1:{port}", pages))
    finally:
        server.terminate()
        server.join(5)
    per_min = len(pages) / elapsed * 60
    right = _right(pages, readings)
    print(
        f"zhiri Reader (HTTP, per-host limit raised to 16, delay 0): {per_min:,.0f} pages/min "
        f"({elapsed:.1f} s), accuracy {right}/{len(pages)} = {right / len(pages):.1%}"
    )
    x_elapsed, x_readings = _extract_only(pages)
    x_right = _right(pages, x_readings)
    print(
        f"zhiri extract() only, same bytes:  {len(pages) / x_elapsed * 60:,.0f} pages/min, "
        f"accuracy {x_right}/{len(pages)} = {x_right / len(pages):.1%}"
    )
    h_elapsed, h_right, h_read, h_ok = _htmldate(pages)
    budget = (
        f" (stopped after {HTMLDATE_BUDGET_S:.0f} s: {h_read} of {len(pages)} pages)"
        if h_read < len(pages)
        else ""
    )
    h_ok_total = sum(1 for p in list(pages.values())[:h_read] if p.status == "ok")
    print(
        f"htmldate find_date, same bytes:    {h_read / h_elapsed * 60:,.0f} pages/min, "
        f"accuracy {h_right}/{h_read} = {h_right / h_read:.1%} (dated pages {h_ok}/{h_ok_total}){budget}"
    )
    ok = per_min >= TARGET_PER_MINUTE and right / len(pages) >= 0.95
    print(f"target ≥ {TARGET_PER_MINUTE:,} pages/min and ≥ 95% accuracy: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1
