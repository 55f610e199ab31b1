"""Writing spreadsheets that people open: text stays text, whoever wrote it.

Every XLSX Zhiri writes (the export, the half-month report, long lists sent as attachments) puts text from
lists and from people (column names, notes, Telegram names) into cells. openpyxl turns any string that starts
with "=" into a live formula, and Excel and WPS run what a cell starting with "+", "-" or "@" says once it is
edited (`=HYPERLINK(…)`, `=WEBSERVICE(…)`, DDE `=cmd|' /C calc'!A0`). So every string is written as a string
cell (data type "s", never a formula or an error code), and one that starts like a formula also carries
Excel's quote prefix, which keeps it text when someone edits the cell. The value itself is unchanged:
importing the export reads back exactly what was written. Characters XML cannot hold (control characters)
are dropped, as openpyxl would otherwise refuse to save the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FORMULA_START", "append_row", "put", "text_cells", "text_for_cell"]

# What a spreadsheet may read as the start of a formula or a command: = + - @, tab and line breaks in front
# of them, and the full-width forms an input method types.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XML 1.0 cannot carry (as openpyxl checks)
CELL_TEXT_MAX = 32767  # Excel's limit for one cell


def text_for_cell(text: str) -> str:
    """The text as a cell can hold it: no control characters, within Excel's length."""
    return _ILLEGAL.sub("", text)[:CELL_TEXT_MAX]


def put(cell: Cell, value: Any) -> None:
    """Set a cell's value; a string is always written as text, never as a formula."""
    if not isinstance(value, str):
        cell.value = value
        return
    text = text_for_cell(value)
    cell.value = text
    cell.data_type = "s"  # openpyxl made "=…" a formula and "#N/A" an error code: both are text here
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True


def text_cells(ws: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> list[Cell]:
    """A row's cells, every string written as text (see `put`), ready for `ws.append` (a write-only sheet's
    too). An empty row is still a row: one empty cell."""
    cells = []
    for value in values:
        cell = Cell(ws, row=1, column=1)  # placed where `append` puts it
        put(cell, value)
        cells.append(cell)
    return cells or [Cell(ws, row=1, column=1)]


def append_row(ws: Worksheet, values: Iterable[Any]) -> int:
    """`ws.append`, with every string written as text (see `put`). Returns the row's number.

    The cells are made first and appended as they are, so the row's number is the cells' own: asking
    `ws.max_row` scans every cell of the sheet, which made a long export quadratic."""
    cells = text_cells(ws, values)
    ws.append(cells)
    return int(cells[0].row)
