"""A long list as a spreadsheet: what a reply too long to read in a chat also sends as a file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reports.sheetwrite import workbook

__all__ = ["Table", "xlsx"]


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    filename: str


def xlsx(table: Table) -> bytes:
    """The XLSX bytes of a reply's table (dates as YYYY-MM-DD text; see `reports.sheetwrite.workbook`)."""
    rows = [tuple(c.isoformat() if isinstance(c, date) else c for c in row) for row in table.rows]
    return workbook([(table.title, table.headers, rows)])
