"""The pure core: decoding, dates in text, and the list rules, on small hand-written pages."""

from __future__ import annotations

from datetime import date

import pytest

from webread.extract import PageReading, decode, extract, refresh_target, scan_dates, url_date

TODAY = date(2026, 11, 23)


def read(
    html: str, *, today: date = TODAY, encoding: str = "utf-8", content_type: str | None = None
) -> PageReading:
    headers = {"Content-Type": content_type} if content_type else None
    return extract(html.encode(encoding), headers=headers, today=today)


def ul(*rows: str, cls: str = "list") -> str:
    body = f'<ul class="{cls}">{"".join(rows)}</ul>'
    return f"<html><head><title>通知公告</title></head><body>{body}</body></html>"


def li(title: str, when: str = "", *, extra: str = "", href: str = "/a.html") -> str:
    return f'<li{extra}><a href="{href}">{title}</a>{when}</li>'


# -- decoding ---------------------------------------------------------------------------------------------


def test_decode_gbk_declared_in_header() -> None:
    assert (
        decode("楚雄市人民政府".encode("gbk"), {"content-type": "text/html; charset=GBK"}) == "楚雄市人民政府"
    )


def test_decode_gb2312_page_with_gbk_only_characters() -> None:
    # 镕 and 堃 are not in GB2312; CMS templates still say gb2312, so it is read as GB18030
    body = '<meta charset="gb2312"><p>朱镕基 王堃</p>'.encode("gbk")
    assert "朱镕基 王堃" in decode(body, None)


def test_decode_utf8_page_declaring_gb2312() -> None:
    body = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>部门动态</p>'.encode()
    assert "部门动态" in decode(body, {"Content-Type": "text/html; charset=gb2312"})


def test_decode_gbk_page_declaring_utf8_and_undeclared_gbk() -> None:
    body = '<meta charset="utf-8"><p>乡镇动态，鹿城镇召开乡村振兴工作推进会</p>'.encode("gbk")
    assert "乡镇动态" in decode(body, {"Content-Type": "text/html; charset=utf-8"})
    assert "乡镇动态" in decode("<p>乡镇动态，鹿城镇召开乡村振兴工作推进会</p>".encode("gbk"), None)


# -- dates in text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-18", date(2026, 11, 18)),
        ("2026/11/18", date(2026, 11, 18)),
        ("2026.11.18", date(2026, 11, 18)),
        ("2026年11月18日", date(2026, 11, 18)),
        ("2026-1-8", date(2026, 1, 8)),
        ("[2026-11-18 16:42:10]", date(2026, 11, 18)),
        ("发布时间：2026-11-18 10:30", date(2026, 11, 18)),
        ("2026年11月18日 10时30分", date(2026, 11, 18)),
        # year-less: kept with a placeholder year (4) until the row's link anchors it, never today's year
        ("[11-18]", date(4, 11, 18)),
        ("11月18日", date(4, 11, 18)),
        ("（11/18）", date(4, 11, 18)),
        ("１１－１８", date(4, 11, 18)),  # full-width digits
        ("02-29", date(4, 2, 29)),
    ],
)
def test_scan_dates_formats(text: str, expected: date) -> None:
    assert [f.day for f in scan_dates(text, TODAY, in_title=True)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "关于2027年工作计划的通知",
        "2026年11月18日会议纪要",
        "今天是2026年11月23日 星期一",
        "2026-11-23 星期一",  # the page clock
        "Copyright©2003-2026 版权所有",
        "滇ICP备05001234号-1 滇公网安备 53230102000123号",
        "2026-12-01",  # future
        "2062-11-19",  # future (typo)
        "实施日期：2026-11-01",
        "电话：0878-3125678",
        "3.5",
        "第1-2期",
    ],
)
def test_scan_dates_ignores_non_item_dates(text: str) -> None:
    assert scan_dates(text, TODAY, in_title=True) == []


def test_dates_inside_longer_text_count_only_outside_titles() -> None:
    text = "来源：市政府办 2026-11-18 浏览：23"
    assert scan_dates(text, TODAY, in_title=True) == []
    assert [f.day for f in scan_dates(text, TODAY, in_title=False)] == [date(2026, 11, 18)]


def test_year_less_dates_take_the_year_of_their_link_only_when_it_agrees() -> None:
    def page(rows: list[tuple[str, str]]) -> bytes:
        lis = "".join(
            f'<li><a href="{href}">楚雄市召开冬季森林防火工作部署会{i}</a><span>{md}</span></li>'
            for i, (href, md) in enumerate(rows)
        )
        return f'<ul class="list">{lis}</ul>'.encode()

    agrees = [("./201710/t20171019_1.html", "10-19"), ("./201710/t20171016_2.html", "10-16")]
    assert extract(page(agrees), headers=None, today=TODAY).newest == date(2017, 10, 19)
    # across New Year: 12-30 shown, published 2018-01-02
    new_year = [("./201801/t20180102_1.html", "12-30"), ("./201712/t20171228_2.html", "12-28")]
    assert extract(page(new_year), headers=None, today=TODAY).newest == date(2017, 12, 30)
    # one row whose link says another day: the page does not say which year that row means
    disagrees = [("./201710/t20171019_1.html", "10-19"), ("./201703/t20170302_2.html", "10-16")]
    reading = extract(page(disagrees), headers=None, today=TODAY)
    assert (reading.status, reading.newest) == ("unknown", None)
    # no year anywhere: unknown, never this year's 10-19
    bare = [("/a/1.html", "10-19"), ("/a/2.html", "10-16")]
    assert extract(page(bare), headers=None, today=TODAY).status == "unknown"
    # the link's year would put the shown day after today: no date (as a future full date is none)
    ahead = [("./202611/t20261120_1.html", "11-25"), ("./202611/t20261118_2.html", "11-18")]
    reading = extract(page(ahead), headers=None, today=TODAY)
    assert (reading.status, reading.newest) == ("unknown", None)


def test_list_only_in_script_data_is_read_from_the_data() -> None:
    script = (
        '<script>var listData = {articleList:[{title:"关于开展安全生产大检查的通知",url:"./a.html",'
        'pubDate:"2025-07-29 16:59"},{title:"市政府召开第45次常务会议",url:"./b.html",'
        'pubDate:"2025-07-20 09:00"}]};</script><ul id="list"></ul>'
    )
    reading = extract(script.encode(), headers=None, today=TODAY)
    assert (reading.status, reading.newest, reading.items) == ("ok", date(2025, 7, 29), 2)
    as_json = (
        '<script type="application/json">{"items":[{"title":"关于公布行政许可事项清单的公告",'
        '"publishDate":1753779540000}]}</script>'
    )
    assert extract(as_json.encode(), headers=None, today=TODAY).newest == date(2025, 7, 29)
    # records without a title, or with only a deadline, are not items
    other = (
        '<script>var cfg = {name:"x", endTime:"2026-11-20"}; var s = {views:12, date:"2026-11-20"};</script>'
    )
    assert extract(other.encode(), headers=None, today=TODAY).status == "unknown"
    # a key that merely ends in "date" or "time" is a deadline or an event's day, not the publication date
    keys = (
        '<script>var list=[{title:"关于开展冬季安全生产大检查的通知",end_time:"2026-11-20",'
        'pubDate:"2025-03-02"},{title:"市政府召开第45次常务会议纪要",meeting_date:"2026-11-18",'
        'pubDate:"2025-02-01"}];</script><ul id="list"></ul>'
    )
    assert extract(keys.encode(), headers=None, today=TODAY).newest == date(2025, 3, 2)


def test_page_level_dates_never_count() -> None:
    rows = "".join(
        f'<li><a href="/show.asp?id={i}">关于做好冬季森林防火工作的通知{i}</a></li>' for i in range(5)
    )
    html = (
        '<head><meta name="PubDate" content="2026-11-20 10:00"></head><body>'
        f"<!-- 发布于 2026-11-20 --><ul>{rows}</ul>"
        '<div class="foot"><p>页面生成时间：2026-11-20 10:00</p><p>Copyright © 2003-2026</p></div></body>'
    )
    reading = extract(html.encode(), headers=None, today=TODAY)
    assert (reading.status, reading.newest) == ("unknown", None)


def test_url_dates() -> None:
    assert url_date("./202611/t20261119_123456.html", TODAY) == date(2026, 11, 19)
    assert url_date("/art/2026/11/9/art_1234_5678.html", TODAY) == date(2026, 11, 9)
    assert url_date("http://www.news.cn/2026-11/19/c_1129.htm", TODAY) == date(2026, 11, 19)
    assert url_date("/content/post_123456.html", TODAY) is None
    assert url_date("./202612/t20261201_1.html", TODAY) is None  # future


# -- list rules ---------------------------------------------------------------------------------------------


def test_span_beside_title() -> None:
    reading = read(
        ul(
            li("楚雄市召开冬季森林防火工作部署会", "<span>2026-11-18</span>"),
            li("市政府召开常务会议", "<span>2026-11-02</span>"),
        )
    )
    assert reading == PageReading(
        "ok",
        date(2026, 11, 18),
        2,
        reading.reason,
        title="楚雄市召开冬季森林防火工作部署会",
        link=reading.link,
    )
    assert reading.link  # the newest row's own link, as written on the page


def test_title_dates_are_not_item_dates() -> None:
    reading = read(
        ul(li("2026年11月18日全市安全生产会议召开"), li("关于2027年工作计划的通知"), li("市政府召开常务会议"))
    )
    assert reading.status == "unknown" and reading.newest is None


def test_pinned_rows_are_skipped_unless_all_are_pinned() -> None:
    pinned = li("楚雄市政府信息公开指南（长期有效）", "<span>2026-11-20</span>", extra=' class="top"')
    plain = li("市政府召开常务会议研究部署工作", "<span>2026-10-09</span>")
    assert read(ul(pinned, plain)).newest == date(2026, 10, 9)
    only = li("【置顶】关于公布政务服务事项清单的通知", "<span>2026-03-01</span>")
    assert read(ul(only, only.replace("03-01", "02-01"))).newest == date(2026, 3, 1)


def test_the_max_date_wins_not_the_first_row() -> None:
    rows = [li(f"第{i}条工作动态信息标题", f"<span>2026-11-{d:02d}</span>") for i, d in enumerate((3, 17, 9))]
    assert read(ul(*rows)).newest == date(2026, 11, 17)


def test_table_uses_the_publication_column() -> None:
    html = """<table class="list"><tr><th>标题</th><th>成文日期</th><th>发布日期</th><th>实施日期</th></tr>
    <tr><td><a href="/1.html">关于印发优化营商环境方案的通知</a></td>
        <td>2026-10-01</td><td>2026-10-08</td><td>2026-11-20</td></tr>
    <tr><td><a href="/2.html">关于调整城乡低保标准的通知</a></td>
        <td>2026-09-01</td><td>2026-09-05</td><td>2026-10-01</td></tr>
    </table>"""
    assert read(html).newest == date(2026, 10, 8)


def test_hanweb_datastore() -> None:
    html = """<div id="123"><script type="text/xml"><datastore>
    <nextgroup><![CDATA[<a href="x"></a>]]></nextgroup><recordset>
    <record><![CDATA[<li><a href="/art/2026/11/18/art_1_2.html">市政府召开常务会议</a>
        <span>2026-11-18</span></li>]]></record>
    <record><![CDATA[<li><a href="/art/2026/11/2/art_1_3.html">市人社局开展根治欠薪行动</a>
        <span>2026-11-02</span></li>]]></record>
    </recordset><totalrecord>2</totalrecord></datastore></script></div>"""
    reading = read(html)
    assert (reading.status, reading.newest, reading.items) == ("ok", date(2026, 11, 18), 2)
    store = "<datastore><recordset></recordset><totalrecord>0</totalrecord></datastore>"
    empty = f"<div><script type='text/xml'>{store}</script></div>"
    assert read(empty).status == "empty"


def test_trs_link_dates_are_a_fallback() -> None:
    rows = [
        li(f"第{i}条通知公告的标题文字", href=f"./2026{m:02d}/t2026{m:02d}{d:02d}_{i}.html")
        for i, (m, d) in enumerate(((11, 19), (11, 2)))
    ]
    reading = read(ul(*rows))
    assert reading.status == "ok" and reading.newest == date(2026, 11, 19) and "链接" in reading.reason


def test_time_element_datetime() -> None:
    stamp = '<time datetime="2026-11-18T09:30:00+08:00">3天前</time>'
    row = f'<article><a href="/n/1">楚雄市召开工作推进会议</a>{stamp}</article>'
    html = f"<main>{row}{row.replace('2026-11-18', '2026-11-10')}</main>"
    assert read(html).newest == date(2026, 11, 18)


@pytest.mark.parametrize("phrase", ["暂无信息", "暂无内容", "暂无数据", "没有记录！", "共0条"])
def test_empty_phrases(phrase: str) -> None:
    nav = '<div class="nav"><a href="/">首页</a><a href="/tzgg/">通知公告</a></div>'
    html = f'{nav}<div class="con">{phrase}</div>'
    assert read(html) == PageReading("empty", None, 0, read(html).reason)


def test_empty_container_but_script_loaded_list_is_unknown() -> None:
    assert read('<div class="nav"><a href="/">首页</a></div><ul class="news-list"></ul>').status == "empty"
    scripted = '<ul class="news-list"></ul><script>$.ajax({url: "/api/list"})</script>'
    assert read(scripted).status == "unknown"


@pytest.mark.parametrize(
    "html",
    [
        "<title>页面不存在</title><body><a href='/'>返回首页</a></body>",
        "<body><div class='nav'><a href='/'>首页</a></div><p>您访问的页面不存在或已被删除</p></body>",
        "<title>404 Not Found</title><body><h1>Not Found</h1></body>",
        "<title>错误</title><body>出错了</body>",
        "<body><h1>404</h1><p>页面找不到了</p></body>",
        "<body><h2>访问的页面出错</h2></body>",
        "",
    ],
)
def test_soft_404(html: str) -> None:
    assert read(html).status == "broken"


def test_a_title_about_errors_is_not_a_soft_404() -> None:
    reading = read(
        ul(
            li("关于网站错误信息纠正及页面不存在问题整改情况的通报", "<span>2026-11-18</span>"),
            li("市政府召开常务会议", "<span>2026-11-02</span>"),
        )
    )
    assert reading.status == "ok"


def test_dates_only_in_an_aside_are_not_trusted() -> None:
    main = "".join(li(f"规划计划的第{n}条信息标题") for n in "一二三")
    hot = li("热点新闻标题一二三", "<span>2026-11-20</span>") + li(
        "热点新闻标题四五六", "<span>2026-11-19</span>"
    )
    html = f'<div class="main"><ul class="list">{main}</ul></div><div class="sidebar"><ul>{hot}</ul></div>'
    reading = read(html)
    assert reading.status == "unknown" and reading.items == 3


def test_refresh_target() -> None:
    body = b'<html><head><meta http-equiv="refresh" content="0; url=./tzgg/index.html"></head></html>'
    assert (
        refresh_target(body, url="http://www.cxs.gov.cn/zwgk/")
        == "http://www.cxs.gov.cn/zwgk/tzgg/index.html"
    )
    js = b'<script>window.location.href = "/col/col1234/index.html";</script>'
    assert refresh_target(js, url="http://www.cxs.gov.cn/") == "http://www.cxs.gov.cn/col/col1234/index.html"
    assert refresh_target(b"<html><body>" + b"x" * 9000 + b"</body></html>", url="http://a/") is None


def test_refresh_target_ignores_pages_with_content() -> None:
    error = (
        '<meta http-equiv="refresh" content="5; url=/"><p>抱歉，您访问的页面不存在或已被删除，'
        "5秒后将自动返回网站首页，如果没有跳转请点击下方链接返回首页，给您带来不便敬请谅解。"
        "如有疑问请联系网站管理员，联系电话：0878-3125678，电子邮箱：webmaster@example.gov.cn。</p>"
    )
    assert refresh_target(error.encode(), url="http://www.cxs.gov.cn/x/") is None


def test_calendar_style_split_dates() -> None:
    def row(day: int, title: str) -> str:
        box = f'<div class="date"><b>{day:02d}</b><span>2026-11</span></div>'
        return f'<li>{box}<div class="txt"><a href="/n/{day}.html">{title}</a><p>摘要内容……</p></div></li>'

    html = ul(row(18, "楚雄市召开冬季森林防火工作部署会"), row(9, "市人社局开展根治欠薪冬季专项行动"))
    assert read(html).newest == date(2026, 11, 18)


@pytest.mark.parametrize("month", ["2026-12", "1990-11"])
def test_split_dates_in_the_future_or_before_the_web_are_not_dates(month: str) -> None:
    def row(day: int, title: str) -> str:
        box = f'<div class="date"><b>{day:02d}</b><span>{month}</span></div>'
        return f'<li>{box}<div class="txt"><a href="/n/{day}.html">{title}</a></div></li>'

    reading = read(
        ul(row(18, "楚雄市召开冬季森林防火工作部署会"), row(9, "市人社局开展根治欠薪冬季专项行动"))
    )
    assert (reading.status, reading.newest) == ("unknown", None)


def test_bootstrap_list_group_rows_are_links() -> None:
    rows = "".join(
        f'<a class="list-group-item" href="/n/{d}"><h5>第{d}号通知公告的标题内容</h5>'
        f"<small>2026-11-{d:02d}</small></a>"
        for d in (4, 16, 12)
    )
    reading = read(f'<div class="list-group">{rows}</div>')
    assert (reading.status, reading.newest, reading.items) == ("ok", date(2026, 11, 16), 3)


def test_a_date_box_beats_a_date_mentioned_in_the_summary() -> None:
    box = '<div class="date"><b>09</b><span>2026-10</span></div>'
    summary = "<p>2026年11月18日，市长主持召开专题会议……</p>"
    rows = [
        f'<li>{box}<a href="/n/{k}.html">市政府召开专题会议研究重点工作{k}</a>{summary}</li>'
        for k in range(2)
    ]
    assert read(ul(*rows)).newest == date(2026, 10, 9)


# -- styles met on unseen sites: boxes by heading, header columns, split years, script lists ----------------


def _page(body: str, title: str = "规划计划_楚雄市人民政府") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def _lis(dates: list[str], prefix: str = "/n") -> str:
    return "".join(
        f'<li><a href="{prefix}/{k}.html">楚雄市召开冬季森林防火工作部署会第{k}期</a><span>{d}</span></li>'
        for k, d in enumerate(dates)
    )


@pytest.mark.parametrize("heading", ["热点推荐", "阅读排行", "最新更新", "相关链接"])
def test_a_box_headed_hot_or_ranking_is_not_the_column(heading: str) -> None:
    main = f'<div class="l"><h2>规划计划</h2><ul class="a">{_lis(["2026-06-20", "2026-05-08"])}</ul></div>'
    hot = ["2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18", "2026-11-17"]
    side = (
        f'<div class="r"><div class="t"><h2>{heading}</h2></div>'
        f'<div class="c"><ul class="a">{_lis(hot, "/h")}</ul></div></div>'
    )
    reading = read(_page(main + side))
    assert (reading.status, reading.newest, reading.items) == ("ok", date(2026, 6, 20), 2)


def test_a_heading_naming_the_column_itself_is_the_list() -> None:
    body = f'<h2>热点专题</h2><ul class="a">{_lis(["2026-11-09", "2026-10-30"])}</ul>'
    assert read(_page(body, "热点专题_楚雄市人民政府")).newest == date(2026, 11, 9)


def test_a_table_column_headed_like_a_hot_box_is_still_a_column() -> None:
    rows = "".join(
        f'<tr><td><a href="/gs/{k}.html">关于2026年度优秀共产党员拟表彰对象的公示{k}</a></td>'
        f"<td>市委组织部</td><td>2026-11-{10 + k}</td></tr>"
        for k in range(4)
    )
    table = f"<table><tr><th>标题</th><th>推荐单位</th><th>发布日期</th></tr>{rows}</table>"
    assert read(_page(table)).newest == date(2026, 11, 13)


def test_marquee_ticker_is_not_the_column() -> None:
    tick = "".join(
        f'<a href="/t/{d}.html">关于城区道路临时交通管制的通告{d}</a>(2026-11-{d})' for d in (20, 21, 22)
    )
    body = f'<marquee>{tick}</marquee><ul class="a">{_lis(["2026-08-14", "2026-07-02"])}</ul>'
    assert read(_page(body)).newest == date(2026, 8, 14)


def test_div_table_header_row_picks_publication_not_effective_date() -> None:
    head = '<li class="head"><p>序号</p><p>标题</p><p>发布日期</p><p>施行日期</p></li>'
    rows = "".join(
        f'<li><p>{k}</p><p><a href="/g/{k}.html">楚雄市城市管理规定第{k}号文件</a></p>'
        f"<p>2026-0{k}-10</p><p>2026-0{k + 1}-10</p></li>"
        for k in (6, 7, 8)
    )
    assert read(_page(f'<ul class="g">{head}{rows}</ul>')).newest == date(2026, 8, 10)


def test_a_row_shaped_like_the_header_is_dated_by_its_column_only() -> None:
    # a letter still 办理中 has no 回复时间; its 来信时间 is not a reply
    rows = (
        '<tr><td><a href="/x/1">关于小区供暖不达标问题的咨询</a></td>'
        "<td>2026-11-21</td><td>——</td><td>办理中</td></tr>"
        '<tr><td><a href="/x/2">关于学校周边交通拥堵问题的咨询</a></td>'
        "<td>2026-11-02</td><td>2026-11-06</td><td>已回复</td></tr>"
    )
    table = f"<table><tr><td>信件标题</td><td>来信时间</td><td>回复时间</td><td>状态</td></tr>{rows}</table>"
    reading = read(_page(table, "市长信箱"))
    assert (reading.status, reading.newest, reading.items) == ("ok", date(2026, 11, 6), 2)


def test_month_day_with_the_year_in_its_own_node() -> None:
    rows = "".join(
        f'<li><div class="d"><p>{md}</p><span>2025</span></div>'
        f'<a href="/p/{md}.html">重点项目建设推进情况通报{md}</a></li>'
        for md in ("10-15", "09-30")
    )
    assert read(ul(rows)).newest == date(2025, 10, 15)


def test_a_year_apart_box_in_the_future_dates_nothing() -> None:
    # "10-15" read alone would become 2026-10-15: a wrong date where the page gives a future (typo) year.
    rows = "".join(
        f'<li><div class="d"><p>{md}</p><span>2027</span></div>'
        f'<a href="/p/{md}.html">重点项目建设推进情况通报{md}</a></li>'
        for md in ("10-15", "09-30")
    )
    reading = read(ul(rows))
    assert reading.newest is None and reading.status == "unknown"


@pytest.mark.parametrize(
    "script",
    [
        "document.getElementById('l').innerHTML = html;",
        "document.write('<li><a href=\"./a.html\">标题</a></li>');",
        "$('#l').html(str);",
    ],
)
def test_list_built_by_inline_script_is_unknown_not_empty(script: str) -> None:
    body = f'<div class="lm">人事信息</div><ul class="list" id="l"></ul><script>{script}</script>'
    assert read(_page(body)).status == "unknown"


@pytest.mark.parametrize(
    "phrase", ["暂无来信", "暂无留言", "暂无相关公告", "暂时没有相关信件", "该栏目下暂无信息"]
)
def test_more_empty_phrases(phrase: str) -> None:
    table = (
        '<table class="xx"><tr><td>信件标题</td><td>来信时间</td></tr>'
        f'<tr><td colspan="2">{phrase}</td></tr></table>'
    )
    assert read(_page(table, "局长信箱")).status == "empty"


def test_column_taken_offline_is_broken_but_a_title_saying_so_is_not() -> None:
    side = (
        '<div class="side"><ul><li><a href="/z/202611/t20261122_1.html">'
        "楚雄市召开冬季森林防火工作部署会</a></li></ul></div>"
    )
    gone = read(_page(f"<div><p>该栏目暂无内容或已下线</p>{side}</div>"))
    assert gone.status == "broken"
    rows = li("关于旧版政务服务网已下线的公告", "<span>2026-11-16</span>") + li(
        "关于部分事项已下线的通知", "<span>2026-11-12</span><p>原系统已下线，信息已删除的请重新提交。</p>"
    )
    assert read(ul(rows)).newest == date(2026, 11, 16)
