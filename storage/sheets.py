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
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import charset_normalizer
import openpyxl

__all__ = [
    "Cell",
    "ImportProblem",
    "ListRow",
    "Notice",
    "ParsedList",
    "RawSheet",
    "SheetInfo",
    "UnitRef",
    "account_key",
    "column_key",
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


@dataclass
class RawSheet:
    name: str
    rows: list[list[Cell]]  # rows[0] is the sheet's row 1; merged values are carried to every covered cell


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
    """The file's visible sheets as grids. XLSX through openpyxl; CSV/TSV/TXT in UTF-8 (BOM or not) or GBK."""
    if not path.exists():
        raise ImportProblem(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix in (".xls", ".et", ".wps", ".ods", ".numbers"):
        raise ImportProblem(
            f"无法读取 {suffix} 格式的表格。"
            "请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）或 CSV 后再导入。"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportProblem(f"无法读取文件 {path}：{exc}") from exc
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(path)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportProblem("这是旧版 Excel（.xls）文件。请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入。")
    return [_read_csv(path.stem, decode_bytes(data))]


def _read_xlsx(path: Path) -> list[RawSheet]:
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportProblem(
            f"无法打开 Excel 文件 {path.name}（{exc}）。请确认文件完整、未加密，并另存为 .xlsx。"
        ) from exc
    sheets: list[RawSheet] = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        grid = [[Cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
        width = max((len(r) for r in grid), default=0)
        for row in grid:
            row.extend(Cell() for _ in range(width - len(row)))
        for rng in ws.merged_cells.ranges:
            value = ws.cell(rng.min_row, rng.min_col).value
            origin = (rng.min_row, rng.min_col)
            for r in range(rng.min_row, min(rng.max_row, len(grid)) + 1):
                for c in range(rng.min_col, min(rng.max_col, width) + 1):
                    grid[r - 1][c - 1] = Cell(value, origin)
        while grid and not any(c.text for c in grid[-1]):
            grid.pop()
        sheets.append(RawSheet(ws.title, grid))
    wb.close()
    return sheets


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
    rows = [[Cell(v if v.strip() else None) for v in r] for r in csv.reader(io.StringIO(text), dialect)]
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend(Cell() for _ in range(width - len(row)))
    while rows and not any(c.text for c in rows[-1]):
        rows.pop()
    return RawSheet(name, rows)


# ---------------------------------------------------------------------------------------------------------
# Header vocabulary

# (field, pattern) in order; the first pattern that matches a normalised header wins.
_HEADER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("seq", r"^(序号|编号|序|顺序号|排序|no\.?|#)$"),
        # Export-only and people columns: never data for the import.
        (
            "ignore",
            r"(解读|含义|释义|状态|到期|截止|逾期|天数|来源|管理员|联系人|负责人|人员|领导|电话|手机|邮箱|"
            r"姓名|网站名称|所属网站|站点)",
        ),
        ("level", r"^(第)?([一二三四五1-5])级(栏目|目录|子栏目|频道|菜单|页面)?(名称|名)?$"),
        ("level", r"^栏目([一二三四五1-5])级$"),
        ("sub", r"^(子栏目|下级栏目|下属栏目|子目录|小栏目|子频道)(名称|名)?$"),
        ("colname", r"^(栏目|频道|目录|栏目目录|网站栏目|栏目版块|版块|板块)(名称|名)?$"),
        ("last_update", r"^(最近|最后|最新|上次|末次)(一次)?(更新|发布|发稿)(时间|日期)?$"),
        ("last_update", r"^(更新|发布)(时间|日期)$"),
        (
            "rule",
            r"^(栏目)?(最低|最少|最迟)?(更新|发布|报送|维护|保障|内容保障|信息更新|内容更新|运维)?"
            r"(时限|频率|频次|周期|要求|规定|标准|时效|时间要求)(要求)?$",
        ),
        ("rule", r"^更新$"),
        (
            "content",
            r"^(栏目|管理|主要|信息|发布|工作|栏目主要|账号|功能)?(内容|职责|定位|简介|介绍)(要求|说明|简介)?$"
            r"|^(栏目|账号)说明$",
        ),
        ("unit_lead", r"^牵头(单位|部门|科室)$"),
        ("unit_helper", r"^(配合|协办|协助|参与|协同)(单位|部门|科室)$"),
        (
            "unit",
            r"^(责任|主办|负责|管理|主管|承办|维护|运维|运营|开设|建设|信息提供|供稿|报送|归口|所属|"
            r"责任主体|信息发布)?(单位|部门|主体|机构|科室)(名称)?$",
        ),
        (
            "url",
            r"^(栏目|网页|网站|页面|访问|链接|主页|账号|二维码)?(地址|链接|网址|url|链接地址|网页地址|主页)$",
        ),
        ("note", r"^(备注|附注|其他|其它|备考|说明|备注说明)$"),
        (
            "account",
            r"^(账号|帐号|公众号|新媒体|政务新媒体|媒体|平台账号|账户|新媒体账号|政务新媒体账号)(名称|名)?$",
        ),
        (
            "handle",
            r"^(账号|帐号)?(id|uid|编号|号码)$|^(微信号|原始id|微博号|抖音号|快手号|头条号|视频号id)$",
        ),
        (
            "platform",
            r"^(平台|平台类型|账号类型|帐号类型|媒体类型|新媒体类型|所属平台|发布平台|平台名称|渠道|载体)$",
        ),
        ("type", r"^(类型|类别|种类)$"),
        ("name", r"^(名称|名字)$"),
    )
)

_NAME_FIELDS = frozenset({"level", "sub", "colname", "name", "account"})
_UNIT_FIELDS = frozenset({"unit", "unit_lead", "unit_helper"})
_CONTENT_FIELDS = (
    _NAME_FIELDS | _UNIT_FIELDS | {"handle", "platform", "rule", "content", "url", "last_update", "note"}
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
# Units in a cell

# Marks after a unit's name: （牵头） makes it the lead, （配合） a helper.
_LEAD_MARK = re.compile(r"[(（\[【]\s*(牵头|主责|主要负责|负总责|主办)\s*[)）\]】]")
_HELPER_MARK = re.compile(r"[(（\[【]\s*(配合|协办|协助|参与)\s*[)）\]】]")
# 、，,；; / and line breaks separate units; 及 only when a unit follows ("市政府办公室及各乡镇").
_UNIT_SPLIT = re.compile(r"[、，,；;／/|\n\r]+|及(?=[市县州区省各全乡镇街\d一二三四五六七八九十])|以及")
_GROUP = re.compile(
    r"^(各|全体|全部|所有|相关|有关)"
    r"|各(级|类)?(部门|单位|乡镇|街道|县|区|社区|村|科室|委办局|机关)"
    r"|(相关|有关|组成|直属|所属|下属)(部门|单位|乡镇|机构)"
    r"|^(\d+|[一二三四五六七八九十两]+)个"
    r"|等(部门|单位)$"
    r"|^(市|县|区|州)属"
)


@dataclass(frozen=True, slots=True)
class UnitRef:
    name: str
    lead: bool
    group: bool


def is_group_word(name: str) -> bool:
    """A group of units written as one (市属各部门, 各乡镇, 15个乡镇): the administrator fills it in."""
    return bool(_GROUP.search(name))


def _split_unit_text(text: str) -> list[str]:
    parts: list[str] = []
    for part in _UNIT_SPLIT.split(text):
        pieces = part.split()
        # Spaces separate units ("市财政局 市审计局") unless they only pad one name ("市 财 政 局").
        if len(pieces) > 1 and all(len(p) >= 3 for p in pieces):
            parts.extend(pieces)
        else:
            parts.append("".join(pieces))
    return parts


def split_units(text: str) -> list[tuple[str, bool | None]]:
    """Units named in one cell: (name, mark); mark is True for （牵头）, False for （配合）, else None."""
    out: list[tuple[str, bool | None]] = []
    for part in _split_unit_text(unicodedata.normalize("NFKC", text).replace("(", "（").replace(")", "）")):
        mark: bool | None = None
        if _LEAD_MARK.search(part):
            mark = True
        elif _HELPER_MARK.search(part):
            mark = False
        name = _HELPER_MARK.sub("", _LEAD_MARK.sub("", part)).strip(" \"'“”‘’。.:：")
        if len(name) > 2 and name.endswith("等") and not is_group_word(name):
            name = name[:-1]
        if name and name not in {"等", "无", "暂无", "-", "—", "/"}:
            out.append((name, mark))
    return out


def _compose_units(
    lead_cells: list[str], main_cells: list[str], helper_cells: list[str]
) -> tuple[UnitRef, ...]:
    """Units of one row from its 牵头/责任/配合 cells: leads first, each name once."""
    chosen: dict[str, bool] = {}

    def put(name: str, lead: bool) -> None:
        chosen[name] = chosen.get(name, False) or lead

    for text in lead_cells:
        for name, mark in split_units(text):
            put(name, mark is not False)
    for i, text in enumerate(main_cells):
        parts = split_units(text)
        marked = any(mark for _, mark in parts)
        for j, (name, mark) in enumerate(parts):
            # Without marks and without a 牵头 column, the first unit of the first unit column leads.
            implicit = not lead_cells and not marked and i == 0 and j == 0
            put(name, bool(mark) or implicit)
    for text in helper_cells:
        for name, _mark in split_units(text):
            put(name, False)
    if chosen and not any(chosen.values()):
        first = next(iter(chosen))
        chosen[first] = True
    ordered = sorted(chosen.items(), key=lambda kv: not kv[1])  # stable: leads first, file order kept
    return tuple(UnitRef(name, lead, is_group_word(name)) for name, lead in ordered)


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
            return date(1899, 12, 30) + timedelta(days=int(value))
        text = cell_text(value)
        if len(text) == 8 and text.isdigit():
            return parse_day(f"{text[:4]}-{text[4:6]}-{text[6:]}")
        return None
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
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


def column_key(levels: Sequence[str]) -> str:
    return "column:" + "/".join(levels)


def account_key(platform: str, name: str) -> str:
    return f"account:{platform}:{name}"


@dataclass(frozen=True, slots=True)
class ListRow:
    """One column or account as the list states it. A field is None when the list has no such column."""

    kind: str  # "column" or "account"
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
    units: tuple[UnitRef, ...] | None = None
    last_update: date | datetime | None = None

    @classmethod
    def make(cls, kind: str, **values: object) -> ListRow:
        return cls(kind=kind, **values)  # type: ignore[arg-type]

    @property
    def key(self) -> str:
        if self.kind == "account":
            return account_key(self.platform or "", self.name)
        return column_key(self.levels)

    @property
    def label(self) -> str:
        if self.kind == "account":
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
    kind: str
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
    row: int  # 1-based
    fields: dict[int, tuple[str, int]]  # column index (0-based) -> (field, level)
    texts: dict[int, str]


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
    distinct = {f for f in fields.values() if f[0] in _CONTENT_FIELDS or f[0] == "type"}
    has_name = any(f[0] in _NAME_FIELDS for f in distinct)
    return (len(distinct) if has_name else 0), fields, texts


def _find_header(sheet: RawSheet) -> _Header | None:
    best: _Header | None = None
    best_score = 1  # at least two distinct fields, one of them a name
    for r, cells in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        score, fields, texts = _score(cells)
        # The first row with the most: a two-row header's detailed row has more (the band above names no
        # column), and a header repeated further down has no more than the first.
        if score > best_score:
            best, best_score = _Header(r + 1, fields, texts), score
    return best


def _sheet_kind(name: str, fields: Iterable[tuple[str, int]]) -> str | None:
    kinds = {f for f, _ in fields}
    if kinds & {"level", "sub", "colname"}:
        return "column"
    if kinds & {"account", "handle", "platform"}:
        return "account"
    if "name" in kinds:
        if "type" in kinds or re.search("新媒体|公众号|微博|抖音|账号|帐号", name):
            return "account"
        return "column"
    return None


def _is_note_row(cells: Sequence[Cell], texts: list[str]) -> bool:
    filled = [(c, t) for c, t in zip(cells, texts, strict=True) if t]
    origins = {c.origin for c, _ in filled}
    if len(filled) > 1 and len(origins) == 1 and None not in origins:
        return True  # one merged cell across the table: a note line
    if len(filled) == 1:
        return bool(
            re.match(
                r"^(注|说明|备注|附注|填表说明|填报说明|填表人|填报人|审核人|制表人|制表|负责人|联系人|联系电话|"
                r"填报日期|制表日期|填报单位)\s*\d?\s*[:：、.．]",
                filled[0][1],
            )
        )
    return False


def parse_sheets(sheets: Sequence[RawSheet]) -> ParsedList:
    """Rows of every sheet that has a recognisable header; the first title row found becomes the title."""
    result = ParsedList(title=None)
    for sheet in sheets:
        header = _find_header(sheet)
        if header is None:
            if any(any(c.text for c in row) for row in sheet.rows):
                result.skipped.append(
                    Notice(sheet.name, None, "没有找到表头（栏目名称、责任单位等），未导入")
                )
            continue
        kind = _sheet_kind(sheet.name, header.fields.values())
        if kind is None:
            result.skipped.append(Notice(sheet.name, header.row, "没有栏目名称或账号名称列，未导入"))
            continue
        if result.title is None:
            result.title = _title_above(sheet, header.row)
        _read_rows(sheet, header, kind, result)
    if not result.sheets:
        names = "、".join(f"“{s.name}”" for s in sheets) or "（无）"
        raise ImportProblem(
            f"在工作表 {names} 的前{HEADER_SCAN_ROWS}行中没有找到表头。"
            "表头行应至少包含栏目名称（如“一级栏目”“二级栏目”“栏目名称”）或账号名称，"
            "以及“责任单位”“更新时限要求”等列中的一个。请检查表格后重新导入。"
        )
    return result


def _title_above(sheet: RawSheet, header_row: int) -> str | None:
    for cells in sheet.rows[: header_row - 1]:
        texts = [c.text for c in cells if c.text]
        if texts and 4 <= len(texts[0]) <= 60:
            return clean_name(texts[0])
    return None


def _read_rows(sheet: RawSheet, header: _Header, kind: str, result: ParsedList) -> None:
    fields = header.fields
    by_field: dict[str, list[int]] = {}
    for col in sorted(fields):
        f, _level = fields[col]
        if kind == "account" and f == "name":
            f = "account"
        if kind == "account" and f == "type":
            f = "platform"
        if kind == "column" and f == "name":
            f = "colname"
        by_field.setdefault(f, []).append(col)

    level_cols = _level_columns(sheet.name, header, by_field) if kind == "column" else []
    used = set(level_cols) | {
        c for f, cols in by_field.items() if f not in ("ignore", "type", "seq") for c in cols
    }
    info = SheetInfo(
        sheet.name,
        kind,
        header.row,
        columns={header.texts[c]: _FIELD_LABELS.get(f, f) for f, cols in by_field.items() for c in cols},
        unused=[
            header.texts[c]
            for c in sorted(header.texts)
            if c not in used and fields.get(c, ("",))[0] != "seq"
        ],
    )
    result.sheets.append(info)
    if kind == "account" and "account" not in by_field:
        raise ImportProblem(
            f"工作表“{sheet.name}”第{header.row}行是新媒体账号表头，但没有“账号名称”列。请补上后重新导入。"
        )

    header_texts = {c: normalize_header(t)[0] for c, t in header.texts.items()}
    previous: tuple[str, ...] = ()
    for r in range(header.row, len(sheet.rows)):
        cells = sheet.rows[r]
        number = r + 1
        texts = [c.text for c in cells]
        if not any(texts):
            continue
        if _is_note_row(cells, texts):
            continue
        same_as_header = sum(1 for c, t in header_texts.items() if normalize_header(texts[c])[0] == t)
        if same_as_header >= max(2, len(header_texts) // 2):
            continue  # the header repeated (printed lists repeat it on every page)
        meaningful = [texts[c] for c in used if c < len(texts) and texts[c]]
        own = [c for c in used if c < len(texts) and texts[c] and cells[c].origin in (None, (number, c + 1))]
        if meaningful and not own:
            # Only values carried down by merged cells that reach one row too far: nothing of its own.
            result.notices.append(Notice(sheet.name, number, "这一行只有合并单元格带下来的内容，已跳过"))
            continue
        if not meaningful:
            if any(texts[c] for c in range(len(texts)) if fields.get(c, ("",))[0] not in ("seq",)):
                result.notices.append(Notice(sheet.name, number, "这一行只有未使用列的内容，已跳过"))
            continue

        def join(field_name: str, row_cells: list[Cell] = cells) -> str | None:
            cols = by_field.get(field_name)
            if cols is None:
                return None
            parts: list[str] = []
            for c in cols:
                t = clean_text(row_cells[c].text) if c < len(row_cells) else ""
                if t and t not in parts:
                    parts.append(t)
            return "\n".join(parts)

        units = _row_units(cells, by_field)
        last = _row_last_update(cells, by_field, sheet.name, number, result)
        fields_of_row = {
            "sheet": sheet.name,
            "row": number,
            "rule_text": join("rule"),
            "content": join("content"),
            "note": join("note"),
            "url": _first_line(join("url")),
            "units": units,
            "last_update": last,
        }
        if kind == "column":
            levels = _resolve_levels(cells, level_cols, previous, sheet.name, number, result)
            previous = levels
            result.rows.append(ListRow.make("column", levels=levels, name=levels[-1], **fields_of_row))
            continue
        name = clean_name(join("account") or "")
        if not name:
            raise ImportProblem(
                f"工作表“{sheet.name}”第{number}行没有账号名称。请填写账号名称，或删除这一行后重新导入。"
            )
        result.rows.append(
            ListRow.make(
                "account",
                levels=(),
                name=name,
                platform=normalize_platform(join("platform") or "") or platform_of_sheet(sheet.name),
                handle=_first_line(join("handle")),
                **fields_of_row,
            )
        )


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
    "type": "（不导入）",
}


def _level_columns(sheet_name: str, header: _Header, by_field: dict[str, list[int]]) -> list[int]:
    """Columns holding the path, top level first: 一级…五级 by number, then 栏目名称, then 子栏目."""
    explicit: dict[int, int] = {}
    for col, (f, level) in sorted(header.fields.items()):
        if f == "level" and level not in explicit:
            explicit[level] = col
    cols = [explicit[k] for k in sorted(explicit)]
    cols += by_field.get("colname", []) + by_field.get("sub", [])
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
            shown = "、".join(_LEVEL_NAMES[i] for i in range(k, lowest) if not values[i])
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


_LEVEL_NAMES = ("一级栏目", "二级栏目", "三级栏目", "四级栏目", "五级栏目")


def _first_line(text: str | None) -> str | None:
    if text is None:
        return None
    return text.split("\n")[0].strip()


def _row_units(cells: list[Cell], by_field: dict[str, list[int]]) -> tuple[UnitRef, ...] | None:
    if not any(f in by_field for f in ("unit", "unit_lead", "unit_helper")):
        return None

    def texts(f: str) -> list[str]:
        return [cells[c].text for c in by_field.get(f, []) if c < len(cells) and cells[c].text]

    return _compose_units(texts("unit_lead"), texts("unit"), texts("unit_helper"))


def _row_last_update(
    cells: list[Cell], by_field: dict[str, list[int]], sheet: str, number: int, result: ParsedList
) -> date | datetime | None:
    found: date | datetime | None = None
    for c in by_field.get("last_update", []):
        if c >= len(cells) or not cells[c].text:
            continue
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
