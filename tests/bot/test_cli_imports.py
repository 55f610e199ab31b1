"""`zhiri rule` and `zhiri read` start without loading what only the bot and the database commands need.

Checked by the modules a real run leaves loaded, in a fresh interpreter (a timing would only be flaky):
`zhiri rule` needs the pure domain alone; `zhiri read` needs the time zone and the website reader, and
reaches its fetch (the moment it loads asyncio or httpx) without loading pydantic.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARK = "--- loaded modules ---"
PROBE = f"""
import sys
from bot.cli import main
code = main(sys.argv[1:])
print({MARK!r})
print("\\n".join(sorted(sys.modules)))
sys.exit(code)
"""
# The modules loaded when the command starts to fetch: an audit hook sees asyncio or httpx being imported.
AT_FETCH = "--- loaded when the fetch starts ---"
FETCH_PROBE = f"""
import sys
started = []
def hook(event, args):
    if event == "import" and args[0] in ("asyncio", "httpx") and not started:
        started.append(args[0])
        print({AT_FETCH!r})
        print("\\n".join(sorted(sys.modules)))
        print({AT_FETCH!r})
sys.addaudithook(hook)
{PROBE}"""
# Telegram, Alembic, the routine, the database and the spreadsheet writers.
HEAVY = (
    "telegram",
    "alembic",
    "jobs",
    "domain.routine",
    "handlers",
    "acts",
    "reports",
    "storage",
    "sqlalchemy",
    "openpyxl",
)


def loaded(tmp_path: Path, *args: str, probe: str = PROBE) -> tuple[int, str, set[str]]:
    # Run from an empty folder: no .env of the developer's is read.
    done = subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert MARK in done.stdout, done.stderr
    said, _, modules = done.stdout.partition(MARK)
    return done.returncode, said, set(modules.split())


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_rule_loads_only_the_domain(tmp_path: Path) -> None:
    code, said, modules = loaded(tmp_path, "rule", "2周内更新")
    assert code == 0
    assert "每2周内至少更新一次" in said
    assert heavy(modules) == []
    assert "domain.rules" in modules  # the probe does see what the command used


def test_rule_with_a_day_loads_only_the_domain(tmp_path: Path) -> None:
    code, said, modules = loaded(tmp_path, "rule", "--last", "2026-09-25", "--at", "2026-10-09", "2周内更新")
    assert code == 0
    assert "截止" in said
    assert heavy(modules) == []


def test_read_loads_the_reader_but_not_the_bot(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on: the page is broken, at once and offline
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, said, modules = loaded(
        tmp_path, "read", "--url", f"http://127.0.0.1:{port}/list.html", "--timeout", "5"
    )
    assert code == 1, said
    assert "webread.fetch" in modules
    assert heavy(modules) == []


def test_read_reaches_its_fetch_without_pydantic(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / ".env").write_text("TZ_NAME=Asia/Urumqi\n", encoding="utf-8")  # read, without pydantic
    code, said, _ = loaded(
        tmp_path, "read", "--url", f"http://127.0.0.1:{port}/list.html", "--timeout", "5", probe=FETCH_PROBE
    )
    assert code == 1, said
    _, mark, rest = said.partition(AT_FETCH)
    assert mark, said
    at_fetch = set(rest.partition(AT_FETCH)[0].split())
    assert "bot.cmd_read" in at_fetch and "bot.env" in at_fetch  # the probe sees the command
    slow = ("pydantic", "pydantic_settings", "pydantic_core", "asyncio", "httpx", "lxml", "webread.extract")
    assert sorted(m for m in at_fetch if m.split(".")[0] in slow or m in slow) == []


@pytest.mark.parametrize("args", [["--help"], ["nosuch"]])
def test_every_subcommand_is_still_listed(tmp_path: Path, args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = done.stdout + done.stderr
    for name in ("rule", "read", "run", "import", "export", "preview", "health"):
        assert name in text
