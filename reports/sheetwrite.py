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

import io
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from copy import copy
from typing import Any, TypeVar

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FORMULA_START", "Styles", "append_row", "put", "text_cells", "text_for_cell", "workbook"]

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


K = TypeVar("K", bound=Hashable)


class Styles:
    """Each cell style set up once and then copied onto the cells that share it: setting a style by its parts
    or by a named style's name looks it up among the workbook's every time, which dominated long sheets."""

    def __init__(self) -> None:
        self._resolved: dict[Hashable, StyleArray] = {}

    def apply(self, cell: Cell, key: K, setup: Callable[[Cell, K], None]) -> None:
        """Give `cell` the style `key` names, which `setup(cell, key)` sets up the first time."""
        quoted = cell.quotePrefix  # text that looks like a formula keeps Excel's quote (`put`)
        if key in self._resolved:
            cell._style = copy(self._resolved[key])
        else:
            setup(cell, key)
            self._resolved[key] = copy(cell._style)
        cell.quotePrefix = quoted


_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _wrap(cell: Cell, _key: str) -> None:
    cell.alignment = _WRAP


def _bold(cell: Cell, _key: str) -> None:
    cell.font = _BOLD


def workbook(
    sheets: Iterable[tuple[str, Sequence[object], Sequence[Sequence[object]]]],
    pictures: Iterable[tuple[str, bytes]] = (),
) -> bytes:
    """The XLSX bytes of plain tables, one sheet per (title, header, rows): the header bold and frozen, the
    columns as wide as their text (within reason), cells wrapped, every string written as text (`put`);
    then one sheet per (title, PNG bytes) of `pictures`, the picture at its top left (a report's chart).
    Written row by row (openpyxl's write-only mode): a long list is never held as a grid of cells."""
    book = Workbook(write_only=True)
    styles = Styles()
    for title, header, rows in sheets:
        ws = book.create_sheet(title[:31])
        for i, name in enumerate(header):
            longest = max([len(str(name)), *(len(str(r[i])) for r in rows[:500] if i < len(r))])
            ws.column_dimensions[get_column_letter(i + 1)].width = max(8, min(60, 4 + 2 * longest))
        ws.freeze_panes = "A2"
        head = text_cells(ws, header)
        for cell in head:
            styles.apply(cell, "header", _bold)
        ws.append(head)
        for row in rows:
            cells = text_cells(ws, row)
            for cell in cells:
                styles.apply(cell, "data", _wrap)
            ws.append(cells)
    for title, png in pictures:
        from openpyxl.drawing.image import Image  # needs Pillow: loaded only for a workbook with pictures

        sheet = book.create_sheet(title[:31])
        picture = Image(io.BytesIO(png))
        picture.anchor = "A1"
        sheet.add_image(picture)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
