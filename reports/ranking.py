"""年评分 as a workbook: the units ranked with their points by part and the facts behind them, the rule of
each part written out, and a chart of the ranking."""

from __future__ import annotations

from collections.abc import Sequence

from domain.yearly import TOTAL, YEAR_PARTS, Ranked, UnitYear, rank_units
from reports import charts
from reports.sheetwrite import workbook

__all__ = ["RANK_HEADERS", "rank_chart", "rank_workbook"]

RANK_HEADERS: tuple[str, ...] = (
    "名次",
    "单位",
    *(f"{name}（{points}分）" for name, points, _ in YEAR_PARTS),
    TOTAL,
    "按时次数/检查次数",
    "逾期天数合计",
    "完成数量要求/数量要求栏目",
    "日查确认天数/工作日",
    "半月查答复/应答复",
    "单项否决项",
)


def rank_chart(year: int, ranked: Sequence[Ranked], top: int = 30) -> bytes:
    """The first `top` units' totals as bars, the best at the top."""
    shown = list(ranked)[:top]
    return charts.ranked(
        [u.unit for _, u, _ in shown],
        [p[TOTAL] for _, _, p in shown],
        f"{year}年各单位年度评分（前{len(shown)}名）",
        TOTAL,
    )


def _row(rank: int, u: UnitYear, pts: dict[str, float]) -> tuple[object, ...]:
    return (
        rank,
        u.unit,
        *(pts[name] for name, _, _ in YEAR_PARTS),
        pts[TOTAL],
        f"{u.checks_on_time}/{u.checks}",
        u.overdue_days,
        f"{u.quotas_met}/{u.quotas}",
        f"{u.read_days}/{u.workdays}",
        f"{u.halfmonth_returned}/{u.halfmonth_expected}",
        u.vetoes,
    )


def rank_workbook(year: int, units: Sequence[UnitYear]) -> bytes:
    """The XLSX bytes: 年度评分 (ranked), 评分规则 (each part's rule), 图表 (the ranking drawn)."""
    ranked = rank_units(units)
    rules = [(name, points, rule) for name, points, rule in YEAR_PARTS]
    rules.append((TOTAL, 100, "各部分相加；总分相同的名次并列"))
    pictures = [("图表", rank_chart(year, ranked))] if ranked else []
    return workbook(
        [
            (f"{year}年度评分", RANK_HEADERS, [_row(*r) for r in ranked]),
            ("评分规则", ("部分", "分值", "计分规则"), rules),
        ],
        pictures,
    )
