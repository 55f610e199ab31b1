"""Zhiri against htmldate and trafilatura on the labelled corpus: accuracy, wrong dates, and the pages each
gets wrong. Run: `scripts/uv.sh run --frozen python -m bench corpus`."""

from bench.corpus_compare import main

__all__ = ["main"]
