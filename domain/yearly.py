"""年评分: each unit's yearly score, with the rule of each part written out, and the units ranked.

The shell gathers each unit's year (`storage.yearly.unit_years`: month-end checks, quantity rules, 日查
confirmations, half-month answers, veto lines); this module scores and ranks it. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["TOTAL", "YEAR_PARTS", "Ranked", "UnitYear", "rank_units", "year_points"]

TOTAL = "总分"


@dataclass(frozen=True, slots=True)
class UnitYear:
    unit: str
    checks: int  # item × month-end checks (an item counts from the month it came onto the list)
    checks_on_time: int  # of those, not overdue
    overdue_days: int  # days late, summed over the month-end checks
    quotas: int  # items with a quantity rule (每年不少于6次 …)
    quotas_met: int  # of those, met for their period at the year's end (or today while it runs)
    workdays: int  # working days of the year so far: a daily read to confirm on each
    read_days: int  # of those, days a group of the unit confirmed the read (已巡查)
    halfmonth_expected: int  # items × half-month checks of the year so far
    halfmonth_returned: int  # of those, answered (正常 or a problem with its fix)
    vetoes: int  # items of the unit behind a triggered single-veto line at the year's end


# (part, points, the rule as people read it): the workbook's 评分规则 sheet prints these.
YEAR_PARTS: tuple[tuple[str, int, str], ...] = (
    ("按时更新", 30, "每月末检查本单位栏目和账号，未逾期的次数所占比例 × 30"),
    ("逾期天数", 20, "20 − 各月末逾期天数合计 ÷ 10，最低0分"),
    ("数量要求", 15, "完成数量要求（如每年不少于6次）的栏目所占比例 × 15；无此类栏目得满分"),
    ("日查确认", 15, "工作日中本单位群组点击“已巡查”的天数所占比例 × 15；没有绑定群组的不得分"),
    ("半月查报送", 10, "半月查清单中已答复的栏目次数所占比例 × 10"),
    ("单项否决", 10, "10 − 年末处于单项否决线的栏目或账号每项5分，最低0分"),
)


def _share(part: int, whole: int, empty: float) -> float:
    return part / whole if whole else empty


def year_points(u: UnitYear) -> dict[str, float]:
    """The unit's points by part (see `YEAR_PARTS`, rounded to one decimal) and the total (`TOTAL`)."""
    pts = {
        "按时更新": 30 * _share(u.checks_on_time, u.checks, 1.0),
        "逾期天数": max(0.0, 20 - u.overdue_days / 10),
        "数量要求": 15 * _share(u.quotas_met, u.quotas, 1.0),
        "日查确认": 15 * _share(u.read_days, u.workdays, 0.0),
        "半月查报送": 10 * _share(u.halfmonth_returned, u.halfmonth_expected, 1.0),
        "单项否决": max(0.0, 10 - 5 * u.vetoes),
    }
    out = {k: round(v, 1) for k, v in pts.items()}
    out[TOTAL] = round(sum(pts.values()), 1)
    return out


Ranked = tuple[int, UnitYear, dict[str, float]]


def rank_units(units: Sequence[UnitYear]) -> list[Ranked]:
    """Best first; equal totals share a rank (1, 1, 3), listed by name."""
    scored = sorted(((u, year_points(u)) for u in units), key=lambda x: (-x[1][TOTAL], x[0].unit))
    out: list[Ranked] = []
    for n, (u, pts) in enumerate(scored, 1):
        rank = out[-1][0] if out and out[-1][2][TOTAL] == pts[TOTAL] else n
        out.append((rank, u, pts))
    return out
