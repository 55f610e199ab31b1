"""Shared fixtures. `db_url`/`engine` run a test on a real SQLite file and on a real PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from domain.calendar import WorkCalendar
from storage.db import make_engine, upgrade
from storage.items import Judge
from tests.support import postgres

SHANGHAI = ZoneInfo("Asia/Shanghai")
_counter = itertools.count()


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
    return postgres.create_database(server.url, f"zhiri_test_{next(_counter)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'zhiri.db'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def judge() -> Judge:
    return Judge(tz=SHANGHAI, calendar=WorkCalendar())


def at(text: str) -> datetime:
    """An aware moment from local Shanghai time text: at("2026-11-23 09:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)
