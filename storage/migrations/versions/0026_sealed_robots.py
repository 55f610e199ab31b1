"""group robots' webhook URLs and signing secrets encrypted at rest

Revision ID: 0026
Revises: 0024

`robot.url` and `robot.secret` hold Fernet tokens under the `CHANNEL_KEY` setting (`storage.sealed`) instead of
the webhook (its access_token / key) and the secret in the clear; `robot.url_digest` (SHA-256 of the URL,
indexed) is how a webhook is looked up now, `robot.url_hint` the masked form lists show. Existing rows are
sealed here: with robots bound and no usable key, the upgrade refuses before changing anything, saying what to
do (`storage.sealed.KeyRefused`).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

from domain.robots import masked
from storage import sealed


revision = "0026"
down_revision = "0024"
branch_labels = None
depends_on = None

ROBOT = sa.table(
    "robot",
    sa.column("id", sa.Integer),
    sa.column("url", sa.String),
    sa.column("secret", sa.String),
    sa.column("url_digest", sa.String),
    sa.column("url_hint", sa.String),
)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(ROBOT.c.id, ROBOT.c.url, ROBOT.c.secret)).all()
    keys = sealed.keys() if rows else None  # refused here, before anything is changed
    with op.batch_alter_table("robot", schema=None) as batch_op:
        batch_op.drop_index("ix_robot_url")
        batch_op.add_column(sa.Column("url_digest", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("url_hint", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    for id_, url, secret in rows:
        assert keys is not None
        conn.execute(
            ROBOT.update()
            .where(ROBOT.c.id == id_)
            .values(
                url=keys.seal(url),
                secret=None if secret is None else keys.seal(secret),
                url_digest=sealed.digest(url),
                url_hint=masked(url),
            )
        )
    with op.batch_alter_table("robot", schema=None) as batch_op:
        batch_op.alter_column("url_digest", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        batch_op.alter_column("url_hint", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        batch_op.create_index("ix_robot_url_digest", ["url_digest"], unique=False)


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(ROBOT.c.id, ROBOT.c.url, ROBOT.c.secret)).all()
    keys = sealed.keys() if rows else None
    for id_, url, secret in rows:
        assert keys is not None
        conn.execute(
            ROBOT.update()
            .where(ROBOT.c.id == id_)
            .values(url=keys.open(url), secret=None if secret is None else keys.open(secret))
        )
    with op.batch_alter_table("robot", schema=None) as batch_op:
        batch_op.drop_index("ix_robot_url_digest")
        batch_op.drop_column("url_hint")
        batch_op.drop_column("url_digest")
        batch_op.create_index("ix_robot_url", ["url"], unique=False)
