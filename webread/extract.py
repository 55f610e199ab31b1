"""Read a column's list page and say when it was last updated. Pure: bytes in, a `PageReading` out.

The page is a government CMS list page (栏目列表页): a repeated structure of rows, each with a link (the item
title) and, usually, a date. The CMSes differ (Hanweb JCMS, TRS WCM, 大汉, 拓尔思, home-made templates), so
nothing here relies on one class name. Instead:

1. decode the bytes (UTF-8 or the GB family, whatever the page *says* it is);
2. find groups of sibling rows that each hold a link (li/tr/div/dl/a ... under one parent);
3. date each row from text *outside* the title (a date-only text node, a labelled date, a table column
   headed 发布日期, or the text just before/after the link), never from the title itself;
4. pick the group with the most dated rows, skip pinned rows (置顶), and take the newest date.

A wrong date is worse than no date: a stale column reported fresh escapes the reminder, so every doubt
ends in `unknown`, never in a guess.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urljoin

import charset_normalizer
import lxml.html
from lxml import etree

from domain.links import FoundLink
from domain.model import ReadStatus


@dataclass(frozen=True, slots=True)
class PageReading:
    """What a list page says about its column. `newest` is set only when status is "ok".

    The rest is evidence, kept with the reading so a person can see what the page said: the newest item's
    title and link (as written on the page; the reader makes it absolute), the HTTP status of the response
    (None when no response came) and when it was fetched (set by the reader, not by `extract`)."""

    status: ReadStatus
    newest: date | None
    items: int
    reason: str
    title: str = ""
    link: str = ""
    http_status: int | None = None
    fetched_at: datetime | None = None
    # Every link the page shows (set by the reader, not by `extract`): the broken-link check starts here.
    links: tuple[FoundLink, ...] = ()


# ---------------------------------------------------------------------------------------------------------
# Decoding

_GB_NAMES = frozenset(
    {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "euc-cn", "gb_2312-80", "csgb2312"}
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-.:]+)", re.I)
# <meta charset="gbk"> and <meta http-equiv="Content-Type" content="text/html; charset=gb2312">
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-.:]+)", re.I)


def _codec(name: str) -> str | None:
    """A Python codec name for a declared charset. The GB family is read as GB18030, its superset: pages
    that declare gb2312 routinely contain GBK-only characters (生僻字 in names and place names)."""
    label = name.strip().strip("\"'").lower()
    if label in _GB_NAMES:
        return "gb18030"
    if label in ("utf8", "utf-8", "unicode-1-1-utf-8"):
        return "utf-8"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _declared(body: bytes, headers: Mapping[str, str] | None) -> list[str]:
    found: list[str] = []
    if headers:
        for key, value in headers.items():
            if key.lower() == "content-type":
                m = _HEADER_CHARSET.search(value)
                if m and (codec := _codec(m.group(1))):
                    found.append(codec)
    m2 = _META_CHARSET.search(body[:16384])
    if m2 and (codec := _codec(m2.group(1).decode("ascii", "replace"))) and codec not in found:
        found.append(codec)
    return found


def decode(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """The page as text. Declarations lie often on government sites (a template says gb2312, the editor
    saved UTF-8; the server says UTF-8, the page is GBK), so declarations are tried but checked."""
    if body.isascii():
        return body.decode("ascii")
    # UTF-8 is self-validating: GBK text practically never forms valid UTF-8, while GB18030 decodes almost
    # any byte pair, so a UTF-8 page declared gb2312 would decode "fine" as GB18030 into mojibake. Hence
    # strict UTF-8 comes first whatever the page declares.
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared(body, headers)
    for codec in declared:
        if codec == "utf-8":
            continue
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    # A UTF-8 page with a few bad bytes (a truncated character, one pasted GBK fragment) is still UTF-8.
    lenient = body.decode("utf-8", errors="replace")
    non_ascii = sum(1 for b in body if b >= 0x80)
    if lenient.count("\ufffd") <= max(2, non_ascii // 100):
        return lenient
    try:
        return body.decode("gb18030")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        try:
            return body.decode(best.encoding, errors="replace")
        except LookupError:
            pass
    return body.decode(declared[0] if declared else "gb18030", errors="replace")


# ---------------------------------------------------------------------------------------------------------
# Dates in text

_FULLWIDTH = str.maketrans("０１２３４５６７８９／－．：　\xa0", "0123456789/-.:  ")
# 2026-11-18, 2026/11/18, 2026.11.18, 2026-1-8, 2026年11月18日 (optionally followed by a time)
_FULL = re.compile(
    r"(?<![\d.])((?:19|20)\d{2})\s*(?:([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)(?!\d)"
)
# 11-18, 11/18, 11.18, 11月18日: no year, trusted only as the whole of a text node ([11-18])
_MONTH_DAY = re.compile(
    r"(?<![\d./:-])(\d{1,2})\s*(?:([-/.])\s*(\d{1,2})|月\s*(\d{1,2})\s*[日号]?)(?![\d./:-])"
)
_TIME = re.compile(
    r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?|\d{1,2}\s*时\s*\d{1,2}\s*分(?:\s*\d{1,2}\s*秒)?"
)
_DATE_LABEL = re.compile(
    r"(?:发布|发表|更新|公开|发文|成文|印发|录入|上传|提交|回复|答复|办结|来信|信息|创建|生成|受理|撰稿|修改)?"
    r"(?:时间|日期)|发布于|发表于|更新于|发布|更新|日期|时间|date|time|published|updated|"
    r"星期[一二三四五六日天]|周[一二三四五六日]",
    re.I,
)
_DECORATION = re.compile(r"[\s\[\]()（）【】〔〕<>《》:：|/,，.。·•\-—_~～\"'“”]+")
# A date right after one of these is the item's date even inside longer text ("来源：市政府办 发布时间：…").
_POS_LABEL = re.compile(r"(?:发布|发表|更新|公开|发文|信息)(?:时间|日期)\s*[:：]?\s*$|(?:发布于|更新于)\s*$")
# ...and after one of these it is not ("实施日期：", "有效期至", "截止时间"), it may even lie in the future.
_NEG_LABEL = re.compile(
    r"(?:实施|施行|生效|截止|有效期|废止|失效|开始|结束|届满|报名|举办|召开|活动)[^\d]{0,4}$|至\s*$"
)
# Text that carries a date which is not an item's: the page's clock line ("今天是2026年11月23日 星期一"),
# the footer (©2003-2026, 版权所有, ICP/公安备案 numbers), visitor counters, the CMS's build stamp
# ("页面生成时间：2026-11-23 06:00"): all say when the page was made, not when the column was updated.
_NOT_ITEM_TEXT = re.compile(
    r"今天|今日[:：]|当前时间|现在时间|现在是|农历|天气|©|&copy;|copyright|版权|备案|ICP|技术支持|网站标识码|"
    r"页面生成|网页生成|生成时间|页面更新时间|本页更新",
    re.I,
)
_DIGIT = re.compile(r"[0-9０-９]")
_MIN_YEAR = 1995  # no government site published anything earlier; 1900-01-01 is a CMS placeholder


# A month-day without a year ("10-19", "[11-18]", "11月18日") is kept with this placeholder year until its
# row anchors it: the year comes only from the row's own link (./201710/t20171019_….html) when the two agree.
# Guessing the year from today would turn a column last updated in 2017 into one updated this October.
_YEARLESS = 4  # a leap year, so 02-29 is representable; far below _MIN_YEAR, so never mistaken for a date
_ANCHOR_DAYS = 7  # the list may show the day before or after the day in the link (drafted vs published)


def _yearless(month: int, day: int) -> date | None:
    try:
        return date(_YEARLESS, month, day)
    except ValueError:
        return None  # 13-05, 04-31: not a date at all


def _anchor(md: date, link_day: date | None, today: date) -> date | None:
    """The year-less `md` placed in its link's year, if the link's date agrees with it (a few days apart at
    most, across New Year too) and it is not after today (as _make_date: a future date is no update).
    Anything else is no date: the page does not say which year it means."""
    if link_day is None:
        return None
    for year in (link_day.year, link_day.year - 1, link_day.year + 1):
        try:
            candidate = md.replace(year=year)
        except ValueError:
            continue
        if abs((candidate - link_day).days) <= _ANCHOR_DAYS:
            return candidate if candidate <= today else None
    return None


def _make_date(year: int, month: int, day: int, today: date) -> date | None:
    """The date, if it is one an item could carry: real, not before _MIN_YEAR, not after today (a future
    date is an announcement, 会议定于…, or a typo, never "last updated")."""
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if found.year >= _MIN_YEAR and found <= today else None


def _month_day(m: re.Match[str]) -> tuple[int, int]:
    """Month and day of a _MONTH_DAY match (11-18 or 11月18日)."""
    return int(m.group(1)), int(m.group(3) or m.group(4))


@dataclass(frozen=True, slots=True)
class _Found:
    day: date
    tier: int  # 1: date-only node or labelled date; 2: a date inside other text outside the title


def _date_only(text: str, spans: Iterable[tuple[int, int]]) -> bool:
    """True when the text is nothing but dates with their decorations: "[11-18]", "(2026年11月18日)",
    "发布时间：2026-11-18 10:30", "2026-11-18 星期三". A title that merely contains a date is not."""
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    rest = " ".join(pieces)
    rest = _TIME.sub(" ", rest)
    rest = _DATE_LABEL.sub(" ", rest)
    return not _DECORATION.sub("", rest)


def scan_dates(text: str, today: date, *, in_title: bool) -> list[_Found]:
    """Item dates in one text node. `in_title`: the node is part of a link's text or a title attribute,
    where only a node that is a date and nothing else counts ("关于2027年工作计划的通知" does not)."""
    if not text or not _DIGIT.search(text):
        return []
    t = text.translate(_FULLWIDTH)
    if len(t) > 400 and in_title:
        return []
    if _NOT_ITEM_TEXT.search(t):
        return []
    full = [m for m in _FULL.finditer(t)]
    if full:
        only = _date_only(t, [m.span() for m in full])
        found: list[_Found] = []
        for m in full:
            y = int(m.group(1))
            mo, d = (m.group(3), m.group(4)) if m.group(2) else (m.group(5), m.group(6))
            day = _make_date(y, int(mo), int(d), today)
            if day is None:
                continue
            # "2026-11-23 星期一" alone is the page's clock, not an item.
            if day == today and "星期" in t and only and len(full) == 1 and len(t) < 20:
                continue
            before = t[max(0, m.start() - 10) : m.start()]
            if _NEG_LABEL.search(before):
                continue
            if only or _POS_LABEL.search(before):
                found.append(_Found(day, 1))
            elif not in_title:
                found.append(_Found(day, 2))
        return found
    md = list(_MONTH_DAY.finditer(t))
    if len(md) != 1 or not _date_only(t, [md[0].span()]):
        return []
    m = md[0]
    if m.group(2) == "." and not re.search(r"[\[(（【]", t):
        return []  # "3.5" is a number, "[11.18]" is a date
    mo, d = _month_day(m)
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return []
    day = _yearless(mo, d)
    return [_Found(day, 1)] if day else []


# Dates that CMSes put in article URLs: TRS WCM ./202611/t20261119_123456.html, Hanweb JCMS
# /art/2026/11/19/art_1234_5678.html, and /2026-11/19/ or /2026/11/19/ paths.
_URL_DATES = (
    re.compile(r"(?:^|[/.])t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/art_"),
    re.compile(r"/((?:19|20)\d{2})[-/]?(\d{2})/(\d{2})/"),
)


def url_date(href: str, today: date) -> date | None:
    for pattern in _URL_DATES:
        m = pattern.search(href)
        if m:
            day = _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), today)
            if day:
                return day
    return None


# ---------------------------------------------------------------------------------------------------------
# Page-level signals

_SOFT_404 = re.compile(
    r"页面不存在|页面找不到|找不到(?:该|此|您要的|您所?访问的|所请求的)?(?:页面|网页)|页面未找到|网页不存在|"
    r"访问的页面(?:出错|不存在|已被?删除|已过期)|页面已被?删除|页面已失效|页面出错了?|访问出错|"
    r"请求的(?:页面|网页|资源)不存在|Page\s+Not\s+Found|404\s*Not\s*Found",
    re.I,
)
# A column or item taken down: "该栏目暂无内容或已下线", "您访问的栏目不存在", "该信息已删除". Weaker words
# than the above (a summary may say a system "已下线"), so they count only on a page with no dated list.
_GONE = re.compile(
    r"(?:栏目|页面|网页|信息|文章|内容)(?:[^，。,.!！\s]{0,6}或)?已被?(?:下线|撤销|撤稿|关闭|停用)|"
    r"(?:栏目|信息|文章)(?:已被?删除|不存在)"
)
_ERROR_WORDS = re.compile(r"(?<!\d)404(?!\d)|not\s*found|错误|出错|error|无法访问|访问异常|系统繁忙", re.I)
# "暂无…" may name anything a list holds; "没有…" and "无相关…" count only with the plainest nouns, as they
# also turn up in ordinary sentences.
_NOTHING = "信息|内容|数据|记录"
_EMPTY = re.compile(
    rf"(?:暂无|暂时没有)(?:相关|任何)?(?:{_NOTHING}|文章|新闻|资料|文件|来信|信件|留言|咨询|投诉|建议|回复|"
    rf"公告|通知|动态|文档|条目|结果|项目)|(?:没有(?:相关|任何)?|无相关|该栏目下?暂?无)(?:{_NOTHING})|"
    r"查询结果为空|(?:共|总共|总计|合计)\s*0\s*(?:条|篇|个|项)|记录数\s*[:：]?\s*0(?!\d)"
)
_AJAX = re.compile(
    r"\$\.(?:ajax|get|post|getJSON)\s*\(|XMLHttpRequest|\bfetch\s*\(|axios|new\s+Vue|createApp\s*\(|\.load\s*\(|"
    # rows built in the browser from a script's own data: innerHTML, document.write of row markup, templates
    r"\.innerHTML\s*\+?=|document\.write(?:ln)?\s*\(\s*[\"']\s*<(?:li|tr|td|ul|ol|table|div|dl|dd|dt|a|p|span)\b|"
    r"\.(?:html|append)\s*\(\s*(?:html|str|s|h|htm|list|lis)\s*\)|template\s*\(|laytpl|doT\.template|juicer\(|"
    r"Handlebars\.compile",
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PAGER = re.compile(r"上一页|下一页|上页|下页|首页|尾页|末页|跳转|第\s*\d+\s*页")
_PIN_CLASSES = _words(
    "top istop is-top is_top icon-top icon_top topicon top-icon zhiding settop set-top pinned pin "
    "ding zd-icon"
)
_PIN_TEXT = re.compile(r"置顶|\[顶\]|【顶】")
_PIN_IMG = re.compile(r"(?:^|[/_\-])(?:top|zhiding|ding|zd|zhid)\d*\.(?:gif|png|jpe?g|svg)|置顶", re.I)
# Regions whose lists are not the column's list: header/footer, navigation, "hot"/ranking boxes, friendly
# links (友情链接, yqlj). A dated list found only there gives `unknown`, never its date.
_ASIDE_PARTS = _words(
    "footer foot bottom header head nav navbar menu submenu hot hots rank ranking phb sidebar side "
    "aside yqlj friendlink friend links copyright banner topbar toolbar breadcrumb crumb location "
    "position dqwz weizhi marquee scroll gundong"
)
_ASIDE_TAGS = frozenset({"header", "footer", "nav", "aside", "marquee"})
# ...and boxes whose heading says they are not the column: <h3>热点推荐</h3><ul>…</ul>, <b>最新更新</b>,
# 阅读排行. The class names of such boxes are anybody's guess (rdtj, tjyd, box2); their headings are not.
_ASIDE_HEADING = re.compile(
    r"热点|热门|推荐|排行|排名|点击榜|阅读榜|热读|猜你|感兴趣|友情链接|相关(?:链接|文章|新闻|阅读|信息|推荐)|"
    r"最新(?:发布|更新|信息|文章|公开|消息|公告|动态|资讯)|滚动|快讯|专题专栏"
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HEADING_PARTS = _words("tit title tt hd bt lmmc lm-name name caption")
_LISTISH_PARTS = _words(
    "list lists lb liebiao newslist infolist xxgk items articles datalist result results con_list "
    "conlist listcon list_con"
)
_SKIP_TAGS = ("script", "style", "noscript", "template", "textarea", "select", "option")
# A letters column (信箱) is updated when a reply is published: 答复时间 outranks 来信时间 (a generic 时间).
_HEADER_RANK = (
    *("发布日期", "发布时间", "公开日期", "公开时间", "更新日期", "更新时间", "信息日期", "日期", "时间"),
    *("答复时间", "答复日期", "回复时间", "回复日期", "办结时间", "办结日期"),
)
_HEADER_LATE = ("成文日期", "印发日期", "发文日期", "生成日期")  # used only when no publication column exists
_HEADER_NEVER = re.compile(r"实施|施行|生效|截止|有效|废止|失效|开始|结束|期限")
_MAX_LINKS_PER_ROW = 8  # a row may carry attachment/解读 links; a box of nav links is not a row


def _names(el: etree._Element) -> list[str]:
    """The element's class names and id, lower-cased."""
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()


def _parts(el: etree._Element) -> list[str]:
    """Its names and their pieces: "news-list" gives news-list, news, list."""
    out: list[str] = []
    for token in _names(el):
        out.append(token)
        out.extend(p for p in re.split(r"[-_]+", token) if p)
    return out


def _text(el: etree._Element) -> str:
    """All text inside an element (lxml's text_content(), without needing the HtmlElement type)."""
    return "".join(t for t in el.itertext() if isinstance(t, str))


def _norm(text: str) -> str:
    return " ".join(text.translate(_FULLWIDTH).split())


# ---------------------------------------------------------------------------------------------------------
# The document model


@dataclass(slots=True)
class _Row:
    el: etree._Element
    day: date | None = None
    own: bool = False  # dated from its own content (not from a neighbouring text)
    url_day: date | None = None
    yearless: bool = False  # shows a month-day that nothing on the page places in a year
    _title_len: int | None = None

    @property
    def title_len(self) -> int:
        """The longest link text in the row (computed on demand: most groups are never asked)."""
        if self._title_len is None:
            self._title_len = _row_text_len(self.el)
        return self._title_len

    @property
    def dated(self) -> bool:
        return self.day is not None or self.url_day is not None or self.yearless


@dataclass(slots=True)
class _Group:
    key: tuple[object, ...]
    rows: list[_Row] = field(default_factory=list)
    depth: int = 0
    aside: bool = False
    links: int = 0

    @property
    def dated(self) -> int:
        return sum(1 for r in self.rows if r.day)

    @property
    def url_dated(self) -> int:
        return sum(1 for r in self.rows if r.dated)

    @property
    def own_dated(self) -> int:
        return sum(1 for r in self.rows if r.own)

    @property
    def title_like(self) -> bool:
        # article titles are long; sub-column navigation (工作动态 / 通知公告) is short
        return bool(self.rows) and sum(r.title_len for r in self.rows) / len(self.rows) >= 8

    def items(self) -> list[_Row]:
        """The rows that are items: a pager row (首页 上一页 1 2 3 下一页) is not."""
        return [r for r in self.rows if r.dated or not _is_pager_row(r.el)]


class _Doc:
    """Per-document precomputation: which elements are links, link counts, dates found in each text node."""

    def __init__(self, root: etree._Element, today: date, title: str = "") -> None:
        self.root = root
        self.today = today
        self.link_count: dict[etree._Element, int] = {}
        self.in_link: set[etree._Element] = set()
        self.text_dates: dict[etree._Element, list[_Found]] = {}
        self.tail_dates: dict[etree._Element, list[_Found]] = {}
        self.aside: set[etree._Element] = set()
        self._links_and_asides()
        self._heading_boxes(title)
        self._dates()

    def _links_and_asides(self) -> None:
        links: list[etree._Element] = []
        for el in self.root.iter():
            if not isinstance(el.tag, str):
                continue
            parent = el.getparent()
            inherited = parent is not None and parent in self.aside
            if inherited or el.tag in _ASIDE_TAGS or any(p in _ASIDE_PARTS for p in _parts(el)):
                self.aside.add(el)
            if el.tag == "a" and (el.get("href") is not None or el.get("onclick")):
                links.append(el)
        for a in links:
            for d in a.iter():
                self.in_link.add(d)
            node: etree._Element | None = a
            while node is not None:
                self.link_count[node] = self.link_count.get(node, 0) + 1
                node = node.getparent()

    def _dates(self) -> None:
        today = self.today
        for el in self.root.iter():
            if not isinstance(el.tag, str):
                continue
            inside = el in self.in_link
            found = scan_dates(el.text or "", today, in_title=inside)
            if found and (_after_clock_label(_text_before(el)) or _year_apart_part(el)):
                found = []
            tip = el.get("title")
            if tip:
                found += scan_dates(tip, today, in_title=True)
            if el.tag == "time" and (stamp := el.get("datetime")):
                # <time datetime="2026-11-18T09:30:00+08:00">: the machine-readable date, time zone dropped
                found += scan_dates(stamp[:10], today, in_title=True)
            if found:
                self.text_dates[el] = found
            if el.tail:
                parent = el.getparent()
                tail = scan_dates(el.tail, today, in_title=parent is not None and parent in self.in_link)
                if tail and not _after_clock_label(_text(el)):
                    self.tail_dates[el] = tail

    def _heading_boxes(self, title: str) -> None:
        """Mark as aside the boxes under a heading such as 热点推荐 / 阅读排行 / 最新更新: the content after
        the heading (its following siblings, or its ancestors' when the heading sits alone in a title bar), up
        to the next heading. A heading that names the page's own column (a column called 热点专题) is not."""
        for el in self.root.iter():
            if (
                not isinstance(el.tag, str)
                or el in self.in_link
                or self.link_count.get(el, 0)
                or el in self.aside
            ):
                continue
            own = _norm(el.text or "")
            if not own or len(own) > 12 or not _ASIDE_HEADING.search(own) or own in title:
                continue
            if el.tag in ("td", "th") and (
                el.getprevious() is not None or any(isinstance(c.tag, str) for c in el.itersiblings())
            ):
                continue  # a column header (推荐单位, 排名) of a table, not a box's heading
            x: etree._Element = el
            for _ in range(4):
                if any(self.link_count.get(sib, 0) for sib in x.itersiblings()):
                    break
                parent = x.getparent()
                if parent is None or parent.tag in ("body", "html"):
                    break
                x = parent
            for sib in x.itersiblings():
                if not isinstance(sib.tag, str):
                    continue
                if sib.tag in _HEADING_TAGS or any(p in _HEADING_PARTS for p in _parts(sib)):
                    break  # the next box's heading
                for d in sib.iter():
                    self.aside.add(d)

    def dates_within(self, el: etree._Element, *, with_tail: bool = False) -> list[_Found]:
        """Dates in an element's text, skipping asides inside it: a row of an outer group (a whole content
        block) must not pick up the "hot news" box nested in it."""
        out: list[_Found] = []
        parent = el.getparent()
        skip_aside = parent is None or parent not in self.aside
        for d in el.iter():
            if skip_aside and d in self.aside:
                continue
            out.extend(self.text_dates.get(d, ()))
            if d is not el:
                out.extend(self.tail_dates.get(d, ()))
        if with_tail:
            out.extend(self.tail_dates.get(el, ()))
        return out


_CLOCK_LABEL = re.compile(r"(?:今天是?|今日|当前时间|现在时间|现在是|当前日期)\s*[:：]?\s*$")


def _text_before(el: etree._Element) -> str:
    prev = el.getprevious()
    if prev is not None:
        return (_text(prev) or "") + (prev.tail or "")
    parent = el.getparent()
    return (parent.text or "") if parent is not None else ""


def _after_clock_label(text: str) -> bool:
    """The page clock split over two nodes: <span>今天是</span><span>2026年11月23日</span>."""
    return bool(_CLOCK_LABEL.search(text[-16:]))


def _best(found: Iterable[_Found]) -> date | None:
    tier1 = [f.day for f in found if f.tier == 1]
    if tier1:
        return max(tier1)
    tier2 = [f.day for f in found if f.tier == 2]
    return max(tier2) if tier2 else None


def _is_pinned(row: etree._Element) -> bool:
    for el in row.iter():
        if not isinstance(el.tag, str):
            continue
        if any(c in _PIN_CLASSES for c in _names(el)):  # whole names: "top-nav" is no pin
            return True
        if el.tag == "img" and _PIN_IMG.search(
            f"{el.get('src') or ''} {el.get('alt') or ''} {el.get('title') or ''}"
        ):
            return True
    return bool(_PIN_TEXT.search(_text(row)))


def _pick_column(cells: list[etree._Element]) -> int | None:
    """Index of the date column among header cells (发布日期 before 成文日期; never 施行日期/截止时间)."""
    names = [_norm(_text(c)).replace(" ", "").strip(":：") for c in cells]
    best: tuple[int, int] | None = None
    for i, name in enumerate(names):
        if not name or len(name) > 8 or _HEADER_NEVER.search(name):
            continue
        if name in _HEADER_RANK:
            rank = _HEADER_RANK.index(name)
        elif name in _HEADER_LATE:
            rank = 100 + _HEADER_LATE.index(name)
        elif name.endswith(("日期", "时间")):
            rank = 50
        else:
            continue
        if best is None or rank < best[0]:
            best = (rank, i)
    return best[1] if best is not None else None


def _header_column(table: etree._Element) -> tuple[int, int] | None:
    """The date column of a list table, by its header row: (index, number of header cells)."""
    for tr in list(table.iter("tr"))[:3]:
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        column = _pick_column(cells)
        if column is not None:
            return column, len(cells)
    return None


def _row_header_column(doc: _Doc, parent: etree._Element, first: etree._Element) -> tuple[int, int] | None:
    """The same for a list laid out as a table without <table>: a header row of labels (<li class="head">
    <span>标题</span><span>成文日期</span><span>发布日期</span></li>) before the rows, as the parent's first
    linkless child or the element just before the parent."""
    candidates: list[etree._Element] = []
    for child in parent:
        if child is first:
            break
        if isinstance(child.tag, str) and not doc.link_count.get(child, 0):
            candidates.append(child)
    prev = parent.getprevious()
    if prev is not None and isinstance(prev.tag, str) and not doc.link_count.get(prev, 0):
        candidates.append(prev)
    for head in candidates:
        for _ in range(3):  # <div class="th"><ul><li>标题</li>…</ul></div>: look through single wrappers
            cells = [c for c in head if isinstance(c.tag, str)]
            if len(cells) != 1:
                break
            head = cells[0]
        if len(cells) < 2 or len(_norm(_text(head))) > 80:
            continue
        column = _pick_column(cells)
        if column is not None:
            return column, len(cells)
    return None


def _row_text_len(row: etree._Element) -> int:
    longest = 0
    for a in row.iter("a"):
        longest = max(longest, len(_norm(_text(a) or a.get("title") or "")))
    if row.tag == "a":
        longest = max(longest, len(_norm(_text(row))))
    return longest


def _groups(doc: _Doc) -> list[_Group]:
    """Sibling rows that each hold a link, grouped by parent shape. Parents of the same shape under the same
    grandparent are merged: templates often split one list into <ul>s of five with a rule between them."""
    groups: dict[tuple[object, ...], _Group] = {}
    # every parent of a linked element is itself a linked element
    for parent in [el for el in doc.link_count if len(el)]:
        by_tag: dict[str, list[etree._Element]] = {}
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            n = doc.link_count.get(child, 0)
            if not 1 <= n <= _MAX_LINKS_PER_ROW:
                continue
            by_tag.setdefault(child.tag, []).append(child)
        for tag, rows in by_tag.items():
            key = (parent.tag, parent.get("class"), parent.getparent(), tag)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(key=key, aside=parent in doc.aside)
                group.depth = sum(1 for _ in parent.iterancestors())
            _date_rows(doc, parent, rows, group)
    return list(groups.values())


def _is_pager_row(row: etree._Element) -> bool:
    text = _norm(_text(row))
    return len(text) < 60 and bool(_PAGER.search(text)) and not _FULL.search(text)


def _date_rows(doc: _Doc, parent: etree._Element, rows: list[etree._Element], group: _Group) -> None:
    header = None
    if rows[0].tag == "tr":
        table = parent if parent.tag == "table" else parent.getparent()
        if table is not None:
            header = _header_column(table)
    else:
        header = _row_header_column(doc, parent, rows[0])
    new: list[_Row] = []
    for el in rows:
        row = _Row(el)
        settled = False  # the row's own date box was read: what it says stands, even "no date"
        if header is not None:
            column, width = header
            if rows[0].tag == "tr":
                cells = [c for c in el if isinstance(c.tag, str) and c.tag in ("td", "th")]
            else:
                cells = [c for c in el if isinstance(c.tag, str)]
            if column < len(cells):
                row.day = _best(doc.dates_within(cells[column]))
                # a row shaped like the header is dated by its date column or not at all: a letter still
                # 办理中 has "——" under 回复时间, and its 来信时间 is not a reply
                settled = len(cells) == width
        if row.day is None and not settled:
            # a year-apart box with a future or impossible date is not a date: reading "10-15" alone would
            # put it in the latest year that fits, a wrong date where the page gave none
            settled, row.day = _year_apart(el, doc.today)
        if row.day is None and not settled:
            # the tail counts: flat markup puts the date right after the link (<a>…</a>(2026-11-18)<br>)
            found = doc.dates_within(el, with_tail=True)
            row.day = _best(f for f in found if f.tier == 1)
            # a date box split over two nodes is still the row's own date, before any date that is merely
            # mentioned in a summary (tier 2)
            row.day = row.day or _split_date(el, doc.today) or _best(found)
        row.own = row.day is not None
        new.append(row)
    if not any(r.own for r in new) and len(rows) >= 2:
        _date_from_neighbours(doc, parent, rows, new)
    skip_aside = parent not in doc.aside
    for row in new:
        for a in [row.el] if row.el.tag == "a" else row.el.iter("a"):
            if skip_aside and a in doc.aside:
                continue  # a "hot news" box that happens to be a row of the page's outer layout
            href = a.get("href") or ""
            if href and (day := url_date(href, doc.today)):
                row.url_day = day
                break
        if row.day is not None and row.day.year == _YEARLESS:
            row.day = _anchor(row.day, row.url_day, doc.today)
            if row.day is None:
                # the row shows a date, but not which year: neither it nor a link that disagrees with it
                # says when the item was published
                row.yearless, row.url_day = True, None
        group.links += doc.link_count.get(row.el, 0)
    group.rows.extend(new)


_YEAR_MONTH = re.compile(r"^((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_DAY = re.compile(r"^(\d{1,2})\s*日?$")
_YEAR = re.compile(r"^((?:19|20)\d{2})\s*年?$")


def _short_texts(row: etree._Element, strip: str = "") -> Iterable[str]:
    """The row's short text nodes (a date box's pieces), without surrounding blanks and `strip`."""
    for el in row.iter():
        if not isinstance(el.tag, str):
            continue
        for chunk in (el.text, el.tail if el is not row else None):
            token = (chunk or "").translate(_FULLWIDTH).strip().strip(strip)
            if token and len(token) <= 10:
                yield token


def _year_apart_part(el: etree._Element) -> bool:
    """The month-day half of a box whose year sits in a sibling node (<p>10-15</p><span>2025</span>). It is
    no date on its own: guessing its year would make a wrong one; the row reads the box whole."""
    if not _MONTH_DAY.fullmatch(_norm(el.text or "").strip("[]()（）【】")):
        return False
    siblings = (el.getprevious(), el.getnext())
    return any(
        s is not None and isinstance(s.tag, str) and _YEAR.match(_norm(s.text or "")) for s in siblings
    )


def _year_apart(row: etree._Element, today: date) -> tuple[bool, date | None]:
    """A date box that puts the year apart from month and day: <p>10-15</p><span>2025</span>. Read alone,
    "10-15" would be placed in the latest year that fits (2026), a year too fresh; the row says 2025."""
    years: list[int] = []
    mds: list[tuple[int, int]] = []
    for token in _short_texts(row, "[]()（）【】"):
        if m := _YEAR.match(token):
            years.append(int(m.group(1)))
        elif m := _MONTH_DAY.fullmatch(token):
            mds.append(_month_day(m))
    if len(years) != 1 or len(mds) != 1:
        return False, None
    return True, _make_date(years[0], *mds[0], today)


def _split_date(row: etree._Element, today: date) -> date | None:
    """Calendar-style date boxes split the date over two nodes:
    <div class="date"><b>18</b><span>2026-11</span></div>.
    Only a row with exactly one year-month node and one day node is read this way."""
    months: list[tuple[int, int]] = []
    days: list[int] = []
    for token in _short_texts(row):
        if m := _YEAR_MONTH.match(token):
            months.append((int(m.group(1)), int(m.group(2))))
        elif m := _DAY.match(token):
            days.append(int(m.group(1)))
    if len(months) != 1 or len(days) != 1:
        return None
    return _make_date(*months[0], days[0], today)


def _date_from_neighbours(
    doc: _Doc, parent: etree._Element, rows: list[etree._Element], new: list[_Row]
) -> None:
    """Flat markup (<a>title</a><span>2026-11-18</span><br> ...; or the date before the link) has no row
    element: the date sits between links. Try it after each link and before each link, keep the reading
    that dates more rows, and only when most rows get a date (a header's "设为首页" links do not)."""
    row_ids = {id(r) for r in rows}
    gaps: list[list[_Found]] = [scan_dates(parent.text or "", doc.today, in_title=parent in doc.in_link)]
    for child in parent:
        if id(child) in row_ids:
            gaps.append(list(doc.tail_dates.get(child, ())))
            continue
        if isinstance(child.tag, str):
            gaps[-1].extend(doc.dates_within(child, with_tail=True))
        else:
            gaps[-1].extend(doc.tail_dates.get(child, ()))
    after = [_best(gaps[i + 1]) for i in range(len(rows))]
    before = [_best(gaps[i]) for i in range(len(rows))]
    a_count = sum(1 for d in after if d)
    b_count = sum(1 for d in before if d)
    chosen = after if a_count >= b_count else before
    if max(a_count, b_count) * 2 < len(rows) + 1:
        return
    for row, day in zip(new, chosen, strict=True):
        row.day = day


def _trusted(group: _Group) -> bool:
    """A group with one dated row is a list of one item only if that row has a real title: a top bar with
    "设为首页" beside a date is not a list."""
    if group.aside or not group.url_dated:
        return False
    if group.url_dated == 1:
        row = next(r for r in group.rows if r.dated)
        return row.title_len >= 6
    return True


def _choose(groups: list[_Group]) -> _Group | None:
    main = [g for g in groups if _trusted(g)]
    if not main:
        return None
    return max(
        main,
        key=lambda g: (g.url_dated, g.dated, g.own_dated, -g.links / max(1, len(g.rows)), g.depth),
    )


# ---------------------------------------------------------------------------------------------------------
# Hanweb JCMS: the list is a "data island" of CDATA records rendered by script


_DATASTORE = re.compile(r"<datastore\b[^>]*>(.*?)</datastore>", re.S | re.I)
_RECORD = re.compile(r"<record\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)


def _datastore(text: str) -> tuple[list[str], int | None] | None:
    m = _DATASTORE.search(text)
    if not m:
        return None
    records = [
        (r.group(1) if r.group(1) is not None else r.group(2)) or "" for r in _RECORD.finditer(m.group(1))
    ]
    total = _TOTAL.search(m.group(1))
    return [r for r in records if r.strip()], int(total.group(1)) if total else None


def _records_group(records: list[str], today: date) -> _Group:
    html = "".join(f'<div class="zhiri-record">{r}</div>' for r in records)
    root = lxml.html.document_fromstring(f"<html><body><div>{html}</div></body></html>", parser=_PARSER)
    container = root.find(".//body/div")
    group = _Group(key=("datastore",))
    if container is None:
        return group
    doc = _Doc(root, today)
    rows = [el for el in container if isinstance(el.tag, str)]
    _date_rows(doc, container, rows, group)
    return group


# ---------------------------------------------------------------------------------------------------------
# Lists that exist only as data in an inline script (var listData = {articleList:[{…, pubDate:"…"}]},
# <script type="application/json">, an array the page's own script turns into rows)

# One flat object literal: the items of such lists are flat records.
_OBJECT = re.compile(r"\{[^{}]{10,2000}\}")
# The key whole: "end_time" and "meeting_date" are not "time" and "date" (a deadline, an event's day).
_KEY = r"(?<![\w$])[\"']?\s*({names})\s*[\"']?\s*:\s*"
_TITLE_KEY = re.compile(
    _KEY.format(names="title|doctitle|docTitle|articleTitle|article_title|infoTitle|name|bt|biaoti")
    + r"[\"']([^\"']{4,300})[\"']"
)
# Only publication dates: a deadline, an event date or the page's own build time is not an item's date.
_DATE_KEY = re.compile(
    _KEY.format(
        names="pubDate|pubdate|pub_date|pubTime|pubtime|pub_time|publishDate|publishdate|publish_date|"
        "publishTime|publishtime|publish_time|releaseDate|releaseTime|release_time|docreltime|docRelTime|"
        "fbsj|fbrq|fbtime|date|time|createTime|createtime|create_time|inputTime|addtime|addTime"
    )
    + r"[\"']?\s*([^\"',}]{6,40})"
)
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
_SHANGHAI = timezone(timedelta(hours=8))  # epoch stamps in these lists are Beijing-time CMS clocks


def _data_date(value: str, today: date) -> date | None:
    value = value.strip()
    if _EPOCH.match(value):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        day = datetime.fromtimestamp(seconds, _SHANGHAI).date()
        return day if date(_MIN_YEAR, 1, 1) <= day <= today else None
    m = _FULL.match(value.translate(_FULLWIDTH))
    if not m:
        return None  # a year-less or odd value says nothing certain
    mo, d = (m.group(3), m.group(4)) if m.group(2) else (m.group(5), m.group(6))
    return _make_date(int(m.group(1)), int(mo), int(d), today)


_URL_KEY = re.compile(
    _KEY.format(names="url|href|link|docpuburl|docPubUrl|linkurl|linkUrl") + r"[\"']([^\"']{1,500})[\"']"
)


def script_items(scripts: Iterable[str], today: date) -> list[tuple[date, str, str]]:
    """The items a page carries as script data, as (publication date, title, link): records with a title
    and a publication-date field. Records without both are not items (menus, settings, statistics)."""
    found: list[tuple[date, str, str]] = []
    for text in scripts:
        for obj in _OBJECT.finditer(text):
            body = obj.group(0)
            title = _TITLE_KEY.search(body)
            if not title:
                continue
            m = _DATE_KEY.search(body)
            if m and (day := _data_date(m.group(2), today)):
                url = _URL_KEY.search(body)
                found.append((day, title.group(2).strip(), url.group(2) if url else ""))
    return found


# ---------------------------------------------------------------------------------------------------------
# The whole page

_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _parse(text: str) -> etree._Element | None:
    text = _CONTROL.sub("", _XML_DECL.sub("", text, count=1))
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _visible_text(doc: _Doc) -> str:
    """The page's text outside links and hidden blocks: where error and "暂无信息" messages are written.
    Link text is left out because it is titles, and a title may well say "页面不存在问题整改"."""
    parts: list[str] = []
    hidden: set[etree._Element] = set()
    for el in doc.root.iter():
        if not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        if (parent is not None and parent in hidden) or _HIDDEN.search(el.get("style") or ""):
            hidden.add(el)
            if el.tail and parent is not None and parent not in hidden and parent not in doc.in_link:
                parts.append(el.tail)
            continue
        if el.text and el not in doc.in_link:
            parts.append(el.text)
        if el.tail and not (parent is not None and parent in doc.in_link):
            parts.append(el.tail)
    return _norm(" ".join(parts))


def _has_empty_container(doc: _Doc) -> bool:
    for el in doc.root.iter("ul", "ol", "tbody", "table", "div", "dl", "section"):
        if el in doc.aside or not any(p in _LISTISH_PARTS or p.endswith("list") for p in _parts(el)):
            continue
        if doc.link_count.get(el, 0):
            continue
        text = _norm(_text(el))
        if not text:
            return True
        if el.tag in ("table", "tbody") and _header_column(el) is not None and len(text) < 40:
            return True  # a table with its header row and nothing under it
    return False


def _ok(group: _Group, extra: str = "") -> PageReading:
    rows = group.items()
    yearless = sum(1 for r in rows if r.yearless)
    if yearless:
        return PageReading(
            ReadStatus.UNKNOWN,
            None,
            len(rows),
            f"列表{len(rows)}条，其中{yearless}条的日期只有月日，页面没有说明是哪一年",
        )
    dated = [(r, d) for r in rows if (d := r.day or r.url_day) is not None]
    plain = [(r, d) for r, d in dated if not _is_pinned(r.el)]
    pool = plain or dated  # a list of pinned rows only still says when it was updated
    newest_row, newest = max(pool, key=lambda rd: rd[1])
    n = len(rows)
    parts = [f"列表{n}条，{len(dated)}条有日期"]
    if len(dated) > len(plain) and plain:
        parts.append(f"已跳过置顶{len(dated) - len(plain)}条")
    if not any(r.day for r, _ in pool):
        parts.append("日期取自链接地址")
    if extra:
        parts.append(extra)
    title, link = _title_link(newest_row.el)
    return PageReading(ReadStatus.OK, newest, n, "，".join(parts), title=title, link=link)


def _title_link(row: etree._Element) -> tuple[str, str]:
    """The row's title (its longest link text, or that link's title attribute) and that link's href."""
    best: tuple[int, str, str] = (-1, "", "")
    for a in [row] if row.tag == "a" else row.iter("a"):
        text = _norm(_text(a)) or _norm(a.get("title") or "")
        if len(text) > best[0]:
            best = (len(text), text, (a.get("href") or "").strip())
    return best[1][:200], best[2][:500]


def extract(body: bytes, *, headers: Mapping[str, str] | None, today: date) -> PageReading:
    """Read one list page. `today` bounds the dates: nothing after it counts. It never supplies a year: a
    year-less date takes its year only from its row's link. Links are matched as written: the page's
    address adds nothing a date could hide in."""
    text = decode(body, headers)
    root = _parse(text)
    if root is None:
        return PageReading(ReadStatus.BROKEN, None, 0, "页面内容为空")
    script_texts = [s.text or "" for s in root.iter("script") if not s.get("src")]
    scripts = " ".join(script_texts)
    title = _norm(root.findtext(".//title") or "")
    etree.strip_elements(root, *_SKIP_TAGS, with_tail=False)
    doc = _Doc(root, today, title)
    body_text = _visible_text(doc)

    # Soft 404: a 200 response whose page says it is not there.
    strong = _SOFT_404.search(title) or _SOFT_404.search(body_text)
    if strong:
        return PageReading(ReadStatus.BROKEN, None, 0, f"页面提示“{strong.group(0)}”（软404）")

    store = _datastore(text)
    if store is not None:
        records, total = store
        if records:
            group = _records_group(records, today)
            if group.url_dated:
                return _ok(group, "海纳数据岛")
            return PageReading(
                ReadStatus.UNKNOWN, None, len(records), f"数据岛{len(records)}条记录，但都没有日期"
            )
        if not total:
            return PageReading(ReadStatus.EMPTY, None, 0, "数据岛中没有记录（totalrecord 0）")

    groups = _groups(doc)
    chosen = _choose(groups)
    if chosen is not None:
        return _ok(chosen)
    data = script_items(script_texts, today)
    if data:
        newest, title, link = max(data, key=lambda d: d[0])
        return PageReading(
            ReadStatus.OK,
            newest,
            len(data),
            f"列表{len(data)}条，取自页面脚本中的数据",
            title=title,
            link=link,
        )
    return _without_dated_list(doc, groups, title, body_text, scripts)


def _without_dated_list(
    doc: _Doc, groups: list[_Group], title: str, body_text: str, scripts: str
) -> PageReading:
    """What a page with no trustworthy dated list is: a column taken down, an error page, an empty column,
    a list the browser loads by script, or a list without dates."""
    gone = _GONE.search(title) or _GONE.search(body_text)
    if gone:
        return PageReading(ReadStatus.BROKEN, None, 0, f"页面提示“{gone.group(0)}”（栏目已下线或不存在）")

    if _ERROR_WORDS.search(title) and (len(title) <= 20 or len(body_text) < 300):
        return PageReading(ReadStatus.BROKEN, None, 0, f"页面标题为“{title[:20]}”，像是出错页面")
    if len(body_text) < 300:
        heading = " ".join(_norm(_text(h)) for h in doc.root.iter("h1", "h2", "h3"))
        if _ERROR_WORDS.search(body_text) or _ERROR_WORDS.search(heading):
            return PageReading(ReadStatus.BROKEN, None, 0, "页面很短并提示出错")

    listing = max(
        # an undated list of titles: ≥ 3 rows of about one link each (not the page's blocks), long texts
        (
            g
            for g in groups
            if not g.aside and len(g.rows) >= 3 and g.links <= 3 * len(g.rows) and g.title_like
        ),
        key=lambda g: (len(g.items()), g.depth),
        default=None,
    )
    said_empty = _EMPTY.search(body_text)
    if said_empty and listing is None:
        return PageReading(ReadStatus.EMPTY, None, 0, f"页面提示“{said_empty.group(0)}”")
    if listing is None and _has_empty_container(doc):
        if _AJAX.search(scripts):
            return PageReading(ReadStatus.UNKNOWN, None, 0, "列表由脚本加载，页面本身没有条目")
        return PageReading(ReadStatus.EMPTY, None, 0, "列表容器是空的")
    if listing is not None:
        n = len(listing.items())
        return PageReading(ReadStatus.UNKNOWN, None, n, f"找到{n}条，但没有可信的日期")
    aside = [g for g in groups if g.aside and g.dated]
    if aside:
        return PageReading(ReadStatus.UNKNOWN, None, 0, "只在页头、页脚或侧栏找到日期")
    return PageReading(ReadStatus.UNKNOWN, None, 0, "没有找到条目列表和日期")


# ---------------------------------------------------------------------------------------------------------
# Redirect stubs

_META_REFRESH = re.compile(
    r"<meta[^>]+http-equiv\s*=\s*[\"']?refresh[\"']?[^>]*content\s*=\s*[\"']?\s*(\d+)\s*[;,]\s*url\s*=\s*['\"]?([^\"'>\s]+)",
    re.I,
)
_JS_REDIRECT = re.compile(
    r"(?:window\.|self\.|top\.|document\.)?location(?:\.href)?\s*=\s*[\"']([^\"']+)[\"']|"
    r"location\.replace\(\s*[\"']([^\"']+)[\"']\s*\)"
)


_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S | re.I)


def refresh_target(body: bytes, *, url: str, headers: Mapping[str, str] | None = None) -> str | None:
    """Where a redirect stub page sends the browser (<meta http-equiv="refresh">, `location.href = …`).
    Government portals use these stubs for column entry pages (index.html → list page). Only a short page
    with next to no text of its own counts: a page that says something (an error page that "returns to the
    home page in 5 seconds", a list with a search box script) is read as it is."""
    if len(body) > 8192:
        return None
    text = decode(body, headers)
    if len(_norm(_TAGS.sub(" ", text))) > 100:
        return None
    m = _META_REFRESH.search(text)
    if m and int(m.group(1)) <= 10:
        return urljoin(url, m.group(2))
    j = _JS_REDIRECT.search(text)
    if j:
        return urljoin(url, j.group(1) or j.group(2))
    return None
