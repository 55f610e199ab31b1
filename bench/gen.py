"""A province-sized database for the benchmarks: one site, `units` units each with its own group chat and
webmaster, one county-wide group for all of them, `items` columns over a mix of rules, ~4.5 update logs an
item, ~4% of items overdue. Written through SQLAlchemy Core in batches, so the same generator fills a SQLite
file or a PostgreSQL database (`populate(engine, items)` on an upgraded, empty database).

Every update is logged on the hour, as an imported list's dates and the website reader's dated pages are
(11,162 distinct times among 460,000 logs at 100,000 items). With `distinct_times` each log is moved by its
own number of seconds within that hour, as updates people log with /done are (about 435,000 distinct): the
routine converts each distinct stored time once, so the two cost differently.

`python -m bench.gen DATABASE_URL ITEMS [UNITS] [--distinct-times]` fills one for other uses (a manual
`zhiri preview`).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, select
from sqlalchemy.engine import Connection, Engine

from domain.model import Role, UpdateSource
from storage.db import make_engine, upgrade
from storage.items import rule_columns
from storage.models import Chat, ChatUnit, Item, ItemUnit, Membership, Person, Site, Unit, UpdateLog

SITE = "某省政府网站集约化平台"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai on Tuesday 1 December 2026
CREATED = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
# (rule text, days between updates when kept, share of items)
RULES: Sequence[tuple[str, int, float]] = (
    ("2周内更新", 10, 0.45),
    ("每月至少更新1次", 20, 0.25),
    ("6个月内更新", 90, 0.2),
    ("每年不少于6次", 45, 0.1),
)
OVERDUE_SHARE = 0.04
LOGS_PER_ITEM = 4.5
BATCH = 5_000


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _table(model: type) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _insert(conn: Connection, model: type, rows: Iterator[dict[str, Any]]) -> None:
    for batch in _batches(rows):
        conn.execute(insert(_table(model)), batch)


def _ids(conn: Connection, model: type) -> list[int]:
    table = _table(model)
    return list(conn.execute(select(table.c.id).order_by(table.c.id)).scalars())


def populate(
    engine: Engine, items: int, units: int = 2_000, seed: int = 1, *, distinct_times: bool = False
) -> None:
    """Fill an upgraded, empty database (see the module's docstring)."""
    rng = random.Random(seed)
    parsed = {text: rule_columns(text) for text, _, _ in RULES}
    with engine.begin() as conn:
        _insert(conn, Site, iter([{"name": SITE, "created_at": CREATED}]))
        (site_id,) = _ids(conn, Site)
        _insert(
            conn,
            Unit,
            ({"site_id": site_id, "name": f"单位{u:04d}", "created_at": CREATED} for u in range(units)),
        )
        unit_ids = _ids(conn, Unit)
        _insert(
            conn,
            Person,
            (
                {"telegram_id": 10_000_000 + k, "name": f"网站员{k}", "created_at": CREATED}
                for k in range(units)
            ),
        )
        _insert(conn, Person, iter([{"telegram_id": 9_000_001, "name": "管理员", "created_at": CREATED}]))
        people = _ids(conn, Person)
        _insert(
            conn,
            Membership,
            (
                {"person_id": p, "unit_id": u, "role": Role.WEBMASTER, "active": True, "created_at": CREATED}
                for p, u in zip(people, unit_ids, strict=False)
            ),
        )
        chats = [
            {
                "address": -1_000_000_000 - k,
                "title": f"单位{k:04d}网站工作群",
                "type": "group",
                "platform": "telegram",
                "site_id": site_id,
                "all_units": False,
                "active": True,
                "created_at": CREATED,
            }
            for k in range(units)
        ]
        chats.append({**chats[0], "address": -999_999_999, "title": "全省网站工作群", "all_units": True})
        _insert(conn, Chat, iter(chats))
        chat_ids = _ids(conn, Chat)
        _insert(
            conn,
            ChatUnit,
            (
                {"chat_id": c, "unit_id": u}
                for c, u in [*zip(chat_ids, unit_ids, strict=False), *((chat_ids[-1], u) for u in unit_ids)]
            ),
        )
        texts = [t for t, _, _ in RULES]
        weights = [w for _, _, w in RULES]
        gaps = {t: g for t, g, _ in RULES}
        chosen = rng.choices(texts, weights, k=items)
        _insert(
            conn,
            Item,
            (
                {
                    "site_id": site_id,
                    "kind": "column",
                    "key": f"column:栏目组{i // 100}/栏目{i}",
                    "level1": f"栏目组{i // 100}",
                    "level2": f"栏目{i}",
                    "name": f"栏目{i}",
                    "path": f"栏目组{i // 100} / 栏目{i}",
                    **parsed[chosen[i]],
                    "category": "other",
                    "created_at": CREATED,
                    "source_sheet": "栏目",
                    "source_row": i + 2,
                }
                for i in range(items)
            ),
        )
        item_ids = _ids(conn, Item)
        _insert(
            conn,
            ItemUnit,
            (
                {"item_id": item_id, "unit_id": unit_ids[k % units], "lead": True, "role": "lead"}
                for k, item_id in enumerate(item_ids)
            ),
        )

        def logs() -> Iterator[dict[str, Any]]:
            for k, item_id in enumerate(item_ids):
                gap = gaps[chosen[k]]
                # The newest log: well inside the rule, or (for ~4%) long past it.
                age = gap * 5 if rng.random() < OVERDUE_SHARE else rng.randint(0, max(1, gap // 2))
                count = max(1, round(rng.expovariate(1 / LOGS_PER_ITEM)))
                for n in range(count):
                    at = NOW - timedelta(days=age + n * gap, hours=rng.randint(0, 8))
                    if distinct_times:  # no draw of `rng`: every other value stays as without
                        at -= timedelta(seconds=(item_id * 7 + n * 601) % 3600)
                    source = UpdateSource.IMPORT
                    yield {"item_id": item_id, "at": at, "logged_at": at, "source": source, "count": 1}

        _insert(conn, UpdateLog, logs())


def settle(engine: Engine, moment: datetime) -> None:
    """Store every item's schedule as of `moment`, as the daily pass of a deployment running the day before
    left it: the routine's tick then finds yesterday's schedule, not none (a first tick writes every row)."""
    from sqlmodel import Session

    from domain.due import Policy
    from storage.items import Judge, load_calendar, refresh_stale
    from storage.routine import sites

    with Session(engine) as session:
        judge = Judge(
            ZoneInfo("Asia/Shanghai"), load_calendar(session, on_fallback=lambda _year: None), Policy()
        )
        for site in sites(session):
            assert site.id is not None
            refresh_stale(session, judge, moment, site.id)
        session.commit()


def analyze(engine: Engine) -> None:
    """PostgreSQL's statistics and visibility map, as autovacuum keeps them on a running deployment after a
    large load or update (without them its planner reads whole tables where an index serves, and reads the
    rows an index-only scan would not). SQLite keeps none unless asked, and a deployment does not ask: left
    as it is."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def main(argv: list[str]) -> int:
    distinct = "--distinct-times" in argv
    argv = [a for a in argv if a != "--distinct-times"]
    url, items = argv[0], int(argv[1])
    units = int(argv[2]) if len(argv) > 2 else 2_000
    engine = make_engine(url)
    upgrade(engine)
    populate(engine, items, units, distinct_times=distinct)
    settle(engine, NOW - timedelta(days=1))
    analyze(engine)
    times = ", every log at its own time" if distinct else ""
    print(f"{url}: {items} items, {units} units and groups{times}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
