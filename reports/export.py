"""The whole list back as a spreadsheet an office would print: every level, the rule and what it means,
who answers for it, when it was last updated and where it stands today.

The export reads like the list it came from, so importing it again changes nothing: the columns the import
reads (levels, 更新时限要求, 责任单位 with （牵头）, 最近更新, 栏目地址, 备注 …) carry the stored values,
and the columns it adds (要求解读, 网站维护员, 更新来源, 到期日, 状态) are ones the import ignores. Items an
administrator retired are listed as 已停更 with their reason in the 停更 column, which the import reads back:
re-importing the export keeps them retired.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from domain.due import Policy
from domain.model import ItemKind, Role, Rule, State, Status, UpdateSource
from domain.rules import describe_rule, parse_rule
from domain.text import UNKNOWN_LAST, owing, state_words, whose
from reports.sheetwrite import RowStyle, SheetRows, save_with_rows, text_cells
from sheetread.sheets import LEVEL_NAMES
from storage.db import session_scope
from storage.items import LIVE_COLUMNS, Judge, LiveItem, judge_items, plain_rows
from storage.models import Item, ItemUnit, Membership, Person, Site, Unit
from storage.score import risk_by_item, score_of
from storage.sites import site_judge, site_named

__all__ = [
    "FILLS",
    "SOURCE_LABELS",
    "ExportProblem",
    "ExportSummary",
    "export_list",
    "run_export",
]

SOURCE_LABELS: dict[str, str] = {
    UpdateSource.DONE: "机器人登记",
    UpdateSource.BUTTON: "机器人登记",
    UpdateSource.WEBSITE: "网站读取",
    UpdateSource.IMPORT: "导入",
    UpdateSource.ADMIN: "系统管理员",
}
# Row fills by state; overdue is the one a leader's eye must land on.
FILLS = {
    State.OVERDUE.value: "FFC7CE",
    State.DUE_TODAY.value: "FFEB9C",
    State.DUE_SOON.value: "FFF2CC",
    State.NEEDS_RULE.value: "E4DFEC",
    "retired": "D9D9D9",
}
HEAD_FILL = "D9E1F2"

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


class ExportProblem(Exception):
    """The export cannot be made (no such site, file not writable). The message is Chinese."""


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    site: str
    columns: int
    accounts: int
    overdue: int
    needs_rule: int

    def render(self) -> str:
        return (
            f"已导出到 {self.path}：网站“{self.site}”，栏目 {self.columns} 个，"
            f"政务新媒体账号 {self.accounts} 个，"
            f"其中已逾期 {self.overdue} 个，待补充规则 {self.needs_rule} 个。"
        )


class _More(NamedTuple):
    """The columns of an item the export reads beyond a `LiveItem`'s (which the judgement and the score read
    too): rows, not ORM objects (building a province's objects was seconds and hundreds of megabytes)."""

    handle: str | None
    content: str | None
    note: str | None
    last_update_at: datetime | None
    last_update_source: UpdateSource | None
    retired_at: datetime | None
    retired_reason: str | None
    source_sheet: str | None
    source_row: int | None


_ITEM_COLUMNS = (*LIVE_COLUMNS, *(col(getattr(Item, name)) for name in _More._fields))


@dataclass(frozen=True)
class _Line:
    item: LiveItem
    more: _More
    status: Status  # judged for today, read-only
    units: str
    webmasters: str
    meaning: str


def _units_text(names: Sequence[tuple[str, bool]]) -> str:
    """Lead units first, marked （牵头） when there is more than one unit."""
    ordered = sorted(names, key=lambda n: not n[1])
    if len(ordered) == 1 and ordered[0][1]:
        return ordered[0][0]
    return "、".join(f"{name}（牵头）" if lead else name for name, lead in ordered)


def _meaning(item: LiveItem, judge: Judge) -> str:
    rule = parse_rule(item.rule_text)
    if rule.ok:
        return describe_rule(rule, judge.policy)
    if item.kind == ItemKind.ACCOUNT and not item.rule_text.strip():
        gap = judge.policy.account_default_gap
        default = describe_rule(Rule(text="", ok=True, max_gap=gap))
        return f"未填写，按政务新媒体默认要求：{default}"
    return rule.reason or "更新要求无法识别，请补充"


# Live items, and those an administrator retired (shown as 已停更); items that only left the list are not
# listed.
_LISTED = or_(col(Item.retired_at).is_(None), col(Item.retired_by_admin).is_(True))
RETIRED_LABEL = "已停更"


def _retired(more: _More) -> str:
    return f"{RETIRED_LABEL}：{more.retired_reason}" if more.retired_reason else RETIRED_LABEL


def _state_key(ln: _Line) -> str:
    return "retired" if ln.more.retired_at is not None else ln.status.state.value


def _lines(session: Session, now: datetime, judge: Judge, site: Site) -> list[_Line]:
    # By id: judged a keyset page at a time (`judge_items`); then in the list's own order.
    width = len(LiveItem._fields)
    rows_read = [
        (LiveItem._make(row[:width]), _More._make(row[width:]))
        for row in plain_rows(
            session,
            sa_select(*_ITEM_COLUMNS).where(col(Item.site_id) == site.id, _LISTED).order_by(col(Item.id)),
        )
    ]
    links: dict[int, list[tuple[str, bool, int]]] = {}
    rows = session.exec(
        select(ItemUnit.item_id, Unit.name, ItemUnit.lead, Unit.id)
        .join(Unit, col(Unit.id) == ItemUnit.unit_id)
        .join(Item, col(Item.id) == ItemUnit.item_id)
        .where(Item.site_id == site.id, _LISTED)
        .order_by(col(ItemUnit.item_id), col(Unit.id))
    )
    for item_id, name, lead, unit_id in rows:
        assert unit_id is not None
        links.setdefault(item_id, []).append((name, lead, unit_id))
    webmasters: dict[int, list[str]] = {}
    lead_units = {uid for names in links.values() for _n, lead, uid in names if lead}
    if lead_units:
        # The site's webmasters (joined by site: no statement grows with its units), kept for lead units.
        people = session.exec(
            select(Membership.unit_id, Person.name, Person.username)
            .join(Person, col(Person.id) == Membership.person_id)
            .join(Unit, col(Unit.id) == Membership.unit_id)
            .where(
                Unit.site_id == site.id,
                Membership.role == Role.WEBMASTER,
                col(Membership.active).is_(True),
            )
            .order_by(col(Membership.id))
        )
        for unit_id, name, username in people:
            if unit_id not in lead_units:
                continue
            shown = name or (f"@{username}" if username else "")
            if shown and shown not in webmasters.setdefault(unit_id, []):
                webmasters[unit_id].append(shown)
    # Judged for today without writing: an export takes no write lock (SQLite would lock out the running bot).
    statuses = judge_items(session, [item for item, _ in rows_read], judge, now)
    rows_read.sort(
        key=lambda r: (
            r[0].kind != ItemKind.COLUMN,
            r[1].source_sheet or "",
            r[1].source_row or 10**9,
            r[0].id,
        )
    )
    meanings: dict[tuple[bool, str], str] = {}  # a province's rules are a few dozen texts
    out: list[_Line] = []
    for item, more in rows_read:
        names = links.get(item.id, [])
        keepers = [w for _n, lead, uid in names if lead for w in webmasters.get(uid, [])]
        said = (item.kind == ItemKind.ACCOUNT, item.rule_text)
        if said not in meanings:
            meanings[said] = _meaning(item, judge)
        out.append(
            _Line(
                item=item,
                more=more,
                status=statuses[item.id],
                units=_units_text([(n, lead) for n, lead, _uid in names]),
                webmasters="、".join(dict.fromkeys(keepers)),
                meaning=meanings[said],
            )
        )
    return out


def _sheet(
    ws: WriteOnlyWorksheet,
    title: str,
    headers: Sequence[tuple[str, float]],
    rows: Sequence[tuple[list[object], str]],
    date_columns: dict[str, str],
) -> SheetRows:
    """One sheet in openpyxl's write-only mode: what frames it (widths, frozen header, merged title, print
    setup) and its two heading rows; its data rows are written as the sheet's XML when the workbook is
    saved (`save_with_rows`), never held as a grid of cells."""
    width = len(headers)
    for c, (_h, w) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.row_dimensions[1].height = 28
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.merged_cells.add(CellRange(min_col=1, min_row=1, max_col=width, max_row=1))
    heading = text_cells(ws, [title])
    heading[0].font = Font(size=14, bold=True)
    heading[0].alignment = _CENTER
    ws.append(heading)
    names = text_cells(ws, [h for h, _w in headers])
    for cell in names:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEAD_FILL)
        cell.alignment = _CENTER
        cell.border = _BORDER
    ws.append(names)
    formats = [date_columns.get(h) or "General" for h, _w in headers]
    styles: dict[tuple[str, str], RowStyle] = {}  # each (state, number format) set up once

    def style(state: str, number_format: str) -> RowStyle:
        key = (state, number_format)
        if key not in styles:
            styles[key] = RowStyle(ws, lambda cell: setattr(cell, "style", _data_style(ws, *key)))
        return styles[key]

    def data() -> Iterator[list[tuple[Any, RowStyle]]]:
        # Names, notes, units: text from lists and people, always a text cell, never a formula.
        for values, state in rows:
            yield [(value, style(state, fmt)) for value, fmt in zip(values, formats, strict=False)]

    # Every style the rows use, registered before the workbook's styles are saved (in the order they appear).
    for _values, state in rows:
        for fmt in dict.fromkeys(formats):
            style(state, fmt)
    ws.auto_filter.ref = f"A2:{get_column_letter(width)}{len(rows) + 2}"
    return SheetRows(ws, 3, data())


def _data_style(ws: WriteOnlyWorksheet, state: str, number_format: str) -> str:
    """The named style of a data cell: thin border, wrapped, filled by its row's state, in its number format.
    A cell takes a named style at a fraction of the cost of setting border, alignment, fill and format one
    by one, which dominated a long export."""
    name = f"zhiri {state} {number_format}"
    if name not in ws.parent.named_styles:
        style = NamedStyle(name=name, border=_BORDER, alignment=_WRAP, number_format=number_format)
        if state in FILLS:
            style.fill = PatternFill("solid", fgColor=FILLS[state])
        ws.parent.add_named_style(style)
    return name


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    # Excel has no time zones: write the site's local time, without a zone.
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


def export_list(session: Session, now: datetime, judge: Judge, site_row: Site, path: Path) -> ExportSummary:
    """Write the site's live columns and accounts (and those an administrator retired) to `path` (XLSX),
    each judged for `now` by the one judgement (`judge_items`), without writing to the database."""
    lines = _lines(session, now, judge, site_row)
    columns = [ln for ln in lines if ln.item.kind == ItemKind.COLUMN]
    accounts = [ln for ln in lines if ln.item.kind == ItemKind.ACCOUNT]
    depth = max([3] + [sum(1 for lv in _levels(ln.item) if lv) for ln in columns])
    stamp = judge.today(now)
    when = f"{stamp.year}年{stamp.month}月{stamp.day}日"
    formats = {"最近更新": "yyyy-mm-dd hh:mm", "到期日": "yyyy-mm-dd"}
    judged = {ln.item.id: ln.status for ln in lines}
    # The score's live items as read here, not read again (by id, as `storage.items.live_items` gives them).
    live = sorted((ln.item for ln in lines if ln.more.retired_at is None), key=lambda i: i.id)
    score = score_of(session, now, judge, site_row, fix_first=False, statuses=judged, items=live).score
    risks = risk_by_item(score)

    def status(ln: _Line) -> list[object]:
        more = ln.more
        last = _local(more.last_update_at, judge.tz) or UNKNOWN_LAST
        source = SOURCE_LABELS.get(more.last_update_source or "", more.last_update_source or "")
        if more.retired_at is not None:  # no duty, no due day: kept for its history
            return [last, source, None, RETIRED_LABEL, "", _retired(more)]
        st = ln.status
        return [
            last,
            source,
            st.due,
            # A per-unit duty names the units that still owe their share (市教育局逾期2天).
            state_words(st.state.value, st.days_late, st.unknown) + whose(owing(st)),
            "；".join(risks.get(ln.item.id, ())),
            "",
        ]

    column_headers: list[tuple[str, float]] = [("序号", 6)]
    column_headers += [(h, 14 if i == 0 else 18) for i, h in enumerate(LEVEL_NAMES[:depth])]
    column_headers += [
        ("栏目内容", 40),
        ("更新时限要求", 26),
        ("要求解读", 30),
        ("责任单位", 26),
        ("网站维护员", 14),
        ("最近更新", 17),
        ("更新来源", 11),
        ("到期日", 12),
        ("状态", 11),
        ("检查风险", 30),
        ("停更", 22),
        ("栏目地址", 30),
        ("备注", 30),
    ]
    column_rows = [
        (
            [
                n,
                *_levels(ln.item)[:depth],
                ln.more.content,
                ln.item.rule_text,
                ln.meaning,
                ln.units,
                ln.webmasters,
                *status(ln),
                ln.item.url,
                ln.more.note,
            ],
            _state_key(ln),
        )
        for n, ln in enumerate(columns, start=1)
    ]
    account_headers: list[tuple[str, float]] = [
        ("序号", 6),
        ("平台", 12),
        ("账号名称", 20),
        ("账号ID", 16),
        ("责任单位", 26),
        ("运维人员", 14),
        ("更新时限要求", 20),
        ("要求解读", 30),
        ("最近更新", 17),
        ("更新来源", 11),
        ("到期日", 12),
        ("状态", 11),
        ("检查风险", 30),
        ("停更", 22),
        ("账号简介", 30),
        ("链接", 26),
        ("备注", 24),
    ]
    account_rows = [
        (
            [
                n,
                ln.item.platform,
                ln.item.name,
                ln.more.handle,
                ln.units,
                ln.webmasters,
                ln.item.rule_text,
                ln.meaning,
                *status(ln),
                ln.more.content,
                ln.item.url,
                ln.more.note,
            ],
            _state_key(ln),
        )
        for n, ln in enumerate(accounts, start=1)
    ]
    wb = Workbook(write_only=True)
    sheets = [
        _sheet(
            wb.create_sheet("栏目"),
            f"{site_row.name}栏目更新情况（{when}导出）",
            column_headers,
            column_rows,
            formats,
        ),
        _sheet(
            wb.create_sheet("政务新媒体"),
            f"{site_row.name}政务新媒体账号更新情况（{when}导出）",
            account_headers,
            account_rows,
            formats,
        ),
    ]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_with_rows(wb, path, sheets)
    except OSError as exc:
        raise ExportProblem(
            f"无法写入文件 {path}：{exc}。请检查路径，并确认文件没有在 Excel/WPS 中打开。"
        ) from exc
    return ExportSummary(
        path=path,
        site=site_row.name,
        columns=len(columns),
        accounts=len(accounts),
        overdue=sum(1 for ln in lines if _state_key(ln) == State.OVERDUE.value),
        needs_rule=sum(1 for ln in lines if _state_key(ln) == State.NEEDS_RULE.value),
    )


def _levels(item: LiveItem) -> list[str | None]:
    return [item.level1, item.level2, item.level3, item.level4, item.level5]


def run_export(
    engine: Engine,
    now: datetime,
    tz: ZoneInfo,
    path: Path,
    *,
    site: str | None = None,
    policy: Policy | None = None,
) -> ExportSummary:
    """Export in one session that is rolled back: nothing is written to the database. `policy`: the
    configured thresholds, so the states and the risk column say what the bot says."""
    with session_scope(engine) as session:
        site_row = site_named(session, site)
        summary = export_list(session, now, site_judge(session, site_row, tz, policy), site_row, path)
        session.rollback()
    return summary
