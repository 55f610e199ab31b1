"""季通报: the quarterly bulletin as offices write it — 一、总体情况, 二、主要问题, 三、工作要求, 附件 — as a
Word document (python-docx) with charts (`reports.charts`, PNG) and an XLSX annex of the failing items
(`reports.sheetwrite`).

`gather_quarter` reads what happened (read-only); `bulletin_docx` / `bulletin_annex` only lay it out.
python-docx is imported when a document is written: the bot pays for it only then.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from domain.access import administers
from domain.inspection import VetoLine, verdict_line
from domain.model import ItemKind, ReadStatus, State
from reports import charts
from reports.sheetwrite import workbook
from storage.items import LIVE_LOG, Judge, judge_items
from storage.models import Item, PageRead, Site, UpdateLog
from storage.queries import Actor, NotAdmin
from storage.score import score_of
from storage.yearly import end_of, site_owners

__all__ = [
    "ANNEX_HEADERS",
    "PARTS",
    "BulletinFile",
    "BulletinProblem",
    "Problem",
    "QuarterData",
    "bulletin_annex",
    "bulletin_docx",
    "bulletin_files",
    "bulletin_for",
    "bulletin_title",
    "gather_quarter",
    "parse_quarter",
    "previous_quarter",
    "quarter_of",
]

QUARTER = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")
# The kinds of problem, in the order the bulletin names them.
OVERDUE, SILENT, EMPTY, BROKEN, LETTERS = (
    "逾期未更新",
    "政务新媒体2周以上未更新",
    "空白栏目",
    "页面打不开",
    "留言超过3个月未回应",
)
PROBLEM_ORDER = (OVERDUE, SILENT, EMPTY, BROKEN, LETTERS)
PARTS = ("一、总体情况", "二、主要问题", "三、工作要求", "附件：问题清单")
ANNEX_HEADERS = ("序号", "责任单位", "栏目或账号", "问题", "最近更新", "发现日期")


class BulletinProblem(Exception):
    """Said to the person as it stands (Chinese)."""


def parse_quarter(text: str) -> tuple[date, date]:
    """'2026Q4' → (2026-10-01, 2026-12-31)."""
    m = QUARTER.match(text or "")
    if not m:
        raise BulletinProblem(f"季度应写成 2026Q4 的形式（年份加 Q 加 1–4）：{text}")
    year, q = int(m.group(1)), int(m.group(2))
    start = date(year, 3 * q - 2, 1)
    end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    return start, end


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_quarter(day: date) -> str:
    start, _ = parse_quarter(quarter_of(day))
    return quarter_of(start - timedelta(days=1))


@dataclass(frozen=True)
class Problem:
    unit: str
    item: str  # column path, or the account's platform and name
    problem: str
    last_update: date | None
    found_on: date | None


@dataclass
class QuarterData:
    site: str
    year: int
    quarter: int
    start: date
    end: date
    at: date  # the day the state was judged: the quarter's end, or today while it runs
    fix_by: date
    verdict: str
    grade: str
    total: float
    vetoes_triggered: list[str]
    warnings: list[str]
    columns: int  # columns with an update duty
    columns_on_time: int
    accounts_by_platform: dict[str, int]
    accounts_ok: int
    updates_logged: int
    problems: list[Problem]
    weeks: list[str] = field(default_factory=list)  # each week's Monday, MM-DD
    unit_names: list[str] = field(default_factory=list)  # the units with the most updates first
    unit_weekly: list[list[int]] = field(default_factory=list)
    trend_days: list[str] = field(default_factory=list)  # each week's Sunday, and the day judged
    trend_overdue: list[int] = field(default_factory=list)
    trend_empty: list[int] = field(default_factory=list)
    ranking: list[tuple[str, int]] = field(default_factory=list)  # units by problems, most first

    @property
    def accounts(self) -> int:
        return sum(self.accounts_by_platform.values())


def bulletin_title(data: QuarterData) -> str:
    return f"{data.year}年第{data.quarter}季度检查情况通报"


def gather_quarter(
    session: Session, now: datetime, judge: Judge, site: Site, quarter: str, fix_workdays: int = 10
) -> QuarterData:
    """The quarter as the bulletin tells it, judged at its end (or now, while it runs)."""
    start, end = parse_quarter(quarter)
    today = judge.today(now)
    if start > today:
        raise BulletinProblem(f"{quarter} 还没有开始，无法通报。")
    assert site.id is not None
    at = min(end, today)
    moment = now if at == today else end_of(at, judge)
    items, names, owners = site_owners(session, site)
    statuses = judge_items(session, items, judge, moment)
    result = score_of(session, moment, judge, site, fix_first=False, statuses=statuses)
    score, views = result.score, result.views
    lines = judge.policy.lines
    by_id = {i.id: i for i in items if i.id is not None}
    letters_late = {
        i for v in score.vetoes if v.line == "letters_unanswered" and v.triggered for i in v.items
    }

    def unit_of(item_id: int) -> str:
        return "、".join(names[u] for u in owners.get(item_id, ()) if u in names) or "未指定单位"

    problems: list[Problem] = []
    for item_id, v in views.items():
        status, unit = statuses[item_id], unit_of(item_id)
        if v.kind is ItemKind.ACCOUNT and v.days(at) >= lines.account_veto_days:
            silent_from = v.base() + timedelta(days=lines.account_veto_days)
            problems.append(Problem(unit, v.label, SILENT, v.last_update, silent_from))
        elif status.state is State.OVERDUE:
            late_from = status.due + timedelta(days=1) if status.due else None
            problems.append(Problem(unit, v.label, OVERDUE, v.last_update, late_from))
        read_at = by_id[item_id].read_at
        seen = judge.local_day(read_at) if read_at else None
        if v.empty:
            problems.append(Problem(unit, v.label, EMPTY, v.last_update, seen))
        if v.broken:
            problems.append(Problem(unit, v.label, BROKEN, v.last_update, seen))
        if item_id in letters_late and v.open_letters:
            problems.append(Problem(unit, v.label, LETTERS, v.last_update, min(v.open_letters)))
    problems.sort(key=lambda p: (PROBLEM_ORDER.index(p.problem), p.unit, p.item))

    duty = [v for v in views.values() if v.kind is ItemKind.COLUMN and v.has_duty]
    accounts = [v for v in views.values() if v.kind is ItemKind.ACCOUNT]
    data = QuarterData(
        site=site.name,
        year=start.year,
        quarter=(start.month - 1) // 3 + 1,
        start=start,
        end=end,
        at=at,
        fix_by=judge.calendar.add_working_days(today, fix_workdays),
        verdict=verdict_line(score),
        grade=score.grade,
        total=score.total,
        vetoes_triggered=[
            f"{v.label}（{v.value:g}{v.unit}）" for v in score.triggered if v.value is not None
        ],
        warnings=[f"{v.label}（{v.value:g}{v.unit}）" for v in score.warnings if v.value is not None],
        columns=len(duty),
        columns_on_time=sum(1 for c in duty if c.state is not State.OVERDUE),
        accounts_by_platform=dict(Counter(by_id[a.id].platform or "其他" for a in accounts)),
        accounts_ok=sum(1 for a in accounts if a.days(at) < lines.account_veto_days),
        updates_logged=0,
        problems=problems,
    )
    _weekly(session, judge, site, names, owners, data)
    _trend(session, judge, site, items, data)
    per_unit = Counter(name for p in problems for name in p.unit.split("、"))
    data.ranking = per_unit.most_common(15)
    return data


def _lines(lines: Sequence[VetoLine]) -> list[str]:
    return [f"{v.label}（{v.value:g}{v.unit}）" for v in lines if v.value is not None]


def _weekly(
    session: Session,
    judge: Judge,
    site: Site,
    names: dict[int, str],
    owners: dict[int, tuple[int, ...]],
    data: QuarterData,
) -> None:
    """Updates logged per unit and week of the quarter (an update counts for each unit answering for it)."""
    first_monday = data.start - timedelta(days=data.start.weekday())
    n_weeks = (data.at - first_monday).days // 7 + 1
    data.weeks = [f"{(first_monday + timedelta(weeks=k)):%m-%d}" for k in range(n_weeks)]
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * n_weeks)
    total = 0
    for item_id, at in session.exec(
        select(UpdateLog.item_id, UpdateLog.at)
        .join(Item, col(Item.id) == col(UpdateLog.item_id))
        .where(
            Item.site_id == site.id,
            LIVE_LOG,
            UpdateLog.at > end_of(data.start - timedelta(days=1), judge),
            UpdateLog.at <= end_of(data.at, judge),
        )
    ):
        total += 1
        week = (judge.local_day(at) - first_monday).days // 7
        for u in owners.get(item_id, ()):
            if u in names and 0 <= week < n_weeks:
                counts[names[u]][week] += 1
    data.updates_logged = total
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:20]
    data.unit_names = [u for u, _ in ranked]
    data.unit_weekly = [row for _, row in ranked]


def _trend(session: Session, judge: Judge, site: Site, items: Sequence[Item], data: QuarterData) -> None:
    """Overdue items and empty columns at each week's end of the quarter (and on the day judged)."""
    days: list[date] = []
    sunday = data.start + timedelta(days=6 - data.start.weekday())
    while sunday < data.at:
        days.append(sunday)
        sunday += timedelta(days=7)
    days.append(data.at)
    reads = session.exec(
        select(PageRead.item_id, PageRead.at, PageRead.status)
        .join(Item, col(Item.id) == col(PageRead.item_id))
        .where(Item.site_id == site.id, PageRead.at <= end_of(data.at, judge))
        .order_by(col(PageRead.at))
    ).all()
    for day in days:
        moment = end_of(day, judge)
        live = [i for i in items if judge.local_day(i.created_at) <= day]
        statuses = judge_items(session, live, judge, moment) if live else {}
        latest: dict[int, str] = {}
        for item_id, at, status in reads:
            if at <= moment:
                latest[item_id] = status
        data.trend_days.append(f"{day:%m-%d}")
        data.trend_overdue.append(sum(1 for s in statuses.values() if s.state is State.OVERDUE))
        data.trend_empty.append(sum(1 for s in latest.values() if s == ReadStatus.EMPTY))


# ------------------------------------------------------------------------------------------------
# Laying it out


def _cn(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "无记录"


def chart_images(data: QuarterData) -> list[tuple[str, bytes]]:
    """The bulletin's charts: (caption, PNG)."""
    q = f"{data.year}年第{data.quarter}季度"
    out = [
        (
            "图1 各单位每周登记更新条数",
            charts.weekly_updates(
                data.unit_names or ["（无）"],
                data.weeks,
                data.unit_weekly or [[0] * len(data.weeks)],
                f"{q}各单位每周更新条数",
            ),
        ),
        (
            "图2 逾期栏目和账号数量变化",
            charts.overdue_over_time(
                data.trend_days, data.trend_overdue, data.trend_empty, f"{q}逾期与空白栏目（每周末）"
            ),
        ),
    ]
    if data.ranking:
        names, values = zip(*data.ranking, strict=True)
        out.append(("图3 各单位问题项数排名", charts.ranked(names, values, f"{q}各单位问题项数", "问题项数")))
    return out


def _heading(doc: Any, text: str) -> None:
    from docx.shared import Pt

    run = doc.add_paragraph().add_run(text)
    run.bold = True
    run.font.size = Pt(14)


def _picture(doc: Any, caption: str, png: bytes) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc.add_picture(io.BytesIO(png), width=Cm(15.5))
    doc.add_paragraph(caption).alignment = WD_ALIGN_PARAGRAPH.CENTER


def bulletin_docx(data: QuarterData) -> bytes:
    """The bulletin as a Word document: title, the four parts, the charts, the annex table."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    images = chart_images(data)  # first: a missing CJK font refuses before anything is laid out
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    # East Asian text in a CJK font in Word/WPS (python-docx sets only the Latin one by name).
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"关于{data.year}年第{data.quarter}季度{data.site}及政务新媒体检查情况的通报")
    run.bold = True
    run.font.size = Pt(18)
    doc.add_paragraph("各有关单位：")
    doc.add_paragraph(
        f"按照政府网站与政务新媒体检查指标和“日读网、周总结、月提醒、季通报、年评分”工作要求，现将{data.year}年"
        f"第{data.quarter}季度（{_cn(data.start)}至{_cn(data.at)}）检查情况通报如下。"
    )

    _heading(doc, PARTS[0])
    platforms = "、".join(f"{k}{v}个" for k, v in sorted(data.accounts_by_platform.items())) or "无"
    rate = f"{100 * data.columns_on_time / data.columns:.1f}%" if data.columns else "—"
    acc_rate = f"{100 * data.accounts_ok / data.accounts:.1f}%" if data.accounts else "—"
    veto = "；".join(data.vetoes_triggered) or "无"
    doc.add_paragraph(
        f"本季度检查网站1个（{data.site}）、有更新要求的栏目{data.columns}个、政务新媒体账号{data.accounts}个"
        f"（{platforms}），检查比例100%。按检查指标评估，网站{data.grade}（得分{data.total:g}分），"
        f"触发单项否决：{veto}。栏目按时更新{data.columns_on_time}个，按时更新率{rate}；政务新媒体合格"
        f"{data.accounts_ok}个、不合格{data.accounts - data.accounts_ok}个，合格率{acc_rate}。"
        f"本季度共登记更新{data.updates_logged}条。"
    )
    if data.warnings:
        doc.add_paragraph(f"接近否决线的预警：{'；'.join(data.warnings)}。")
    for caption, png in images[:2]:
        _picture(doc, caption, png)

    _heading(doc, PARTS[1])
    grouped: dict[str, list[Problem]] = defaultdict(list)
    for p in data.problems:
        grouped[p.problem].append(p)
    if not grouped:
        doc.add_paragraph("本季度检查未发现问题。")
    numerals = "一二三四五六七八九十"
    for k, kind in enumerate(k for k in PROBLEM_ORDER if k in grouped):
        by_unit: dict[str, list[str]] = defaultdict(list)
        for p in grouped[kind]:
            by_unit[p.unit].append(p.item)
        named = "；".join(f"{u}：{'、'.join(items)}" for u, items in by_unit.items())
        doc.add_paragraph(f"（{numerals[k]}）{kind}，共{len(grouped[kind])}项。{named}。")
    for caption, png in images[2:]:
        _picture(doc, caption, png)

    _heading(doc, PARTS[2])
    doc.add_paragraph(
        f"（一）限期整改。请被通报单位对照附件逐项整改，于{_cn(data.fix_by)}前完成，并将整改情况书面报送网站主管单位。"
    )
    doc.add_paragraph(
        "（二）落实日查和半月查。各单位每天至少浏览一次本单位负责的栏目，每半月开展一次全面检查并报送检查结果和整改情况。"
    )
    doc.add_paragraph(
        "（三）压实责任。动态要闻类栏目2周内、通知公告政策文件类栏目6个月内必须有更新，政务新媒体每周至少更新1条；"
        "出现单项否决情形的，将按规定追究相关责任。"
    )

    _heading(doc, PARTS[3])
    table = doc.add_table(rows=1, cols=len(ANNEX_HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ANNEX_HEADERS, strict=True):
        cell.text = text
    for row in _annex_rows(data):
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = str(value)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _annex_rows(data: QuarterData) -> list[tuple[object, ...]]:
    return [
        (n, p.unit, p.item, p.problem, _cn(p.last_update), _cn(p.found_on))
        for n, p in enumerate(data.problems, 1)
    ]


def bulletin_annex(data: QuarterData) -> bytes:
    """The annex as XLSX: the failing items, and each unit's updates per week."""
    weekly = [(name, *row, sum(row)) for name, row in zip(data.unit_names, data.unit_weekly, strict=True)]
    return workbook(
        [
            ("问题清单", ANNEX_HEADERS, _annex_rows(data)),
            ("各单位每周更新", ("单位", *(f"{w}周" for w in data.weeks), "合计"), weekly),
        ]
    )


# ------------------------------------------------------------------------------------------------
# Asked for in a chat


@dataclass(frozen=True)
class BulletinFile:
    filename: str
    data: bytes
    caption: str


def bulletin_files(data: QuarterData) -> list[BulletinFile]:
    """The bulletin and its annex as files to send, each with a caption that says what it is."""
    title = bulletin_title(data)
    head = f"{data.site} {title}（{data.verdict}；问题{len(data.problems)}项）"
    return [
        BulletinFile(f"{title}.docx", bulletin_docx(data), head),
        BulletinFile(f"{title}_问题清单.xlsx", bulletin_annex(data), f"{data.site} {title} 附件：问题清单"),
    ]


def bulletin_for(
    session: Session, now: datetime, actor: Actor, judge: Judge, quarter: str | None, fix_workdays: int = 10
) -> list[BulletinFile] | NotAdmin | BulletinProblem:
    """/bulletin [2026Q4]: every site's bulletin of the quarter (this quarter so far when none is named), for
    the deployment's administrators."""
    if not administers(actor):
        return NotAdmin()
    try:
        quarter = quarter or quarter_of(judge.today(now))
        parse_quarter(quarter)
        out: list[BulletinFile] = []
        for site in session.exec(select(Site).order_by(col(Site.id))):
            out += bulletin_files(gather_quarter(session, now, judge, site, quarter, fix_workdays))
    except (BulletinProblem, charts.NoCjkFont) as exc:
        return BulletinProblem(str(exc))
    return out
