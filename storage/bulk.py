"""Passes over a whole site's items (the routine's day, judging every item): Python's cyclic garbage collector
held off while they build their rows."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def few_collections() -> Iterator[None]:
    """Cyclic garbage collection paused for the block. A pass over a province's items keeps hundreds of
    thousands of rows, judgements and views alive at once, and each of the collector's rounds traversed them
    again: a quarter of the 09:00 tick's CPU at 100,000 items. What the pass builds holds no reference
    cycles and is freed by reference counting as usual; any cyclic garbage waits for the collector's next
    round after the block. Nested blocks leave it to the outermost; it is process-wide, so a block in another
    thread meanwhile finds it paused too."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
