"""inbound updates kept until handled, their Bot API calls; the running bot's heartbeat

Revision ID: 0008
Revises: 0009
Create Date: 2026-11-26 00:10:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inboundupdate',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('handled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('update_id')
    )
    with op.batch_alter_table('inboundupdate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inboundupdate_handled_at'), ['handled_at'], unique=False)

    op.create_table('updatecall',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('endpoint', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('response', sa.LargeBinary(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('update_id', 'seq')
    )
    op.create_table('heartbeat',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('api_ok_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('tick_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('stopped_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('heartbeat')
    op.drop_table('updatecall')
    with op.batch_alter_table('inboundupdate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inboundupdate_handled_at'))
    op.drop_table('inboundupdate')
