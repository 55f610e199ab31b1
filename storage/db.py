"""Engines, sessions and the schema version. The only place that knows SQLite from PostgreSQL."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Integer, any_, bindparam, event, insert, literal, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import Session, SQLModel, create_engine, select

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)

MIGRATIONS = Path(__file__).with_name("migrations")
# Tables that are not Zhiri's models: procrastinate's (the reading queue, migration 0024).
FOREIGN_PREFIXES = ("procrastinate_",)


def ours(name: str | None, type_: str, _parents: object = None) -> bool:
    """Whether Alembic compares this database object with the models (its `include_name` hook)."""
    return not (type_ == "table" and name is not None and name.startswith(FOREIGN_PREFIXES))


class SchemaOutOfDate(RuntimeError):
    """The database is older (or newer) than this version of Zhiri."""


def make_engine(url: str, *, busy_timeout: float = 30.0, **kwargs: Any) -> Engine:
    """An engine for `url`. SQLite gets WAL, foreign keys and a busy timeout (the seconds a write waits for
    another writer's lock); its folder is created. PostgreSQL's sessions run without JIT compiling, unless the
    URL sets its own `options`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_timeout}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if "options" not in parsed.query and "connect_args" not in kwargs:
        # No JIT compiling: Zhiri's statements are short, and PostgreSQL compiles any whose estimated cost
        # passes 100,000 — 16 ms of compiling for /overdue's counts at 1M items, which run in 20.
        kwargs["connect_args"] = {"options": "-c jit=off"}
    return create_engine(url, pool_pre_ping=True, **kwargs)


def among(session: Session, column: Any, ids: Sequence[int]) -> Any:
    """`column` among `ids` (at most a batch of them), binding two values or one, never one per id:
    - a keyset page `BETWEEN` the smallest and the largest when they are most of the ids in that range (a
      site's items judged in id order), which an index reads in one pass; the page may take in rows of
      other ids, and the caller keeps only its own;
    - else, on PostgreSQL, `column = ANY(ids)` with the ids one array: an IN list of 2,000 ids was a
      statement of 2,000 parameters, which psycopg parsed afresh each time (its cache keeps statements of
      at most 50);
    - else `column IN ids` (SQLite)."""
    lo, hi = min(ids), max(ids)
    if hi - lo < 2 * len(ids):
        return column.between(lo, hi)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(ids)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def insert_new(session: Session, model: type[SQLModel], values: dict[str, Any], key: str) -> Any | None:
    """INSERT a row unless one with the same unique `key` column exists, even one a racing writer is adding.
    Returns the new row's primary key, or None when it existed. On SQLite and PostgreSQL one statement (ON
    CONFLICT DO NOTHING RETURNING the key, as rowcount is not reliable across drivers); elsewhere look, then
    add."""
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        # The values go as parameters of one statement built once per table: building the statement with
        # the values in it cost ~2 ms a row, on the routine's path of thousands of messages.
        return session.execute(_insert_new(dialect, model, key, frozenset(values)), values).scalar()
    if session.exec(select(model).where(getattr(model, key) == values[key])).first() is not None:
        return None
    row = model(**values)
    session.add(row)
    session.flush()
    return sa_inspect(row).identity[0]


def insert_all_new(
    session: Session,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    key: str,
    returning: str | None = None,
) -> list[Any]:
    """`insert_new` for many rows (each with the same columns): one executemany per batch of MANY_BATCH rows
    (sent as multi-row VALUES) instead of one round trip per row. With `returning`, that column of the rows
    written (not of those that existed) is returned, in no particular order; else nothing."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return [
            values[returning]
            for values in rows
            if insert_new(session, model, values, key) is not None and returning is not None
        ]
    table = model.__table__  # type: ignore[attr-defined]
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    stmt = insert(table).on_conflict_do_nothing(index_elements=[key])
    out: list[Any] = []
    for k in range(0, len(rows), MANY_BATCH):
        if returning is None:
            session.execute(stmt, rows[k : k + MANY_BATCH])
        else:
            out += session.execute(stmt.returning(table.c[returning]), rows[k : k + MANY_BATCH]).scalars()
    return out


MANY_BATCH = 500  # rows per executemany: no statement grows with the data


def insert_all(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], returning: str | None = None
) -> list[Any]:
    """INSERT many new rows (each with the same columns) without building an object for each: one
    executemany per batch of MANY_BATCH rows. With `returning`, that column of each row written (a new row's
    id), in the order the rows were given.

    On PostgreSQL a new row's id (its one primary key column) is taken from the table's sequence first and
    the rows written with it, not returned: a batch of rows in one INSERT … RETURNING was a statement of
    140,000 characters for 200 items, which psycopg parsed afresh each time (its cache keeps statements of at
    most 50 parameters), a quarter of a 10,000-row import's CPU. Without RETURNING, psycopg sends one short
    statement for every row in a pipeline."""
    table = model.__table__  # type: ignore[attr-defined]
    key = [c.name for c in table.primary_key.columns]
    if key == [returning] and rows and session.get_bind().dialect.name == "postgresql":
        ids = _next_ids(session, table.name, key[0], len(rows))
        insert_all(session, model, [{**row, key[0]: i} for row, i in zip(rows, ids, strict=True)])
        return ids
    stmt = insert(table)
    if returning is not None:
        stmt = stmt.returning(table.c[returning], sort_by_parameter_order=True)
    out: list[Any] = []
    for k in range(0, len(rows), MANY_BATCH):
        result = session.execute(stmt, rows[k : k + MANY_BATCH])
        if returning is not None:
            out += result.scalars()
    return out


def _next_ids(session: Session, table: str, column: str, n: int) -> list[int]:
    """`n` new ids from the sequence of `table`'s serial `column` (PostgreSQL), in increasing order."""
    stmt = text("SELECT nextval(pg_get_serial_sequence(:table, :column)) FROM generate_series(1, :n)")
    return sorted(session.execute(stmt, {"table": table, "column": column, "n": n}).scalars())


@lru_cache(maxsize=64)
def _insert_new(
    dialect: str, model: type[SQLModel], key: str, columns: frozenset[str]
) -> ReturningInsert[Any]:
    table = model.__table__  # type: ignore[attr-defined]
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    stmt = insert(table).values({c: bindparam(c) for c in sorted(columns)})
    (primary,) = table.primary_key.columns
    return stmt.on_conflict_do_nothing(index_elements=[key]).returning(primary)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to the newest schema (creating it when empty). Returns (before, after) revisions.

    A database newer than this version of Zhiri raises SchemaOutOfDate, which says so in people's words."""
    before = current_revision(engine)
    cfg = _alembic_config(engine)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except CommandError:
        check_schema(engine)
        raise
    return before, current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def check_schema(engine: Engine) -> None:
    """Raise SchemaOutOfDate unless the database is at the newest schema."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(
            f"数据库结构版本为 {current or '空'}，最新为 {head}。请先运行：zhiri db upgrade\n"
            f"The database schema is at {current or 'nothing'}, the newest is {head}. Run: zhiri db upgrade"
        )


@contextmanager
def dry_run_engine(url: str) -> Iterator[tuple[Engine, bool]]:
    """An engine a dry run may write to and roll back without touching the database at `url`, and whether
    it is the database itself (then the caller must roll back).

    SQLite: a throwaway copy (an online backup, safe while the bot runs), brought to the newest schema; a
    database file that does not exist is not created. PostgreSQL: the database itself, which must be at the
    newest schema (a dry run never upgrades it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        engine = make_engine(url)
        try:
            check_schema(engine)
            yield engine, True
        finally:
            engine.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="zhiri-dry-run-") as tmp:
        copy = Path(tmp) / "copy.db"
        source = Path(parsed.database)
        if source.exists():
            src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            dst = sqlite3.connect(copy)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        engine = make_engine(f"sqlite:///{copy}")
        try:
            upgrade(engine)
            yield engine, False
        finally:
            engine.dispose()
