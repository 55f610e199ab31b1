"""`storage.db.insert_all`: many rows in batches, each new row's id given back in the order of the rows (on
PostgreSQL taken from the table's sequence before the rows are written)."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.db import MANY_BATCH, insert_all, session_scope
from storage.models import Site
from tests.conftest import at


def test_each_rows_id_comes_back_in_the_order_of_the_rows_across_batches(engine) -> None:
    with session_scope(engine) as s:
        before = insert_all(
            s, Site, [{"name": "第一个网站", "created_at": at("2026-11-02 09:00")}], returning="id"
        )
    rows = [{"name": f"网站{n:04d}", "created_at": at("2026-11-02 09:00")} for n in range(MANY_BATCH * 2 + 7)]
    with session_scope(engine) as s:
        ids = insert_all(s, Site, rows, returning="id")
        assert insert_all(s, Site, [], returning="id") == []
    assert len(set(ids)) == len(rows) and min(ids) > before[0]
    assert ids == sorted(ids)  # the list's order is the ids' order, as the import's rows are
    with Session(engine) as s:
        names = dict(s.exec(select(Site.id, Site.name)).all())  # type: ignore[call-overload]
    assert [names[i] for i in ids] == [r["name"] for r in rows]
    with session_scope(engine) as s:  # the table's own numbering goes on after them
        (after,) = insert_all(
            s, Site, [{"name": "最后一个", "created_at": at("2026-11-02 09:00")}], returning="id"
        )
    assert after > max(ids)
