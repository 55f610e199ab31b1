"""the audit trail keeps administrators' acts that leave no dated row of their own

Revision ID: 0019
Revises: 0017

`auditrecord`: a chat bound to or unbound from units (/bindchat, /unbindchat), the bot removed from a group
or back in it, units added to a unit group (/group), an item retired or brought back (/retire, /unretire,
the list's 停更 column). `/history` and `zhiri log` read them with the rows the other acts leave. Nothing
is converted: the trail starts with this version for these acts.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auditrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chat.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditrecord", schema=None) as batch_op:
        batch_op.create_index("ix_auditrecord_at", ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditrecord_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditrecord_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auditrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditrecord_unit_id"))
        batch_op.drop_index(batch_op.f("ix_auditrecord_item_id"))
        batch_op.drop_index("ix_auditrecord_at")
    op.drop_table("auditrecord")
