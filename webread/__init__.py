"""webread: read a column's list page and say when it was last updated.

`webread.extract.extract` is the pure core (bytes in, `PageReading` out); `Reader` is the polite async HTTP
shell around it. (`extract` is not re-exported here: the name would shadow the `webread.extract` module.)
Both are loaded when first asked for, so that importing one does not load the other: the pure core needs no
httpx, and `zhiri read` starts before it loads either.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from webread.extract import PageReading
    from webread.fetch import USER_AGENT, Reader

__all__ = ["USER_AGENT", "PageReading", "Reader"]
_HOMES = {"PageReading": "webread.extract", "USER_AGENT": "webread.fetch", "Reader": "webread.fetch"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'webread' has no attribute {name!r}")
    return getattr(import_module(home), name)
