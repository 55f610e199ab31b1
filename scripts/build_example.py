"""Build examples/chuxiong-city-columns.xlsx from the seed, laid out as the city office would keep it.

The seed (../shared/seeds/chuxiong-city-website-columns.txt, text extracted from the Word original) holds
附件1, the 98-column responsibility list (一级/二级/三级栏目, 管理内容, 责任单位, 备注), and 附件2, the
columns with 栏目内容 and 更新时限要求. The two tables do not list the same rows (附件2 splits 投资楚雄
and 楚雄旅游 into sub-columns, merges the three 公开目录), so each 附件1 row gets its 附件2 line by
leaf name, disambiguated by the section it sits in; a row 附件2 does not describe keeps an empty rule,
which the import must report as needing one.

Run: scripts/uv.sh run --frozen python scripts/build_example.py
"""

from __future__ import annotations

import re
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "chuxiong-city-website-columns.txt"
TARGET = REPO / "examples" / "chuxiong-city-columns.xlsx"

TITLE = "楚雄市人民政府网站栏目管理责任分解清单"
HEADERS = (
    "序号",
    "一级栏目",
    "二级栏目",
    "三级栏目",
    "管理内容",
    "栏目内容",
    "更新时限要求",
    "责任单位",
    "备注",
)
WIDTHS = (6, 12, 22, 24, 34, 44, 30, 30, 40)

# 附件1 and 附件2 name a few columns differently.
ALIASES = {
    "财政审计信息公开专栏": "财政审计信息公开",
    "征地信息公开专栏": "征地信息",
    "国有土地上房屋征收补偿": "国有地地上房屋征收补偿",
    "减税和收费信息": "减税和降费信息",
    "财政预决算和“三公经费公开”专栏": "财政预决算",
}

# A handful of plausible new-media accounts (the seed has none): some with a rule, some without one,
# which makes them weekly by default.
ACCOUNTS = (
    ("微信公众号", "楚雄发布", "市委宣传部", "市融媒体中心", "每周不少于1条", "市委、市政府权威信息发布"),
    ("微博", "楚雄发布", "市委宣传部", "市融媒体中心", "每周不少于1条", ""),
    ("抖音", "楚雄发布", "市委宣传部", "市融媒体中心", "", "短视频"),
    ("微信公众号", "楚雄市政务服务", "市行政审批局", "", "", "办事指南、政务服务动态"),
    ("微信公众号", "楚雄文旅", "市文体广电旅游局", "", "每周不少于1条", ""),
    ("微信公众号", "楚雄市人社", "市人力资源社会保障局", "", "每周不少于1条", "就业创业、社保信息"),
    ("今日头条", "楚雄市市场监管", "市市场监管局", "", "", ""),
)
ACCOUNT_HEADERS = ("序号", "平台", "账号名称", "开设主体", "运维单位", "更新频率", "账号简介")
ACCOUNT_WIDTHS = (6, 14, 20, 22, 18, 18, 30)


@dataclass
class Listed:
    """A row of 附件1."""

    number: int
    level1: str
    level2: str
    level3: str
    duty: str
    units: str
    note: str


@dataclass
class Described:
    """A row of 附件2: the section it sits under, its leaf name, content and rule."""

    section: str
    name: str
    content: str
    rule: str


def cells_of(lines: list[str]) -> list[str]:
    """Cells of a table extracted from Word: each starts with a tab; lines without one continue it."""
    cells: list[str] = []
    for line in lines:
        if line[:2].find("\t") >= 0:
            cells.append(line.split("\t", 1)[1])
        elif cells:
            cells[-1] += "\n" + line
    return cells


def first(text: str) -> str:
    """A merged cell's text repeats once per page it spans ("首页\\n\\n首页"): keep one."""
    return next((ln.strip() for ln in text.split("\n") if ln.strip()), "")


def tidy(text: str) -> str:
    text = re.sub(r" {4,}", "\n", text)
    return "\n".join(ln.strip() for ln in text.split("\n") if ln.strip())


def read_list(lines: list[str]) -> list[Listed]:
    rows: list[list[str]] = []
    for cell in cells_of(lines):
        if re.fullmatch(r"\d+", cell.strip()) and (not rows or len(rows[-1]) >= 7):
            rows.append([cell.strip()])
        elif rows:
            rows[-1].append(cell)
    listed = [
        Listed(int(r[0]), first(r[1]), first(r[2]), first(r[3]), tidy(r[4]), first(r[5]), tidy(r[6]))
        for r in rows
    ]
    if len(listed) != 98:
        sys.exit(f"附件1 should have 98 rows, read {len(listed)}")
    return listed


RULE_START = re.compile(r"^(适时更新|热点专题|自该信息形成|每日检查|每年不少于|\d+(周|个月|日|个工作日)内)")


def read_rules(lines: list[str]) -> list[Described]:
    cells = cells_of(lines)
    out: list[Described] = []
    section = ""
    for i, cell in enumerate(cells):
        if not RULE_START.match(cell.strip()):
            continue
        content = tidy(cells[i - 1])
        j = i - 2
        while not cells[j].strip():
            j -= 1
        name = first(cells[j])
        k = j - 1
        while k >= 0 and not cells[k].strip():
            k -= 1
        parent = first(cells[k])
        if not re.fullmatch(r"\d+", parent) and not RULE_START.match(parent):
            section = parent
        out.append(Described(section, name, content, first(cell)))
    return out


def join(listed: list[Listed], described: list[Described]) -> list[tuple[Listed, Described | None]]:
    by_name: dict[str, list[Described]] = {}
    for d in described:
        by_name.setdefault(d.name, []).append(d)
    out: list[tuple[Listed, Described | None]] = []
    level1 = level2 = ""
    for row in listed:
        level1 = row.level1 or level1
        level2 = row.level2 or (level2 if row.level3 else "")
        leaf = row.level3 or row.level2 or row.level1
        candidates = by_name.get(leaf) or by_name.get(ALIASES.get(leaf, ""), [])
        chosen = candidates[0] if candidates else None
        # The nearest parent decides between namesakes (财政预决算 is in three sections).
        for parent in (p for p in (level2, level1) if p and p != leaf):
            fitting = [d for d in candidates if parent == d.section or parent in d.section.split("、")]
            if fitting:
                chosen = fitting[0]
                break
        out.append((row, chosen))
    return out


def spans(values: list[str]) -> list[tuple[int, int]]:
    """(first, last) index runs of equal non-empty values."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if values[start] and i - 1 > start:
                runs.append((start, i - 1))
            start = i
    return runs


THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def lay_out(
    ws: Worksheet, title: str, headers: tuple[str, ...], widths: tuple[int, ...], rows: list[list[object]]
) -> None:
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.cell(1, 1).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = CENTER
    ws.row_dimensions[1].height = 30
    ws.append(list(headers))
    for c in range(1, len(headers) + 1):
        cell = ws.cell(2, c)
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = CENTER
        cell.border = BORDER
    for values in rows:
        ws.append([v if v != "" else None for v in values])
    for r in range(3, 3 + len(rows)):
        for c in range(1, len(headers) + 1):
            ws.cell(r, c).border = BORDER
            ws.cell(r, c).alignment = CENTER if c <= 4 else WRAP
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"


def merge_runs(ws: Worksheet, column: int, values: list[str], first_row: int = 3) -> None:
    for a, b in spans(values):
        ws.merge_cells(start_row=first_row + a, start_column=column, end_row=first_row + b, end_column=column)


def settle(path: Path) -> None:
    """Give every member of the saved workbook a fixed time: an unchanged example rebuilds byte for byte."""
    with zipfile.ZipFile(path) as z:
        members = [(info.filename, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == "docProps/core.xml":  # openpyxl stamps the save time over ours
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-05T09:00:00Z", data)
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 5, 9, 0, 0)), data, zipfile.ZIP_DEFLATED)


def build(seed: Path, target: Path) -> tuple[int, int]:
    lines = seed.read_text(encoding="utf-8").split("\n")
    cut = next(i for i, ln in enumerate(lines) if ln.strip() == "附件2")
    end = next(i for i, ln in enumerate(lines) if ln.strip() == "附件3")
    joined = join(read_list(lines[:cut]), read_rules(lines[cut:end]))

    # A unit cell left empty under a filled one was merged in the original (市志办 over four rows).
    units: list[str] = []
    for row, _d in joined:
        units.append(row.units or (units[-1] if units else ""))
    level1: list[str] = []
    for row, _d in joined:
        level1.append(row.level1 or level1[-1])
    level2: list[str] = []
    for row, _d in joined:
        level2.append(row.level2 or (level2[-1] if row.level3 else ""))

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "栏目"
    table: list[list[object]] = [
        [
            row.number,
            level1[i],
            level2[i],
            row.level3,
            row.duty,
            d.content if d else "",
            d.rule if d else "",
            units[i],
            row.note,
        ]
        for i, (row, d) in enumerate(joined)
    ]
    lay_out(ws, TITLE, HEADERS, WIDTHS, table)
    # The office writes a first level once and merges it down; so too a second level over its children,
    # a unit over consecutive rows that share it where the original did, and a rule shared by neighbours.
    merge_runs(ws, 2, level1)
    merge_runs(ws, 3, [v if joined[i][0].level3 else "" for i, v in enumerate(level2)])
    unit_runs: list[str] = []
    for i, (row, _d) in enumerate(joined):
        unit_runs.append(str(i) if row.units else unit_runs[-1])
    merge_runs(ws, 8, unit_runs)
    merge_runs(ws, 7, [str(r[6] or "") for r in table])
    note_row = 3 + len(table)
    ws.cell(
        note_row,
        1,
        "注：各乡镇、各部门对本单位发布的信息负主体责任，上传和发布的信息必须经过本单位主要领导或者"
        "分管领导审核、签字。适时更新的栏目有变化或者有新的信息则更新，但最迟1年内要有更新。",
    )
    ws.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=len(HEADERS))
    ws.cell(note_row, 1).alignment = WRAP
    ws.row_dimensions[note_row].height = 32

    accounts = wb.create_sheet("政务新媒体")
    lay_out(
        accounts,
        "楚雄市政务新媒体账号清单",
        ACCOUNT_HEADERS,
        ACCOUNT_WIDTHS,
        [[i + 1, *a] for i, a in enumerate(ACCOUNTS)],
    )
    merge_runs(accounts, 4, [a[2] for a in ACCOUNTS])
    merge_runs(accounts, 5, [a[3] for a in ACCOUNTS])

    # Fixed document times, so that rebuilding an unchanged example gives the same workbook.
    wb.properties.creator = "楚雄市人民政府办公室"
    wb.properties.created = datetime(2026, 1, 5, 9, 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    settle(target)
    return len(table), sum(1 for r in table if not r[6])


if __name__ == "__main__":
    if not SEED.exists():
        sys.exit(f"seed not found: {SEED}")
    rows, without_rule = build(SEED, TARGET)
    where = TARGET.relative_to(REPO)
    print(f"wrote {where}: {rows} columns ({without_rule} without a rule), {len(ACCOUNTS)} accounts")
