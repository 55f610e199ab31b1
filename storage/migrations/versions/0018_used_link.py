"""signed links that were used (the web page's one-tap links on group robots' messages)

Revision ID: 0018
Revises: 0016

`usedlink`: an acting link (已更新, 已巡查) from a robot's message works once; its nonce is recorded with when it
was used and what it logged, so a second tap says so.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usedlink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chat.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )


def downgrade() -> None:
    op.drop_table("usedlink")
