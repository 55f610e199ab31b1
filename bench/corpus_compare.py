"""Zhiri's reader, htmldate and trafilatura on the labelled corpus (tests/webread/corpus): the same bytes, the
same truth. A page is right when the tool gives its newest item date (an "ok" page) or no date at all (an
empty, broken or undated page). A wrong date is a date that is not the page's newest item date: the answer
that silences every reminder about a stale column, so it is counted apart from a missing one."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from webread.extract import extract

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "webread" / "corpus"
# Pages whose reading needs HTTP (a redirect stub the reader follows) are left out: every tool here reads
# bytes.
LABELS: dict[str, dict[str, Any]] = {
    name: label
    for name, label in json.loads((CORPUS.parent / "labels.json").read_text(encoding="utf-8")).items()
    if not label.get("reader_only")
}

Tool = Callable[[bytes, dict[str, Any]], date | None]


def _today(label: dict[str, Any]) -> date:
    return date.fromisoformat(label["today"])


def _zhiri(body: bytes, label: dict[str, Any]) -> date | None:
    return extract(body, headers={"Content-Type": label["content_type"]}, today=_today(label)).newest


def _iso(found: str | None) -> date | None:
    return date.fromisoformat(found[:10]) if found else None


def _htmldate_original(body: bytes, label: dict[str, Any]) -> date | None:
    from htmldate import find_date  # dev-only dependency

    return _iso(find_date(body, original_date=True, outputformat="%Y-%m-%d", max_date=label["today"]))


def _htmldate_default(body: bytes, label: dict[str, Any]) -> date | None:
    from htmldate import find_date

    return _iso(find_date(body))


def _trafilatura(body: bytes, label: dict[str, Any]) -> date | None:
    from trafilatura import extract_metadata  # dev-only dependency

    meta = extract_metadata(body)
    return _iso(meta.date if meta is not None else None)


TOOLS: dict[str, Tool] = {
    "zhiri": _zhiri,
    "htmldate original_date=True": _htmldate_original,
    "htmldate default": _htmldate_default,
    "trafilatura metadata": _trafilatura,
}


@dataclass
class Score:
    right: int = 0
    wrong: list[str] = field(default_factory=list)  # a date claimed that is not the newest item's
    missed: list[str] = field(default_factory=list)  # no date on a page that has one


def score(tool: Tool) -> Score:
    out = Score()
    for name, label in sorted(LABELS.items()):
        truth = date.fromisoformat(label["newest"]) if label["newest"] else None
        try:
            found = tool((CORPUS / name).read_bytes(), label)
        except Exception:  # a tool that crashes on a page gave no date for it
            found = None
        if found == truth:
            out.right += 1
        elif found is None:
            out.missed.append(name)
        else:
            out.wrong.append(f"{name} ({found})")
    return out


def main() -> int:
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    total = len(LABELS)
    real = sum(1 for label in LABELS.values() if "source" in label)
    print(
        f"labelled corpus: {total} pages read from bytes ({real} after pages in public repositories, "
        "provenance in labels.json)"
    )
    print(f"{'tool':<30} {'right':>9} {'accuracy':>9} {'wrong dates':>12} {'no date':>8}")
    scores = {name: score(tool) for name, tool in TOOLS.items()}
    for name, s in scores.items():
        share = f"{s.right / total:.1%}"
        print(f"{name:<30} {s.right:>4}/{total:<4} {share:>9} {len(s.wrong):>12} {len(s.missed):>8}")
    for name, s in scores.items():
        print(f"-- {name}: wrong dates on {len(s.wrong)} pages: {', '.join(s.wrong) or 'none'}")
        print(f"   no date on {len(s.missed)} dated pages: {', '.join(s.missed) or 'none'}")
    return 0 if not scores["zhiri"].wrong else 1
