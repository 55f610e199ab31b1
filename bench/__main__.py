"""Run every benchmark module (bench/bench_*.py), or the ones named: `python -m bench states reader`."""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(p.stem.removeprefix("bench_") for p in here.glob("bench_*.py"))
    chosen = argv or names
    failed = 0
    for name in chosen:
        print(f"== bench {name}", flush=True)
        module = import_module(f"bench.bench_{name}")
        failed += 0 if module.main() == 0 else 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
