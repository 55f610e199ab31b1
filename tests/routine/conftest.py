"""A small city portal for the routine's tests, and a fake of the one send seam (`channels.transport`).

市财政局 (group -1001, webmaster 张三 @zhangsan, leader 李局长) and 市教育局 (group -1002, webmaster
赵六) have groups; 市政府办公室 has none. 王主任 is the administrator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy.engine import Engine

from channels.transport import Outgoing, TransportError
from domain.actions import Offer
from storage.db import session_scope
from storage.items import Judge, log_update, set_rule
from storage.models import Chat, ChatUnit, Item, ItemUnit, Membership, Person, Site, Unit
from tests.conftest import at

SITE = "楚雄市人民政府网站"
FIN_CHAT, EDU_CHAT = -1001, -1002
ADMIN_TG, LEADER_TG, FIN_WM_TG, EDU_WM_TG = 9001, 9101, 9201, 9202


@dataclass
class World:
    site_id: int
    units: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)


def build_world(engine: Engine, created: datetime | None = None) -> World:
    created = created or at("2026-09-01 09:00")
    with session_scope(engine) as s:
        site = Site(name=SITE, created_at=created)
        s.add(site)
        s.flush()
        assert site.id is not None
        world = World(site.id)
        for name in ("市财政局", "市教育局", "市政府办公室"):
            unit = Unit(site_id=site.id, name=name, created_at=created)
            s.add(unit)
            s.flush()
            assert unit.id is not None
            world.units[name] = unit.id
        for key, tg, name, username, unit, role in (
            ("admin", ADMIN_TG, "王主任", "wangzr", None, "admin"),
            ("leader", LEADER_TG, "李局长", None, "市财政局", "leader"),
            ("fin", FIN_WM_TG, "张三", "zhangsan", "市财政局", "webmaster"),
            ("edu", EDU_WM_TG, "赵六", None, "市教育局", "webmaster"),
        ):
            person = Person(telegram_id=tg, name=name, username=username, created_at=created)
            s.add(person)
            s.flush()
            assert person.id is not None
            world.people[key] = person.id
            s.add(
                Membership(
                    person_id=person.id,
                    unit_id=world.units[unit] if unit else None,
                    role=role,
                    created_at=created,
                )
            )
        for tg, title, unit in (
            (FIN_CHAT, "财政局网站工作群", "市财政局"),
            (EDU_CHAT, "教育局网站工作群", "市教育局"),
        ):
            chat = Chat(address=tg, title=title, type="group", site_id=site.id, created_at=created)
            s.add(chat)
            s.flush()
            assert chat.id is not None
            s.add(ChatUnit(chat_id=chat.id, unit_id=world.units[unit]))
    return world


def add_item(
    engine: Engine,
    world: World,
    judge: Judge,
    path: str,
    rule: str,
    unit: str,
    created: datetime,
    *,
    kind: str = "column",  # noqa: F811 (a parameter, not the robot days' fixture imported below)
    category: str = "other",
    url: str | None = None,
    last_update: bool = True,
) -> int:
    with session_scope(engine) as s:
        levels = path.split(" / ")
        item = Item(
            site_id=world.site_id,
            kind=kind,
            key=f"{kind}:{path}",
            name=levels[-1],
            path=path,
            url=url or f"http://www.cxs.gov.cn/{len(world.items) + 1}.html",
            created_at=created,
            category=category,
            **{f"level{i + 1}": level for i, level in enumerate(levels)},
        )
        s.add(item)
        s.flush()
        assert item.id is not None
        s.add(ItemUnit(item_id=item.id, unit_id=world.units[unit], lead=True))
        s.flush()
        set_rule(s, created, judge, item, rule)
        if last_update:
            # The list gave the day of the last update (an unknown one makes the item due at once).
            log_update(s, created, judge, item, source="import", at=created)
        world.items[path] = item.id
        return item.id


def log(engine: Engine, world: World, judge: Judge, path: str, now: datetime, person: str = "fin") -> None:
    with session_scope(engine) as s:
        item = s.get(Item, world.items[path])
        assert item is not None
        log_update(s, now, judge, item, source="done", person_id=world.people[person])


@dataclass
class Delivered:
    chat_id: int
    text: str
    offers: tuple[tuple[Offer, ...], ...]
    document_name: str | None
    document: bytes | None
    message_id: int


class FakeTransport:
    """Accepts every message (or raises what a test queued for a chat) and remembers what it accepted."""

    def __init__(self) -> None:
        self.sent: list[Delivered] = []
        self.errors: dict[int | None, list[TransportError]] = {}  # chat id (None: any chat) -> next errors
        self.calls = 0

    def fail(self, error: TransportError, chat_id: int | None = None, times: int = 1) -> None:
        self.errors.setdefault(chat_id, []).extend([error] * times)

    async def send(self, message: Outgoing) -> int | None:
        self.calls += 1
        for key in (message.chat_id, None):
            queued = self.errors.get(key)
            if queued:
                raise queued.pop(0)
        self.sent.append(
            Delivered(
                message.chat_id,
                message.text,
                message.offers,
                message.document_name,
                message.document,
                len(self.sent) + 1,
            )
        )
        return len(self.sent)

    def to(self, chat_id: int) -> list[Delivered]:
        return [d for d in self.sent if d.chat_id == chat_id]


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


# The robot days' fixtures (tests/routine/robots.py, which uses this module's world: imported last), for the
# tests that send to robot groups.
from tests.routine.robots import bot, client, kind, sim, state, telegram_api  # noqa: E402, F401
