"""A small city portal for the bot's tests, written through the storage layer.

市政府办公室 and 市属各部门 (a group of 市财政局 and 市教育局) share 首页 / 部门动态; 市财政局 owns the
after-event column 财政预决算; two columns are called 部门动态 (an ambiguous name); 在线访谈 has a rule nobody
can read (needs_rule); 楚雄发布 is a WeChat account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.db import session_scope
from storage.items import Judge, log_update, set_rule
from storage.models import Item, ItemUnit, Membership, Person, Site, Unit, UnitGroupMember, UpdateLog

SITE = "楚雄市人民政府网站"

ITEMS: list[tuple[str, str, str, tuple[str, ...]]] = [
    # (kind, path, rule text, units)
    ("column", "首页 / 部门动态", "2周内更新", ("市政府办公室", "市属各部门")),
    ("column", "政务公开 / 部门信息 / 部门动态", "2周内更新", ("市教育局",)),
    (
        "column",
        "政务公开 / 重点领域信息公开 / 财政预决算",
        "适时更新，自该政府信息形成或者变更之日起20个工作日内予以公开",
        ("市财政局",),
    ),
    ("column", "政务公开 / 通知公告", "6个月内更新", ("市政府办公室",)),
    ("column", "互动交流 / 在线访谈", "看情况吧", ("市政府办公室",)),
    ("column", "互动交流 / 意见征集", "每年不少于6次", ("市教育局",)),
    ("account", "微信公众号 / 楚雄发布", "每周至少更新一次", ("市政府办公室",)),
]
UNITS = ("市政府办公室", "市财政局", "市教育局")
GROUPS = {"市属各部门": ("市财政局", "市教育局")}


@dataclass
class World:
    site_id: int
    units: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)


def seed(engine: Engine, judge: Judge, created: datetime, *, now: datetime | None = None) -> World:
    """Create the portal; items are created and last updated (an imported date) at `created`, judged at
    `now`."""
    with session_scope(engine) as session:
        site = Site(name=SITE, office_name="市政府办公室", admin_name="市政府办信息中心", created_at=created)
        session.add(site)
        session.flush()
        assert site.id is not None
        world = World(site.id)
        for name in (*UNITS, *GROUPS):
            unit = Unit(site_id=site.id, name=name, is_group=name in GROUPS, created_at=created)
            session.add(unit)
            session.flush()
            assert unit.id is not None
            world.units[name] = unit.id
        for group, members in GROUPS.items():
            for member in members:
                session.add(UnitGroupMember(group_id=world.units[group], member_id=world.units[member]))
        for kind, path, rule, units in ITEMS:
            levels = path.split(" / ")
            item = Item(
                site_id=site.id,
                kind=kind,
                key=f"{kind}:{path}",
                name=levels[-1],
                path=path,
                created_at=created,
                category="account" if kind == "account" else "other",
                **{f"level{i + 1}": level for i, level in enumerate(levels)},
            )
            session.add(item)
            session.flush()
            assert item.id is not None
            world.items[path] = item.id
            for i, unit_name in enumerate(units):
                session.add(ItemUnit(item_id=item.id, unit_id=world.units[unit_name], lead=i == 0))
            session.flush()
            set_rule(session, now or created, judge, item, rule)
            log_update(session, now or created, judge, item, source="import", at=created)
    return world


def add_person(
    engine: Engine,
    created: datetime,
    telegram_id: int,
    name: str,
    memberships: list[tuple[str | None, str]],
    world: World,
    username: str | None = None,
) -> int:
    """A person bound to (unit name or None for deployment-wide, role) pairs. Returns the person id."""
    with session_scope(engine) as session:
        person = Person(telegram_id=telegram_id, name=name, username=username, created_at=created)
        session.add(person)
        session.flush()
        assert person.id is not None
        for unit, role in memberships:
            unit_id = world.units[unit] if unit else None
            session.add(Membership(person_id=person.id, unit_id=unit_id, role=role, created_at=created))
        return person.id


def item(session: Session, world: World, path: str) -> Item:
    row = session.get(Item, world.items[path])
    assert row is not None
    return row


def add_many_overdue(engine: Engine, world: World, n: int) -> None:
    """`n` more late columns of 市教育局 (long answers: split messages, spreadsheets)."""
    with session_scope(engine) as session:
        for i in range(n):
            path = f"专题专栏 / 历史专题{i:03d} / 工作动态"
            row = Item(
                site_id=world.site_id,
                kind="column",
                key=f"column:{path}",
                name="工作动态",
                path=path,
                created_at=datetime(2026, 9, 1, tzinfo=UTC),
                rule_text="2周内更新",
                rule_ok=True,
                state="overdue",
                due_on=date(2026, 9, 15),
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            moment = datetime(2026, 9, 1, tzinfo=UTC)
            session.add(UpdateLog(item_id=row.id, at=moment, logged_at=moment, source="import"))
            session.add(ItemUnit(item_id=row.id, unit_id=world.units["市教育局"]))
