"""webread: read a column's list page and say when it was last updated.

`webread.extract.extract` is the pure core (bytes in, `PageReading` out); `Reader` is the polite async HTTP
shell around it. (`extract` is not re-exported here: the name would shadow the `webread.extract` module.)
"""

from webread.extract import PageReading
from webread.fetch import USER_AGENT, Reader

__all__ = ["USER_AGENT", "PageReading", "Reader"]
