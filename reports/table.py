"""A long list as a spreadsheet: what a reply too long to read in a chat also sends as a file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from reports.sheetwrite import append_row

__all__ = ["Table", "xlsx"]


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    filename: str


def xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.title[:31]
    append_row(sheet, table.headers)
    for row in table.rows:
        append_row(sheet, [c.isoformat() if isinstance(c, date) else c for c in row])
    for i, header in enumerate(table.headers):
        width = max([len(str(header))] + [len(str(r[i])) for r in table.rows[:500]])
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(60, 4 + width * 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
