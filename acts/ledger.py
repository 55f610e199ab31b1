"""A letters ledger (来信登记表) into the database: each row a request received by a 信箱 / 依申请公开 column,
recorded as that item's event (`record_event`), and closed when the ledger says it was answered.

An office keeps its ledger as a simple sheet: 收到日期 (or 来信日期, 受理日期),
标题 (or 事项, 主题), 办结日期 (or 答复日期, 回复日期), and which column or 信箱 the request
came to (栏目, 信箱). `zhiri import` recognises the
sheet by these headers (or `--ledger`). Importing is idempotent: a row is known by its item, its 编号 when the
ledger numbers its letters, else its received day and title; importing the same ledger again adds nothing,
and a later copy with answer dates filled in closes the requests it answers. A row that cannot be read is
reported with its sheet and row, and the rest is imported.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sheetread.sheets import Cell, ImportProblem, RawSheet, normalize_header, parse_day, read_table_file
from storage.db import session_scope
from storage.items import Judge, close_event, record_event
from storage.models import Event, Item
from storage.queries import ItemRef, match_items
from storage.sites import find_site, site_judge

__all__ = ["LedgerReport", "looks_like_ledger", "run_ledger_import"]

HEADER_ROWS = 10  # the header is within the sheet's first rows (a title row or two may come first)
_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("ref", r"^(信件|来信|来件|申请)?(编号|序号|流水号|登记号|受理号)$"),
        ("received", r"^(收到|收件|收信|来信|来件|受理|登记|接收|申请|提交)(日期|时间)$"),
        ("answered", r"^(办结|答复|回复|处理|办理|反馈)(完成)?(日期|时间)$"),
        ("title", r"^(来信|信件|来件|申请)?(标题|事项|主题|事由|内容摘要|内容|申请内容)$"),
        ("item", r"^(所属|来信|受理)?(栏目|信箱)(名称)?$|^(渠道|来源|来信渠道)$"),
    )
)


@dataclass(frozen=True)
class BadRow:
    sheet: str
    row: int
    text: str


@dataclass
class LedgerReport:
    file: str
    site: str = ""
    dry_run: bool = False
    sheets: list[str] = field(default_factory=list)
    added: int = 0  # requests recorded for the first time
    answered: int = 0  # requests closed by this import (new and earlier ones)
    unchanged: int = 0  # rows recorded before, nothing new
    open_requests: int = 0  # recorded requests still unanswered after the import
    items: dict[str, int] = field(default_factory=dict)  # item path -> rows read for it
    bad: list[BadRow] = field(default_factory=list)

    def render(self) -> str:
        out = [f"导入来信登记：{self.file}　网站：{self.site}"]
        out.extend(f"  工作表“{name}”" for name in self.sheets)
        out.append(
            f"新登记来信 {self.added} 件，登记办结 {self.answered} 件，已导入过且无变化 {self.unchanged} 件；"
            f"导入后仍未办结 {self.open_requests} 件。"
        )
        for path, n in sorted(self.items.items()):
            out.append(f"  {path}：{n} 行")
        if self.bad:
            out.append(f"以下 {len(self.bad)} 行未导入，请改正后重新导入（已导入的行不会重复）：")
            out.extend(f"  工作表“{b.sheet}”第{b.row}行　{b.text}" for b in self.bad)
        if self.dry_run:
            out.append("（试运行：以上是导入的预览，数据库没有任何修改。）")
        return "\n".join(out)


@dataclass(frozen=True)
class _Header:
    row: int  # 0-based index in the sheet's rows
    columns: dict[str, int]


def _header(sheet: RawSheet) -> _Header | None:
    for index, cells in enumerate(sheet.rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        for c, cell in enumerate(cells):
            core, _ = normalize_header(cell.text)
            for name, pattern in _FIELDS:
                if core and name not in columns and pattern.search(core):
                    columns[name] = c
                    break
        if "received" in columns and "title" in columns:
            return _Header(index, columns)
    return None


def looks_like_ledger(sheets: Sequence[RawSheet]) -> bool:
    """Whether a file is a letters ledger rather than a responsibility list: a sheet whose header names a
    received date and a title, and no rule (更新要求) column."""
    for sheet in sheets:
        header = _header(sheet)
        if header is None:
            continue
        texts = [normalize_header(c.text)[0] for c in sheet.rows[header.row]]
        if not any(re.search(r"更新|时限|频率", t) for t in texts):
            return True
    return False


def _moment(day: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(day, datetime):
        return day.replace(tzinfo=tz)
    return datetime.combine(day, time(12, 0), tzinfo=tz)  # a day without a time: its middle


def _origin(item_id: int, ref: str, received: date, title: str) -> str:
    if ref:
        return f"ledger:{item_id}:no:{ref}"[:200]
    digest = hashlib.sha256(f"{received.isoformat()}\n{title}".encode()).hexdigest()[:16]
    return f"ledger:{item_id}:{received.isoformat()}:{digest}"


def _refs(session: Session, site_id: int) -> list[ItemRef]:
    rows = session.exec(
        select(Item.id, Item.name, Item.path).where(Item.site_id == site_id, col(Item.retired_at).is_(None))
    )
    return [ItemRef(i, n, p, ()) for i, n, p in rows if i is not None]


def _cell(cells: Sequence[Cell], column: int | None) -> Cell:
    if column is None or column >= len(cells):
        return Cell()
    return cells[column]


def import_ledger(
    session: Session,
    now: datetime,
    judge: Judge,
    sheets: Sequence[RawSheet],
    site_id: int,
    report: LedgerReport,
) -> None:
    """Record every readable row of the ledger's sheets, in the caller's transaction."""
    refs = _refs(session, site_id)
    today = judge.today(now)
    for sheet in sheets:
        if sheet.hidden:
            continue
        header = _header(sheet)
        if header is None:
            continue
        report.sheets.append(sheet.name)
        cols = header.columns
        for index in range(header.row + 1, len(sheet.rows)):
            cells = sheet.rows[index]
            texts = [c.text for c in cells]
            if not any(texts):
                continue
            number = index + 1
            problem = _row(session, now, judge, refs, sheet.name, cells, cols, today, report)
            if problem:
                report.bad.append(BadRow(sheet.name, number, problem))


def _row(
    session: Session,
    now: datetime,
    judge: Judge,
    refs: Sequence[ItemRef],
    sheet_name: str,
    cells: Sequence[Cell],
    cols: dict[str, int],
    today: date,
    report: LedgerReport,
) -> str | None:
    """One ledger row; returns what is wrong with it (Chinese) or None when it was recorded or known."""

    def text(name: str) -> str:
        return _cell(cells, cols.get(name)).text

    def value(name: str) -> object:
        return _cell(cells, cols.get(name)).value

    title = " ".join(text("title").split())
    if not title:
        return "没有标题（事项），请填写"
    received = parse_day(value("received"))
    if received is None:
        shown = text("received") or "（空）"
        return f"收到日期“{shown}”无法识别，请写成 2026-11-20 这样的日期"
    received_day = received.date() if isinstance(received, datetime) else received
    if received_day > today:
        return f"收到日期 {received_day} 晚于今天"
    answered = parse_day(value("answered")) if text("answered") else None
    if text("answered") and answered is None:
        return f"办结日期“{text('answered')}”无法识别，请写成 2026-11-20 这样的日期，未办结请留空"
    answered_day = answered.date() if isinstance(answered, datetime) else answered
    if answered_day is not None and answered_day < received_day:
        return f"办结日期 {answered_day} 早于收到日期 {received_day}"
    if answered_day is not None and answered_day > today:
        return f"办结日期 {answered_day} 晚于今天"
    where = text("item") or sheet_name
    found = match_items(refs, where.split())
    if found.one is None:
        if found.hits:
            names = "、".join(h.path for h in found.hits[:5])
            return f"栏目“{where}”对应多个栏目（{names}），请写出完整路径"
        near = f"，相近的有：{'、'.join(found.suggestions)}" if found.suggestions else ""
        return f"没有找到栏目“{where}”{near}"
    item = session.get(Item, found.one.id)
    assert item is not None and item.id is not None
    report.items[item.path] = report.items.get(item.path, 0) + 1
    origin = _origin(item.id, text("ref"), received_day, title)
    event = session.exec(select(Event).where(Event.item_id == item.id, Event.origin == origin)).first()
    changed = False
    if event is None:
        event = record_event(
            session, now, judge, item, occurred_on=received_day, note=f"来信登记：{title}"[:500]
        )
        event.origin = origin
        session.add(event)
        report.added += 1
        changed = True
    if answered is not None and event.closed_at is None:
        close_event(session, now, judge, event, at=min(_moment(answered, judge.tz), now))
        report.answered += 1
        changed = True
    if not changed:
        report.unchanged += 1
    return None


def run_ledger_import(
    engine: Engine,
    now: datetime,
    tz: ZoneInfo,
    path: Path,
    *,
    site: str | None = None,
    dry_run: bool = False,
) -> LedgerReport:
    """The whole ledger as one transaction; `dry_run` rolls it back after reporting. Raises ImportProblem."""
    sheets = read_table_file(path)
    if not any(_header(s) for s in sheets if not s.hidden):
        raise ImportProblem(
            "没有找到来信登记表的表头。表头应包括“收到日期”（或来信日期、受理日期）和“标题”（或事项），"
            "以及“办结日期”（或答复日期）和“栏目”（或信箱）。"
        )
    report = LedgerReport(file=path.name, dry_run=dry_run)
    with session_scope(engine) as session:
        site_row = find_site(session, site)
        if site_row is None or site_row.id is None:
            raise ImportProblem("找不到网站：请先导入责任清单，数据库中有多个网站时用 --site 指定网站。")
        report.site = site_row.name
        judge = site_judge(session, site_row, tz)
        import_ledger(session, now, judge, sheets, site_row.id, report)
        site_items = select(Item.id).where(Item.site_id == site_row.id)
        report.open_requests = len(
            session.exec(
                select(Event.id).where(
                    col(Event.item_id).in_(site_items),
                    col(Event.closed_at).is_(None),
                    col(Event.origin).like("ledger:%"),
                )
            ).all()
        )
        if dry_run:
            session.rollback()
    return report
