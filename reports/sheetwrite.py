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
import zipfile
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from copy import copy
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "FORMULA_START",
    "RowStyle",
    "SheetRows",
    "Styles",
    "append_row",
    "put",
    "save_with_rows",
    "text_cells",
    "text_for_cell",
    "workbook",
]

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


# ---------------------------------------------------------------------------------------------------------
# Long sheets: the data rows written as the sheet's XML


_ENTITIES = {"\r": "&#13;"}  # kept as written: a bare carriage return reads back as a line feed


class RowStyle:
    """A data cell's style as the workbook numbers it: its own, and the same with Excel's quote prefix (for
    text that starts like a formula, see `put`). `setup` gives a cell the style; each is set up once."""

    def __init__(self, ws: WriteOnlyWorksheet, setup: Callable[[Cell], None]) -> None:
        plain, quoted = Cell(ws, row=1, column=1), Cell(ws, row=1, column=1)
        setup(plain)
        setup(quoted)
        quoted.quotePrefix = True
        # Asking a cell's style id registers its style with the workbook, which saves it.
        self.plain, self.quoted = int(plain.style_id), int(quoted.style_id)


class SheetRows:
    """A write-only sheet's data rows, from `first` on: each row's values, each value with its `RowStyle`.
    `save_with_rows` writes them into the sheet as openpyxl would (every string a text cell, never a formula,
    as `put` makes it), without a cell object each: openpyxl's cells were most of a long export."""

    def __init__(
        self,
        ws: WriteOnlyWorksheet,
        first: int,
        rows: Iterable[Sequence[tuple[Any, RowStyle]]],
    ) -> None:
        self.ws, self.first, self.rows, self.epoch = ws, first, rows, ws.parent.epoch

    @property
    def member(self) -> str:
        """The sheet's part in the saved file (numbered when the workbook is saved)."""
        return str(self.ws.path).lstrip("/")

    def xml(self) -> Iterator[bytes]:
        letters: list[str] = []
        chunk: list[str] = []
        for number, row in enumerate(self.rows, start=self.first):
            while len(letters) < len(row):
                letters.append(get_column_letter(len(letters) + 1))
            chunk.append(f'<row r="{number}">')
            for letter, (value, style) in zip(letters, row, strict=False):
                chunk.append(self._cell(f"{letter}{number}", value, style))
            chunk.append("</row>")
            if len(chunk) > 5_000:
                yield "".join(chunk).encode()
                chunk = []
        yield "".join(chunk).encode()

    def _cell(self, ref: str, value: Any, style: RowStyle) -> str:
        # As openpyxl's writer: a string an inline string, a date Excel's serial number, nothing an empty
        # cell that keeps its style.
        if isinstance(value, str):
            text = text_for_cell(value)
            s = style.quoted if text.startswith(FORMULA_START) else style.plain
            if not text:
                return f'<c r="{ref}" s="{s}" t="inlineStr"></c>'
            stripped = text.strip()
            space = ' xml:space="preserve"' if stripped and stripped != text else ""
            return f'<c r="{ref}" s="{s}" t="inlineStr"><is><t{space}>{escape(text, _ENTITIES)}</t></is></c>'
        if value is None:
            return f'<c r="{ref}" s="{style.plain}" t="n"></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}" s="{style.plain}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, date | datetime):
            value = to_excel(value, self.epoch)
        return f'<c r="{ref}" s="{style.plain}" t="n"><v>{safe_string(value)}</v></c>'


def save_with_rows(wb: Workbook, path: Path, sheets: Sequence[SheetRows]) -> None:
    """Save a write-only workbook with each sheet's data rows written after the rows it already has."""
    saved = io.BytesIO()
    wb.save(saved)
    ours = {sheet.member: sheet for sheet in sheets}
    assert len(ours) == len(sheets)
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            sheet = ours.get(info.filename)
            if sheet is None:
                out.writestr(info, data)
                continue
            if b"</sheetData>" in data:
                head, tail = data.split(b"</sheetData>", 1)
            else:
                head, tail = data.split(b"<sheetData/>", 1)
                head += b"<sheetData>"
            with out.open(info.filename, "w") as part:
                part.write(head)
                for chunk in sheet.xml():
                    part.write(chunk)
                part.write(b"</sheetData>" + tail)
