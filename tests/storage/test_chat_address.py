"""A chat's address is its id on its own platform, unique per platform: Telegram chats keep their ids through
the migration, and a robot group may carry the same number on its own platform."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.db import _alembic_config, make_engine, upgrade
from storage.models import Chat, Robot

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def test_telegram_chats_keep_their_ids_through_the_migration_and_back(db_url):
    engine = make_engine(db_url)
    cfg = _alembic_config(engine)
    upgrade(engine, "0016")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO chat (telegram_chat_id, title, type, all_units, active, created_at, platform)"
                " VALUES (-1001234567890, '财政局网站工作群', 'supergroup', false, true, :now, 'telegram')"
            ),
            {"now": NOW},
        )
    upgrade(engine)
    with Session(engine) as s:
        chat = s.exec(select(Chat)).one()
        assert (chat.address, chat.platform, chat.title) == (-1001234567890, "telegram", "财政局网站工作群")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT telegram_chat_id FROM chat")).scalar_one() == -1001234567890
    engine.dispose()


def test_an_address_is_unique_on_its_platform_only(engine):
    with Session(engine) as s:
        s.add(Chat(address=7, title="Telegram", created_at=NOW))
        robot_chat = Chat(address=7, platform="dingtalk", type="robot", title="钉钉群", created_at=NOW)
        s.add(robot_chat)
        s.flush()
        assert robot_chat.id is not None
        s.add(
            Robot(chat_id=robot_chat.id, kind="dingtalk", url="https://oapi.dingtalk.com/x", created_at=NOW)
        )
        s.commit()
    with Session(engine) as s, pytest.raises(IntegrityError):
        s.add(Chat(address=7, platform="dingtalk", title="又一个", created_at=NOW))
        s.commit()
