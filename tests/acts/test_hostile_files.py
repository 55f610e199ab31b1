"""Hostile and broken lists through the real `zhiri import` (a subprocess, with its memory measured): small
files that unpack or lay out to gigabytes, XML entity bombs, and lists that would silently lose or retire
things. Each is refused (or reported) in Chinese, the process stays small, and the database is untouched."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Item, ItemUnit, Site, Unit, UpdateLog

REPO = Path(__file__).resolve().parents[2]
COUNTY_CSV = REPO / "tests" / "fixtures" / "lists" / "county-columns-gbk.csv"
MEMORY_LIMIT_MB = 200  # the brief: a hostile file may not make the import allocate more than this
TABLES = (Site, Unit, Item, ItemUnit, UpdateLog)


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return {t.__name__: s.exec(select(func.count()).select_from(t)).one() for t in TABLES}
    finally:
        engine.dispose()


# The command's own peak (VmHWM of its process, after exec), written when it exits. The child's ru_maxrss
# would also count the pytest worker's memory it was forked from (the kernel keeps the larger of the two
# across exec), which made the figure depend on what the worker had run before.
_PEAK = (
    "import atexit, runpy, sys\n"
    "def peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.__stdout__.write('\\nZHIRI_PEAK_KB ' + line.split()[1] + '\\n')\n"
    "            sys.__stdout__.flush()\n"
    "atexit.register(peak)\n"
    "runpy.run_module('bot', run_name='__main__', alter_sys=True)\n"
)


def zhiri(url: str, *args: str) -> tuple[int, str, int]:
    """Run `zhiri ARGS` as its own process: (exit code, stdout + stderr, peak memory in MB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "IMPORT_"))}
    env.update({"DATABASE_URL": url, "PYTHONPATH": str(REPO)})

    def cap() -> None:  # a safety net: today's code took 3 GB on these files
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    proc = subprocess.Popen(
        [sys.executable, "-c", _PEAK, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=cap,
    )
    assert proc.stdout is not None
    out = proc.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, _, reported = out.partition("\nZHIRI_PEAK_KB ")
    peak_kb = (
        int(reported.split()[0]) if reported else usage.ru_maxrss
    )  # killed before exiting: the upper bound
    return proc.returncode, out, peak_kb // 1024


@pytest.fixture(scope="module")
def county_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file that already holds a county's list (imported once, copied for each test)."""
    path = tmp_path_factory.mktemp("county") / "zhiri.db"
    code, out, _mb = zhiri(f"sqlite:///{path}", "import", str(COUNTY_CSV))
    assert code == 0, out
    return path


@pytest.fixture
def db(county_db: Path, tmp_path: Path) -> str:
    path = tmp_path / "zhiri.db"
    shutil.copyfile(county_db, path)
    return f"sqlite:///{path}"


def small_list() -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["一级栏目", "二级栏目", "更新时限要求", "责任单位"])
    ws.append(["首页", "通知公告", "2周内更新", "县政府办"])
    return wb


def save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def patched(path: Path, member: str, change) -> Path:
    """The .xlsx with one member's XML rewritten (what a hand-made hostile file looks like)."""
    out = path.with_name(path.stem + "-patched.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, change(data) if info.filename == member else data)
    return out


SHEET = "xl/worksheets/sheet1.xml"
ENTITIES = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
BILLION_LAUGHS = f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [{"".join(ENTITIES)}]>'.encode()


def far_cell(tmp_path: Path) -> Path:
    wb = small_list()
    wb.active["XFD1048576"] = "x"  # type: ignore[index]
    return save(wb, tmp_path / "far-cell.xlsx")


def whole_sheet_merge(tmp_path: Path) -> Path:
    merge = b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    return patched(
        save(small_list(), tmp_path / "merge.xlsx"),
        SHEET,
        lambda x: x.replace(b"</sheetData>", b"</sheetData>" + merge),
    )


def entity_bomb(tmp_path: Path) -> Path:
    def bomb(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[-1]  # openpyxl writes no XML declaration: put one with the DOCTYPE
        return BILLION_LAUGHS + body.replace("<t>2周内更新</t>".encode(), b"<t>&lol9;</t>")

    return patched(save(small_list(), tmp_path / "bomb.xlsx"), SHEET, bomb)


def zip_bomb(tmp_path: Path) -> Path:
    """A few hundred kilobytes on disk that unpack to 300 MB."""
    path = save(small_list(), tmp_path / "zip-bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open("xl/media/padding.bin", "w") as f:
        chunk = b"\0" * 2**20
        for _ in range(300):
            f.write(chunk)
    return path


def many_members(tmp_path: Path) -> Path:
    path = save(small_list(), tmp_path / "members.xlsx")
    with zipfile.ZipFile(path, "a") as z:
        for i in range(1500):
            z.writestr(f"xl/media/{i}.txt", b"")
    return path


HOSTILE = {
    "far-cell": (far_cell, "XFD1048576"),
    # Excel shows a merged range as its top-left value: cut to the data, the header is gone and it says so.
    "whole-sheet-merge": (whole_sheet_merge, "表头"),
    "entity-bomb": (entity_bomb, "XML 实体"),
    "zip-bomb": (zip_bomb, "解压后"),
    "many-members": (many_members, "个部件"),
}


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize(
    ("kind", "dry_run"),
    [(kind, True) for kind in sorted(HOSTILE)] + [("far-cell", False), ("zip-bomb", False)],
)
def test_a_hostile_file_is_refused_in_bounded_memory_and_changes_nothing(db, tmp_path, kind, dry_run):
    make, words = HOSTILE[kind]
    path = make(tmp_path)
    assert path.stat().st_size < 400_000
    before = counts(db)
    code, out, peak = zhiri(db, "import", str(path), *(["--dry-run"] if dry_run else []))
    assert peak < MEMORY_LIMIT_MB, (peak, out[-2000:])
    assert "Traceback" not in out, out[-3000:]
    assert counts(db) == before
    assert code == 2, out
    assert "导入失败，数据库没有任何修改" in out and words in out, out
    assert "请" in out  # says what to do


# --- lists that would lose or retire things ------------------------------------------------------------


def write_csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_header_only_csv_is_refused_and_retires_nothing(db, tmp_path):
    path = write_csv(tmp_path, "empty.csv", "一级栏目,二级栏目,更新时限要求,责任单位\n")
    before = counts(db)
    code, out, _ = zhiri(db, "import", str(path))
    assert code == 2 and "只有表头" in out, out
    assert counts(db) == before


def test_a_stray_quote_is_refused_with_its_row(db, tmp_path):
    lines = ["一级栏目,二级栏目,更新时限要求,责任单位", '首页,"通知公告,2周内更新,县政府办']
    lines += [f"政务公开,栏目{i},2周内更新,县财政局" for i in range(10)]
    path = write_csv(tmp_path, "quote.csv", "\n".join(lines) + "\n")
    before = counts(db)
    code, out, _ = zhiri(db, "import", str(path))
    assert code == 2 and "第2行" in out and "双引号" in out, out
    assert counts(db) == before


def test_a_stray_quote_in_a_long_file_is_refused_not_a_traceback(db, tmp_path):
    lines = ["一级栏目,二级栏目,更新时限要求,责任单位", '首页,"通知公告,2周内更新,县政府办']
    lines += [f"政务公开,栏目{i}" + "很长的说明" * 20 for i in range(2000)]
    path = write_csv(tmp_path, "quote-long.csv", "\n".join(lines) + "\n")
    code, out, _ = zhiri(db, "import", str(path))
    assert code == 2 and "双引号" in out and "Traceback" not in out, out


def test_a_formula_without_a_saved_value_is_refused_with_its_cell(db, tmp_path):
    wb = small_list()
    ws = wb.active
    assert ws is not None
    ws.append(["首页", '="今日"&"要闻"', "2周内更新", "县政府办"])  # written by a program: no cached value
    path = save(wb, tmp_path / "formula.xlsx")
    before = counts(db)
    code, out, _ = zhiri(db, "import", str(path))
    assert code == 2 and "B3" in out and "没有保存计算结果" in out, out
    assert counts(db) == before


def test_a_list_without_a_unit_column_says_so_first(tmp_path):
    url = f"sqlite:///{tmp_path / 'zhiri.db'}"
    path = write_csv(
        tmp_path,
        "nounits.csv",
        "一级栏目,二级栏目,更新时限要求\n首页,通知公告,2周内更新\n首页,要闻,2周内更新\n",
    )
    code, out, _ = zhiri(url, "import", str(path))
    assert code == 0, out
    assert "没有责任单位列" in out and "2 个" in out, out


def test_control_characters_are_taken_out_of_names_and_reported(tmp_path):
    url = f"sqlite:///{tmp_path / 'zhiri.db'}"
    path = write_csv(
        tmp_path,
        "control.csv",
        "一级栏目,二级栏目,更新时限要求,责任单位\n首页,通知\x07公\u202e告,2周内更新,县政府\x00办\n",
    )
    code, out, _ = zhiri(url, "import", str(path))
    assert code == 0, out
    assert "控制字符" in out and "第2行" in out, out
    engine = make_engine(url)
    with Session(engine) as s:
        assert s.exec(select(Item.path)).all() == ["首页 / 通知公告"]
        assert s.exec(select(Unit.name)).all() == ["县政府办"]
    engine.dispose()


def test_a_reimport_that_would_retire_many_stops_and_shows_them_until_confirmed(db, tmp_path):
    text = COUNTY_CSV.read_bytes().decode("gb18030")
    keep = [ln for i, ln in enumerate(text.splitlines()) if i < 6 or "人事信息" in ln]
    path = write_csv(tmp_path, "short.csv", "\n".join(keep) + "\n")
    before = counts(db)
    code, out, _ = zhiri(db, "import", str(path))
    assert code == 2, out
    assert "将停用" in out and "--confirm-retire" in out and "政务公开 / 财政预决算" in out, out
    assert counts(db) == before

    code, dry, _ = zhiri(db, "import", str(path), "--dry-run")
    assert code == 0 and "--confirm-retire" in dry and "试运行" in dry, dry
    assert counts(db) == before

    code, out, _ = zhiri(db, "import", str(path), "--confirm-retire")
    assert code == 0 and "停用（已不在清单中，历史记录保留）" in out, out
    engine = make_engine(db)
    with Session(engine) as s:
        live = s.exec(select(func.count()).select_from(Item).where(Item.retired_at.is_(None))).one()  # type: ignore[union-attr]
    engine.dispose()
    assert 0 < live < before["Item"]


def test_retiring_a_few_needs_no_confirmation(db, tmp_path):
    text = COUNTY_CSV.read_bytes().decode("gb18030")
    lines = [ln for ln in text.splitlines() if "人事信息" not in ln]
    path = write_csv(tmp_path, "one-less.csv", "\n".join(lines) + "\n")
    code, out, _ = zhiri(db, "import", str(path))
    assert code == 0 and "政务公开 / 人事信息" in out, out
