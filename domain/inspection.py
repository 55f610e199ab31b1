"""How inspectors see a site (全国政府网站普查评分表, 附件4): which columns count for what, and how close the
site is to failing — by a single-veto line (单项否决) or by more than 40 deduction points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.model import Category, ItemKind, State, Status

__all__ = ["Deduction", "SiteAssessment", "VetoLine", "assess_site", "classify"]

# Most specific first: "意见征集" is a survey even though it could be read as a notice, "政策咨询" is
# interactive, "新闻发布会" is news, "发展规划文件" is planning.
_KEYWORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (Category.INTERVIEW, ("访谈",)),
    (Category.SURVEY, ("意见征集", "网上调查", "征集", "调查")),
    (Category.INTERACTIVE, ("信箱", "留言", "咨询", "投诉")),
    (Category.NEWS, ("动态", "要闻", "新闻", "工作动态")),
    (Category.PERSONNEL, ("人事", "规划", "计划")),
    (Category.NOTICE, ("通知公告", "公告", "政策文件", "文件", "政策")),
)


def classify(path: Sequence[str], kind: ItemKind) -> Category:
    """Inspection category of a column from its path (一级/二级/… 栏目), or ACCOUNT for an account.

    A column under 首页 is a home-page column whatever its name (the home page is judged as a whole);
    otherwise the deepest level that has a keyword decides
    ("政务公开 / 政府信息公开目录 / 发展规划" is planning).
    """
    if kind is ItemKind.ACCOUNT:
        return Category.ACCOUNT
    levels = [p.strip() for p in path if p and p.strip()]
    if not levels:
        return Category.OTHER
    if "首页" in levels[0]:
        return Category.HOME
    for level in reversed(levels):
        for category, words in _KEYWORDS:
            if any(w in level for w in words):
                return category
    return Category.OTHER


@dataclass(frozen=True, slots=True)
class VetoLine:
    """A single-veto line: `count` items against a `limit`; approaching from `warn_at`."""

    line: str
    label: str
    count: int
    limit: int
    warn_at: int
    crossed: bool
    approaching: bool


@dataclass(frozen=True, slots=True)
class Deduction:
    line: str
    label: str
    count: int
    points_each: float
    points: float


@dataclass(frozen=True, slots=True)
class SiteAssessment:
    vetoes: tuple[VetoLine, ...]
    deductions: tuple[Deduction, ...]
    points: float  # total deducted
    fail_above: float
    failed: bool

    @property
    def crossed(self) -> tuple[VetoLine, ...]:
        return tuple(v for v in self.vetoes if v.crossed)

    @property
    def approaching(self) -> tuple[VetoLine, ...]:
        return tuple(v for v in self.vetoes if v.approaching)


def _crossed(status: Status) -> bool:
    return status.risk is not None and status.risk.crossed


def _near(status: Status) -> bool:
    return status.risk is not None and not status.risk.crossed


def assess_site(
    items: Sequence[tuple[Category, Status, bool]],
    *,
    fail_above: float = 40.0,
    warn_margin: int = 2,
) -> SiteAssessment:
    """Where the site stands against 附件4, from each column's (category, status, is_empty).

    A line is *approaching* `warn_margin` items before its limit, or when the items already at risk would
    cross it (commercial monitors warn at 10 of 14 days and at more than 2 of 5 empty columns; so do we).
    Accounts are not site columns and do not count here, nor do items without a content duty.
    """
    columns = [
        (c, s, e) for c, s, e in items if c is not Category.ACCOUNT and s.state is not State.NOT_APPLICABLE
    ]
    by = {cat: [s for c, s, _ in columns if c is cat] for cat in Category}
    veto: list[VetoLine] = []

    def line(name: str, label: str, count: int, limit: int, near: int = 0) -> None:
        warn_at = max(1, limit - warn_margin)
        crossed = count >= limit
        approaching = not crossed and (count >= warn_at or count + near >= limit)
        veto.append(VetoLine(name, label, count, limit, warn_at, crossed, approaching))

    def risk_line(name: str, label: str, group: list[Status], limit: int) -> None:
        line(name, label, sum(map(_crossed, group)), limit, sum(map(_near, group)))

    risk_line("home_stale", "首页栏目2周未更新", by[Category.HOME], 1)
    news_notice = by[Category.NEWS] + by[Category.NOTICE]
    risk_line("news_notice_stale", "动态要闻类2周、通知公告政策文件类6个月未更新的栏目", news_notice, 5)
    stale = sum(1 for _, s, _ in columns if s.state is State.OVERDUE or _crossed(s))
    line("stale_columns", "应更新而未更新的栏目", stale, 10)
    line("empty_columns", "空白栏目", sum(1 for _, _, empty in columns if empty), 5)
    risk_line("letters_unanswered", "超过3个月未回应的信件栏目", by[Category.INTERACTIVE], 1)

    deductions: list[Deduction] = []

    def deduct(name: str, label: str, count: int, each: float) -> None:
        if count:
            deductions.append(Deduction(name, label, count, each, count * each))

    deduct("news_stale", "动态要闻类栏目2周未更新", sum(map(_crossed, by[Category.NEWS])), 3)
    deduct("notice_stale", "通知公告、政策文件类栏目6个月未更新", sum(map(_crossed, by[Category.NOTICE])), 4)
    deduct("personnel_stale", "人事、规划计划类栏目1年未更新", sum(map(_crossed, by[Category.PERSONNEL])), 5)
    # "Fewer than 6 a year" is judged once for the site, not per column: one overdue quota is enough.
    survey_short = any(s.state is State.OVERDUE for s in by[Category.SURVEY])
    deduct("survey_short", "调查征集活动全年少于6次", int(survey_short), 3)
    interview_short = any(s.state is State.OVERDUE for s in by[Category.INTERVIEW])
    deduct("interview_short", "在线访谈全年少于6次", int(interview_short), 3)

    points = float(sum(d.points for d in deductions))
    failed = any(v.crossed for v in veto) or points > fail_above
    return SiteAssessment(tuple(veto), tuple(deductions), points, fail_above, failed)
