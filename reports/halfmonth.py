"""The half-month report as a spreadsheet (one sheet per table of `domain.routine.Report`)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from domain.notice import Report
from reports.sheetwrite import append_row

__all__ = ["render_report"]


def render_report(report: Report) -> bytes:
    """The XLSX bytes of a `domain.routine.Report` (one sheet per table, header row bold and frozen)."""
    book = Workbook()
    first = True
    for title, header, rows in report.sheets:
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title[:31]
        append_row(sheet, header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(sheet, row)  # notes and Telegram names people wrote: always text
        sheet.freeze_panes = "A2"
        for i, name in enumerate(header):
            width = max(
                [len(str(name)) * 2, *(min(60, len(str(r[i])) * 2) for r in rows if i < len(r))], default=10
            )
            sheet.column_dimensions[sheet.cell(row=1, column=i + 1).column_letter].width = max(
                8, min(60, width)
            )
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
