"""The responsibility list in and out at province size: `zhiri import` of a generated list of 10,000 and
100,000 rows (1,000,000 with `ZHIRI_BENCH_1M=1`) into an empty database, then `zhiri export` of what was
imported, on a SQLite file and on PostgreSQL (the tests' server, when its binaries are here), each the real
command in its own process, measured from outside (`os.wait4`: the process's CPU seconds and peak memory),
with the ratio of its CPU seconds to issue 16's goals (a 100,000-row import in at most 60 s, an export in at
most 30 s, both linear). CPU, not wall time: the machine is shared, and wall time says as much about the
neighbours as about Zhiri (both are printed; on PostgreSQL the server's work is only in the wall time).

Where the time goes (10,000 rows): the import is a third start-up (importing the application), a third
reading the file (openpyxl's streaming parser) and reading its cells, a third writing (a chunk's new items a
batch of rows per INSERT, then judged); the export is mostly start-up, reading and judging the items, its
rows written as the sheet's XML.

The list is laid out as the counties' own are (the example city's: a title row, then
序号 / 一级栏目 / 二级栏目 / 三级栏目 / 管理内容 / 栏目内容 / 更新时限要求 / 责任单位 / 备注), 2,000 units
over the rows, the rule texts the routine benches use, a first-level column written once for the rows below
it as people merge them.

Run: `scripts/uv.sh run --frozen python -m bench files`.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.gen import RULES

SIZES = (10_000, 100_000)
BIG = 1_000_000
GOALS = {"import": 60.0, "export": 30.0}  # seconds at 100,000 rows
GOAL_ROWS = 100_000
UNITS = 2_000
DEPARTMENTS = ("财政局", "教育局", "民政局", "农业农村局", "卫生健康局", "自然资源局", "交通运输局", "水务局")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "chuxiong-city-columns.xlsx"


def example_header() -> list[str]:
    """The example city's column headings (its list's second row): the layout the bench's list copies."""
    from openpyxl import load_workbook

    book = load_workbook(EXAMPLE, read_only=True)
    try:
        (row,) = book["栏目"].iter_rows(min_row=2, max_row=2, values_only=True)
        return [str(cell) for cell in row]
    finally:
        book.close()


def unit_name(n: int) -> str:
    return f"第{n // len(DEPARTMENTS) + 1}县{DEPARTMENTS[n % len(DEPARTMENTS)]}"


def write_list(path: Path, rows: int, seed: int = 1) -> None:
    """A responsibility list of `rows` columns (openpyxl's write-only mode: linear, little memory)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    texts = [text for text, _days, _share in RULES]
    weights = [share for _text, _days, share in RULES]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("栏目")
    sheet.append(["某省政府网站集约化平台栏目管理责任分解清单"])
    sheet.append(example_header())
    per_section = 50
    for n in range(rows):
        section, leaf = divmod(n, per_section)
        unit = unit_name(rng.randrange(UNITS))
        first = f"专题{section + 1}" if leaf == 0 else None  # written once for its rows, as merged cells read
        sheet.append(
            [
                n + 1,
                first,
                f"栏目{section + 1}-{leaf + 1}",
                None,
                f"负责栏目{section + 1}-{leaf + 1}的更新、发布、管理。",
                "本单位工作动态、政务信息等。",
                rng.choices(texts, weights)[0],
                unit,
                None,
            ]
        )
    book.save(path)


def _measured(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(CPU seconds, wall seconds, peak MB, output) of one command in its own process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    out = proc.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{out[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss // 1024, out


def main() -> int:
    from bench.bench_routine import backends

    sizes = SIZES + ((BIG,) if os.environ.get("ZHIRI_BENCH_1M") else ())
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        found = backends(Path(tmp))
        server = dict(found).get("_server")
        try:
            for n in sizes:
                sheet = Path(tmp) / f"list-{n}.xlsx"
                t0 = time.perf_counter()
                write_list(sheet, n)
                written = time.perf_counter() - t0
                for backend, url_for in found:
                    if backend != "_server":
                        ok = (
                            _import_export(backend, url_for(f"files_{n}"), sheet, n, written, Path(tmp))
                            and ok
                        )  # type: ignore[operator]
        finally:
            if server is not None:
                server.stop()  # type: ignore[attr-defined]
    return 0 if ok else 1


def _import_export(backend: str, url: str, sheet: Path, n: int, written: float, tmp: Path) -> bool:
    """Import the list into an empty database at `url`, then export it: print each step's figures; whether
    both met their goal (in the zhiri process's CPU: on PostgreSQL the server's work is in the wall time)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": "1:x"}
    zhiri = [sys.executable, "-m", "bot"]
    steps = (
        ("import", [*zhiri, "import", str(sheet), "--site", "某省政府网站集约化平台"]),
        ("export", [*zhiri, "export", str(tmp / f"out-{backend}-{n}.xlsx")]),
    )
    ok = True
    for name, command in steps:
        cpu, wall, peak, _out = _measured(command, env)
        line = f"files {name}: {backend}, {n} rows: {cpu:.1f} s CPU, {wall:.1f} s wall, peak {peak} MB"
        line += f"; {cpu / n * 1e6:.0f} µs CPU a row"
        if name == "import":
            line += f" (list written in {written:.0f} s)"
        if n == GOAL_ROWS:
            line += f"; goal ≤ {GOALS[name]:.0f} s: {cpu / GOALS[name]:.2f}× (CPU)"
            ok = ok and cpu <= GOALS[name]
        print(line, flush=True)
    return ok


if __name__ == "__main__":
    sys.exit(main())
