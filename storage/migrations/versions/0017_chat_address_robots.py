"""a chat's address is platform-neutral; group robots

Revision ID: 0017
Revises: 0018

`chat.telegram_chat_id` becomes `chat.address`, the chat's id on its own platform, unique per platform
(`platform`, `address`) instead of alone: a robot group's address is its own `chat.id`, which could equal
some Telegram chat's id. `robot`: a group's custom robot (DingTalk, WeCom, Feishu), its webhook and secret,
one row per binding to a unit (or to all units), sharing the group's chat; removing a binding keeps the row.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0017"
down_revision = "0018"
branch_labels = None
depends_on = None

# 0001 left the column's unique constraint unnamed: PostgreSQL named it itself; on SQLite the table is
# copied, and the reflected constraint is given this name so that it can be dropped.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique(dialect: str, column: str) -> str:
    return f"uq_chat_{column}" if dialect == "sqlite" else f"chat_{column}_key"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("chat", naming_convention=_SQLITE_NAMES) as batch:
        batch.drop_constraint(_old_unique(dialect, "telegram_chat_id"), type_="unique")
        batch.alter_column(
            "telegram_chat_id", new_column_name="address", existing_type=sa.BigInteger(), existing_nullable=False
        )
    # A second pass: SQLite's copy drops a constraint on a column renamed in the same batch.
    with op.batch_alter_table("chat") as batch:
        batch.create_unique_constraint("uq_chat_platform_address", ["platform", "address"])

    op.create_table(
        "robot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["chat_id"], ["chat.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["person.id"]),
        sa.ForeignKeyConstraint(["removed_by"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("robot") as batch:
        batch.create_index(batch.f("ix_robot_chat_id"), ["chat_id"], unique=False)
        batch.create_index(batch.f("ix_robot_url"), ["url"], unique=False)


def downgrade() -> None:
    # Only possible while every chat is a Telegram chat: the old column was unique on its own.
    op.drop_table("robot")
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("chat", naming_convention=_SQLITE_NAMES) as batch:
        batch.drop_constraint("uq_chat_platform_address", type_="unique")
        batch.alter_column(
            "address", new_column_name="telegram_chat_id", existing_type=sa.BigInteger(), existing_nullable=False
        )
    with op.batch_alter_table("chat") as batch:
        batch.create_unique_constraint(_old_unique(dialect, "telegram_chat_id"), ["telegram_chat_id"])
