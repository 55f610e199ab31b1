"""What the `zhiri` subcommands share: the configured database, the site or unit a command names, a day.

A command that cannot go on raises `Refusal` (or lets `SchemaOutOfDate` / `NoSuchSite` through): `bot.cli`
prints what it says to standard error and exits 2, so every command refuses the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from storage.db import check_schema
from storage.queries import UnitAmbiguous, UnitRef, UnitUnknown, resolve_unit


class Refusal(Exception):
    """What the person is told (Chinese) when a command cannot go on."""


@contextmanager
def database(settings: Settings) -> Iterator[Engine]:
    """The configured database, which must be at the newest schema (SchemaOutOfDate otherwise: only
    `zhiri run`, `zhiri import` and `zhiri db upgrade` change the schema); disposed afterwards."""
    engine = settings.make_engine()
    try:
        check_schema(engine)
        yield engine
    finally:
        engine.dispose()


def unit_named(session: Session, text: str) -> UnitRef:
    unit = resolve_unit(session, text)
    if isinstance(unit, UnitUnknown):
        near = f"（相近的单位：{'、'.join(unit.suggestions)}）" if unit.suggestions else ""
        raise Refusal(f"没有找到责任单位「{text}」{near}。请写出单位全称。")
    if isinstance(unit, UnitAmbiguous):
        raise Refusal(f"「{text}」对应多个单位：{'、'.join(unit.candidates)}。请写出单位全称。")
    return unit


def day_of(value: str, flag: str) -> date:
    """A YYYY-MM-DD argument."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Refusal(f"{flag} 日期「{value}」无效，请按 YYYY-MM-DD 填写，例如 2026-11-01。") from None
