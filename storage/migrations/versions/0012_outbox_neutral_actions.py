"""the outbox keeps platform-neutral actions instead of Telegram's keyboard

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-26 03:30:00

`outbox.reply_markup` (Telegram's InlineKeyboardMarkup as JSON) becomes `outbox.actions`: rows of
{"label", "action"}, the action as `domain.actions.Action` encodes it. Every button Zhiri ever queued carries
its action as its callback data already (done:12, read:20261008, hm:12:ok, hmrest:20261016), so each row,
sent or not, is converted as it is: nothing queued is lost, and downgrading converts back.
"""

import json

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def _convert(source: str, target: str, rows_of) -> None:
    conn = op.get_bind()
    outbox = sa.table("outbox", sa.column("id", sa.Integer()), sa.column(source), sa.column(target))
    found = conn.execute(sa.select(outbox.c.id, outbox.c[source]).where(outbox.c[source].is_not(None)))
    for row_id, value in found.all():
        converted = rows_of(json.loads(value))
        conn.execute(
            outbox.update()
            .where(outbox.c.id == row_id)
            .values({target: json.dumps(converted, ensure_ascii=False) if converted else None})
        )


def _to_actions(markup):
    rows = [
        [{"label": b.get("text", ""), "action": b["callback_data"]} for b in row if b.get("callback_data")]
        for row in markup.get("inline_keyboard", [])
    ]
    return [row for row in rows if row]


def _to_markup(actions):
    rows = [[{"text": o["label"], "callback_data": o["action"]} for o in row] for row in actions]
    return {"inline_keyboard": rows} if rows else None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actions", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    _convert("reply_markup", "actions", _to_actions)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("reply_markup")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_markup", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    _convert("actions", "reply_markup", _to_markup)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("actions")
