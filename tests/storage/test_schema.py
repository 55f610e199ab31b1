from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bot.cli import main
from storage.db import (
    SchemaOutOfDate,
    check_schema,
    current_revision,
    head_revision,
    make_engine,
    ours,
    upgrade,
)


def test_it_creates_every_table_through_migrations(engine):
    tables = set(inspect(engine).get_table_names())
    assert {"item", "updatelog", "outbox", "unit", "person", "membership", "chat", "event"} <= tables
    assert current_revision(engine) == head_revision()
    check_schema(engine)


def test_it_refuses_an_old_schema(db_url):
    eng = make_engine(db_url)
    with pytest.raises(SchemaOutOfDate, match="zhiri db upgrade"):
        check_schema(eng)
    upgrade(eng)
    check_schema(eng)
    eng.dispose()


def test_it_turns_on_wal_and_foreign_keys_for_sqlite(sqlite_url):
    eng = make_engine(sqlite_url)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_sessions_compile_nothing_just_in_time_unless_the_url_says(db_url):
    for url, jit in ((db_url, "off"), (f"{db_url}?options=-c%20jit%3Don", "on")):
        eng = make_engine(url)
        with eng.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar() == jit
        eng.dispose()


def test_it_upgrades_from_the_command_line(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["db", "upgrade"]) == 0
    assert "升级" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "最新" in capsys.readouterr().out


def test_the_migrations_build_exactly_the_tables_the_models_describe(engine):
    # A model changed without a migration would show up here as a difference.
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False, "include_name": ours}),
            SQLModel.metadata,
        )
    assert diff == []
