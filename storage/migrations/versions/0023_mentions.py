"""people's ids on the robots' platforms, and the @-mentions an outbox row carries

Revision ID: 0023
Revises: 0022

`person.dingtalk_id`, `person.wecom_id`, `person.feishu_id`: the person's user id on each group robot's
platform (DingTalk userid, WeCom userid, Feishu open_id), recorded by an administrator (`zhiri person`);
`person.phone` (already there) is their mobile number, which DingTalk's robot @s by. `outbox.mentions`: the
JSON of whom a robot's message @s ([{"phone": …, "user_id": …}]), written with the message so that a retry
@s the same people.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dingtalk_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("wecom_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("feishu_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentions", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("mentions")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("feishu_id")
        batch_op.drop_column("wecom_id")
        batch_op.drop_column("dingtalk_id")
