"""The outbox keeps platform-neutral actions; rows queued with Telegram's keyboard survive the migration."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlmodel import Session, select

from domain.actions import Action, Offer
from storage import outbox
from storage.db import _alembic_config, make_engine, upgrade
from storage.models import Outbox

NOW = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
MARKUP = {
    "inline_keyboard": [
        [{"text": "✅ 已更新：部门动态", "callback_data": "done:12"}],
        [
            {"text": "1. 首页 正常", "callback_data": "hm:7:ok"},
            {"text": "1. 有问题", "callback_data": "hm:7:bad"},
        ],
        [{"text": "✅ 已巡查", "callback_data": "read:20261012"}],
    ]
}


def test_it_stores_offers_as_actions_and_gives_them_back(engine):
    offers = (
        (Offer("✅ 已更新：部门动态", Action.done(12)),),
        (Offer("✅ 已巡查", Action.read(date(2026, 10, 12))),),
    )
    with Session(engine) as s:
        row_id, _ = outbox.enqueue(
            s, NOW, kind="due_warning", chat_id=-100, text="t", day=NOW.date(), offers=offers
        )
        s.commit()
        row = s.get_one(Outbox, row_id)
        assert json.loads(row.actions or "")[0] == [{"label": "✅ 已更新：部门动态", "action": "done:12"}]
        assert outbox.offered(row) == offers
        plain = s.get_one(
            Outbox, outbox.enqueue(s, NOW, kind="daily_read", chat_id=-100, text="u", day=NOW.date())[0]
        )
        assert plain.actions is None and outbox.offered(plain) == ()


def _before_actions(cfg) -> str:
    revision = ScriptDirectory.from_config(cfg).get_revision("0012")
    assert isinstance(revision.down_revision, str)
    return revision.down_revision


def _insert_old(conn: sa.Connection, key: str, markup: dict | None, sent: bool) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO outbox (key, kind, chat_id, day, text, reply_markup, items, asks, created_at,"
            " not_before, attempts, sent_at) VALUES (:key, 'due_warning', -100, :day, '预警',"
            " :markup, '[12]', '[12]', :now, :now, 0, :sent)"
        ),
        {
            "key": key,
            "day": NOW.date(),
            "markup": json.dumps(markup, ensure_ascii=False) if markup else None,
            "now": NOW,
            "sent": NOW if sent else None,
        },
    )


def test_messages_queued_with_a_telegram_keyboard_keep_their_buttons_through_the_migration(db_url):
    engine = make_engine(db_url)
    cfg = _alembic_config(engine)
    upgrade(engine, _before_actions(cfg))
    with engine.begin() as conn:
        _insert_old(conn, "queued", MARKUP, sent=False)
        _insert_old(conn, "plain", None, sent=False)
        _insert_old(
            conn, "sent", {"inline_keyboard": [[{"text": "x", "callback_data": "done:3"}]]}, sent=True
        )
    upgrade(engine)
    with Session(engine) as s:
        rows = {r.key: r for r in s.exec(select(Outbox)).all()}
        assert outbox.offered(rows["queued"]) == (
            (Offer("✅ 已更新：部门动态", Action.done(12)),),
            (Offer("1. 首页 正常", Action.check(7, True)), Offer("1. 有问题", Action.check(7, False))),
            (Offer("✅ 已巡查", Action.read(date(2026, 10, 12))),),
        )
        assert rows["plain"].actions is None
        assert outbox.offered(rows["sent"]) == ((Offer("x", Action.done(3)),),)
        assert outbox.heads(s, NOW)[0].key == "queued"  # still waiting to be sent, first in its chat
    # And back: the keyboard is rebuilt from the actions.
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, _before_actions(cfg))
    with engine.connect() as conn:
        markup = conn.execute(sa.text("SELECT reply_markup FROM outbox WHERE key = 'queued'")).scalar_one()
    assert json.loads(markup) == MARKUP
    engine.dispose()


def test_it_writes_many_messages_in_order_and_says_which_were_new(engine):
    """The routine writes its day's messages a batch per statement: each row as `enqueue` writes it, in the
    plan's order (a chat's messages go out in it), a key that exists left alone, and the keys written told."""
    day = NOW.date()
    rows = [
        outbox.message_row(NOW, kind="daily_read", chat_id=-100 - n, text=f"第{n}条", day=day, items=[n])
        for n in range(outbox.WRITE_BATCH + 3)  # more than one statement's batch
    ]
    with Session(engine) as s:
        first, created = outbox.enqueue(
            s, NOW, kind="daily_read", chat_id=-100, text="第0条", day=day, items=[0]
        )
        assert created
        written = outbox.enqueue_all(s, [*rows, rows[1]])  # the first existed; the second planned twice
        s.commit()
        assert written == {r["key"] for r in rows[1:]}
        stored = s.exec(select(Outbox).order_by(Outbox.id)).all()
        assert [r.text for r in stored] == [r["text"] for r in rows]
        assert stored[0].id == first and [r.items for r in stored[1:3]] == ["[1]", "[2]"]
        assert outbox.enqueue_all(s, rows) == set()
