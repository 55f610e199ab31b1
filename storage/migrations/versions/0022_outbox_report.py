"""outbox rows carry a spreadsheet's data, the file built when the message is sent

Revision ID: 0022
Revises: 0021

`outbox.report`: the JSON of a routine message's spreadsheet (`domain.notice.Report`: its file name and
sheets of rows) as the plan wrote it. The sender builds the file from it when the message goes, instead of
the tick building thousands of workbooks when the plan is written; the rows sent are the rows planned.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("report")
