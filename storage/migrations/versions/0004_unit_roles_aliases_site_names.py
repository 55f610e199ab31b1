"""unit roles, aliases and the site's own names

Revision ID: 0004
Revises: 0008
Create Date: 2026-11-26 00:05:00

- `unit.kind`: a real unit, a group word (市属各部门) or a role (实施单位); groups and roles are both filled
  by the administrator (`is_group` stays true for both).
- `itemunit.role`: lead, co-lead or helper; `lead` stays true for leads and co-leads.
- `unitalias`: other names of one office (县市场监管局 for 县市场监督管理局), kept across re-imports.
- `site.office_name`, `site.admin_name`, `site.pledge_ref`: the names the bot says for the site's office,
  its administrator and the pledge clause it quotes (none quoted when empty).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0004"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="unit")
        )
    op.execute("UPDATE unit SET kind = 'group' WHERE is_group")
    with op.batch_alter_table("itemunit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="helper")
        )
    op.execute("UPDATE itemunit SET role = 'lead' WHERE lead")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("admin_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("pledge_ref", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table(
        "unitalias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "name"),
    )
    with op.batch_alter_table("unitalias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unitalias_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unitalias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unitalias_unit_id"))
    op.drop_table("unitalias")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("pledge_ref")
        batch_op.drop_column("admin_name")
        batch_op.drop_column("office_name")
    with op.batch_alter_table("itemunit", schema=None) as batch_op:
        batch_op.drop_column("role")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("kind")
