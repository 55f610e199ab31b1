"""Items say which unit is their only one, kept by the database, so that /overdue counts a province's late
items by unit from one index

Revision ID: 0029
Revises: 0028

`item.sole_unit_id` is the unit of an item linked to exactly one unit (of any role), and NULL when it has none
or several. Zhiri never writes it: triggers on `itemunit` set it again whenever a link is added, removed or
changed, in the same transaction, so it cannot disagree with the links: on SQLite for each link, on PostgreSQL
once per statement for the items whose links it changed. On PostgreSQL the trigger first locks those items'
rows, so that two transactions adding links to one item at once cannot each see only their own.

`ix_item_state_day` holds it before the days late: /overdue then counts the 36,000 (unit, item) pairs stored
late today at 1M items in the index's own order, from that index alone (SQLite: 7 ms, where joining each item's
links took 38 ms), and joins the links only of the few items with several units.
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

OLD = ["state", "state_on", "retired_at", "per_unit", "days_late", "id"]
NEW = ["state", "state_on", "retired_at", "per_unit", "sole_unit_id", "days_late", "id"]

# The only unit of an item, or NULL: the one expression every trigger and the backfill use.
SOLE = "(SELECT CASE WHEN count(*) = 1 THEN max(unit_id) END FROM itemunit WHERE item_id = {item})"

SQLITE_TRIGGERS = {
    "itemunit_sole_unit_insert": "AFTER INSERT ON itemunit BEGIN {new} END",
    "itemunit_sole_unit_delete": "AFTER DELETE ON itemunit BEGIN {old} END",
    "itemunit_sole_unit_update": "AFTER UPDATE OF item_id, unit_id ON itemunit BEGIN {old} {new} END",
}


def _set(item: str) -> str:
    return f"UPDATE item SET sole_unit_id = {SOLE.format(item=item)} WHERE id = {item};"


# PostgreSQL: once per statement, over the links it changed (transition tables), as the import adds
# hundreds of links a statement; the items' rows locked first, in id order.
POSTGRES_FUNCTION = f"""
CREATE FUNCTION itemunit_sole_unit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    items integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT item_id) INTO items FROM new_links;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT item_id) INTO items FROM old_links;
    ELSE
        SELECT array_agg(item_id) INTO items
        FROM (SELECT item_id FROM old_links UNION SELECT item_id FROM new_links) AS changed;
    END IF;
    PERFORM 1 FROM item WHERE id = ANY(items) ORDER BY id FOR UPDATE;
    UPDATE item SET sole_unit_id = {SOLE.format(item="item.id")} WHERE id = ANY(items);
    RETURN NULL;
END
$$
"""
POSTGRES_TRIGGERS = {
    "itemunit_sole_unit_insert": "AFTER INSERT ON itemunit REFERENCING NEW TABLE AS new_links",
    "itemunit_sole_unit_delete": "AFTER DELETE ON itemunit REFERENCING OLD TABLE AS old_links",
    "itemunit_sole_unit_update": (
        "AFTER UPDATE ON itemunit REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links"
    ),
}


def upgrade() -> None:
    op.add_column("item", sa.Column("sole_unit_id", sa.Integer(), nullable=True))
    op.execute(f"UPDATE item SET sole_unit_id = {SOLE.format(item='item.id')}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for name, when in POSTGRES_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT EXECUTE FUNCTION itemunit_sole_unit()"
            )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} " + body.format(new=_set("NEW.item_id"), old=_set("OLD.item_id"))
            )
    op.drop_index("ix_item_state_day", table_name="item")
    op.create_index("ix_item_state_day", "item", NEW)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON itemunit")
        op.execute("DROP FUNCTION itemunit_sole_unit()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_item_state_day", table_name="item")
    op.create_index("ix_item_state_day", "item", OLD)
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("sole_unit_id")
