"""Every labelled corpus page, served over real HTTP with its own Content-Type, read through `Reader`."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.webread.server import CORPUS, LABELS, Site
from webread import PageReading, Reader
from webread.extract import extract


def _matches(reading: PageReading, label: dict[str, Any]) -> bool:
    newest = reading.newest.isoformat() if reading.newest else None
    items_ok = "items" not in label or reading.items == label["items"]
    return reading.status == label["status"] and newest == label["newest"] and items_ok


def test_corpus_is_big_enough() -> None:
    assert len(LABELS) >= 75
    assert {label["status"] for label in LABELS.values()} == {"ok", "empty", "broken", "unknown"}
    assert sorted(p.name for p in CORPUS.glob("*.html")) == sorted(LABELS)


@pytest.mark.parametrize("name", sorted(LABELS))
async def test_reader_reads_corpus_page(site: Site, name: str) -> None:
    label = LABELS[name]
    async with Reader(host_delay=0, timeout=5) as reader:
        reading = await reader.read(site.url(f"/corpus/{name}"), today=date.fromisoformat(label["today"]))
    assert _matches(reading, label), f"{name}: {reading} != {label}"


@pytest.mark.parametrize("name", sorted(n for n, label in LABELS.items() if not label.get("reader_only")))
def test_extract_reads_corpus_page(name: str) -> None:
    label = LABELS[name]
    reading = extract(
        (CORPUS / name).read_bytes(),
        headers={"Content-Type": label["content_type"]},
        today=date.fromisoformat(label["today"]),
    )
    assert _matches(reading, label), f"{name}: {reading} != {label}"


async def test_corpus_accuracy_through_read_many(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    by_today: dict[str, list[str]] = {}
    for name, label in LABELS.items():
        by_today.setdefault(label["today"], []).append(name)
    right = 0
    async with Reader(host_delay=0, timeout=5, per_host=4) as reader:
        for today, names in by_today.items():
            urls = {site.url(f"/corpus/{n}"): n for n in names}
            readings = await reader.read_many(list(urls), today=date.fromisoformat(today))
            right += sum(_matches(readings[u], LABELS[n]) for u, n in urls.items())
    with capsys.disabled():
        print(f"\ncorpus accuracy through Reader.read_many: {right}/{len(LABELS)}")
    assert right == len(LABELS)
