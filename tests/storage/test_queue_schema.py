"""procrastinate's schema under Alembic (migration 0024): built on PostgreSQL by `zhiri db upgrade`, absent on
SQLite, taken down and built again, and the one procrastinate's installed version expects."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from alembic import command
from procrastinate.schema import SchemaManager
from sqlalchemy import inspect

from storage.db import MIGRATIONS, _alembic_config, make_engine, upgrade

QUEUE_TABLES = {
    "procrastinate_jobs",
    "procrastinate_workers",
    "procrastinate_events",
    "procrastinate_periodic_defers",
}
APPLIED = MIGRATIONS / "procrastinate" / "schema-3.10.0.sql"


def test_upgrade_builds_the_queue_on_postgresql_only(engine):
    tables = set(inspect(engine).get_table_names())
    if engine.dialect.name == "postgresql":
        assert tables >= QUEUE_TABLES
    else:
        assert not tables & QUEUE_TABLES


def test_the_queue_schema_goes_down_and_up_again(db_url):
    eng = make_engine(db_url)
    upgrade(eng)
    cfg = _alembic_config(eng)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0023")  # below 0024, the queue's migration (later ones go down first)
    assert not set(inspect(eng).get_table_names()) & QUEUE_TABLES
    upgrade(eng)
    if eng.dialect.name == "postgresql":
        assert set(inspect(eng).get_table_names()) >= QUEUE_TABLES
    eng.dispose()


def test_the_applied_schema_is_the_installed_procrastinates():
    # A newer procrastinate changes its schema through its own sql/migrations/: upgrading the package needs a
    # new Alembic migration that applies them (and a new file name here); 0024 itself never changes.
    assert version("procrastinate") == "3.10.0", "add a migration applying procrastinate's sql/migrations/"
    applied = APPLIED.read_text(encoding="utf-8")
    assert applied.endswith(SchemaManager.get_schema())
    assert Path(SchemaManager.get_migrations_path()).is_dir()
