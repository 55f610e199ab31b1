"""How inspectors see a site (全国政府网站普查评分表, 附件4; 2019 检查指标): which columns count for what,
every single-veto line (单项否决) with the warning line commercial monitors draw before it, the score sheet's
deductions, and the fewest items whose update removes the most risk.

Pure: the site's items come in as `InspectedItem`s and `today` as an argument. Every threshold lives in
`Thresholds`, whose defaults are the indicators' numbers; `bot/config.py` turns settings into one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

from domain.model import ACCOUNT, COLUMN, NOT_APPLICABLE, OVERDUE, Category, ItemKind, State

__all__ = [
    "CATEGORY_NAMES",
    "DEFAULT_THRESHOLDS",
    "Deduction",
    "InspectedItem",
    "Score",
    "Thresholds",
    "VetoLine",
    "category_from_text",
    "classify",
    "render_score",
    "score_dict",
    "score_site",
    "stale_from",
    "verdict_line",
]

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

# What the administrator types to correct a column's category, and what people read.
CATEGORY_NAMES: dict[Category, str] = {
    Category.HOME: "首页",
    Category.NEWS: "动态要闻",
    Category.NOTICE: "通知公告政策文件",
    Category.PERSONNEL: "人事规划",
    Category.INTERACTIVE: "政务咨询",
    Category.SURVEY: "调查征集",
    Category.INTERVIEW: "在线访谈",
    Category.ACCOUNT: "政务新媒体",
    Category.OTHER: "其他",
}
_ALIASES: dict[str, Category] = {
    "首页栏目": Category.HOME,
    "动态": Category.NEWS,
    "要闻": Category.NEWS,
    "通知公告": Category.NOTICE,
    "政策文件": Category.NOTICE,
    "人事": Category.PERSONNEL,
    "规划计划": Category.PERSONNEL,
    "互动": Category.INTERACTIVE,
    "信箱": Category.INTERACTIVE,
    "征集": Category.SURVEY,
    "访谈": Category.INTERVIEW,
}


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


def category_from_text(text: str) -> Category | None:
    """The category an administrator named (首页, 动态要闻, 通知公告政策文件, 人事规划 …, or its code)."""
    word = text.strip()
    for category, name in CATEGORY_NAMES.items():
        if word in (name, category.value):
            return category
    return _ALIASES.get(word)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Every number the inspection lines use. Defaults: 附件4 and the 2019 indicators; the warning lines are
    the ones commercial monitors draw before each veto (首页10天, 空白栏目超过2个, 超过6个栏目不更新, 3%)."""

    home_veto_days: int = 14
    home_warn_days: int = 10
    news_stale_days: int = 14  # 动态、要闻: 2 weeks
    notice_stale_months: int = 6  # 通知公告、政策文件: 6 months
    # "一级栏目": in a list the type's own column sits under a top-level section (政务公开 / 通知公告);
    # columns deeper than this are its sub-columns and count only towards the deductions.
    notice_max_level: int = 2
    personnel_stale_months: int = 12  # 人事、规划计划: 1 year
    news_notice_veto: int = 5
    news_notice_warn: int = 3
    stale_veto: int = 10
    stale_warn: int = 7
    empty_veto: int = 5
    empty_warn: int = 3
    unreachable_veto_pct: float = 5.0
    unreachable_warn_pct: float = 3.0
    letter_veto_months: int = 3
    letter_warn_months: int = 2
    letter_window_months: int = 12  # "监测时间点前1年内"
    account_veto_days: int = 14
    account_warn_days: int = 10
    home_min_updates: int = 10  # fewer in 2 weeks: −5
    yearly_activities: int = 6  # 调查征集, 在线访谈 per year; fewer: −3 each kind
    fail_above_points: float = 40.0


DEFAULT_THRESHOLDS = Thresholds()
# Their activities are counted over a year (每年不少于6次): −3 for each kind short of `yearly_activities`.
YEARLY_COUNTED = frozenset({Category.SURVEY, Category.INTERVIEW})


def counted_days(category: Category, t: Thresholds) -> int:
    """How many days back an item's updates count in the score: a year for the kinds counted yearly, else the
    home page's fortnight (the home group may be every second-level column, so any column's). Older updates
    count only through the item's newest update (`InspectedItem.last_update`)."""
    return 366 if category in YEARLY_COUNTED else t.home_veto_days


@dataclass(frozen=True, slots=True)
class InspectedItem:
    """One tracked item as the inspection sees it: its category, its past year of updates and letters, what
    the website reader found. (The routine's item judged for a day is `domain.notice.InspectedItem`.)"""

    id: int
    label: str  # the column's path, or the account's platform and name
    units: tuple[str, ...]
    kind: ItemKind
    category: Category
    depth: int  # number of path levels
    state: State  # the item's own rule, judged by domain.due
    created: date
    last_update: date | None = None
    # Logged updates (day, items) as far back as the score counts them (`counted_days`): the past year for a
    # survey or an interview column, else the home page's fortnight.
    updates: tuple[tuple[date, int], ...] = ()
    open_letters: tuple[date, ...] = ()  # arrival days of letters not yet answered
    empty: bool = False  # the website reader found the list empty (有栏目无内容)
    broken: bool = False  # the list page does not open
    dead_links: int = 0  # links on its page the daily broken-link check found dead

    def base(self) -> date:
        # A column never updated since it was listed stands as updated on that day (as in domain.due).
        return self.last_update or self.created

    def days(self, today: date) -> int:
        return today.toordinal() - self.base().toordinal()

    @property
    def has_duty(self) -> bool:
        return self.state is not NOT_APPLICABLE


@dataclass(frozen=True, slots=True)
class VetoLine:
    line: str  # machine name
    label: str  # Chinese, for people
    value: float | None  # None: no data (无数据)
    threshold: float
    warn_at: float
    unit: str  # 个, 天, %
    triggered: bool
    warning: bool
    items: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Deduction:
    line: str
    reason: str
    points: float
    items: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Score:
    at: date
    vetoes: tuple[VetoLine, ...]
    deductions: tuple[Deduction, ...]
    points: float  # deducted
    total: float  # 100 − deducted
    failed: bool
    fix_first: tuple[int, ...] = ()

    @property
    def grade(self) -> str:
        return "不合格" if self.failed else "合格"

    @property
    def triggered(self) -> tuple[VetoLine, ...]:
        return tuple(v for v in self.vetoes if v.triggered)

    @property
    def warnings(self) -> tuple[VetoLine, ...]:
        return tuple(v for v in self.vetoes if v.warning)


@cache
def _months_back(d: date, months: int) -> date:
    m = d.year * 12 + d.month - 1 - months
    year, month0 = divmod(m, 12)
    day = d.day
    while True:
        try:
            return date(year, month0 + 1, day)
        except ValueError:  # 31 March − 1 month: the end of February
            day -= 1


def _older_than(d: date, today: date, months: int) -> bool:
    """`d` lies before the window of `months` that ends today (附件4: 3月1日往前2个月 = 1月1日起)."""
    return d < _months_back(today, months)


def stale_from(d: date, months: int) -> date:
    """The first day on which `d` lies before the window of `months` (a column last updated on `d` is "not
    updated within 6 months" from then on): what the due engine marks an item by, counted as here."""
    day = _months_back(d, -months)
    while not _older_than(d, day, months):
        day = date.fromordinal(day.toordinal() + 1)
    return day


def _days(n: int) -> str:
    return f"{n // 7}周" if n % 7 == 0 else f"{n}天"


def _months(n: int) -> str:
    return f"{n // 12}年" if n % 12 == 0 else f"{n}个月"


def _count_line(
    name: str, label: str, items: Sequence[InspectedItem], veto: int, warn: int, unit: str = "个"
) -> VetoLine:
    n = len(items)
    ids = tuple(i.id for i in items)
    return VetoLine(name, label, n, veto, warn, unit, n >= veto, warn <= n < veto, ids)


# The categories the passes over every column compare with (plain names: see `domain.model`'s).
_HOME, _NEWS, _NOTICE, _ACCOUNTS = Category.HOME, Category.NEWS, Category.NOTICE, Category.ACCOUNT


def _columns(views: Iterable[InspectedItem]) -> list[InspectedItem]:
    """The columns with an update duty: what most lines and deductions count."""
    return [v for v in views if v.kind is COLUMN and v.has_duty]


def _home_group(columns: Sequence[InspectedItem]) -> list[InspectedItem]:
    home = [c for c in columns if c.category is _HOME]
    if home:
        return home
    # 如首页仅为网站栏目导航入口，则检查所有二级页面栏目信息的更新情况.
    return [c for c in columns if c.depth == 2 and c.category is not _ACCOUNTS]


def _site_lines(
    views: Sequence[InspectedItem],
    columns: Sequence[InspectedItem],
    home: Sequence[InspectedItem],
    today: date,
    t: Thresholds,
    unreachable_pct: float | None,
) -> list[VetoLine]:
    accounts = [v for v in views if v.kind is ACCOUNT and v.has_duty]
    lines: list[VetoLine] = []

    if home:
        ages = [c.days(today) for c in home]
        days = min(ages)
        # Oldest first, when the line warns (the home group may be every second-level column: not sorted
        # for nothing).
        stale = (
            tuple(c.id for _, c in sorted(zip(ages, home, strict=True), key=lambda ac: -ac[0]))
            if days >= t.home_warn_days
            else ()
        )
        lines.append(
            VetoLine(
                "home_stale",
                "首页栏目未更新天数",
                days,
                t.home_veto_days,
                t.home_warn_days,
                "天",
                days >= t.home_veto_days,
                t.home_warn_days <= days < t.home_veto_days,
                stale,
            )
        )
    else:
        lines.append(
            VetoLine(
                "home_stale",
                "首页栏目未更新天数",
                None,
                t.home_veto_days,
                t.home_warn_days,
                "天",
                False,
                False,
                (),
            )
        )

    news_notice = [
        c
        for c in columns
        if (c.category is _NEWS and c.days(today) >= t.news_stale_days)
        or (
            c.category is _NOTICE
            and c.depth <= t.notice_max_level
            and _older_than(c.base(), today, t.notice_stale_months)
        )
    ]
    lines.append(
        _count_line(
            "news_notice_stale",
            f"动态要闻类{_days(t.news_stale_days)}、通知公告政策文件类{_months(t.notice_stale_months)}未更新的栏目",
            news_notice,
            t.news_notice_veto,
            t.news_notice_warn,
        )
    )
    overdue = [c for c in columns if c.state is OVERDUE]
    lines.append(_count_line("stale_columns", "应更新而未更新的栏目", overdue, t.stale_veto, t.stale_warn))
    empty = [c for c in columns if c.empty]
    lines.append(_count_line("empty_columns", "空白栏目", empty, t.empty_veto, t.empty_warn))

    if unreachable_pct is None:
        lines.append(
            VetoLine(
                "unreachable",
                "首页无法访问次数占比",
                None,
                t.unreachable_veto_pct,
                t.unreachable_warn_pct,
                "%",
                False,
                False,
                (),
            )
        )
    else:
        pct = round(unreachable_pct, 2)
        lines.append(
            VetoLine(
                "unreachable",
                "首页无法访问次数占比",
                pct,
                t.unreachable_veto_pct,
                t.unreachable_warn_pct,
                "%",
                pct >= t.unreachable_veto_pct,
                t.unreachable_warn_pct <= pct < t.unreachable_veto_pct,
                (),
            )
        )

    window = _months_back(today, t.letter_window_months)
    # Items carry letters only when they are letter columns (storage decides: 政务咨询 by category, or by the
    # leaf's own name, as 首页 / 市长信箱 is both a home-page column and a mailbox).
    letters = [c for c in views if c.open_letters]

    def late_letters(months: int) -> list[InspectedItem]:
        return [
            c
            for c in letters
            if any(window <= d and _older_than(d, today, months) for d in c.open_letters)
            # a letter that arrived more than `months` ago, in the past year, still unanswered
        ]

    veto_letters = late_letters(t.letter_veto_months)
    warn_letters = [c for c in late_letters(t.letter_warn_months) if c not in veto_letters]
    lines.append(
        VetoLine(
            "letters_unanswered",
            f"超过{_months(t.letter_veto_months)}未回应留言的政务咨询栏目",
            len(veto_letters),
            1,
            1,
            "个",
            bool(veto_letters),
            not veto_letters and bool(warn_letters),
            tuple(c.id for c in (veto_letters or warn_letters)),
        )
    )

    silent = [a for a in accounts if a.days(today) >= t.account_veto_days]
    near = [a for a in accounts if t.account_warn_days <= a.days(today) < t.account_veto_days]
    lines.append(
        VetoLine(
            "account_silent",
            f"{_days(t.account_veto_days)}无更新的政务新媒体账号",
            len(silent),
            1,
            1,
            "个",
            bool(silent),
            not silent and bool(near),
            tuple(a.id for a in (silent or near)),
        )
    )
    return lines


def _deductions(
    views: Sequence[InspectedItem],
    columns: Sequence[InspectedItem],
    home: Sequence[InspectedItem],
    today: date,
    t: Thresholds,
    unreachable_pct: float | None,
    home_dead: int = 0,
) -> list[Deduction]:
    out: list[Deduction] = []

    def each(line: str, reason: str, items: Sequence[InspectedItem], points: float) -> None:
        if items:
            out.append(Deduction(line, reason, round(points * len(items), 1), tuple(i.id for i in items)))

    by: dict[Category, list[InspectedItem]] = {cat: [] for cat in Category}
    for c in columns:
        by[c.category].append(c)
    each(
        "news_stale",
        f"动态要闻类栏目{_days(t.news_stale_days)}内未更新，每栏扣3分",
        [c for c in by[Category.NEWS] if c.days(today) >= t.news_stale_days],
        3,
    )
    each(
        "notice_stale",
        f"通知公告、政策文件类栏目{_months(t.notice_stale_months)}内未更新，每栏扣4分",
        [c for c in by[Category.NOTICE] if _older_than(c.base(), today, t.notice_stale_months)],
        4,
    )
    each(
        "personnel_stale",
        f"人事、规划计划类栏目{_months(t.personnel_stale_months)}内未更新，每栏扣5分",
        [c for c in by[Category.PERSONNEL] if _older_than(c.base(), today, t.personnel_stale_months)],
        5,
    )
    if home:
        since = today - timedelta(days=t.home_veto_days)
        done = sum(n for c in home for d, n in c.updates if since < d <= today)
        if done < t.home_min_updates:
            out.append(
                Deduction(
                    "home_few_updates",
                    f"首页栏目{_days(t.home_veto_days)}内更新{done}条，少于{t.home_min_updates}条，扣5分",
                    5,
                    tuple(c.id for c in home),
                )
            )
    year_ago = _months_back(today, 12)
    for cat, line, word in (
        (Category.SURVEY, "survey_short", "调查征集"),
        (Category.INTERVIEW, "interview_short", "在线访谈"),
    ):
        group = by[cat]
        if not group:
            continue
        done = sum(n for c in group for d, n in c.updates if year_ago < d <= today)
        if done < t.yearly_activities:
            reason = f"{word}活动1年内开展{done}次，少于{t.yearly_activities}次，扣3分"
            out.append(Deduction(line, reason, 3, tuple(c.id for c in group)))
    if unreachable_pct is not None and unreachable_pct >= 1:
        pct = math.floor(unreachable_pct)
        out.append(
            Deduction("unreachable", f"首页无法访问占比{unreachable_pct:.1f}%，每1%扣5分", 5 * pct, ())
        )
    # A link that does not open: a column whose own page does not open (its link is dead wherever it is
    # shown), and each dead link the daily check found on the home page (`home_dead`, the columns' own pages
    # not counted again) or on a column's page.
    home_ids = {c.id for c in home}
    broken_home = [c for c in columns if c.broken and c.id in home_ids]
    if n := len(broken_home) + home_dead:
        ids = tuple(c.id for c in broken_home)
        out.append(Deduction("broken_home", f"首页链接打不开{n}个，每个扣1分", n, ids))
    broken_other = [c for c in columns if c.broken and c.id not in home_ids]
    # Dead links count on every column's page, a column with no update duty too (友情链接, 外链 lists).
    on_pages = [v for v in views if v.kind is COLUMN and v.dead_links]
    if n := len(broken_other) + sum(c.dead_links for c in on_pages):
        ids = tuple(dict.fromkeys(c.id for c in (*broken_other, *on_pages)))
        out.append(Deduction("broken_other", f"其他页面链接打不开{n}个，每个扣0.1分", round(0.1 * n, 1), ids))
    return out


def _assess(
    views: Sequence[InspectedItem],
    today: date,
    t: Thresholds,
    unreachable_pct: float | None,
    home_dead: int = 0,
) -> Score:
    columns = _columns(views)
    home = _home_group(columns)
    lines = _site_lines(views, columns, home, today, t, unreachable_pct)
    deductions = _deductions(views, columns, home, today, t, unreachable_pct, home_dead)
    points = round(sum(d.points for d in deductions), 1)
    failed = any(v.triggered for v in lines) or points > t.fail_above_points
    return Score(today, tuple(lines), tuple(deductions), points, round(100 - points, 1), failed)


def _fixed(view: InspectedItem, today: date) -> InspectedItem:
    """The item as it would stand if it were put right today: updated, not empty, its letters answered."""
    return replace(
        view,
        last_update=today,
        state=State.FRESH,
        updates=(*view.updates, (today, 1)),
        open_letters=(),
        empty=False,
        broken=False,
        dead_links=0,
    )


def _excess(line: VetoLine, limit: float) -> float:
    # How far past the line: 6 empty columns against 5 need two filled; a day count needs one update.
    if line.value is None:
        return 0.0
    return float(line.value - limit + 1) if line.unit == "个" else 1.0


def _risk(score: Score, t: Thresholds) -> tuple[int, float, float, int, float, float]:
    over = max(0.0, score.points - t.fail_above_points)
    vetoed = sum(_excess(v, v.threshold) for v in score.triggered)
    warned = sum(_excess(v, v.warn_at) for v in score.warnings)
    return len(score.triggered), vetoed, over, len(score.warnings), warned, score.points


def _fix_first(
    views: Sequence[InspectedItem],
    today: date,
    t: Thresholds,
    unreachable_pct: float | None,
    limit: int,
    home_dead: int = 0,
    assessed: Score | None = None,
) -> tuple[int, ...]:
    """Greedy: the item whose fixing lowers the risk most (vetoes first, then points over the fail line,
    then warnings, then points), again until the site passes — or, when it passes already, until its warnings
    are gone. Exact minimum set cover is not worth it; greedy is within a small factor and each pick is
    explainable.

    Fixing an item changes the score only through the lines and deductions that list it and its category's
    lines, and two items of one category listed by the same ones change it alike (a count drops by one, the
    home page's newest day becomes today, a deduction loses one item's points). So each round tries one item
    per distinct category and set of lines — the one with the smallest id, as a try of every item in id
    order would pick — not every item: a few assessments a round instead of one per listed item, which on a
    site of tens of thousands of items took hours."""
    current = list(views)
    index = {v.id: k for k, v in enumerate(current)}
    # `assessed`: the caller's assessment of these very views (not made twice).
    score = assessed if assessed is not None else _assess(current, today, t, unreachable_pct, home_dead)
    passing = not score.failed
    chosen: list[int] = []
    while len(chosen) < limit:
        risk = _risk(score, t)
        if risk[0] == 0 and risk[2] == 0.0 and (not passing or risk[3] == 0):
            break
        candidates: set[int] = set()
        for line in score.vetoes:
            if line.triggered or (passing and line.warning):
                candidates.update(line.items)
        for d in score.deductions:
            candidates.update(d.items)
        candidates.difference_update(chosen)
        # Every line and deduction listing each candidate (a warning line too: fixing moves its value).
        listed: dict[int, list[str]] = {item_id: [] for item_id in candidates}
        for name, items in [(v.line, v.items) for v in score.vetoes] + [
            ("-" + d.line, d.items) for d in score.deductions
        ]:
            for item_id in items:
                if item_id in listed:
                    listed[item_id].append(name)
        # Of one category too: a mailbox on the home page (首页 / 市长信箱) is listed by the letters line
        # only, yet fixing it also makes the home page fresh, which another mailbox's fix does not.
        same: dict[tuple[frozenset[str], Category], int] = {}
        for item_id in sorted(listed):
            same.setdefault((frozenset(listed[item_id]), current[index[item_id]].category), item_id)
        best: tuple[tuple[int, float, float, int, float, float], int, Score] | None = None
        for item_id in sorted(same.values()):
            trial = list(current)
            trial[index[item_id]] = _fixed(current[index[item_id]], today)
            s = _assess(trial, today, t, unreachable_pct, home_dead)
            key = _risk(s, t)
            if best is None or key < best[0]:
                best = (key, item_id, s)
        if best is None or best[0] >= risk:
            break  # nothing the items can fix (e.g. an unreachable site): stop rather than list noise
        _, item_id, score = best
        current[index[item_id]] = _fixed(current[index[item_id]], today)
        chosen.append(item_id)
    return tuple(chosen)


def score_site(
    views: Iterable[InspectedItem],
    today: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    unreachable_pct: float | None = None,
    home_dead_links: int = 0,
    fix_limit: int = 20,
) -> Score:
    """The site as an inspector would grade it on `today`: every veto line (value against threshold, with
    the warning line before it), the deductions the data supports, the grade, and what to fix first.

    `unreachable_pct` is the share of failed home-page probes over the past week (None: no probes, 无数据);
    `home_dead_links` the dead links the daily check found on the home page (a column's own page, dead, is
    the column's `broken`, not counted here again).
    A site fails on any veto line or on more than `fail_above_points` deducted.
    """
    items = list(views)
    score = _assess(items, today, thresholds, unreachable_pct, home_dead_links)
    fix = _fix_first(items, today, thresholds, unreachable_pct, fix_limit, home_dead_links, score)
    return replace(score, fix_first=fix)


# ------------------------------------------------------------------------------------------------
# What people read, and the JSON contract of `zhiri score --json`

_ITEMS_SHOWN = 10


def _value_text(line: VetoLine) -> str:
    if line.value is None:
        return "无数据"
    value = f"{line.value:g}" if isinstance(line.value, float) else str(line.value)
    return f"{value}{line.unit}"


def _limit_text(line: VetoLine) -> str:
    veto, warn = f"{line.threshold:g}{line.unit}", f"{line.warn_at:g}{line.unit}"
    if line.threshold == line.warn_at:
        return f"{veto}即否决"
    return f"{veto}否决，{warn}预警"


def _item_text(view: InspectedItem, today: date) -> str:
    units = "、".join(view.units) or "未指定单位"
    if view.last_update is None:
        seen = "无更新记录"
    else:
        seen = f"最后更新{view.last_update.month}月{view.last_update.day}日（{view.days(today)}天前）"
    problems = [p for p, on in (("空白栏目", view.empty), ("页面打不开", view.broken)) if on]
    if view.open_letters:
        oldest = min(view.open_letters)
        problems.append(f"有{oldest.month}月{oldest.day}日来信未办结")
    return f"{view.label}（{units}；{'；'.join([seen, *problems])}）"


def verdict_line(score: Score) -> str:
    """One line for /status and the weekly summary."""
    if score.triggered:
        worst = "、".join(f"{v.label}{_value_text(v)}" for v in score.triggered[:2])
        more = f"等{len(score.triggered)}项" if len(score.triggered) > 2 else ""
        return f"检查风险：不合格（单项否决：{worst}{more}）"
    if score.failed:
        return f"检查风险：不合格（扣{score.points:g}分，超过扣分上限）"
    warn = f"，预警{len(score.warnings)}项" if score.warnings else ""
    return f"检查风险：合格（得分{score.total:g}{warn}）"


def render_score(site: str, score: Score, views: dict[int, InspectedItem], scope: str | None = None) -> str:
    """The score as a plain-text report (the CLI and /score)."""
    today = score.at
    head = f"{site}{f'（{scope}）' if scope else ''} {today.year}年{today.month}月{today.day}日"
    out = [head, verdict_line(score), "", "单项否决指标："]
    for line in score.vetoes:
        mark = "✗" if line.triggered else ("!" if line.warning else ("-" if line.value is None else "✓"))
        word = (
            "触发"
            if line.triggered
            else ("预警" if line.warning else ("无数据" if line.value is None else "正常"))
        )
        out.append(f"[{mark}] {line.label}：{_value_text(line)}（{_limit_text(line)}）{word}")
        if line.triggered or line.warning:
            shown = [views[i] for i in line.items[:_ITEMS_SHOWN] if i in views]
            out.extend(f"    · {_item_text(v, today)}" for v in shown)
            if len(line.items) > _ITEMS_SHOWN:
                out.append(f"    · 等{len(line.items)}项")
    out.append("")
    if score.deductions:
        out.append(f"扣分项（共扣{score.points:g}分，得分{score.total:g}；扣分超过40分不合格）：")
        for d in score.deductions:
            n = f"，{len(d.items)}项" if d.items else ""
            out.append(f"  −{d.points:g} {d.reason}{n}")
    else:
        out.append("扣分项：无（按现有数据）")
    out.append("")
    if score.fix_first:
        out.append("优先整改（更新以下栏目或账号，消除风险最多）：")
        out.extend(
            f"  {k}. {_item_text(views[i], today)}" for k, i in enumerate(score.fix_first, 1) if i in views
        )
    else:
        out.append("优先整改：无")
    return "\n".join(out)


def _item_dict(view: InspectedItem, today: date) -> dict[str, object]:
    return {
        "id": view.id,
        "item": view.label,
        "kind": view.kind.value,
        "category": view.category.value,
        "units": list(view.units),
        "last_update": view.last_update.isoformat() if view.last_update else None,
        "days": view.days(today),
    }


def score_dict(site: str, score: Score, views: dict[int, InspectedItem]) -> dict[str, object]:
    """`zhiri score --json`: {"site", "at", "grade", "total", "vetoes", "deductions", "fix_first"}."""
    today = score.at

    def items(ids: Sequence[int]) -> list[dict[str, object]]:
        return [_item_dict(views[i], today) for i in ids if i in views]

    return {
        "site": site,
        "at": today.isoformat(),
        "grade": score.grade,
        "total": score.total,
        "vetoes": [
            {
                "line": v.line,
                "value": v.value,
                "threshold": v.threshold,
                "triggered": v.triggered,
                "warning": v.warning,
                "items": items(v.items),
            }
            for v in score.vetoes
        ],
        "deductions": [
            {"reason": d.reason, "points": d.points, "items": items(d.items)} for d in score.deductions
        ],
        "fix_first": items(score.fix_first),
    }
