"""page reading evidence and disputes

Revision ID: 0007
Revises: 0019
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pageread', schema=None) as batch_op:
        batch_op.add_column(sa.Column('http_status', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fetched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('newest_title', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('newest_link', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('held', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('marked_wrong_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('marked_wrong_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('marked_wrong_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('cleared_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_pageread_marked_wrong_by_person', 'person', ['marked_wrong_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('pageread', schema=None) as batch_op:
        batch_op.drop_constraint('fk_pageread_marked_wrong_by_person', type_='foreignkey')
        for name in (
            'cleared_at', 'marked_wrong_note', 'marked_wrong_by', 'marked_wrong_at', 'held',
            'newest_link', 'newest_title', 'fetched_at', 'http_status',
        ):
            batch_op.drop_column(name)
