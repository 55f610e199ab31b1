"""The links a fetched page shows (`<a href>`), made absolute against the page's address (and its `<base
href>`), with the words people see: what the broken-link check starts from. Pure: bytes in, links out."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin

from domain.links import FoundLink
from webread.extract import _parse, decode


def page_links(body: bytes, *, url: str, headers: Mapping[str, str] | None = None) -> list[FoundLink]:
    """Every `<a href>` of the page in document order (duplicates kept: `domain.links.to_check` sorts
    them out)."""
    doc = _parse(decode(body, headers))
    if doc is None:
        return []
    base = url
    for el in doc.iter("base"):
        href = (el.get("href") or "").strip()
        if href:
            base = urljoin(url, href)
        break
    out = []
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href:
            continue
        text = "".join(str(t) for t in a.itertext()).strip() or (a.get("title") or "").strip()
        if not text:
            img = next(iter(a.iter("img")), None)
            text = (img.get("alt") or "").strip() if img is not None else ""
        try:
            absolute = urljoin(base, href)
        except ValueError:  # a malformed address (an unclosed IPv6 bracket …) is nobody's link
            continue
        out.append(FoundLink(absolute, text))
    return out
