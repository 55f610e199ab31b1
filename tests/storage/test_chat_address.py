"""A chat's address is its id on its own platform, unique per platform: Telegram chats keep their ids through
the migration, and a robot group may carry the same number on its own platform."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from domain import robots as posting
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
            Robot(
                chat_id=robot_chat.id,
                kind="dingtalk",
                url="(sealed)",
                url_digest="0" * 64,
                url_hint="https://oapi.dingtalk.com/x",
                created_at=NOW,
            )
        )
        s.commit()
    with Session(engine) as s, pytest.raises(IntegrityError):
        s.add(Chat(address=7, platform="dingtalk", title="又一个", created_at=NOW))
        s.commit()


def test_a_robot_group_is_a_chat_addressed_by_its_own_id_and_its_bindings_share_it(engine):
    from storage import robots
    from storage.models import ChatUnit, Site, Unit

    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    with Session(engine) as s:
        site = Site(name="某市人民政府网站", created_at=NOW)
        s.add(site)
        s.flush()
        assert site.id is not None
        fin = Unit(site_id=site.id, name="财政局", created_at=NOW)
        edu = Unit(site_id=site.id, name="教育局", created_at=NOW)
        s.add_all([fin, edu])
        s.flush()
        assert fin.id is not None and edu.id is not None
        first = robots.bind(
            s,
            NOW,
            kind="dingtalk",
            url=url,
            secret="SEC1",
            unit_id=fin.id,
            title="财政局的钉钉群",
            person_id=None,
        )
        again = robots.bind(
            s, NOW, kind="dingtalk", url=url, secret="SEC2", unit_id=edu.id, title="x", person_id=None
        )
        chat = first.chat
        assert chat.id is not None
        assert (again.chat.id, chat.address, chat.platform, chat.type) == (
            chat.id,
            chat.id,
            "dingtalk",
            "robot",
        )
        assert again.created and again.secret_changed
        assert robots.webhook(s, chat.address) == posting.Robot(posting.Kind.DINGTALK, url, "SEC2")
        assert set(s.exec(select(ChatUnit.unit_id).where(ChatUnit.chat_id == chat.id))) == {
            fin.id,
            edu.id,
        }
        assert not robots.unbind(s, NOW, robots.bindings(s, fin.id)[0], None).closed
        last = robots.unbind(s, NOW, robots.bindings(s, edu.id)[0], None)
        assert last.closed and not chat.active and chat.inactive_reason == "removed"
        assert robots.webhook(s, chat.address) is None
        assert len(s.exec(select(Robot)).all()) == 2  # ended, kept
        back = robots.bind(
            s, NOW, kind="dingtalk", url=url, secret="SEC2", unit_id=None, title="x", person_id=None
        )
        assert back.chat.id == chat.id and back.reactivated and chat.active and chat.all_units
