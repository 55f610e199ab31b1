"""`zhiri crawl`: not built yet."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("crawl", help="(尚未实现 / not built yet)")
    p.add_argument("rest", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace) -> int:
    print("「zhiri crawl」尚未实现。/ 'zhiri crawl' is not built yet.", file=sys.stderr)
    return 3
