"""The `zhiri` command line: one subcommand per capability.

Each subcommand lives in its own module under `bot/cmd_*.py` with `add_parser(sub)` and `run(args) -> int`,
so this file only wires them together. Only the module of the subcommand asked for is imported (every one
only for `zhiri --help` or a word that is no subcommand): `zhiri rule` must not pay for Telegram, Alembic
and the routine, which the bot and the database commands need (tests/bot/test_cli_imports.py).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from importlib import import_module

# name -> module under bot/; each module provides add_parser(subparsers) and run(args) -> int
SUBCOMMANDS: tuple[str, ...] = (
    "rule",
    "db",
    "import",
    "export",
    "run",
    "health",
    "read",
    "crawl",
    "preview",
    "score",
    "category",
    "bulletin",
    "rank",
    "log",
    "units",
    "site",
    "retire",
    "outbox",
    "channel",
    "person",
    "reading",
    "probe",
    "links",
    "worker",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with `only` that one (all that a run of it needs)."""
    parser = argparse.ArgumentParser(
        prog="zhiri", description="值日 Zhiri — 政府网站栏目与政务新媒体更新提醒"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        if only is None or name == only:
            import_module(f"bot.cmd_{name}").add_parser(sub)
    return parser


def _refusals() -> tuple[type[Exception], ...]:
    # Imported only once something was raised: these modules bring SQLAlchemy, which `zhiri rule` never needs.
    from bot.cli_support import Refusal
    from storage.db import SchemaOutOfDate
    from storage.sealed import KeyRefused
    from storage.sites import NoSuchSite

    return (Refusal, NoSuchSite, SchemaOutOfDate, KeyRefused)


def main(argv: Sequence[str] | None = None) -> int:
    # Chinese output must survive a terminal or pipe that is not UTF-8.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
    # Warnings meant for people (e.g. a year with no holiday data) read as a plain notice, not a traceback.
    warnings.formatwarning = lambda message, *_args, **_kwargs: f"注意：{message}\n"
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words[0] if words and words[0] in SUBCOMMANDS else None)
    args = parser.parse_args(words)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    module = import_module(f"bot.cmd_{args.command}")
    try:
        return int(module.run(args))
    except Exception as exc:
        if not isinstance(exc, _refusals()):
            raise
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
