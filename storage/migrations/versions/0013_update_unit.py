"""an update counts for one contributing unit under a per-unit rule (各乡镇每周不少于2条)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 06:30:00

`updatelog.unit_id` names the unit a logged update counts for when the item's rule is held by each
contributing unit. Existing rows keep NULL: they count for the column as a whole, as before.
"""

from alembic import op
import sqlalchemy as sa


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("updatelog", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_updatelog_unit_id_unit", "unit", ["unit_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("updatelog", schema=None) as batch_op:
        batch_op.drop_constraint("fk_updatelog_unit_id_unit", type_="foreignkey")
        batch_op.drop_column("unit_id")
