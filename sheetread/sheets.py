"""Reading a responsibility list (责任分解清单) as offices keep it: XLSX or CSV, into plain rows.

Nothing here touches the database. The list is read the way a person reads it: the header row is found
(title rows and notes sit above it), headers are recognised by meaning in the wordings offices use, merged
cells count for every row they cover, and a first-level column written once counts for the rows below it.
Problems that make the list unreadable raise `ImportProblem` with a Chinese message naming the row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import charset_normalizer
from defusedxml import DefusedXmlException
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG as _FORMULA_TAG
from openpyxl.worksheet._reader import WorkSheetParser

from domain.model import ItemKind
from domain.text import UNKNOWN_LAST
from domain.units import UnitLink, UnitReading, compose_units, is_group_word, split_units

__all__ = [
    "LEVEL_NAMES",
    "Cell",
    "ImportProblem",
    "ListRow",
    "Notice",
    "ParsedList",
    "RawSheet",
    "SheetInfo",
    "header_field",
    "is_group_word",
    "normalize_platform",
    "parse_day",
    "parse_list",
    "parse_sheets",
    "platform_of_sheet",
    "read_table_file",
    "split_units",
]

MAX_LEVELS = 5
HEADER_SCAN_ROWS = 40
HEADER_CELL_MAX = 24  # longer cells are notes, not headers
LEVEL_NAMES = ("一级栏目", "二级栏目", "三级栏目", "四级栏目", "五级栏目")  # also the export's headers


# Limits of a responsibility list. The longest real lists have a few thousand rows and a score of columns;
# these leave a wide margin and still stop a small hostile file (one cell at XFD1048576, a merge over the
# whole sheet, a zip that unpacks to gigabytes) before it takes the machine's memory.
MAX_FILE_BYTES = 50 * 1024 * 1024  # the file itself
MAX_ZIP_MEMBERS = 1000  # parts of an .xlsx (a normal one has a dozen or two)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all parts of an .xlsx, uncompressed
MAX_ROWS = 200_000  # a province's whole list in one sheet (issue 16: 100,000 rows), with room
MAX_COLUMNS = 200
MAX_CELLS = 4_000_000  # rows × columns of one sheet as read, merged cells included

_HOW_TO_FIX = "请在 Excel 或 WPS 中打开文件，只把清单部分复制到新建的工作簿，另存为 .xlsx 后重新导入。"
# Control and invisible formatting characters (Unicode Cc and Cf): they make two equal names differ, hide text
# and reverse it on screen. Tabs and line breaks are layout, kept for the cleaners below.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


class ImportProblem(Exception):
    """The list cannot be imported as it is. The message (Chinese) says where and what to do."""


# ---------------------------------------------------------------------------------------------------------
# Raw grids


@dataclass(frozen=True, slots=True)
class Cell:
    value: object = None
    # Top-left corner (row, col), 1-based, of the merged range this cell lies in; None when not merged.
    origin: tuple[int, int] | None = None

    @property
    def text(self) -> str:
        return cell_text(self.value)


_EMPTY = Cell()


@dataclass
class RawSheet:
    name: str
    rows: list[list[Cell]]  # rows[0] is the sheet's row 1; merged values are carried to every covered cell
    hidden: bool = False  # a hidden sheet is not read, but said so
    invisible_rows: list[int] = field(default_factory=list)  # rows whose control characters were removed


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_table_file(path: Path) -> list[RawSheet]:
    """The file's visible sheets as grids. XLSX through openpyxl; CSV/TSV/TXT in UTF-8 (BOM or not) or GBK.

    A file past the limits above is refused before it is unpacked or laid out in memory."""
    if not path.exists():
        raise ImportProblem(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix in (".xls", ".et", ".wps", ".ods", ".numbers"):
        raise ImportProblem(
            f"无法读取 {suffix} 格式的表格。"
            "请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）或 CSV 后再导入。"
        )
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportProblem(
                f"文件 {path.name} 有 {size / 2**20:.0f} MB，"
                f"超过清单的合理大小（{MAX_FILE_BYTES // 2**20} MB）。"
                "请确认选对了文件；清单过大时请按网站或工作表拆分后分别导入。"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ImportProblem(f"无法读取文件 {path}：{exc}") from exc
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(path)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportProblem("这是旧版 Excel（.xls）文件。请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入。")
    return [_read_csv(path.stem, decode_bytes(data))]


def _check_zip(path: Path) -> None:
    """Refuse an .xlsx whose parts are too many or unpack too large (a zip bomb), before unpacking any."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportProblem(
            f"无法打开 Excel 文件 {path.name}（{exc}）。请确认文件完整、未加密，并另存为 .xlsx。"
        ) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportProblem(
            f"Excel 文件 {path.name} 由 {len(members)} 个部件组成，"
            f"远多于正常的清单（最多 {MAX_ZIP_MEMBERS} 个），"
            f"文件可能已损坏或被改动，未导入。{_HOW_TO_FIX}"
        )
    # The sizes the zip declares: zipfile never unpacks a member past its declared size.
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportProblem(
            f"Excel 文件 {path.name} 解压后有 {unpacked / 2**20:.0f} MB，"
            f"超过清单的合理大小（{MAX_UNPACKED_BYTES // 2**20} MB），未导入。{_HOW_TO_FIX}"
        )


def _read_xlsx(path: Path) -> list[RawSheet]:
    _check_zip(path)
    try:
        # Read-only: sheets are streamed from the zip, row by row, never built as openpyxl objects in memory
        # (which is what made one cell at XFD1048576, or a merge over the whole sheet, take gigabytes).
        reader = _WorkbookReader(path, read_only=True, data_only=True)
        reader.read()  # what `openpyxl.load_workbook` does
        wb = reader.wb
    except Exception as exc:  # openpyxl raises many kinds of errors for a damaged file: all mean "unreadable"
        if _defused(exc):
            raise ImportProblem(_xml_refused(path.name)) from exc
        raise ImportProblem(
            f"无法打开 Excel 文件 {path.name}（{type(exc).__name__}: {str(exc)[:200]}）。"
            "请确认文件完整、未加密，并另存为 .xlsx。"
        ) from exc
    try:
        sheets: list[RawSheet] = []
        for ws in wb.worksheets:
            if not isinstance(ws, ReadOnlyWorksheet):
                continue  # a chart sheet holds no list
            try:
                sheet = _read_sheet(wb, ws)
            except DefusedXmlException as exc:
                raise ImportProblem(_xml_refused(path.name)) from exc
            except ImportProblem:
                raise
            except Exception as exc:
                raise ImportProblem(
                    f"无法读取工作表“{ws.title}”（{type(exc).__name__}: {str(exc)[:200]}）。{_HOW_TO_FIX}"
                ) from exc
            if ws.sheet_state != "visible":
                has_text = any(c.text for row in sheet.rows for c in row)
                sheet = RawSheet(ws.title, [[Cell("x")]] if has_text else [], hidden=True)
            sheets.append(sheet)
    finally:
        wb.close()
    return sheets


class _Worksheet(ReadOnlyWorksheet):
    """A read-only worksheet that does not measure itself when opened: `_read_sheet` streams it with its own
    parser. openpyxl's measures a sheet by reading its `<dimension>`, and a sheet written without one (by a
    program: openpyxl's own streaming writer, so `zhiri export`'s) was parsed whole to find that out before
    being read: a fifth of importing a 100,000-row list."""

    def _get_size(self) -> None:
        pass


class _WorkbookReader(ExcelReader):
    """`openpyxl.load_workbook(read_only=True)` with its worksheets `_Worksheet`s (a chart sheet holds no
    list: left out)."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            ws = _Worksheet(self.wb, sheet.name, rel.target, self.shared_strings)
            ws.sheet_state = sheet.state
            self.wb._sheets.append(ws)


def _defused(exc: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps its error in a ValueError of its own)."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _xml_refused(name: str) -> str:
    return (
        f"Excel 文件 {name} 中含有 XML 实体定义（DOCTYPE/ENTITY），正常的 Excel 文件不会有这种内容，"
        f"可能是被改动或恶意构造的文件，未导入。{_HOW_TO_FIX}"
    )


class _Uncomputed(str):
    """A formula saved without its computed value (files written by programs, not by Excel or WPS)."""


class _SheetParser(WorkSheetParser):
    """openpyxl's streaming worksheet parser (defusedxml underneath), noting formulas without a value."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["value"] is None:
            formula = element.find(_FORMULA_TAG)
            if formula is not None:
                cell["value"] = _Uncomputed("=" + (formula.text or ""))
        return cell


def _where(row: int, column: int) -> str:
    return f"第{row}行第{column}列（{get_column_letter(column)}{row}）"


def _read_sheet(wb: Any, ws: ReadOnlyWorksheet) -> RawSheet:
    """One sheet as a grid as large as its data: cells with a value, and merged ranges cut to the data."""
    values: dict[tuple[int, int], object] = {}
    uncomputed: list[str] = []
    invisible: set[int] = set()
    last_row = last_col = 0
    # openpyxl has no public streaming reader that reports merged cells: its parser, as ReadOnlyWorksheet.
    with wb._archive.open(ws._worksheet_path) as source:
        parser = _SheetParser(
            source,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for _number, cells in parser.parse():
            for found in cells:
                value, r, c = found["value"], found["row"], found["column"]
                if isinstance(value, _Uncomputed):
                    uncomputed.append(f"{_where(r, c)}的公式“{_shown(str(value))}”")
                    continue
                if isinstance(value, str):
                    cleaned = _INVISIBLE.sub("", value)
                    if cleaned != value:
                        invisible.add(r)
                    value = cleaned
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                if r > MAX_ROWS or c > MAX_COLUMNS:
                    raise ImportProblem(
                        f"工作表“{ws.title}”{_where(r, c)}有内容，超出清单的合理范围"
                        f"（最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列），未导入。"
                        f"请删除表格边缘多余的内容（或把清单复制到新建的工作簿）后重新导入。"
                    )
                values[(r, c)] = value
                last_row, last_col = max(last_row, r), max(last_col, c)
        merges = list(parser.merged_cells.mergeCell) if parser.merged_cells else []
    if uncomputed:
        more = f"等 {len(uncomputed)} 处" if len(uncomputed) > 3 else ""
        raise ImportProblem(
            f"工作表“{ws.title}”{'；'.join(uncomputed[:3])}{more}没有保存计算结果"
            "（文件可能由程序生成），无法知道它的值，未导入。"
            "请在 Excel 或 WPS 中打开文件并保存一次（或把公式复制、粘贴为数值）后重新导入。"
        )
    _check_cells(ws.title, last_row, last_col)
    grid: list[list[Cell]] = [[_EMPTY] * last_col for _ in range(last_row)]
    for (r, c), value in values.items():
        grid[r - 1][c - 1] = Cell(value)
    covered = 0
    for merge in merges:
        min_col, min_row, max_col, max_row = range_boundaries(merge.ref)
        # A merge never reaches past the data: one over the whole sheet covers only the cells of the list.
        max_row, max_col = min(max_row, last_row), min(max_col, last_col)
        if min_row > max_row or min_col > max_col:
            continue
        covered += (max_row - min_row + 1) * (max_col - min_col + 1)
        if covered > MAX_CELLS:
            raise ImportProblem(
                f"工作表“{ws.title}”的合并单元格覆盖了超过 {MAX_CELLS} 个单元格，超出清单的合理范围，未导入。"
                f"请取消多余的合并单元格后重新导入。"
            )
        value = values.get((min_row, min_col))
        origin = (min_row, min_col)
        merged = Cell(value, origin)
        for r in range(min_row, max_row + 1):
            row = grid[r - 1]
            for c in range(min_col, max_col + 1):
                row[c - 1] = merged
    return RawSheet(ws.title, grid, invisible_rows=sorted(invisible))


def _check_cells(sheet: str, rows: int, columns: int) -> None:
    if rows * columns > MAX_CELLS:
        raise ImportProblem(
            f"工作表“{sheet}”有 {rows} 行、{columns} 列，超出清单的合理范围（最多 {MAX_CELLS} 个单元格），"
            f"未导入。请删除多余的行和列（或按工作表拆分清单）后重新导入。"
        )


def decode_bytes(data: bytes) -> str:
    """Text of a CSV file: UTF-8 with or without BOM, UTF-16 with BOM, GBK/GB18030, else detected."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):  # GB18030 is a superset of GBK and GB2312
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ImportProblem("无法识别文件的文字编码。请用 Excel 或 WPS 另存为“CSV UTF-8”或 .xlsx 后再导入。")
    return str(best)


def _read_csv(name: str, text: str) -> RawSheet:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|，")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    delimiter = dialect.delimiter
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[list[Cell]] = []
    invisible: list[int] = []
    width = 0
    try:
        for record in reader:
            number = len(rows) + 1
            _check_quotes(name, record, number, delimiter, width)
            if number > MAX_ROWS or len(record) > MAX_COLUMNS:
                _too_large(name, number, len(record))
            cleaned = [_INVISIBLE.sub("", v) for v in record]
            if cleaned != record:
                invisible.append(number)
            rows.append([Cell(v) if v.strip() else _EMPTY for v in cleaned])
            width = max(width, len(record))
            _check_cells(name, len(rows), width)
    except csv.Error as exc:
        raise ImportProblem(
            f"“{name}”第{len(rows) + 1}行附近（文件第{reader.line_num}行）的格式有误（{exc}），"
            '多半是英文双引号（"）没有配对。请删除多余的引号（单元格里的引号应写成两个：""）后重新导入。'
        ) from exc
    for row in rows:
        row.extend(_EMPTY for _ in range(width - len(row)))
    while rows and not any(c.text for c in rows[-1]):
        rows.pop()
    return RawSheet(name, rows, invisible_rows=invisible)


def _check_quotes(name: str, record: list[str], number: int, delimiter: str, width: int) -> None:
    """A stray double quote makes the reader take the rows after it as one cell: a cell that holds lines
    with as many separators as a row has is that, never a note with a line break."""
    threshold = max(2, (width - 1) // 2)
    for value in record:
        if "\n" not in value:
            continue
        swallowed = [ln for ln in value.split("\n")[1:] if ln.count(delimiter) >= threshold]
        if swallowed:
            lines = value.count("\n")
            raise ImportProblem(
                f'“{name}”第{number}行有一个没有配对的英文双引号（"），其后的 {lines} 行被读成了一个单元格'
                f'（“{_shown(value)}”）。请删除多余的引号（单元格里的引号应写成两个：""）后重新导入。'
            )


def _too_large(name: str, rows: int, columns: int) -> None:
    raise ImportProblem(
        f"“{name}”第{rows}行有 {columns} 列，或已超过 {MAX_ROWS} 行，超出清单的合理范围"
        f"（最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列），未导入。请删除多余的内容或拆分清单后重新导入。"
    )


# ---------------------------------------------------------------------------------------------------------
# Header vocabulary

# (field, pattern) in order; the first pattern that matches a normalised header wins.
_UNIT_WORD = r"(单位|部门|主体|机构|科室|股室|处室|科股|处科室)"
_HEADER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("seq", r"^(序号|编号|序|顺序号|排序|no\.?|#)$"),
        # A unit column that also names contacts ("责任单位及联系人"): units are read, people dropped.
        (
            "unit",
            rf"^.{{0,6}}{_UNIT_WORD}(及|和|与|/|、)(其)?(联系人|责任人|负责人|联系方式|联系电话|电话|人员)"
            r"(及|和|/|、)?(电话|联系方式|手机)?$",
        ),
        # An administrator's retirement (停更) of an item, with its reason; the export writes it too.
        ("retire", r"^(是否)?停(更|用)(说明|原因|情况|标注|状态)?$|^(停更|启用|使用)状态$"),
        # The person who keeps the items of a row and their phone (运维人员, 联系电话): the import records
        # them as the unit's webmaster, so that group robots @ them (acts.catalog). Not content: a row with
        # only these filled is no item, and they do not make a header.
        ("person", r"^(网站|栏目|新媒体|账号)?(运维|维护|管理|运营)(人员|员|人)(姓名)?$"),
        ("phone", r"^(运维人员|维护人员|管理员|维护员)?(联系)?(电话|手机|手机号|手机号码)$"),
        # Export-only and people columns: never data for the import.
        (
            "ignore",
            r"(解读|含义|释义|状态|到期|截止|逾期|天数|来源|管理员|维护员|联系人|负责人|责任人|人员|领导|电话|手机|邮箱|"
            r"姓名|网站名称|所属网站|站点|信息员|网管|联络员|经办人|审核人|粉丝|关注|阅读|开通|开设时间|"
            r"注册时间|是否|检查结果|得分|扣分|整改)",
        ),
        ("level", r"^(第)?([一二三四五1-5])级(栏目|目录|子栏目|频道|菜单|页面)?(名称|名|标题)?$"),
        ("level", r"^栏目([一二三四五1-5])级$"),
        ("depth", r"^(栏目)?(级别|层级|层次|等级)$"),
        ("sub", r"^(子栏目|下级栏目|下属栏目|子目录|小栏目|子频道)(名称|名)?$"),
        ("parent", r"^(上级|父级|所属|上一级|主)(栏目|频道|目录)(名称|名)?$"),
        (
            "colname",
            r"^(栏目|频道|目录|栏目目录|网站栏目|栏目版块|版块|板块|专栏|网页栏目)"
            r"(名称|名|全称|标题|路径|位置|全路径)?$",
        ),
        (
            "last_update",
            r"^(最近|最后|最新|上次|末次|最近一次|最后一次)(一次)?(更新|发布|发稿|维护)(时间|日期)?$",
        ),
        ("last_update", r"^(更新|发布)(时间|日期)$"),
        (
            "rule",
            r"^(栏目)?(最低|最少|最迟)?(更新|发布|报送|维护|保障|内容保障|信息更新|内容更新|运维)?"
            r"(时限|频率|频次|周期|要求|规定|标准|时效|时间要求)(要求)?$",
        ),
        ("rule", r"^更新$"),
        (
            "rule",
            r"^.{0,4}(更新|发布|维护|保障|报送|运维).{0,4}(要求|频率|频次|周期|时限|时效|规定|标准)$",
        ),
        (
            "content",
            r"^(栏目|管理|主要|信息|发布|工作|栏目主要|账号|功能)?(内容|职责|定位|简介|介绍)(要求|说明|简介)?$"
            r"|^(栏目|账号)说明$",
        ),
        (
            "account",
            r"^(政务)?(新媒体|微信|微博|抖音|头条|快手|视频号)?"
            r"(账号|帐号|公众号|新媒体|媒体|平台账号|账户|新媒体账号|政务新媒体账号)(名称|名)?$",
        ),
        ("unit_lead", rf"^(牵头|主责){_UNIT_WORD}?$"),
        ("unit_helper", rf"^(配合|协办|协助|参与|协同){_UNIT_WORD}?$"),
        (
            "unit",
            rf"^(责任|主办|负责|管理|主管|承办|维护|运维|运营|开设|开办|建设|信息提供|供稿|报送|归口|所属|"
            rf"责任主体|信息发布|内容保障|内容维护|信息报送|认证|账号|更新|发布)?{_UNIT_WORD}(名称)?$",
        ),
        ("unit", rf"^.{{1,6}}{_UNIT_WORD}(名称)?$"),
        (
            "url",
            r"^(栏目|网页|网站|页面|访问|链接|主页|账号|二维码)?(地址|链接|网址|url|链接地址|网页地址|主页)$"
            r"|^.{0,6}(网址|链接|url|网页地址|访问地址|链接地址)$",
        ),
        ("note", r"^(备注|附注|其他|其它|备考|说明|备注说明)$"),
        (
            "handle",
            r"^(账号|帐号|公众号)?(id|uid|编号|号码)$|^(微信号|原始id|微博号|抖音号|快手号|头条号|视频号id)$",
        ),
        (
            "platform",
            r"^(平台|平台类型|账号类型|帐号类型|媒体类型|新媒体类型|所属平台|发布平台|平台名称|渠道|载体|"
            r"开设平台|媒体平台|平台分类|新媒体平台|账号平台|账号所在平台)$",
        ),
        ("type", r"^(栏目|信息|内容)?(类型|类别|种类|分类|性质)$"),
        ("name", r"^(名称|名字)$"),
    )
)

_NAME_FIELDS = frozenset({"level", "sub", "parent", "colname", "name", "account"})
_UNIT_FIELDS = frozenset({"unit", "unit_lead", "unit_helper"})
_CONTENT_FIELDS = (
    _NAME_FIELDS
    | _UNIT_FIELDS
    | {"handle", "platform", "rule", "content", "url", "last_update", "note", "depth"}
)

_LEVEL_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}


def normalize_header(text: str) -> tuple[str, str]:
    """(core, parenthesised remark) of a header: NFKC, no whitespace, lower-case, no ":" or "*" marks."""
    s = "".join(unicodedata.normalize("NFKC", text).split()).lower()
    remarks = "".join(a or b for a, b in re.findall(r"\(([^)]*)\)|【([^】]*)】", s))
    core = re.sub(r"\([^)]*\)|【[^】]*】", "", s).strip(":：*※\"'“”")
    return core, remarks


def header_field(text: str) -> tuple[str, int] | None:
    """What a header cell means: (field, level) — level is set for 一级栏目…五级栏目 — or None."""
    core, remarks = normalize_header(text)
    if not core or len(core) > HEADER_CELL_MAX:
        return None
    for name, pattern in _HEADER_PATTERNS:
        m = pattern.search(core)
        if not m:
            continue
        if name == "level":
            digit = next(g for g in m.groups() if g and g in _LEVEL_DIGITS)
            return "level", _LEVEL_DIGITS[digit]
        if name == "unit" and "牵头" in remarks:
            return "unit_lead", 0
        if name == "unit" and re.search("配合|协办|协助", remarks):
            return "unit_helper", 0
        return name, 0
    return None


# ---------------------------------------------------------------------------------------------------------
# Dates

_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*秒?)?$"
)


def parse_day(value: object) -> date | datetime | None:
    """A last-update cell: a date, a local (naive) datetime, or None when it is not a date at all."""
    if isinstance(value, datetime):
        if value.hour or value.minute or value.second:
            return value
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number left unformatted
            day = date(1899, 12, 30) + timedelta(days=int(value))
            minutes = round((value - int(value)) * 24 * 60)
            if 0 < minutes < 24 * 60:
                return datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
            return day
        text = cell_text(value)
        if len(text) == 8 and text.isdigit():
            return parse_day(f"{text[:4]}-{text[4:6]}-{text[6:]}")
        return None
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # a serial day number that came through a CSV
        return parse_day(float(text))
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DATE_TEXT.match(text)
    if not m:
        return None
    y, mo, d, hh, mm, ss = m.groups()
    try:
        if hh is not None:
            return datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0))
        return date(int(y), int(mo), int(d))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------
# Rows

_PLATFORMS: tuple[tuple[str, str], ...] = (
    (r"^(微信|微信公众号|公众号|微信公众平台|微信订阅号|微信服务号)$", "微信公众号"),
    (r"^(微信视频号|视频号)$", "微信视频号"),
    (r"^(微博|新浪微博|政务微博)$", "微博"),
    (r"^(抖音|抖音号|政务抖音)$", "抖音"),
    (r"^(快手|快手号)$", "快手"),
    (r"^(今日头条|头条|头条号)$", "今日头条"),
    (r"^(app|客户端|移动客户端)$", "移动客户端"),
)


def normalize_platform(text: str) -> str:
    """One spelling per platform, so 微信 and 公众号 name the same account key."""
    s = "".join(unicodedata.normalize("NFKC", text).split())
    for pattern, name in _PLATFORMS:
        if re.match(pattern, s.lower()):
            return name
    return s


def platform_of_sheet(name: str) -> str:
    """A sheet per platform ("微信公众号", "政务微博") names the platform of accounts that do not."""
    s = "".join(unicodedata.normalize("NFKC", name).split()).lower()
    for word, platform in (
        ("视频号", "微信视频号"),
        ("微信", "微信公众号"),
        ("公众号", "微信公众号"),
        ("微博", "微博"),
        ("抖音", "抖音"),
        ("快手", "快手"),
        ("头条", "今日头条"),
    ):
        if word in s:
            return platform
    return ""


def clean_name(text: str) -> str:
    """A column or account name: spaces and line breaks a layout added are dropped between Chinese words."""
    s = re.sub(r"\s+", " ", text.replace("\u3000", " ")).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", s)


def clean_text(text: str) -> str:
    """Free text (content, notes, rules): lines trimmed, blank lines dropped."""
    lines = [ln.strip() for ln in text.replace("\r", "\n").split("\n")]
    return "\n".join(ln for ln in lines if ln)


@dataclass(frozen=True, slots=True)
class ListRow:
    """One column or account as the list states it. A field is None when the list has no such column."""

    kind: ItemKind
    sheet: str
    row: int  # the row number people see in the spreadsheet (1-based)
    levels: tuple[str, ...]  # columns: the path; accounts: ()
    name: str
    platform: str | None = None
    handle: str | None = None
    rule_text: str | None = None
    content: str | None = None
    note: str | None = None
    url: str | None = None
    units: tuple[UnitLink, ...] | None = None
    last_update: date | datetime | None = None
    unit_problems: tuple[str, ...] = ()  # pieces of the unit cells that are not units: reported
    external: bool = False  # the unit cell says 外链: an external link, no update duty
    retire: str | None = None  # the 停更 cell: "已停更：原因" retires, "在用" brings back, "" says nothing
    person: str | None = None  # the 运维人员 cell: who keeps it (names as written)
    phone: str | None = None  # the 联系电话 cell beside it (as written; checked by the import)

    @property
    def key(self) -> str:
        if self.kind == ItemKind.ACCOUNT:
            return f"account:{self.platform or ''}:{self.name}"
        return "column:" + "/".join(self.levels)

    @property
    def label(self) -> str:
        if self.kind == ItemKind.ACCOUNT:
            return f"{self.platform}“{self.name}”" if self.platform else f"“{self.name}”"
        return " / ".join(self.levels)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the administrator should know about a row that was nevertheless imported (or skipped)."""

    sheet: str
    row: int | None
    text: str


@dataclass
class SheetInfo:
    name: str
    kind: ItemKind
    header_row: int
    columns: dict[str, str]  # header text -> field it was read as
    unused: list[str]  # header texts not used


@dataclass
class ParsedList:
    title: str | None  # the list's title row, if any ("楚雄市人民政府网站栏目管理责任分解清单")
    sheets: list[SheetInfo] = field(default_factory=list)
    rows: list[ListRow] = field(default_factory=list)
    skipped: list[Notice] = field(default_factory=list)  # sheets not read, and why
    notices: list[Notice] = field(default_factory=list)

    @property
    def kinds(self) -> set[str]:
        return {s.kind for s in self.sheets}


@dataclass
class _Header:
    row: int  # 1-based: the last header row; data starts below it
    fields: dict[int, tuple[str, int]]  # column index (0-based) -> (field, level)
    texts: dict[int, str]
    rows: tuple[int, ...]  # every header row (1-based): two when a band sits over the detail headers


def _score(cells: Sequence[Cell]) -> tuple[int, dict[int, tuple[str, int]], dict[int, str]]:
    fields: dict[int, tuple[str, int]] = {}
    texts: dict[int, str] = {}
    for i, cell in enumerate(cells):
        text = cell.text
        if not text:
            continue
        found = header_field(text)
        if found is not None:
            fields[i] = found
        texts[i] = text
    return _fields_score(fields), fields, texts


def _fields_score(fields: dict[int, tuple[str, int]]) -> int:
    distinct = {f for f in fields.values() if f[0] in _CONTENT_FIELDS or f[0] == "type"}
    has_name = any(f[0] in _NAME_FIELDS for f in distinct)
    return len(distinct) if has_name else 0


def _find_header(sheet: RawSheet) -> _Header | None:
    best: _Header | None = None
    best_score = 1  # at least two distinct fields, one of them a name
    for r, cells in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        score, fields, texts = _score(cells)
        # The first row with the most: a two-row header's detailed row has more (the band above names no
        # column), and a header repeated further down has no more than the first.
        if score > best_score:
            best, best_score = _Header(r + 1, fields, texts, (r + 1,)), score
    if best is None:
        return None
    # A header over two rows: "栏目名称" over 一级/二级/三级, "责任单位" over 牵头/配合, and headers
    # written in the upper row with nothing below them. The band above or the detail below is read too.
    i = best.row - 1
    if i + 1 < len(sheet.rows) and _band_of(sheet.rows[i + 1], sheet.rows[i]):
        return _two_rows(sheet, i, i + 1)
    if i >= 1 and _band_of(sheet.rows[i - 1], sheet.rows[i]):
        return _two_rows(sheet, i - 1, i)
    return best


def _band_of(other: Sequence[Cell], found: Sequence[Cell]) -> bool:
    """Whether a row next to the header row is part of the header: its own cells (not those of a cell merged
    down from the header row) are header words."""
    own = [
        c.text
        for k, c in enumerate(other)
        if c.text and not (c.origin is not None and k < len(found) and found[k].origin == c.origin)
    ]
    known = sum(1 for t in own if header_field(t) is not None)
    return known >= 1 and known * 3 >= len(own) * 2 and (known >= 2 or len(own) == 1)


def _two_rows(sheet: RawSheet, upper: int, lower: int) -> _Header:
    """One header from two rows: the lower row's word where it has one, else the band's above it."""
    up, down = sheet.rows[upper], sheet.rows[lower]
    fields: dict[int, tuple[str, int]] = {}
    texts: dict[int, str] = {}
    for k in range(max(len(up), len(down))):
        top = up[k].text if k < len(up) else ""
        low = down[k].text if k < len(down) else ""
        shared = k < len(up) and k < len(down) and up[k].origin is not None and up[k].origin == down[k].origin
        low_field = header_field(low) if low and not shared else None
        top_field = header_field(top) if top else None
        if low_field is not None:
            fields[k] = low_field
        elif top_field is not None and not (low and not shared):
            fields[k] = top_field  # nothing of its own below the band: the band names the column
        elif shared and low:
            found = header_field(low)
            if found is not None:
                fields[k] = found
        if low or top:
            texts[k] = low or top
    return _Header(lower + 1, fields, texts, (upper + 1, lower + 1))


def _sheet_kind(name: str, fields: Iterable[tuple[str, int]]) -> ItemKind | None:
    kinds = {f for f, _ in fields}
    if kinds & {"level", "sub", "colname", "parent"}:
        return ItemKind.COLUMN
    if kinds & {"account", "handle", "platform"}:
        return ItemKind.ACCOUNT
    if "name" in kinds:
        if "type" in kinds or re.search("新媒体|公众号|微博|抖音|账号|帐号", name):
            return ItemKind.ACCOUNT
        return ItemKind.COLUMN
    return None


_NOTE_START = re.compile(
    r"^(注|说明|备注|附注|附|填表说明|填报说明|填写说明|填表人|填报人|审核人|制表人|制表|负责人|联系人|联系电话|"
    r"填报日期|制表日期|填报单位|报送单位|审核|签发|分管领导|单位负责人|主要领导|单位盖章|盖章|日期)"
    r"\s*\d?\s*[:：、.．]"
)
# A numbered line of notes ("1.各单位应……"), longer than any column name.
_NOTE_LINE = re.compile(r"^(\d{1,2}|[一二三四五六七八九十]{1,2})\s*[.．、)）]\s*\S.{10,}$", re.S)


def _is_note_row(cells: Sequence[Cell], texts: list[str]) -> bool:
    filled = [(c, t) for c, t in zip(cells, texts, strict=True) if t]
    origins = {c.origin for c, _ in filled}
    if len(filled) > 1 and len(origins) == 1 and None not in origins:
        text = filled[0][1]
        # One merged cell across the table is a note line, unless it heads a section ("一、首页栏目").
        return _section_name(text) is None and not _TOTAL.match(_squeeze(text))
    if len(filled) == 1:
        text = filled[0][1]
        return bool(_NOTE_START.match(text) or _NOTE_LINE.match(text))
    return False


def _squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


# Section rows: "一、首页栏目", "（二）政务公开", "第三部分 互动交流"; and totals: "合计", "小计：12个".
_SECTION = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[(（][一二三四五六七八九十]{1,3}[)）]|"
    r"第[一二三四五六七八九十]{1,3}(?:部分|类|章|节|项)[、.．:：]?)\s*(?P<name>\S.*)$",
    re.S,
)
_CHINESE_NUMERAL = re.compile(r"^[一二三四五六七八九十]{1,3}[、.．]?$")
_TOTAL = re.compile(r"^(合计|小计|总计|共计|汇总)")
_NUMBERING = re.compile(
    r"^(?:\d{1,3}(?:\.\d{1,2})*|[一二三四五六七八九十]{1,3})\s*[、．]\s*(?=\S)|^[(（]\d{1,3}[)）]\s*(?=\S)"
)


def _section_name(text: str) -> str | None:
    m = _SECTION.match(clean_name(text))
    if not m:
        return None
    name = clean_name(m.group("name")).strip("：:")
    if len(name) > 20 or re.search(r"[，。；,;]", name):
        return None  # a sentence: a note, not a heading
    stripped = re.sub(r"(类栏目|栏目|类)$", "", name)
    return stripped if len(stripped) >= 2 else name


def _distinct(cells: Sequence[Cell], texts: list[str]) -> list[tuple[int, str]]:
    """(column, text) of each filled cell, a merged cell once."""
    values: dict[object, tuple[int, str]] = {}
    for k, (cell, text) in enumerate(zip(cells, texts, strict=True)):
        if text:
            values.setdefault(cell.origin or (0, k), (k, text))
    return list(values.values())


def _is_sentence(cells: Sequence[Cell], texts: list[str]) -> bool:
    """A line of explanation written into the table ("以上栏目由各股室按职责分工负责，……")."""
    found = _distinct(cells, texts)
    return len(found) == 1 and len(found[0][1]) >= 12 and bool(re.search(r"[，。；;,]", found[0][1]))


def _row_section(cells: Sequence[Cell], texts: list[str], seq_cols: set[int]) -> str | None:
    """The heading a section row gives the rows below it, or None when the row is not one."""
    found = _distinct(cells, texts)
    if len(found) == 1:
        return _section_name(found[0][1])
    if len(found) == 2:
        (k1, t1), (_k2, t2) = found
        # 序号 "一" (a Chinese numeral) with the heading in the next column.
        if k1 in seq_cols and _CHINESE_NUMERAL.match(t1) and len(t2) <= 20 and not _NUMBERING.match(t2):
            return _section_name(f"{t1.rstrip('、.．')}、{t2}")
    return None


def parse_sheets(sheets: Sequence[RawSheet]) -> ParsedList:
    """Rows of every sheet that has a recognisable header; the first title row found becomes the title."""
    result = ParsedList(title=None)
    for sheet in sheets:
        has_text = any(any(c.text for c in row) for row in sheet.rows)
        if sheet.hidden:
            if has_text:
                result.skipped.append(
                    Notice(
                        sheet.name, None, "是隐藏的工作表，未导入；如需导入，请在 Excel 中取消隐藏后重新导入"
                    )
                )
            continue
        header = _find_header(sheet)
        if header is None:
            if has_text:
                result.skipped.append(
                    Notice(sheet.name, None, "没有找到表头（栏目名称、责任单位等），未导入")
                )
            continue
        kind = _sheet_kind(sheet.name, header.fields.values())
        if kind is None:
            result.skipped.append(Notice(sheet.name, header.row, "没有栏目名称或账号名称列，未导入"))
            continue
        if result.title is None:
            result.title = _title_above(sheet, header.rows[0])
        _read_rows(sheet, header, kind, result)
        if sheet.invisible_rows:
            result.notices.append(Notice(sheet.name, None, _invisible_text(sheet.invisible_rows)))
    if not result.sheets:
        names = "、".join(f"“{s.name}”" for s in sheets if not s.hidden) or "（无）"
        raise ImportProblem(
            f"在工作表 {names} 的前{HEADER_SCAN_ROWS}行中没有找到表头。"
            "表头行应至少包含栏目名称（如“一级栏目”“二级栏目”“栏目名称”）或账号名称，"
            "以及“责任单位”“更新时限要求”等列中的一个。请检查表格后重新导入。"
        )
    if not result.rows:
        # Importing it would retire every column and account of the site: never what was meant.
        names = "、".join(f"“{s.name}”" for s in result.sheets)
        raise ImportProblem(
            f"工作表 {names} 只有表头，没有任何栏目或账号，未导入（数据库没有任何修改）。"
            "请确认选对了文件、清单内容在表头下方，然后重新导入。"
        )
    return result


def _invisible_text(rows: list[int]) -> str:
    shown = "、".join(str(n) for n in rows[:10]) + ("等" if len(rows) > 10 else "")
    return (
        f"第{shown}行（共{len(rows)}行）的文字中有控制字符或不可见字符（如从网页、聊天软件复制带入的），"
        "已删除后导入；请在清单中一并删除"
    )


def _title_above(sheet: RawSheet, header_row: int) -> str | None:
    for cells in sheet.rows[: header_row - 1]:
        texts = [c.text for c in cells if c.text]
        if texts and 4 <= len(texts[0]) <= 60 and not _NOTE_START.match(texts[0]):
            return clean_name(texts[0])
    return None


def _shown(text: str, width: int = 24) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _by_field(kind: ItemKind, fields: dict[int, tuple[str, int]]) -> dict[str, list[int]]:
    """The columns of each field, read for the kind of sheet: a bare 名称 names the column or the account."""
    by_field: dict[str, list[int]] = {}
    for col in sorted(fields):
        f, _level = fields[col]
        if kind == ItemKind.ACCOUNT and f == "name":
            f = "account"
        if kind == ItemKind.ACCOUNT and f == "type":
            f = "platform"
        if kind == ItemKind.COLUMN and f == "name":
            f = "colname"
        if kind == ItemKind.ACCOUNT and f in ("level", "sub", "parent", "colname", "depth"):
            f = "ignore"
        by_field.setdefault(f, []).append(col)
    return by_field


def _read_rows(sheet: RawSheet, header: _Header, kind: ItemKind, result: ParsedList) -> None:
    fields = header.fields
    by_field = _by_field(kind, fields)
    level_cols = _level_columns(sheet.name, header, by_field) if kind == ItemKind.COLUMN else []
    depth_cols = by_field.get("depth", []) if len(level_cols) == 1 else []
    contact_cols = set(by_field.get("person", [])) | set(by_field.get("phone", []))
    used = (
        set(level_cols)
        | set(depth_cols)
        | {c for f, cols in by_field.items() if f not in ("ignore", "type", "seq", "depth") for c in cols}
    ) - contact_cols
    seq_cols = set(by_field.get("seq", []))
    info = SheetInfo(
        sheet.name,
        kind,
        header.row,
        columns={header.texts[c]: _FIELD_LABELS.get(f, f) for f, cols in by_field.items() for c in cols},
        unused=[
            header.texts[c]
            for c in sorted(header.texts)
            if c not in used and c not in contact_cols and fields.get(c, ("",))[0] != "seq"
        ],
    )
    result.sheets.append(info)
    if kind == ItemKind.ACCOUNT and "account" not in by_field:
        raise ImportProblem(
            f"工作表“{sheet.name}”第{header.row}行是新媒体账号表头，但没有“账号名称”列。请补上后重新导入。"
        )

    header_texts: dict[int, set[str]] = {}
    for r in header.rows:
        for c, cell in enumerate(sheet.rows[r - 1]):
            if cell.text:
                header_texts.setdefault(c, set()).add(normalize_header(cell.text)[0])
    previous: tuple[str, ...] = ()
    section: str | None = None
    stack: list[str] = []  # the path so far, for lists that give each column's level (栏目级别)
    contacts: list[int] = []  # rows whose unit cells had people or phone numbers in them
    for r in range(header.row, len(sheet.rows)):
        cells = sheet.rows[r]
        number = r + 1
        texts = [c.text for c in cells]
        if not any(texts) or _is_note_row(cells, texts) or _repeats_header(texts, header_texts):
            continue
        total = next((t for c, t in enumerate(texts) if t and _TOTAL.match(_squeeze(t))), None)
        if total is not None:
            result.notices.append(
                Notice(sheet.name, number, f"合计行“{_shown(total)}”不是{_KIND_WORD[kind]}，已跳过")
            )
            continue
        heading = _row_section(cells, texts, seq_cols)
        if heading is not None:
            shown = _shown(" ".join(t for _, t in _distinct(cells, texts)))
            if kind == ItemKind.COLUMN:
                section, previous, stack = heading, (heading,), [heading]
                where = "其下各行的上级栏目" if len(level_cols) == 1 else "其下一级栏目为空的行的一级栏目"
                result.notices.append(Notice(sheet.name, number, f"分组行“{shown}”：“{heading}”作为{where}"))
            else:
                result.notices.append(Notice(sheet.name, number, f"分组行“{shown}”不是账号，已跳过"))
            continue
        skip, why = _not_an_item(cells, texts, number, used, fields, kind)
        if why:
            result.notices.append(Notice(sheet.name, number, why))
        if skip:
            continue
        removed: list[str] = []
        base = _base_row(kind, sheet.name, number, cells, by_field, removed, result)
        if removed:
            contacts.append(number)
        if kind == ItemKind.ACCOUNT:
            result.rows.append(_account_row(base, cells, by_field, result))
            continue
        raw = _resolve_levels(cells, level_cols, previous, sheet.name, number, result)
        previous = raw
        levels = _expand_paths(raw, sheet.name, number)
        if depth_cols:
            levels, stack = _place_by_depth(cells, depth_cols, levels, stack, sheet.name, number, result)
        elif section is not None and len(level_cols) == 1 and levels[0] != section:
            levels = (section, *levels)
        if len(levels) > MAX_LEVELS:
            raise ImportProblem(
                f"工作表“{sheet.name}”第{number}行的栏目“{' / '.join(levels)}”超过五级。"
                "最多支持五级栏目，请合并多余的层级后重新导入。"
            )
        result.rows.append(replace(base, levels=levels, name=levels[-1]))
    if contacts:
        rows_text = "、".join(str(n) for n in contacts[:10]) + ("等" if len(contacts) > 10 else "")
        result.notices.append(
            Notice(
                sheet.name,
                None,
                f"第{rows_text}行（共{len(contacts)}行）的责任单位中写有联系人或电话，已略去，未作为单位导入；"
                "联系人请用 zhiri person add 单位名称 姓名 --phone 手机号码 登记为网站维护员",
            )
        )


_KIND_WORD = {ItemKind.COLUMN: "栏目", ItemKind.ACCOUNT: "账号"}


def _repeats_header(texts: list[str], header_texts: dict[int, set[str]]) -> bool:
    """The header again: printed lists repeat it on every page."""
    same = sum(1 for c, t in header_texts.items() if c < len(texts) and normalize_header(texts[c])[0] in t)
    return same >= max(2, len(header_texts) // 2)


def _not_an_item(
    cells: list[Cell],
    texts: list[str],
    number: int,
    used: set[int],
    fields: dict[int, tuple[str, int]],
    kind: ItemKind,
) -> tuple[bool, str | None]:
    """(skip the row, what to tell the administrator) for rows that hold no column or account of their own:
    a sentence of explanation, values merged down from above, text only in columns the import does not use."""
    what = _KIND_WORD[kind]
    if _is_sentence(cells, texts):
        return True, (
            f"说明文字“{_shown(texts[_first_filled(texts)])}”未作为{what}导入；"
            f"如果它是{what}，请只填名称并补全其他列"
        )
    meaningful = [texts[c] for c in used if c < len(texts) and texts[c]]
    own = [c for c in used if c < len(texts) and texts[c] and cells[c].origin in (None, (number, c + 1))]
    if meaningful and not own:
        # Only values carried down by merged cells that reach one row too far: nothing of its own.
        return True, "这一行只有合并单元格带下来的内容，已跳过"
    if meaningful:
        return False, None
    stray = [
        t
        for c, t in enumerate(texts)
        if t and (fields.get(c, ("",))[0] != "seq" or not re.fullmatch(r"[\d.]+", t))
    ]
    if stray:
        return (
            True,
            f"这一行只有未使用列的内容（“{_shown(stray[0])}”），已跳过；如果它是{what}，请把名称填在名称列",
        )
    return True, None


def _joined(cells: list[Cell], cols: list[int] | None) -> str | None:
    """The field's cells of a row as one text (each distinct value once), or None when the list has no
    such column."""
    if cols is None:
        return None
    parts: list[str] = []
    for c in cols:
        t = clean_text(cells[c].text) if c < len(cells) else ""
        if t and t not in parts:
            parts.append(t)
    return "\n".join(parts)


def _base_row(
    kind: ItemKind,
    sheet: str,
    number: int,
    cells: list[Cell],
    by_field: dict[str, list[int]],
    removed: list[str],
    result: ParsedList,
) -> ListRow:
    """What columns and accounts both have, read from the row; the name (and path) is filled in after."""
    reading = _row_units(cells, by_field, removed)
    rule = _joined(cells, by_field.get("rule"))
    return ListRow(
        kind=kind,
        sheet=sheet,
        row=number,
        levels=(),
        name="",
        content=_joined(cells, by_field.get("content")),
        note=_joined(cells, by_field.get("note")),
        url=_first_line(_joined(cells, by_field.get("url"))),
        units=None if reading is None else reading.links,
        last_update=_row_last_update(cells, by_field, sheet, number, result),
        unit_problems=() if reading is None else reading.problems,
        external=reading is not None and reading.external,
        rule_text=rule if reading is None or not reading.external else (rule or "外链"),
        retire=_joined(cells, by_field.get("retire")),
        person=_joined(cells, by_field.get("person")),
        phone=_joined(cells, by_field.get("phone")),
    )


def _account_row(
    base: ListRow, cells: list[Cell], by_field: dict[str, list[int]], result: ParsedList
) -> ListRow:
    name = clean_name(_joined(cells, by_field.get("account")) or "")
    if not name:
        raise ImportProblem(
            f"工作表“{base.sheet}”第{base.row}行没有账号名称。请填写账号名称，或删除这一行后重新导入。"
        )
    platform = normalize_platform(_joined(cells, by_field.get("platform")) or "") or platform_of_sheet(
        base.sheet
    )
    if not platform:
        result.notices.append(
            Notice(
                base.sheet,
                base.row,
                f"账号“{name}”没有写明平台（微信公众号、微博、抖音……），按名称导入；请在“平台”列补充",
            )
        )
    return replace(
        base, name=name, platform=platform, handle=_first_line(_joined(cells, by_field.get("handle")))
    )


def _first_filled(texts: Sequence[str]) -> int:
    return next(k for k, t in enumerate(texts) if t)


_FIELD_LABELS = {
    "seq": "序号",
    "ignore": "（不导入）",
    "level": "栏目层级",
    "sub": "子栏目",
    "colname": "栏目名称",
    "account": "账号名称",
    "platform": "平台",
    "handle": "账号ID",
    "rule": "更新要求",
    "content": "内容",
    "unit": "责任单位",
    "unit_lead": "牵头单位",
    "unit_helper": "配合单位",
    "url": "地址",
    "last_update": "最近更新",
    "note": "备注",
    "retire": "停更",
    "type": "（不导入）",
    "parent": "上级栏目",
    "depth": "栏目级别",
    "person": "运维人员",
    "phone": "联系电话",
}


def _level_columns(sheet_name: str, header: _Header, by_field: dict[str, list[int]]) -> list[int]:
    """Columns holding the path, top level first: 一级…五级 by number, then 栏目名称, then 子栏目."""
    explicit: dict[int, int] = {}
    for col, (f, level) in sorted(header.fields.items()):
        if f == "level" and level not in explicit:
            explicit[level] = col
    cols = [explicit[k] for k in sorted(explicit)]
    cols += by_field.get("parent", []) + by_field.get("colname", []) + by_field.get("sub", [])
    if len(cols) > MAX_LEVELS:
        raise ImportProblem(
            f"工作表“{sheet_name}”第{header.row}行的表头有{len(cols)}个栏目层级列，最多支持五级栏目。"
            "请合并多余的层级后重新导入。"
        )
    return cols


def _resolve_levels(
    cells: list[Cell],
    level_cols: list[int],
    previous: tuple[str, ...],
    sheet_name: str,
    number: int,
    result: ParsedList,
) -> tuple[str, ...]:
    """The row's path. Merged cells already carry their value. A blank upper level is taken from the row
    above only when this row names a lower level and agrees with the row above on every level before it;
    a blank level with nothing below it is not inherited: the column is a leaf where its name stops."""
    values: list[str] = []
    prev_origin: tuple[int, int] | None = None
    for col in level_cols:
        cell = cells[col] if col < len(cells) else Cell()
        # A name merged across several level columns ("投资楚雄" over 一级…三级) belongs to the first only.
        if cell.origin is not None and cell.origin == prev_origin:
            values.append("")
        else:
            values.append(clean_name(cell.text))
        prev_origin = cell.origin
    lowest = max((i for i, v in enumerate(values) if v), default=-1)
    if lowest < 0:
        raise ImportProblem(
            f"工作表“{sheet_name}”第{number}行没有栏目名称，也无法从上一行继承。"
            "请在这一行填写栏目名称（或删除这一行）后重新导入。"
        )
    path: list[str] = []
    for k in range(lowest + 1):
        if values[k]:
            path.append(values[k])
        elif len(path) == k and len(previous) > k and tuple(path) == previous[:k]:
            path.append(previous[k])
        else:
            shown = "、".join(LEVEL_NAMES[i] for i in range(k, lowest) if not values[i])
            result.notices.append(
                Notice(
                    sheet_name,
                    number,
                    f"{shown}为空且无法从上一行继承，按“{' / '.join([*path, values[lowest]])}”导入",
                )
            )
            path.extend(v for v in values[k + 1 : lowest + 1] if v)
            break
    return tuple(path)


def _first_line(text: str | None) -> str | None:
    if text is None:
        return None
    return text.split("\n")[0].strip()


def _row_units(cells: list[Cell], by_field: dict[str, list[int]], removed: list[str]) -> UnitReading | None:
    if not any(f in by_field for f in ("unit", "unit_lead", "unit_helper")):
        return None

    def texts(f: str) -> tuple[str, ...]:
        return tuple(cells[c].text for c in by_field.get(f, []) if c < len(cells) and cells[c].text)

    reading = _units_of(texts("unit_lead"), texts("unit"), texts("unit_helper"))
    removed.extend(reading.dropped)
    return reading


@lru_cache(maxsize=65_536)
def _units_of(lead: tuple[str, ...], main: tuple[str, ...], helper: tuple[str, ...]) -> UnitReading:
    # A province's list names its few thousand units over and over: each cell is read once (the reading is
    # immutable, so rows may share it).
    return compose_units(lead, main, helper)


# A path in one cell: "政务公开-政策文件", "政务公开>政策文件", "政务公开/政策文件", "政务公开→政策文件".
_PATH_SEPARATOR = re.compile(r"\s*(?:-{1,2}|－|—{1,2}|–|>{1,2}|＞|→|/|／|\\)\s*")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _strip_numbering(name: str) -> str:
    """ "1、今日要闻", "（2）部门动态", "3.通知公告": the number is not part of the name."""
    stripped = _NUMBERING.sub("", name, count=1).strip()
    return stripped if stripped and _HAN.search(stripped) else name


def _expand_paths(levels: tuple[str, ...], sheet_name: str, number: int) -> tuple[str, ...]:
    """Each level cell may hold a path of several levels; a name keeps its numbering out."""
    out: list[str] = []
    for value in levels:
        parts = [value]
        if not re.search(r"https?:|www\.", value, re.I):
            pieces = [p.strip() for p in _PATH_SEPARATOR.split(value)]
            if len(pieces) > 1 and all(p and _HAN.search(p) for p in pieces):
                parts = pieces
        out.extend(_strip_numbering(clean_name(p)) for p in parts)
    return tuple(out)


_DEPTH_TEXT = re.compile(r"^(第)?([一二三四五1-5])(级|层)?(栏目)?$")


def _place_by_depth(
    cells: list[Cell],
    depth_cols: list[int],
    levels: tuple[str, ...],
    stack: list[str],
    sheet_name: str,
    number: int,
    result: ParsedList,
) -> tuple[tuple[str, ...], list[str]]:
    """A list that names each column once and gives its level (栏目级别 一级/二级…) in tree order."""
    text = next((cells[c].text for c in depth_cols if c < len(cells) and cells[c].text), "")
    m = _DEPTH_TEXT.match(_squeeze(text))
    if len(levels) > 1 or not text:
        return levels, list(levels)  # the row gives its own path
    if not m:
        result.notices.append(
            Notice(sheet_name, number, f"栏目级别“{text}”无法识别，按一级栏目导入；请填写“一级”“二级”等")
        )
        return levels, list(levels)
    depth = _LEVEL_DIGITS[m.group(2)]
    if depth - 1 > len(stack):
        result.notices.append(
            Notice(
                sheet_name,
                number,
                f"{LEVEL_NAMES[depth - 1]}“{levels[0]}”上面没有它的{LEVEL_NAMES[depth - 2]}，"
                f"按“{' / '.join([*stack, levels[0]])}”导入；请检查栏目级别",
            )
        )
        depth = len(stack) + 1
    path = (*stack[: depth - 1], levels[0])
    return path, list(path)


_UNKNOWN_WORDS = frozenset({UNKNOWN_LAST, "未知", "不详"})


def _row_last_update(
    cells: list[Cell], by_field: dict[str, list[int]], sheet: str, number: int, result: ParsedList
) -> date | datetime | None:
    found: date | datetime | None = None
    for c in by_field.get("last_update", []):
        if c >= len(cells) or not cells[c].text or cells[c].text.strip() in _UNKNOWN_WORDS:
            continue  # the export writes "最近更新日期未知": nothing known, as an empty cell
        day = parse_day(cells[c].value)
        if day is None:
            result.notices.append(Notice(sheet, number, f"最近更新“{cells[c].text}”不是日期，已忽略"))
        elif found is None or _as_datetime(day) > _as_datetime(found):
            found = day
    return found


def _as_datetime(day: date | datetime) -> datetime:
    return day if isinstance(day, datetime) else datetime(day.year, day.month, day.day, 12)


def parse_list(path: Path) -> ParsedList:
    """Read a responsibility list file into rows (no database)."""
    return parse_sheets(read_table_file(path))
