"""what a message asks for, batches of logs, retirement by an administrator

Revision ID: 0003
Revises: 0004
Create Date: 2026-11-26 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asks', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default='[]'))

    with op.batch_alter_table('updatelog', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(batch_op.f('ix_updatelog_batch'), ['batch'], unique=False)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_by_admin', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('retired_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('retired_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_item_retired_by_person', 'person', ['retired_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('fk_item_retired_by_person', type_='foreignkey')
        batch_op.drop_column('retired_by')
        batch_op.drop_column('retired_reason')
        batch_op.drop_column('retired_by_admin')

    with op.batch_alter_table('updatelog', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_updatelog_batch'))
        batch_op.drop_column('batch')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('asks')
