"""Regenerate storage/migrations/versions/0001_initial_schema.py from the models.

Only while nothing has been released: once a database exists in the wild, every change is a new migration
(`alembic revision --autogenerate` through storage.db's configuration).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.db import MIGRATIONS, make_engine

target = MIGRATIONS / "versions" / "0001_initial_schema.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    url = f"sqlite:///{Path(tmp) / 'gen.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
print(f"wrote {target}")
