"""A throwaway PostgreSQL server for the test session, started from Debian's binaries.

`ZHIRI_TEST_POSTGRES_URL` points the tests at an existing server instead. If neither works the run fails
with the reason: the storage tests are never silently skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise PostgresUnavailable(
            f"{name} not found: install Debian's 'postgresql' package "
            "(make test does it: scripts/ensure-postgres.sh)"
        )
    return candidates[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    url: str
    datadir: Path | None = None
    _user: str | None = None
    _pg_ctl: str | None = None

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        if self._user:
            args = ["runuser", "-u", self._user, "--", *args]
        return subprocess.run(args, capture_output=True, text=True, timeout=120)

    def stop(self) -> None:
        if self.datadir and self._pg_ctl:
            self._run([self._pg_ctl, "-D", str(self.datadir), "-m", "immediate", "stop"])
            shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start() -> PostgresServer:
    external = os.environ.get("ZHIRI_TEST_POSTGRES_URL")
    if external:
        return PostgresServer(url=external)
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    user: str | None = None
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the package's `postgres` user.
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise PostgresUnavailable("running as root, and no 'postgres' user to run the server") from exc
        user = "postgres"
    base = Path(tempfile.mkdtemp(prefix="zhiri-pg-"))
    datadir = base / "data"
    if user:
        shutil.chown(base, user=user)
    server = PostgresServer(url="", datadir=datadir, _user=user, _pg_ctl=pg_ctl)
    initdb_args = [initdb, "-D", str(datadir), "-U", "zhiri", "--auth=trust", "-E", "UTF8", "--no-locale"]
    res = server._run(initdb_args)
    if res.returncode != 0:
        raise PostgresUnavailable(f"initdb failed: {res.stderr.strip()[-800:]}")
    port = _free_port()
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    log_file = str(base / "log")
    res = server._run([pg_ctl, "-D", str(datadir), "-o", opts, "-l", log_file, "-w", "-t", "60", "start"])
    if res.returncode != 0:
        log = (base / "log").read_text(errors="replace")[-800:] if (base / "log").exists() else ""
        raise PostgresUnavailable(f"pg_ctl start failed: {res.stderr.strip()[-400:]} {log}")
    server.url = f"postgresql+psycopg://zhiri@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + 30
    import psycopg

    while True:
        try:
            with psycopg.connect(f"host=127.0.0.1 port={port} user=zhiri dbname=postgres", autocommit=True):
                break
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"server did not accept connections: {exc}") from exc
            time.sleep(0.2)
    return server


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """A fresh database on the server, empty or a copy of `template`; returns its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    conninfo = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
    if url.password:
        conninfo += f" password={url.password}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return url.set(database=name).render_as_string(hide_password=False)
