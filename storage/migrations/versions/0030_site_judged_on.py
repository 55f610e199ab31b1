"""Sites say the day their daily pass last judged every item, so that the pass writes only the rows whose
schedule changed

Revision ID: 0030
Revises: 0029

`site.judged_on`: the day the routine's daily pass (`storage.items.refresh_stale`) last judged every live item
of the site. An item's stored schedule is that day's when its `state_on` is that day or earlier (it was judged
and found unchanged), where before the pass wrote `state_on` on every row, every day: on PostgreSQL a new
version of 100,000 rows and of each of their index entries, 2.5 s of a province's 09:00 tick. Rows stored as
late are still written by every pass, so /overdue's count of the items stored late today reads as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("site") as batch:
        batch.add_column(sa.Column("judged_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("site") as batch:
        batch.drop_column("judged_on")
