"""procrastinate's own schema (the website reading's task queue), on PostgreSQL only

Revision ID: 0024
Revises: 0023

On PostgreSQL, the tables, types, functions and triggers of procrastinate 3.10.0 (`READ_QUEUE=procrastinate`:
the website reading spread over `zhiri worker` processes). The SQL is procrastinate's own `schema.sql`, kept
beside the migrations (`storage/migrations/procrastinate/`) so that this migration builds the same schema
whatever version is installed later; a newer procrastinate needs a new migration applying its own
`sql/migrations/` files (tests/storage/test_queue_schema.py fails until there is one). SQLite: nothing.
"""

from pathlib import Path

from alembic import op


revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

SCHEMA = Path(__file__).parents[1] / "procrastinate" / "schema-3.10.0.sql"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # Straight to the driver (the file holds `:` casts), which reads `%` as a placeholder: doubled, as
    # procrastinate's own `SchemaManager.apply_schema` does.
    bind.exec_driver_sql(SCHEMA.read_text(encoding="utf-8").replace("%", "%%"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(
        """
        DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
            procrastinate_workers CASCADE;
        DO $$
        DECLARE f record;
        BEGIN
            FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%%'
            LOOP
                EXECUTE 'DROP FUNCTION ' || f.sig || ' CASCADE';
            END LOOP;
        END $$;
        DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
            procrastinate_job_status CASCADE;
        """
    )
