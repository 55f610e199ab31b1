"""Zhiri's reader, htmldate and trafilatura on the labelled corpus (tests/webread/corpus): the same bytes, the
same truth, the same information. Every tool gets the page's bytes only (no HTTP header: Zhiri is not told
the charset the others must guess) and the day the page was read as its latest possible date (Zhiri's
`today`, htmldate's and trafilatura's `max_date`, which otherwise default to the machine's clock and would
make the figures change with the day the bench runs); everything else is each tool's default.

A page is right when the tool gives its newest item date (an "ok" page) or no date at all (an empty, broken
or undated page). A wrong date is a date that is not the page's newest item date: the answer that silences
every reminder about a stale column, so it is counted apart from a missing one.

Run: `scripts/uv.sh run --frozen python -m bench corpus`."""

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
    return extract(body, headers=None, today=_today(label)).newest


def _iso(found: str | None) -> date | None:
    return date.fromisoformat(found[:10]) if found else None


def _htmldate_original(body: bytes, label: dict[str, Any]) -> date | None:
    from htmldate import find_date  # dev-only dependency

    return _iso(find_date(body, original_date=True, outputformat="%Y-%m-%d", max_date=label["today"]))


def _htmldate_default(body: bytes, label: dict[str, Any]) -> date | None:
    from htmldate import find_date

    return _iso(find_date(body, max_date=label["today"]))


def _trafilatura(body: bytes, label: dict[str, Any]) -> date | None:
    from trafilatura import extract_metadata  # dev-only dependency
    from trafilatura.settings import set_date_params

    # trafilatura's own default date settings (they are htmldate's with original_date=True), with the
    # page's day as the latest date instead of the machine's
    meta = extract_metadata(body, date_config={**set_date_params(), "max_date": label["today"]})
    return _iso(meta.date if meta is not None else None)


TOOLS: dict[str, Tool] = {
    "zhiri": _zhiri,
    "htmldate original_date=True": _htmldate_original,
    "htmldate default": _htmldate_default,
    "trafilatura default": _trafilatura,
}


@dataclass
class Score:
    right: list[str] = field(default_factory=list)
    wrong: dict[str, date] = field(default_factory=dict)  # a date claimed that is not the newest item's
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
            out.right.append(name)
        elif found is None:
            out.missed.append(name)
        else:
            out.wrong[name] = found
    return out


def _table(scores: dict[str, Score], pages: set[str]) -> None:
    total = len(pages)
    print(f"{'tool':<30} {'right':>9} {'accuracy':>9} {'wrong dates':>12} {'no date':>8}")
    for name, s in scores.items():
        right = sum(1 for p in s.right if p in pages)
        wrong = sum(1 for p in s.wrong if p in pages)
        missed = sum(1 for p in s.missed if p in pages)
        print(f"{name:<30} {right:>4}/{total:<4} {right / total:>9.1%} {wrong:>12} {missed:>8}")


def main() -> int:
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    scores = {name: score(tool) for name, tool in TOOLS.items()}
    real = {name for name, label in LABELS.items() if "source" in label}
    print(f"labelled corpus: {len(LABELS)} pages read from bytes")
    _table(scores, set(LABELS))
    # The other pages were written by the team that wrote the reader, in the shapes it had seen on real
    # sites: the pages taken from public repositories are the fairer test.
    print(
        f"of which {len(real)} pages taken from, or built from, pages saved in public repositories "
        "(provenance in labels.json):"
    )
    _table(scores, real)
    for name, s in scores.items():
        wrong = ", ".join(f"{page} ({found})" for page, found in s.wrong.items())
        print(f"-- {name}: wrong dates on {len(s.wrong)} pages: {wrong or 'none'}")
        print(f"   no date on {len(s.missed)} dated pages: {', '.join(s.missed) or 'none'}")
    return 0 if not scores["zhiri"].wrong else 1
