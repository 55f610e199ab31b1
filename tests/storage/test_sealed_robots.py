"""Group robots' webhooks and signing secrets are encrypted at rest (issue 15), on SQLite and PostgreSQL:
what is stored holds neither the token nor the secret; a missing or wrong CHANNEL_KEY is refused in words that
say what to do, nothing written and no robot skipped in silence; keys rotate (`CHANNEL_KEY=new,old`,
`zhiri channel rekey`); migration 0026 seals the rows bound before it, and refuses without a key before
changing anything; and the robots still send through the platforms' fakes, which check the signatures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from acts.channels import BadRobot, RobotBound, add_robot
from bot.cli import main
from domain import robots as posting
from storage import robots, sealed
from storage.db import current_revision, make_engine, upgrade
from storage.models import Robot
from storage.queries import OPERATOR
from tests.conftest import CHANNEL_KEY, at
from tests.routine.conftest import build_world
from tests.support.fake_robots import FakeDingTalk

NOW = at("2026-11-26 09:00")
TOKEN = "4c1d0a6b9e8f7a2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0"
URL = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
SECRET = "SECb6f7e2d1c0a9b8e7f6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0"
OTHER_KEY = sealed.new_key()


def bind(session: Session, url: str = URL, secret: str | None = SECRET, unit_id: int | None = None) -> int:
    bound = robots.bind(
        session, NOW, kind="dingtalk", url=url, secret=secret, unit_id=unit_id, title="群", person_id=None
    )
    return bound.chat.address


def stored(engine: Engine) -> list[tuple[str, str | None, str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT url, secret, url_digest, url_hint FROM robot"))]


def test_neither_the_token_nor_the_secret_is_stored_and_the_webhook_is_found_by_its_digest(engine):
    build_world(engine)
    with Session(engine) as s:
        address = bind(s)
        s.commit()
    ((url, secret, digest, hint),) = stored(engine)
    assert TOKEN not in url and SECRET not in (secret or "") and TOKEN not in hint and TOKEN not in digest
    assert hint == "https://oapi.dingtalk.com/robot/send?access_token=…d9e0"
    with Session(engine) as s:
        assert robots.webhook(s, address) == posting.Robot(posting.Kind.DINGTALK, URL, SECRET)
        assert robots.chat_of(s, URL) is not None and len(robots.bindings(s, None, URL)) == 1
        (row,) = s.exec(select(Robot)).all()
        assert TOKEN not in repr(row) and "SEC" not in repr(row)
        # Bound again with the same secret: the same group, nothing changed.
        assert robots.bind(
            s, NOW, kind="dingtalk", url=URL, secret=SECRET, unit_id=None, title="群", person_id=None
        ) == robots.Binding(False, robots.chat_of(s, URL))  # type: ignore[arg-type]
    if engine.dialect.name == "sqlite":
        engine.dispose()
        files = [Path(engine.url.database or ""), Path(f"{engine.url.database}-wal")]
        data = b"".join(f.read_bytes() for f in files if f.exists())
        assert data and TOKEN.encode() not in data and SECRET.encode() not in data


def test_a_missing_or_wrong_key_is_refused_saying_what_to_do_and_nothing_is_written(engine, monkeypatch):
    build_world(engine)
    with Session(engine) as s:
        address = bind(s)
        s.commit()
    sealed.use(OTHER_KEY)
    with Session(engine) as s:
        with pytest.raises(sealed.KeyRefused) as wrong:
            robots.webhook(s, address)
        assert "CHANNEL_KEY" in str(wrong.value) and "zhiri channel rekey" in str(wrong.value)
        with pytest.raises(sealed.KeyRefused):
            robots.check(s)  # as `zhiri run` does before it starts
        refused = add_robot(s, NOW, OPERATOR, "全部", URL, SECRET, "dingtalk")
        assert isinstance(refused, BadRobot) and "无法解密" in refused.reason
    monkeypatch.delenv("CHANNEL_KEY")
    sealed.use(None)
    with Session(engine) as s:
        refused = add_robot(s, NOW, OPERATOR, "市财政局", URL.replace(TOKEN, "f" * 64), SECRET, "dingtalk")
        assert isinstance(refused, BadRobot) and "未设置群机器人密钥 CHANNEL_KEY" in refused.reason
        assert "zhiri channel newkey" in refused.reason
        s.commit()
    assert len(stored(engine)) == 1  # the refused binding wrote nothing
    sealed.use("not a key")
    with pytest.raises(sealed.KeyRefused, match="格式不对"):
        sealed.keys()


def test_keys_rotate_new_in_front_rekey_then_the_old_one_dropped(engine):
    build_world(engine)
    with Session(engine) as s:
        address = bind(s)
        s.commit()
    before = stored(engine)
    sealed.use(f"{OTHER_KEY},{CHANNEL_KEY}")
    with Session(engine) as s:
        assert robots.webhook(s, address) == posting.Robot(posting.Kind.DINGTALK, URL, SECRET)
        assert robots.rekey(s) == 1
        s.commit()
    after = stored(engine)
    assert after[0][0] != before[0][0] and after[0][2:] == before[0][2:]
    sealed.use(OTHER_KEY)
    with Session(engine) as s:
        assert robots.webhook(s, address) == posting.Robot(posting.Kind.DINGTALK, URL, SECRET)
    sealed.use(CHANNEL_KEY)
    with Session(engine) as s, pytest.raises(sealed.KeyRefused):
        robots.webhook(s, address)


def test_the_migration_seals_the_rows_bound_before_it_and_refuses_without_a_key(db_url, monkeypatch):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0024")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO chat (address, platform, type, title, active, all_units, created_at) "
                    "VALUES (-5, 'dingtalk', 'robot', '群', true, true, :now)"
                ),
                {"now": NOW},
            )
            chat_id = conn.execute(text("SELECT id FROM chat WHERE address = -5")).scalar_one()
            conn.execute(text("UPDATE chat SET address = :id WHERE id = :id"), {"id": chat_id})
            conn.execute(
                text(
                    "INSERT INTO robot (chat_id, kind, url, secret, created_at) "
                    "VALUES (:chat, 'dingtalk', :url, :secret, :now)"
                ),
                {"chat": chat_id, "url": URL, "secret": SECRET, "now": NOW},
            )
        monkeypatch.delenv("CHANNEL_KEY")
        sealed.use(None)
        with pytest.raises(sealed.KeyRefused, match="未设置群机器人密钥"):
            upgrade(engine)
        assert current_revision(engine) == "0024"
        with engine.connect() as conn:  # untouched: still readable by the version before
            assert conn.execute(text("SELECT url, secret FROM robot")).one() == (URL, SECRET)
        sealed.use(CHANNEL_KEY)
        upgrade(engine)
        ((url, secret, _, hint),) = stored(engine)
        assert TOKEN not in url and SECRET not in (secret or "") and hint.endswith("…d9e0")
        with Session(engine) as s:
            assert robots.webhook(s, chat_id) == posting.Robot(posting.Kind.DINGTALK, URL, SECRET)
    finally:
        engine.dispose()


def test_the_robots_still_send_after_a_rotation_and_a_wrong_key_is_refused_at_the_command_line(
    engine, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    build_world(engine)
    with FakeDingTalk() as fake:  # checks the 加签 signature made with the opened secret
        url = fake.add_robot(SECRET)
        with Session(engine) as s:
            assert isinstance(add_robot(s, NOW, OPERATOR, "市财政局", url, SECRET, "dingtalk"), RobotBound)
            s.commit()
        assert main(["channel", "list"]) == 0
        assert fake.token_of(url) not in capsys.readouterr().out

        monkeypatch.setenv("CHANNEL_KEY", OTHER_KEY)
        assert main(["channel", "test", "市财政局"]) == 2
        err = capsys.readouterr().err
        assert "CHANNEL_KEY 与加密保存群机器人地址时所用的密钥不符" in err and "does not open" in err
        assert fake.messages_to(url) == []

        monkeypatch.setenv("CHANNEL_KEY", f"{OTHER_KEY},{CHANNEL_KEY}")
        assert main(["channel", "rekey"]) == 0
        monkeypatch.setenv("CHANNEL_KEY", OTHER_KEY)
        assert main(["channel", "test", "市财政局"]) == 0
        assert len(fake.messages_to(url)) == 1
