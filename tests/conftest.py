"""Shared fixtures. `db_url`/`engine` run a test on a real SQLite file and on a real PostgreSQL.

`make test` runs the suite in two processes (pytest-xdist, one per core). Each starts its own PostgreSQL
(tests/support/postgres.py) and has its own temporary folders; the database names carry the process's name
too (`WORKER`), so that processes sharing one server (ZHIRI_TEST_POSTGRES_URL) never meet.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine, make_url

from domain.calendar import WorkCalendar
from storage import sealed
from storage.db import make_engine, upgrade
from storage.items import Judge
from tests.support import postgres

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The robots' key (`storage.sealed`) of every test and of the `zhiri` processes they start.
CHANNEL_KEY = "kq8SR3nFAbO1bC_K5dQnCJSKyvP_4yvZ9GoXl9Kb9Dc="
os.environ["CHANNEL_KEY"] = CHANNEL_KEY


@pytest.fixture(autouse=True)
def _channel_key() -> Iterator[None]:
    sealed.use(CHANNEL_KEY)  # a test that configured another key leaves none behind
    yield
    sealed.use(CHANNEL_KEY)


_counter = itertools.count()
# "gw0", "gw1" … under pytest-xdist; empty in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def db_name(name: str) -> str:
    """A PostgreSQL database name of this test process's own."""
    return f"{name}_{WORKER}" if WORKER else name


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres.PostgresServer]:
    try:
        server = postgres.start()
    except postgres.PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is required for the storage tests and could not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'zhiri.db'}"
    server = request.getfixturevalue("pg_server")
    return postgres.create_database(server.url, db_name(f"zhiri_test_{next(_counter)}"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'zhiri.db'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to the newest schema, copied for every test that wants a ready database."""
    path = tmp_path_factory.mktemp("template") / "zhiri.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    eng.dispose()
    # Fold the write-ahead log into the file so that a plain copy is the whole database.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: postgres.PostgresServer) -> str:
    """A PostgreSQL database migrated once; each test's database is created from it as a template."""
    name = db_name("zhiri_template")
    url = postgres.create_database(pg_server.url, name)
    eng = make_engine(url)
    upgrade(eng)
    eng.dispose()
    return name


def _copy(request: pytest.FixtureRequest, db_url: str, template: str) -> Engine:
    """`db_url`'s database made a copy of `template` (an SQLite file, or a PostgreSQL database name on the
    session's server); an engine on it."""
    url = make_url(db_url)
    assert url.database
    if url.get_backend_name() == "sqlite":
        shutil.copyfile(template, url.database)
    else:
        server = request.getfixturevalue("pg_server")
        postgres.create_database(server.url, url.database, template=template)
    return make_engine(db_url)


def _migrated(request: pytest.FixtureRequest, db_url: str) -> str:
    if make_url(db_url).get_backend_name() == "sqlite":
        return str(request.getfixturevalue("sqlite_template"))
    return str(request.getfixturevalue("pg_template"))


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A database at the newest schema: a copy of a template migrated once per test session (migrating every
    test's database from scratch cost most of the storage tests' time)."""
    eng = _copy(request, db_url, _migrated(request, db_url))
    yield eng
    eng.dispose()


class Prepared:
    """Databases built once per session and copied for every test that asks (the example city imported cost
    seconds per test): `prepared.engine(request, db_url, "name", build)` runs `build(engine)` on a copy of the
    migrated template the first time, then gives each test a copy of the result. `build` must do the same
    every time (fixed moments), so a copy is exactly what building afresh would give."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[tuple[str, str], str] = {}

    def engine(
        self, request: pytest.FixtureRequest, db_url: str, name: str, build: Callable[[Engine], object]
    ) -> Engine:
        url = make_url(db_url)
        key = (url.get_backend_name(), name)
        if key not in self.made:
            if url.get_backend_name() == "sqlite":
                template = str(self.folder / f"{name}.db")
                eng = _copy(request, f"sqlite:///{template}", _migrated(request, db_url))
            else:
                template = db_name(f"zhiri_prepared_{name}")
                eng = _copy(
                    request, url.set(database=template).render_as_string(False), _migrated(request, db_url)
                )
            build(eng)
            eng.dispose()  # a PostgreSQL template must have no connections; an SQLite file no open WAL
            if url.get_backend_name() == "sqlite":
                with sqlite3.connect(template) as conn:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.made[key] = template
        return _copy(request, db_url, self.made[key])


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    return Prepared(tmp_path_factory.mktemp("prepared"))


@pytest.fixture
def judge() -> Judge:
    return Judge(tz=SHANGHAI, calendar=WorkCalendar())


def at(text: str) -> datetime:
    """An aware moment from local Shanghai time text: at("2026-11-23 09:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)
