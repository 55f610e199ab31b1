"""What a message offers people to do, the same on every platform.

An `Action` is a fact ("item 12 was updated", "the daily read of 10月8日 is done"), written as short text
(`done:12`, `read:20261008`, `hm:12:ok`, `hmrest:20261016`, `hmlist:12,13`) that the outbox stores and every
platform carries its own way: Telegram as a button's callback data (at most 64 bytes), a group robot as a
signed link. An `Offer` is an action with the words on its button or link. Decoding is strict: anything else
is None, and the caller says the button has expired.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

__all__ = ["CHECK_LIST_MAX", "Action", "Offer", "Verb", "offers_from_rows", "offers_to_rows"]


class Verb(StrEnum):
    DONE = "done"  # the items were updated (with a count: that many new posts)
    READ = "read"  # the group's daily read of `day` is done (已巡查)
    CHECK = "hm"  # a half-month check answer for one item: ok or a problem
    CHECK_REST = "hmrest"  # every unanswered item of the half-month checklist of `day` is ok
    # The half-month check of these items, each ok or a problem, answered on the web page (a robot's
    # checklist: one link a part of the list instead of two per item; longer than Telegram's callback data)
    CHECK_LIST = "hmlist"


CHECK_LIST_MAX = 10  # items one CHECK_LIST action names


_PATTERNS = {
    Verb.DONE: re.compile(r"^done:(\d{1,12}(?:,\d{1,12}){0,3})(?::(\d{1,3}))?$"),
    Verb.READ: re.compile(r"^read:(\d{8})$"),
    Verb.CHECK: re.compile(r"^hm:(\d{1,12}):(ok|bad)$"),
    Verb.CHECK_REST: re.compile(r"^hmrest:(\d{8})$"),
    Verb.CHECK_LIST: re.compile(rf"^hmlist:(\d{{1,12}}(?:,\d{{1,12}}){{0,{CHECK_LIST_MAX - 1}}})$"),
}


@dataclass(frozen=True)
class Action:
    verb: Verb
    items: tuple[int, ...] = ()
    day: date | None = None
    ok: bool | None = None  # CHECK: True 正常, False 有问题
    count: int | None = None  # DONE: how many new posts (a quota)

    @classmethod
    def done(cls, *items: int, count: int | None = None) -> Action:
        return cls(Verb.DONE, tuple(items), count=count)

    @classmethod
    def read(cls, day: date) -> Action:
        return cls(Verb.READ, day=day)

    @classmethod
    def check(cls, item: int, ok: bool) -> Action:
        return cls(Verb.CHECK, (item,), ok=ok)

    @classmethod
    def check_rest(cls, period: date) -> Action:
        return cls(Verb.CHECK_REST, day=period)

    @classmethod
    def check_list(cls, *items: int) -> Action:
        if not 0 < len(items) <= CHECK_LIST_MAX:
            raise ValueError(items)
        return cls(Verb.CHECK_LIST, tuple(items))

    @property
    def item(self) -> int:
        """The one item of a DONE or CHECK action."""
        return self.items[0]

    def encode(self) -> str:
        match self.verb:
            case Verb.DONE:
                ids = ",".join(str(i) for i in self.items)
                return f"done:{ids}:{self.count}" if self.count else f"done:{ids}"
            case Verb.CHECK:
                return f"hm:{self.item}:{'ok' if self.ok else 'bad'}"
            case Verb.CHECK_LIST:
                return "hmlist:" + ",".join(str(i) for i in self.items)
            case Verb.READ | Verb.CHECK_REST:
                assert self.day is not None
                return f"{self.verb.value}:{self.day:%Y%m%d}"

    @classmethod
    def decode(cls, text: str | None) -> Action | None:
        """The action `text` encodes, or None when it is not one (an old or foreign button)."""
        verb_text = (text or "").split(":", 1)[0]
        try:
            verb = Verb(verb_text)
        except ValueError:
            return None
        m = _PATTERNS[verb].match(text or "")
        if m is None:
            return None
        match verb:
            case Verb.DONE:
                count = int(m[2]) if m[2] else None
                return cls.done(*(int(i) for i in m[1].split(",")), count=count)
            case Verb.CHECK:
                return cls.check(int(m[1]), m[2] == "ok")
            case Verb.CHECK_LIST:
                return cls.check_list(*(int(i) for i in m[1].split(",")))
            case Verb.READ | Verb.CHECK_REST:
                try:
                    day = datetime.strptime(m[1], "%Y%m%d").date()
                except ValueError:
                    return None
                return cls(verb, day=day)


@dataclass(frozen=True)
class Offer:
    """An action offered under a message, with the words people see on its button or link."""

    label: str
    action: Action


def offers_to_rows(rows: Sequence[Sequence[Offer]]) -> list[list[dict[str, str]]]:
    """Rows of offers as JSON-ready data (what the outbox stores)."""
    return [[{"label": o.label, "action": o.action.encode()} for o in row] for row in rows]


def offers_from_rows(data: Sequence[Sequence[dict[str, str]]]) -> tuple[tuple[Offer, ...], ...]:
    """The outbox's stored rows back as offers; an entry that is no action is dropped (never sent broken)."""
    out = []
    for row in data:
        offers = []
        for entry in row:
            action = Action.decode(entry.get("action"))
            if action is not None:
                offers.append(Offer(str(entry.get("label", "")), action))
        if offers:
            out.append(tuple(offers))
    return tuple(out)
