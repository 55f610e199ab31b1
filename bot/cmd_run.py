"""`zhiri run`: not built yet."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="(尚未实现 / not built yet)")
    p.add_argument("rest", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace) -> int:
    print("「zhiri run」尚未实现。/ 'zhiri run' is not built yet.", file=sys.stderr)
    return 3
