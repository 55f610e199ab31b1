"""/overdue on a province's site: items say whether their rule is a per-unit duty; indexes for the stored
schedule and what the website reader saw

Revision ID: 0027
Revises: 0026

/overdue counts the items the daily pass stored today as overdue from the index alone (`state`, `state_on`,
`retired_at`, `per_unit`, `days_late`: the longest late first), judges the ones not stored for today
(`state_on` before or after it, or none) and the per-unit duties, and lists the website's problems
(`read_status`); without these, each was a read of every item. `item.per_unit` is filled from the stored
parsed rule. `ix_item_state` is the first column of `ix_item_state_day` and goes.
"""

from alembic import op
import sqlalchemy as sa

ITEM = sa.table("item", sa.column("per_unit", sa.Boolean), sa.column("rule_json", sa.String))


revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE … ADD COLUMN, on SQLite too: copying a province's item table is minutes.
    op.add_column("item", sa.Column("per_unit", sa.Boolean(), server_default=sa.false(), nullable=False))
    # `storage.items.rule_columns` wrote `rule_json` with json.dumps: a per-unit duty's holds exactly this.
    op.execute(ITEM.update().where(ITEM.c.rule_json.contains('"per_unit": true')).values(per_unit=True))
    op.drop_index("ix_item_state", table_name="item")
    op.create_index("ix_item_state_day", "item", ["state", "state_on", "retired_at", "per_unit", "days_late"])
    op.create_index("ix_item_state_on", "item", ["state_on"])
    op.create_index("ix_item_read_status", "item", ["read_status"])


def downgrade() -> None:
    op.drop_index("ix_item_read_status", table_name="item")
    op.drop_index("ix_item_state_on", table_name="item")
    op.drop_index("ix_item_state_day", table_name="item")
    op.create_index("ix_item_state", "item", ["state"])
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("per_unit")
