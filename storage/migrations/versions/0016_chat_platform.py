"""chats and outbox rows know their chat platform

Revision ID: 0016
Revises: 0013

`chat.platform` and `outbox.platform` ("telegram" for every row so far): the routine cuts a message to the
style of its chat's platform and the sender hands the row to that platform's transport (`channels.registry`).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("chat", "outbox"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column(
                    "platform", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="telegram"
                )
            )


def downgrade() -> None:
    for table in ("outbox", "chat"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("platform")
