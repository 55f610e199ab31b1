"""broken links: the links the home page and column pages show, and each address's last check

Revision ID: 0021
Revises: 0020

`pagelink`: one row per page (the home page, or a column's list page) and link address, with the words
people see and the last day a reading showed it; `linkcheck`: one row per address, its last check (at most
one a day) and since when it has been dead (domain.links).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pagelink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("page_url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("seen_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("pagelink", schema=None) as batch_op:
        batch_op.create_index("ix_pagelink_site_seen", ["site_id", "seen_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_pagelink_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pagelink_url"), ["url"], unique=False)
    op.create_table(
        "linkcheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("dead_since", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )


def downgrade() -> None:
    op.drop_table("linkcheck")
    with op.batch_alter_table("pagelink", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pagelink_url"))
        batch_op.drop_index(batch_op.f("ix_pagelink_item_id"))
        batch_op.drop_index("ix_pagelink_site_seen")
    op.drop_table("pagelink")
