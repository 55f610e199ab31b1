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


def _rows(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(_TITLES) for _ in range(n)]


Style = Callable[[random.Random, int], tuple[str, str, str, date | None]]  # html, charset, status, newest


def _span(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 40))
    rows = "".join(
        f'<li><a href="/n/{i}_{k}.html" title="{t}">{t}</a><span class="fbsj">{d:%Y-%m-%d}</span></li>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("部门动态", f'<ul class="list">{rows}</ul>'), "utf-8", "ok", max(ds)


def _table(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 30))
    rows = "".join(
        f'<tr><td><a href="/z/{i}_{k}.html">{t}</a></td><td>{d - timedelta(days=3):%Y-%m-%d}</td>'
        f"<td>{d:%Y-%m-%d}</td></tr>"
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    head = "<tr><th>标题</th><th>成文日期</th><th>发布日期</th></tr>"
    return _wrap("政策文件", f'<table class="xxgk">{head}{rows}</table>'), "utf-8", "ok", max(ds)


def _divs(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 30))
    rows = "".join(
        f'<div class="item"><div class="tit"><a href="/d/{i}_{k}.html">{t}</a></div>'
        f'<div class="date">{d.year}/{d.month:02d}/{d.day:02d}</div></div>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("乡镇动态", f'<div class="box">{rows}</div>'), "utf-8", "ok", max(ds)


def _em_before(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 30))
    rows = "".join(
        f'<li><em>{d:%Y.%m.%d}</em><a href="/e/{i}_{k}.htm">{t}</a></li>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("工作动态", f'<ul class="lb">{rows}</ul>'), "utf-8", "ok", max(ds)


def _yearless(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 30), span_days=200)
    ds = [d for d in ds if (TODAY - d).days < 360] or [TODAY]  # a year-less list must stay within a year
    rows = "".join(
        f'<li>·<a href="/y/{i}_{k}.htm">{t}</a>[{d:%m-%d}]</li>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("通知公告", f'<div class="listbox"><ul>{rows}</ul></div>'), "utf-8", "ok", max(ds)


def _chinese(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 30))
    rows = "".join(
        f'<li><a href="/c/{i}_{k}.shtml">{t}</a><span>{d.year}年{d.month}月{d.day}日</span></li>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("政务要闻", f'<ul class="list-ul">{rows}</ul>'), "utf-8", "ok", max(ds)


def _title_attr(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 30))
    rows = "".join(
        f'<li><a href="/show.asp?id={i}{k}" title="标题：{t}&#10;发布时间：{d:%Y-%m-%d}">{t[:14]}…</a></li>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("信息公开", f'<ul class="mid_list">{rows}</ul>'), "utf-8", "ok", max(ds)


def _hanweb(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 25))
    records = "".join(
        f'<record><![CDATA[<li><a href="/art/{d.year}/{d.month}/{d.day}/art_1_{i}{k}.html">{t}</a>'
        f"<span>{d:%Y-%m-%d}</span></li>]]></record>"
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    store = (
        f'<div id="{i}"><script type="text/xml"><datastore>'
        '<nextgroup><![CDATA[<a href="/p"></a>]]></nextgroup>'
        f"<recordset>{records}</recordset><totalrecord>{len(ds) * 7}</totalrecord></datastore></script></div>"
    )
    return _wrap("部门动态", store), "utf-8", "ok", max(ds)


def _trs(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 25))
    rows = "".join(
        f'<li><a href="./{d:%Y%m}/t{d:%Y%m%d}_{i * 100 + k}.html" title="{t}">{t}</a></li>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("通知公告", f'<div class="list-con"><ul>{rows}</ul></div>'), "utf-8", "ok", max(ds)


def _pinned(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 25), span_days=300)
    fake = min(TODAY, max(ds) + timedelta(days=rng.randint(1, 30)))
    pinned = (
        f'<li class="top"><a href="/p/{i}.html">【置顶】政府信息公开指南</a><span>{fake:%Y-%m-%d}</span></li>'
    )
    rows = "".join(
        f'<li><a href="/p/{i}_{k}.html">{t}</a><span>{d:%Y-%m-%d}</span></li>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("通知公告", f'<ul class="news">{pinned}{rows}</ul>'), "utf-8", "ok", max(ds)


def _gbk(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 30))
    rows = "".join(
        f'<tr><td><a href="/Article/Show.asp?id={i}{k}">{t}</a></td><td class="rq">{d:%Y-%m-%d}</td></tr>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return (
        _wrap("工作动态", f'<table class="listtable">{rows}</table>', charset="gb2312"),
        "gbk",
        "ok",
        max(ds),
    )


def _flat(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 20))
    rows = "".join(
        f'<a href="shownews.asp?id={i}{k}">{t}</a>&nbsp;({d:%Y-%m-%d})<br>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return (
        _wrap("馆内动态", f'<table><tr><td class="content">{rows}</td></tr></table>'),
        "utf-8",
        "ok",
        max(ds),
    )


def _wrapped(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 20))
    rows = "".join(
        f'<a class="row" href="/w/{i}{k}"><span class="tit">{t}</span>'
        f'<span class="time">{d:%Y-%m-%d}</span></a>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("新闻中心", f'<div class="rows">{rows}</div>'), "utf-8", "ok", max(ds)


def _boxes(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    ds = _dates(rng, rng.randint(5, 20))
    rows = "".join(
        f'<li><div class="news-date"><span>{d:%d}</span><em>{d:%Y-%m}</em></div>'
        f'<div class="txt"><a href="/b/{i}{k}.html">{t}</a><p>{t}，会议要求压实责任……</p></div></li>'
        for k, (t, d) in enumerate(zip(_rows(rng, len(ds)), ds, strict=True))
    )
    return _wrap("新闻中心", f'<ul class="news-ul">{rows}</ul>'), "utf-8", "ok", max(ds)


def _empty(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    phrase = rng.choice(("暂无信息", "暂无内容", "暂无数据", "没有记录"))
    return (
        _wrap("规划计划", f'<ul class="list"></ul><div class="nodata">{phrase}</div>'),
        "utf-8",
        "empty",
        None,
    )


def _soft404(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    tip = rng.choice(("抱歉！您访问的页面不存在或已被删除", "页面找不到了", "404 Not Found"))
    return (
        _wrap("楚雄市人民政府", f'<div class="error"><p class="tip">{tip}</p></div>'),
        "utf-8",
        "broken",
        None,
    )


def _dateless(rng: random.Random, i: int) -> tuple[str, str, str, date | None]:
    rows = "".join(f'<li><a href="/content.jsp?id={i}{k}">{t}</a></li>' for k, t in enumerate(_rows(rng, 12)))
    return _wrap("便民服务", f'<ul class="list">{rows}</ul>'), "utf-8", "unknown", None


_STYLES: tuple[Style, ...] = (
    *(_span, _table, _divs, _em_before, _yearless, _chinese, _title_attr, _hanweb, _trs, _pinned, _gbk),
    *(_flat, _wrapped, _boxes, _span, _table, _hanweb, _trs, _empty, _soft404, _dateless),
)


def generate(n: int = PAGES) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    for i in range(n):
        rng = random.Random(i)
        html, encoding, status, newest = _STYLES[i % len(_STYLES)](rng, i)
        charset = "gb2312" if encoding == "gbk" else "utf-8"
        pages[f"/p/{i}.html"] = Page(
            html.encode(encoding, "xmlcharrefreplace"), f"text/html; charset={charset}", status, newest
        )
    return pages


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


def _right(status: str, newest: date | None, page: Page) -> bool:
    return status == page.status and newest == page.newest


async def _read_all(base: str, pages: dict[str, Page]) -> tuple[float, int]:
    from webread import Reader

    started = time.perf_counter()
    async with Reader(per_host=16, global_limit=16, host_delay=0, timeout=15) as reader:
        readings = await reader.read_many([base + path for path in pages], today=TODAY)
    elapsed = time.perf_counter() - started
    right = sum(_right(readings[base + p].status, readings[base + p].newest, pg) for p, pg in pages.items())
    return elapsed, right


def _extract_only(pages: dict[str, Page]) -> tuple[float, int]:
    from webread.extract import extract

    started = time.perf_counter()
    right = 0
    for path, page in pages.items():
        r = extract(page.body, url=path, headers={"Content-Type": page.content_type}, today=TODAY)
        right += _right(r.status, r.newest, page)
    return time.perf_counter() - started, right


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
        elapsed, right = asyncio.run(_read_all(f"http://127.0.0.1:{port}", pages))
    finally:
        server.terminate()
        server.join(5)
    per_min = len(pages) / elapsed * 60
    print(
        f"zhiri Reader (HTTP, per-host limit raised to 16, delay 0): {per_min:,.0f} pages/min "
        f"({elapsed:.1f} s), accuracy {right}/{len(pages)} = {right / len(pages):.1%}"
    )
    x_elapsed, x_right = _extract_only(pages)
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
