"""removals and revocations: who removed a person from a unit, who revoked an invitation

Revision ID: 0006
Revises: 0008
Create Date: 2026-11-26 00:10:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('membership') as batch:
        batch.add_column(sa.Column('ended_by', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_membership_ended_by_person', 'person', ['ended_by'], ['id'])
    with op.batch_alter_table('invitation') as batch:
        batch.add_column(sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('revoked_by', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_invitation_revoked_by_person', 'person', ['revoked_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('invitation') as batch:
        batch.drop_constraint('fk_invitation_revoked_by_person', type_='foreignkey')
        batch.drop_column('revoked_by')
        batch.drop_column('revoked_at')
    with op.batch_alter_table('membership') as batch:
        batch.drop_constraint('fk_membership_ended_by_person', type_='foreignkey')
        batch.drop_column('ended_by')
