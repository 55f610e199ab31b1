"""availability probes: a site's home page, key columns, and each probe kept per slot and day

Revision ID: 0020
Revises: 0007

`site.home_url` (None: the origin the site's column addresses share), `item.probe_key` (a key column the
administrator marks), and `probe`, one row per probe of a target's slot (unique `key`), read per day and
per week for the unreachable share inspectors count (国办秘函〔2019〕19号).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0020"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_url", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("probe_key", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "probe",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("slot_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reachable", sa.Boolean(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("probe", schema=None) as batch_op:
        batch_op.create_index("ix_probe_site_day", ["site_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("probe", schema=None) as batch_op:
        batch_op.drop_index("ix_probe_site_day")
    op.drop_table("probe")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("probe_key")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("home_url")
