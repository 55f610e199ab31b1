"""A long sheet's rows written as XML (`SheetRows`) read back as openpyxl's own cells would: the same values,
types, number formats and styles, every string a text cell."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border, NamedStyle, PatternFill, Side

from reports.sheetwrite import RowStyle, SheetRows, Styles, save_with_rows, text_cells

VALUES = [
    1,
    2.5,
    "栏目",
    "",
    None,
    "=1+1",
    "＋86 138",
    " leading",
    "trailing ",
    "a\r\nb",
    "<b>&amp;</b>",
    "tab\there",
    "\x01控制字符\x1f",
    "#N/A",
    "😀",
    datetime(2026, 11, 8, 9, 30),
    date(2026, 12, 1),
]
FORMATS = ["General"] * (len(VALUES) - 2) + ["yyyy-mm-dd hh:mm", "yyyy-mm-dd"]


def styled(book: Workbook, number_format: str) -> str:
    name = f"data {number_format}"
    if name not in book.named_styles:
        thin = Side(style="thin")
        book.add_named_style(
            NamedStyle(
                name=name,
                border=Border(left=thin, right=thin),
                fill=PatternFill("solid", fgColor="FFC7CE"),
                number_format=number_format,
            )
        )
    return name


def cells_of(path: Path) -> list[list[tuple[object, ...]]]:
    ws = load_workbook(path).active
    assert ws is not None
    return [
        [(c.value, c.data_type, c.number_format, c.style, c.quotePrefix, c.fill.fgColor.rgb) for c in row]
        for row in ws.iter_rows()
    ]


def test_rows_written_as_xml_read_back_as_openpyxls_cells(tmp_path):
    # openpyxl's way: a cell each, written as text (`text_cells`), styled.
    book = Workbook(write_only=True)
    ws = book.create_sheet("list")
    ws.append(text_cells(ws, ["head"]))
    styles = Styles()
    for _ in range(3):
        cells = text_cells(ws, VALUES)
        for cell, fmt in zip(cells, FORMATS, strict=True):
            styles.apply(cell, fmt, lambda c, f: setattr(c, "style", styled(book, f)))
        ws.append(cells)
    book.save(tmp_path / "cells.xlsx")

    book = Workbook(write_only=True)
    ws = book.create_sheet("list")
    ws.append(text_cells(ws, ["head"]))
    row_styles = {f: RowStyle(ws, lambda c, f=f: setattr(c, "style", styled(book, f))) for f in FORMATS}
    rows = [[(v, row_styles[f]) for v, f in zip(VALUES, FORMATS, strict=True)] for _ in range(3)]
    save_with_rows(book, tmp_path / "rows.xlsx", [SheetRows(ws, 2, rows)])

    assert cells_of(tmp_path / "rows.xlsx") == cells_of(tmp_path / "cells.xlsx")
    back = cells_of(tmp_path / "rows.xlsx")[1]
    assert [c[0] for c in back[:3]] == [1, 2.5, "栏目"]
    assert back[5][:2] == ("=1+1", "s") and back[5][4]  # text with the quote prefix, not a formula
