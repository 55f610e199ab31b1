"""Read queries behind the bot's questions: who is asking, what is late, what is whose, who answers for what.

Nothing here writes. Results are small frozen dataclasses (never ORM rows), so handlers can format them
after the session is closed. Refusals are values too (`Stranger`, `NotAdmin`, …):
the handlers turn them into Chinese sentences.

Matching what people type against names (`match_items`, `match_units`) lives here as well: NFKC-normalised,
invisible characters dropped, full-width separators accepted.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, func, literal, or_, union_all
from sqlalchemy import null as sa_null
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.access import Act, administers, permits, takes_part
from domain.due import for_units
from domain.model import STATE_URGENCY, ItemKind, ReadStatus, Role, State, Status, UnitKind, UnitStatus
from domain.site import DEFAULT_OFFICE, SiteWords
from domain.text import owing
from domain.units import Groups
from storage.items import (
    JUDGE_BATCH,
    LIVE_COLUMNS,
    Judge,
    LiveItem,
    judge_items,
    judge_pages,
    not_judged_on,
    plain_rows,
)
from storage.models import (
    Chat,
    ChatUnit,
    Invitation,
    Item,
    ItemUnit,
    Membership,
    Person,
    Site,
    Unit,
    UnitAlias,
    UnitGroupMember,
)
from storage.outbox import set_aside_count

# Words that mean "every unit" in /bindchat, /invite.
ALL_WORDS = frozenset({"全部", "所有", "全部单位", "所有单位", "all", "*"})

# ------------------------------------------------------------------------------------------------
# Who is asking


@dataclass(frozen=True)
class Speaker:
    """Who is speaking to the bot (the person behind a message or a button), as the chat platform tells it.
    Plain data: storage knows nothing of Telegram. (Not the outbox's sender, `jobs/sender.py`.)"""

    telegram_id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None

    @property
    def name(self) -> str:
        first, last = clean(self.first_name or ""), clean(self.last_name or "")
        if first and last:
            # Chinese names are written without a space (张 三 → 张三).
            joiner = "" if _is_cjk(first[-1]) and _is_cjk(last[0]) else " "
            return f"{first}{joiner}{last}"
        return first or last or (f"@{self.username}" if self.username else f"用户{self.telegram_id}")


@dataclass(frozen=True)
class Actor:
    """The person acting, resolved once per message, button or command-line call by its entrance (a handler,
    a channel, the command line) from the platform's identity and the configured administrators: their
    powers (`domain.access.Powers`), which every act asks `domain.access.permits` about."""

    speaker: Speaker | None  # None: the operator at the command line, who is no chat account
    person_id: int | None
    global_admin: bool
    admin_units: frozenset[int] = frozenset()
    # Units whose items the person answers for: direct memberships, the groups containing those units
    # (an item of 市属各部门 is also 市财政局's), and the members of a group unit they belong to.
    units: frozenset[int] = frozenset()

    @property
    def scope(self) -> frozenset[int] | None:
        """Units this person sees and logs; None means all of them."""
        return None if self.global_admin else self.units


# The operator of the deployment at the command line (`zhiri category`, `zhiri retire` …): administers
# everything, is nobody in the chats.
OPERATOR = Actor(speaker=None, person_id=None, global_admin=True)


def actor_for(session: Session, speaker: Speaker, configured: Iterable[int]) -> Actor:
    """The powers of the person speaking: their active memberships, and whether the deployment's
    configuration (`configured`, the administrators' platform ids) makes them an administrator. Only
    entrances call this, once per message, button or command."""
    person = session.exec(select(Person).where(Person.telegram_id == speaker.telegram_id)).first()
    by_configuration = speaker.telegram_id in set(configured)
    if person is None:
        return Actor(speaker=speaker, person_id=None, global_admin=by_configuration)
    rows = session.exec(
        select(Membership.unit_id, Membership.role).where(
            Membership.person_id == person.id, col(Membership.active).is_(True)
        )
    ).all()
    global_admin = by_configuration or any(role == Role.ADMIN and unit is None for unit, role in rows)
    direct = frozenset(unit for unit, _ in rows if unit is not None)
    admin_units = frozenset(unit for unit, role in rows if unit is not None and role == Role.ADMIN)
    return Actor(
        speaker=speaker,
        person_id=person.id,
        global_admin=global_admin,
        admin_units=admin_units,
        units=direct | _related_units(session, direct),
    )


def unit_actor(session: Session, units: Iterable[int]) -> Actor:
    """Units acting with no person behind them (a signed link on a group robot's message: the group cannot
    say who tapped): the units' powers, reaching through the unit groups as a member's do (`actor_for`)."""
    direct = frozenset(units)
    return Actor(
        speaker=None, person_id=None, global_admin=False, units=direct | _related_units(session, direct)
    )


def _related_units(session: Session, units: frozenset[int]) -> frozenset[int]:
    """The units whose items a person of `units` answers for, beyond their own (`Groups.answerable`)."""
    return unit_groups(session, units).answerable(units) - units


def site_chats(session: Session, site_id: int, unit_ids: Sequence[int]) -> list[tuple[Chat, list[int]]]:
    """The active chats that speak for the site's units (`unit_ids`), each with the units bound to it
    directly: those bound to any of them, and the all-units groups of the site (or of every site)."""
    bound: dict[int, list[int]] = defaultdict(list)
    for chat_id, unit_id in session.exec(
        select(ChatUnit.chat_id, ChatUnit.unit_id).where(col(ChatUnit.unit_id).in_(unit_ids))
    ):
        bound[chat_id].append(unit_id)
    chats = session.exec(
        select(Chat).where(
            col(Chat.active).is_(True),
            or_(
                col(Chat.id).in_(list(bound)),
                and_(
                    col(Chat.all_units).is_(True),
                    or_(col(Chat.site_id).is_(None), col(Chat.site_id) == site_id),
                ),
            ),
        )
    ).all()
    return [(chat, bound[chat.id]) for chat in chats if chat.id is not None]


def unit_groups(session: Session, near: Iterable[int] | None = None) -> Groups:
    """The unit groups as the administrator filled them (`domain.units.Groups`, the one expansion): every
    group, or the part that matters to the units `near` (the groups they are in and their members, and the
    other groups of those members), enough for `expand`, `covers` and `answerable` about them."""
    pairs = select(UnitGroupMember.group_id, UnitGroupMember.member_id)
    if near is None:
        return Groups.of(session.exec(pairs).all())
    near = set(near)
    if not near:
        return Groups()
    first = session.exec(
        pairs.where(or_(col(UnitGroupMember.group_id).in_(near), col(UnitGroupMember.member_id).in_(near)))
    ).all()
    reached = {member for group, member in first if group in near} - near
    second = session.exec(pairs.where(col(UnitGroupMember.member_id).in_(reached))).all() if reached else []
    return Groups.of([*first, *second])


# ------------------------------------------------------------------------------------------------
# Refusals and problems shared by queries and operations


@dataclass(frozen=True)
class Stranger:
    """The sender is bound to no unit and is not an administrator."""


@dataclass(frozen=True)
class NotAdmin:
    """Only an administrator may do this."""


@dataclass(frozen=True)
class UnitUnknown:
    text: str
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitAmbiguous:
    text: str
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class NotYourUnit:
    """A non-administrator asked about a unit that is not theirs."""

    unit: str


# ------------------------------------------------------------------------------------------------
# Matching what people type

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u00ad"))
# After NFKC, full-width ／ ＞ ｜ ＼ are ASCII; 、 and ＞-like arrows people type stay as they are.
_SEPARATORS = re.compile(r"\s*(?:/|>|、|\||\\|→|»)\s*|\s+")


def clean(text: str) -> str:
    """What people type and paste, made comparable: NFKC, no invisible characters, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return " ".join(text.split())


def name_key(text: str) -> str:
    return clean(text).casefold()


_P = TypeVar("_P")


def persons_named(text: str, candidates: Iterable[_P], person: Callable[[_P], Person]) -> list[_P]:
    """The candidates whose person `text` names, as people type them: by @username first, then by Telegram id,
    then by name; the first of these that matches any (one hit is the person, several are ambiguous)."""
    key = name_key(text).lstrip("@")
    rows = list(candidates)
    for test in (
        lambda p: p.username is not None and name_key(p.username) == key,
        lambda p: key.isdigit() and p.telegram_id == int(key),
        lambda p: name_key(p.name) == key,
    ):
        hits = [c for c in rows if test(person(c))]
        if hits:
            return hits
    return []


def segments(text: str) -> tuple[str, ...]:
    return tuple(s for s in _SEPARATORS.split(name_key(text)) if s)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """What a text matched: one hit, several (ambiguous), or none (with the nearest names)."""

    hits: tuple[T, ...]
    rest: tuple[str, ...] = ()  # the words after the name (a note, a count)
    suggestions: tuple[str, ...] = ()
    exact: bool = False  # the hits carry the whole name or the end of the path, not a part of a name
    text: str = ""  # the words that matched

    @property
    def one(self) -> T | None:
        return self.hits[0] if len(self.hits) == 1 else None


@dataclass(frozen=True)
class ItemRef:
    id: int
    name: str
    path: str
    unit_names: tuple[str, ...]

    @property
    def path_segments(self) -> tuple[str, ...]:
        return segments(self.path) or segments(self.name)


def _item_tiers(q: str) -> list[Callable[[ItemRef], bool]]:
    key, segs = name_key(q), segments(q)
    return [
        # 1. the leaf name or the whole path
        lambda it: name_key(it.name) == key or it.path_segments == segs,
        # 2. the end of the path: 重点领域/财政预决算
        lambda it: len(segs) > 1 and it.path_segments[-len(segs) :] == segs,
        # 3. the start of the leaf name
        lambda it: bool(key) and name_key(it.name).startswith(key),
        # 4. anywhere in the leaf name (more than one hit is offered as buttons)
        lambda it: len(key) > 1 and key in name_key(it.name),
    ]


def match_items(items: Sequence[ItemRef], words: Sequence[str]) -> Found[ItemRef]:
    """Find the item the first words name; the remaining words are returned as `rest`.

    Stronger kinds of match win over longer ones: an exact leaf name in one word beats a substring of
    three words. Within a kind, the longest run of words wins (names may contain spaces).
    """
    words = [w for w in (clean(w) for w in words) if w]
    if not words:
        return Found(())
    for tier in range(4):
        for k in range(len(words), 0, -1):
            test = _item_tiers(" ".join(words[:k]))[tier]
            hits = tuple(it for it in items if test(it))
            if hits:
                return Found(hits, rest=tuple(words[k:]), exact=tier < 2, text=" ".join(words[:k]))
    return Found((), rest=tuple(words[1:]), suggestions=_suggest(items, words))


def clearly_meant(found: Found[ItemRef]) -> ItemRef | None:
    """The one item a match surely means: an exact name or path end, or a part of a name that is at
    least two characters and half the name (`部门动` for 部门动态; never `政` for 政府采购). Otherwise the
    person is asked."""
    one = found.one
    if one is None:
        return None
    if found.exact:
        return one
    typed = len(name_key(found.text).replace(" ", ""))
    return one if typed >= 2 and 2 * typed >= len(name_key(one.name).replace(" ", "")) else None


def _suggest(items: Sequence[ItemRef], words: Sequence[str]) -> tuple[str, ...]:
    by_name: dict[str, list[ItemRef]] = defaultdict(list)
    for it in items:
        by_name[name_key(it.name)].append(it)
    found: list[str] = []
    for k in range(len(words), 0, -1):
        for name in difflib.get_close_matches(name_key(" ".join(words[:k])), list(by_name), n=5, cutoff=0.4):
            found.extend(it.path for it in by_name[name] if it.path not in found)
        if found:
            break
    return tuple(found[:5])


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    site: str
    is_group: bool = False


def match_units(units: Sequence[UnitRef], text: str) -> Found[UnitRef]:
    """Exact name, then a unique prefix, then a unique substring."""
    key = name_key(text)
    if not key:
        return Found(())
    tests: list[Callable[[UnitRef], bool]] = [
        lambda u: name_key(u.name) == key,
        lambda u: name_key(u.name).startswith(key),
        lambda u: key in name_key(u.name),
    ]
    for test in tests:
        hits = tuple(u for u in units if test(u))
        if hits:
            return Found(hits)
    names = {name_key(u.name): u.name for u in units}
    near = difflib.get_close_matches(key, list(names), n=5, cutoff=0.4)
    return Found((), suggestions=tuple(names[n] for n in near))


def unit_refs(session: Session) -> list[UnitRef]:
    rows = session.exec(
        select(Unit.id, Unit.name, Site.name, Unit.is_group).join(Site, col(Site.id) == Unit.site_id)
    ).all()
    return [UnitRef(id=uid, name=name, site=site, is_group=grp) for uid, name, site, grp in rows if uid]


def resolve_unit(session: Session, text: str) -> UnitRef | UnitUnknown | UnitAmbiguous:
    refs = unit_refs(session)
    # Another name of an office (merged or renamed away) finds the office.
    key = name_key(text)
    for alias, unit_id in session.exec(select(UnitAlias.name, UnitAlias.unit_id)):
        if name_key(alias) == key:
            return next(u for u in refs if u.id == unit_id)
    found = match_units(refs, text)
    if found.one is not None:
        return found.one
    if found.hits:
        several_sites = len({u.site for u in refs}) > 1
        return UnitAmbiguous(
            text, tuple(f"{u.name}（{u.site}）" if several_sites else u.name for u in found.hits[:15])
        )
    return UnitUnknown(text, found.suggestions)


def resolve_unit_in(
    session: Session, text: str, scope: frozenset[int] | None
) -> UnitRef | UnitUnknown | UnitAmbiguous | NotYourUnit:
    """`resolve_unit`, refused with `NotYourUnit` when the unit is outside `scope` (None: every unit)."""
    unit = resolve_unit(session, text)
    if isinstance(unit, UnitRef) and scope is not None and unit.id not in scope:
        return NotYourUnit(unit.name)
    return unit


def resolve_unit_for(
    session: Session, text: str, actor: Actor, act: Act
) -> UnitRef | UnitUnknown | UnitAmbiguous | NotYourUnit:
    """`resolve_unit`, refused with `NotYourUnit` when the policy does not let `actor` do `act` there."""
    unit = resolve_unit(session, text)
    if isinstance(unit, UnitRef) and not permits(actor, act, [unit.id]):
        return NotYourUnit(unit.name)
    return unit


def item_units(session: Session, item_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each item's unit ids, for asking the permission policy (an item of no unit is absent)."""
    out: dict[int, list[int]] = {}
    for item_id, unit_id in session.exec(
        select(ItemUnit.item_id, ItemUnit.unit_id).where(col(ItemUnit.item_id).in_(list(item_ids)))
    ):
        out.setdefault(item_id, []).append(unit_id)
    return out


def item_refs(session: Session, unit_ids: frozenset[int] | None) -> list[ItemRef]:
    """Live items of these units (all units when None), each with its units."""
    stmt = (
        sa_select(col(Item.id), col(Item.name), col(Item.path), col(Unit.name))
        .join(ItemUnit, col(ItemUnit.item_id) == col(Item.id), isouter=True)
        .join(Unit, col(Unit.id) == col(ItemUnit.unit_id), isouter=True)
        .where(col(Item.retired_at).is_(None))
        .order_by(col(Item.path), col(Item.id))
    )
    if unit_ids is not None:
        mine = sa_select(col(ItemUnit.item_id)).where(col(ItemUnit.unit_id).in_(unit_ids))
        stmt = stmt.where(col(Item.id).in_(mine))
    grouped: dict[int, tuple[str, str, list[str]]] = {}
    for item_id, name, path, unit_name in session.execute(stmt):
        units = grouped.setdefault(item_id, (name, path, []))[2]
        if unit_name is not None:
            units.append(unit_name)
    return [ItemRef(id=i, name=n, path=p, unit_names=tuple(u)) for i, (n, p, u) in grouped.items()]


# ------------------------------------------------------------------------------------------------
# Reading a count out of a note: "/done 部门动态 3" or "/done 部门动态 今天发布3条"

_COUNT_WORD = re.compile(r"^\d{1,6}$")
# "发布3条" is a count; "第12期" (an ordinal: the 12th issue) and "2026年" are not.
_COUNT_IN_NOTE = re.compile(r"(?<![第\d.])(\d{1,6})\s*(?:条|篇|则|期|个|次)")


def split_count(rest: Sequence[str]) -> tuple[int | None, str | None]:
    """(count, note) from the words after an item's name. A bare number is a count, not a note."""
    words = list(rest)
    count: int | None = None
    if words and _COUNT_WORD.match(words[0]):
        count = int(words.pop(0))
    elif words and _COUNT_WORD.match(words[-1]):
        count = int(words.pop())
    note = " ".join(words).strip() or None
    if count is None and note:
        m = _COUNT_IN_NOTE.search(re.sub(r"第\s+(?=\d)", "第", note))
        if m:
            count = int(m.group(1))
    return count, note


# ------------------------------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class PersonLine:
    """A person as a reply lists them (/people, /overdue): a result, not an identity (`Speaker`) nor powers
    (`Actor`)."""

    name: str
    username: str | None = None

    @property
    def label(self) -> str:
        if self.name and self.username:
            return f"{self.name}（@{self.username}）"
        if self.name:
            return self.name
        return f"@{self.username}" if self.username else "（未留姓名）"


@dataclass(frozen=True)
class LateItem:
    item_id: int
    path: str
    kind: ItemKind
    due_on: date
    days_late: int
    webmasters: tuple[PersonLine, ...]
    shares: tuple[UnitStatus, ...] = ()  # a per-unit duty: the units' own shares (see ItemLine)


@dataclass(frozen=True)
class UnitLate:
    unit: str
    items: tuple[LateItem, ...]


# /overdue lists up to this many late items in full; more (a county, a province), and it answers with a
# summary (`LateSummary`), the whole list following as a spreadsheet (`overdue_list`).
LATE_LISTED = 50
LATE_NAMED = 10  # the longest late items a summary names
OTHERS_LISTED = 100  # rules to fix and website problems /overdue loads (the rest it counts)


@dataclass(frozen=True)
class UnitCount:
    unit: str
    items: int  # its late items
    worst: int  # the most days late among them


@dataclass(frozen=True)
class LateSummary:
    """Late items counted: how many (an item of two units once), by unit (the most late items first), and
    the longest late (unit, item) pairs."""

    total: int
    units: tuple[UnitCount, ...]
    worst: tuple[tuple[str, LateItem], ...]


@dataclass(frozen=True)
class ItemLine:
    """One item as a view lists it, judged for the moment the view is read (/mine, /due, /overdue …)."""

    item_id: int
    path: str
    kind: ItemKind
    state: State
    due_on: date | None
    units: tuple[str, ...] = ()
    rule_text: str = ""
    read_status: ReadStatus | None = None  # what the website reader last saw
    days_late: int = 0
    unknown: bool = False  # no update known yet: people read "最近更新日期未知"
    # A per-unit duty (各乡镇每周不少于2条): the shares of the units this view is for, worst first (one: the
    # line is that unit's own share; several: the state is the most urgent of them).
    shares: tuple[UnitStatus, ...] = ()


@dataclass(frozen=True)
class OverdueView:
    today: date
    units: tuple[UnitLate, ...]
    needs_rule: tuple[ItemLine, ...] | None  # None: not an administrator's view
    narrowed_to: str | None = None
    # Inspection risks the website reader found: empty columns (空白栏目) and broken pages, in scope.
    website: tuple[ItemLine, ...] = ()
    empty_columns_site: int = 0  # empty columns on the whole site: more than 2 warns, 5 is a single veto
    # More late items than `LATE_LISTED`: counted here, `units` empty (`overdue_list` has them).
    summary: LateSummary | None = None
    # `needs_rule` and `website` hold at most `OTHERS_LISTED` items (the first by path); these count them all.
    needs_rule_total: int = 0
    website_total: int = 0


def _person_line(name: str | None, username: str | None) -> PersonLine:
    return PersonLine(name=name or "", username=username)


def overdue_items(
    session: Session, judge: Judge, now: datetime, unit_ids: frozenset[int] | None
) -> tuple[UnitLate, ...]:
    """Late items per unit, the unit with the latest item first, each with its webmasters. Late is what the
    one judgement (`judge_items`) says for `now`, the same as every other view.

    Every change to an item's facts (a log, an undo, a rule, its units, the calendar) stores its schedule
    again at once, so a schedule stored today is today's judgement: the items stored late today are read
    as stored (`_stored_late_by_unit`), and only the rest that can be late are judged — those whose stored
    schedule is not today's (the daily pass has not reached them yet, or never ran), and the per-unit duties
    stored as late (which of their units are late is not stored). An item stored today as not late is not."""
    today = judge.today(now)
    late = _late_by_unit(session, judge, now, unit_ids, _judged_live(session, today))
    for unit_id, (name, items) in _stored_late_by_unit(session, unit_ids, _stored_late_today(today)).items():
        late.setdefault(unit_id, (name, {}))[1].update(items)
    ordered = sorted(late.values(), key=lambda u: (-max(i.days_late for i in u[1].values()), u[0]))
    return tuple(
        UnitLate(name, tuple(sorted(items.values(), key=lambda i: (i.due_on or date.max, i.path))))
        for name, items in ordered
    )


def _judged_live(session: Session, today: date) -> ColumnElement[bool]:
    """The items that may be late whose stored schedule does not tell: not stored for today, or a per-unit
    duty stored as late. With `_stored_late_today`'s, every item that may be late today, each once."""
    per_unit_late = and_(col(Item.state) == State.OVERDUE, col(Item.state_on) == today, col(Item.per_unit))
    return or_(_not_stored_for(session, today), per_unit_late)


def _stored_late_today(today: date) -> tuple[ColumnElement[bool], ...]:
    """Items the daily pass (or a change since) stored as late today, whose stored schedule is the whole
    story: live, and not a per-unit duty."""
    return (
        col(Item.state) == State.OVERDUE,
        col(Item.state_on) == today,
        col(Item.retired_at).is_(None),
        col(Item.per_unit).is_(False),
    )


def _stored_late_by_unit(
    session: Session, unit_ids: frozenset[int] | None, stored_late: Sequence[ColumnElement[bool]]
) -> dict[int, tuple[str, dict[int, LateItem]]]:
    """`_late_by_unit`'s answer for the items stored late today, read as stored (not judged again), each
    with its unit's webmasters."""
    scoped = (col(ItemUnit.unit_id).in_(unit_ids),) if unit_ids is not None else ()
    columns = (ItemUnit.unit_id, Item.id, Item.path, Item.kind, Item.due_on, Item.days_late)
    stmt = sa_select(*map(col, columns)).join(ItemUnit, col(ItemUnit.item_id) == col(Item.id))
    units: dict[int, tuple[str, dict[int, LateItem]]] = {}
    names: dict[int, str] = {}
    for unit_id, item_id, path, kind, due_on, days_late in plain_rows(
        session, stmt.where(*stored_late, *scoped)
    ):
        if unit_id not in units:
            names = names or dict(session.execute(sa_select(col(Unit.id), col(Unit.name))).all())
            units[unit_id] = (names[unit_id], {})
        units[unit_id][1][item_id] = LateItem(item_id, path, kind, due_on, days_late, ())
    webmasters = _webmasters_of(session, set(units))
    return {
        unit_id: (
            name,
            {i: replace(item, webmasters=webmasters.get(unit_id, ())) for i, item in items.items()},
        )
        for unit_id, (name, items) in units.items()
    }


def _not_stored_for(session: Session, today: date) -> ColumnElement[bool]:
    """Items whose stored schedule is not `today`'s: on a site whose daily pass ran today, those stored
    since for no day or a later one; on the others, every item not stored today (`not_judged_on`). One
    condition for every site when they all agree (the index on `state_on` alone serves it)."""
    sites = session.execute(sa_select(col(Site.id), col(Site.judged_on))).all()
    passed = [site_id for site_id, day in sites if day == today]
    if len(passed) == len(sites):
        return not_judged_on(today, passed=True)
    if not passed:
        return not_judged_on(today, passed=False)
    return or_(
        and_(col(Item.site_id).in_(passed), not_judged_on(today, passed=True)),
        and_(col(Item.site_id).not_in(passed), not_judged_on(today, passed=False)),
    )


def _late_by_unit(
    session: Session, judge: Judge, now: datetime, unit_ids: frozenset[int] | None, *where: Any
) -> dict[int, tuple[str, dict[int, LateItem]]]:
    """{unit id: (its name, {item id: the item as late for that unit})} of the live items matching `where`
    that the one judgement says are late for `now`, with each unit's webmasters (by name).

    The items are read first, by `where` alone (so that its indexes serve), then the units and webmasters
    of the late ones, a bounded page of ids at a time."""
    # Not ordered in SQL: an ORDER BY on the id made SQLite read every item in id order, not by the index.
    found = plain_rows(session, sa_select(*LIVE_COLUMNS).where(col(Item.retired_at).is_(None), *where))
    candidates = sorted((LiveItem(*row) for row in found), key=lambda i: i.id)
    judged = judge_items(session, candidates, judge, now)
    # An item late for none of its units is not late as a whole (its state is its worst unit's).
    late_items = {i.id: i for i in candidates if judged[i.id].state is State.OVERDUE}
    if not late_items:
        return {}
    members = group_members(session)
    webmaster = and_(
        col(Membership.unit_id) == col(Unit.id),
        col(Membership.role) == Role.WEBMASTER,
        col(Membership.active).is_(True),
    )
    units: dict[int, tuple[str, dict[int, LateItem]]] = {}
    ids = sorted(late_items)
    for k in range(0, len(ids), JUDGE_BATCH):
        stmt = (
            sa_select(
                col(ItemUnit.item_id), col(Unit.id), col(Unit.name), col(Person.name), col(Person.username)
            )
            .join(Unit, col(Unit.id) == col(ItemUnit.unit_id))
            .join(Membership, webmaster, isouter=True)
            .join(Person, col(Person.id) == col(Membership.person_id), isouter=True)
            .where(col(ItemUnit.item_id).in_(ids[k : k + JUDGE_BATCH]))
            .order_by(col(Unit.name), col(ItemUnit.item_id), col(Person.name))
        )
        if unit_ids is not None:
            stmt = stmt.where(col(ItemUnit.unit_id).in_(unit_ids))
        for item_id, unit_id, unit_name, p_name, p_user in session.execute(stmt):
            # A per-unit duty: each unit is late for its own share only.
            status = for_units(judged[item_id], (unit_id, *members.get(unit_id, ())))
            if status.state is not State.OVERDUE or status.due is None:
                continue
            item = late_items[item_id]
            _, late = units.setdefault(unit_id, (unit_name, {}))
            row = late.get(item_id) or LateItem(
                item_id, item.path, item.kind, status.due, status.days_late, (), owing(status)
            )
            if p_name is not None or p_user is not None:
                row = replace(row, webmasters=(*row.webmasters, _person_line(p_name, p_user)))
            late[item_id] = row
    return units


def summarise(units: Sequence[UnitLate], named: int = LATE_NAMED) -> LateSummary:
    """What a summary of these late items says: `late_summary`'s answer, from the whole list."""
    counts = (UnitCount(u.unit, len(u.items), max(i.days_late for i in u.items)) for u in units if u.items)
    pairs = sorted(((u.unit, i) for u in units for i in u.items), key=_longest_late)
    return LateSummary(
        total=len({i.item_id for u in units for i in u.items}),
        units=tuple(sorted(counts, key=_most_late)),
        worst=tuple(pairs[:named]),
    )


def _longest_late(pair: tuple[str, LateItem]) -> tuple[int, int, str]:
    """The longest late first; among as late, the list's order (an item's units by name)."""
    unit, item = pair
    return -item.days_late, item.item_id, unit


def _most_late(count: UnitCount) -> tuple[int, str]:
    return -count.items, count.unit


def late_summary(
    session: Session, judge: Judge, now: datetime, unit_ids: frozenset[int] | None, named: int = LATE_NAMED
) -> LateSummary:
    """The late items of these units (all when None) counted by unit, and the `named` longest late, for
    `now`: `summarise(overdue_items(...))` without loading the whole list, so that a province's /overdue
    answers at once.

    Items the daily pass stored today as overdue are counted from their stored schedule, which every change
    to an item's facts stores again at once (so it is the live judgement), from the index alone. The rest
    that may be late are judged live, as `overdue_items` does: items not stored for today, and items under a
    per-unit duty stored as overdue (which of their units are late is not stored)."""
    today = judge.today(now)
    live = _late_by_unit(session, judge, now, unit_ids, _judged_live(session, today))
    stored_late = _stored_late_today(today)
    counts = {
        unit_id: (name, len(items), max(i.days_late for i in items.values()))
        for unit_id, (name, items) in live.items()
    }
    stored_total = 0
    names: dict[int, str] = {}
    top: list[tuple[int, int, int]] = []
    for what, unit_id, n, days_late in session.execute(_stored_late_counts(stored_late, unit_ids, named)):
        if what == _TOTAL:
            stored_total += n
            continue
        names = names or dict(session.execute(sa_select(col(Unit.id), col(Unit.name))).all())
        if what == _TOP:
            top.append((unit_id, n, days_late))
            continue
        if what == _ONLY:
            stored_total += n  # items of this unit alone: counted in no other row
        name, had, was = counts.get(unit_id, (names[unit_id], 0, 0))
        counts[unit_id] = (name, had + n, max(was, days_late))
    pairs = [(unit_id, name, item) for unit_id, (name, items) in live.items() for item in items.values()]
    pairs += _stored_items(session, top, names)
    pairs.sort(key=lambda p: _longest_late((p[1], p[2])))
    worst = pairs[:named]
    webmasters = _webmasters_of(session, {u for u, _, i in worst if not i.webmasters})
    return LateSummary(
        total=stored_total + len({i for _, items in live.values() for i in items}),
        units=tuple(sorted((UnitCount(*c) for c in counts.values()), key=_most_late)),
        worst=tuple(
            (name, item if item.webmasters else replace(item, webmasters=webmasters.get(unit_id, ())))
            for unit_id, name, item in worst
        ),
    )


_COUNT, _TOTAL, _TOP, _ONLY = 0, 1, 2, 3  # the rows of `_stored_late_counts`


def _stored_late_counts(stored_late: Sequence[Any], unit_ids: frozenset[int] | None, named: int) -> Any:
    """One statement over the stored late (unit, item) pairs of these units (all when None), giving rows of
    (what, unit id, n, days late):
    - (_ONLY, a unit, late items, the most days late among them): the unit's items of no other unit (each
      counted in no other row, so these add up to their total too);
    - (_COUNT, a unit, late items, the most days late among them): the unit's items of several units;
    - (_TOTAL, None, distinct late items of several units, None);
    - (_TOP, a unit, an item, its days late): every pair of the `named` longest late items (ties by id),
      of which `summarise`'s order takes the first `named`.

    The items with one unit (nearly all) are counted by `item.sole_unit_id` from `ix_item_state_day` alone;
    only those with several join their links (a CTE the database materialises, read twice)."""
    sole = col(Item.sole_unit_id)
    single = (*stored_late, sole.in_(unit_ids) if unit_ids is not None else sole.is_not(None))
    scoped = (col(ItemUnit.unit_id).in_(unit_ids),) if unit_ids is not None else ()
    several = (
        sa_select(
            col(ItemUnit.unit_id).label("unit_id"),
            col(Item.id).label("item_id"),
            col(Item.days_late).label("days_late"),
        )
        .join(ItemUnit, col(ItemUnit.item_id) == col(Item.id))
        .where(*stored_late, sole.is_(None), *scoped)
        .cte("several")
        .prefix_with("MATERIALIZED")
    )
    # An item of one unit has a unit in scope by its own column; only the others look for their links.
    units_of = sa_select(col(ItemUnit.item_id)).where(col(ItemUnit.item_id) == col(Item.id), *scoped)
    longest = (
        sa_select(col(Item.id))
        .where(*stored_late, or_(single[-1], and_(sole.is_(None), units_of.exists())))
        .order_by(col(Item.days_late).desc(), col(Item.id))
        .limit(named)
    )
    return union_all(
        sa_select(literal(_ONLY), sole, func.count(), func.max(col(Item.days_late)))
        .where(*single)
        .group_by(sole),
        sa_select(literal(_COUNT), several.c.unit_id, func.count(), func.max(several.c.days_late)).group_by(
            several.c.unit_id
        ),
        sa_select(literal(_TOTAL), sa_null(), func.count(func.distinct(several.c.item_id)), sa_null()),
        sa_select(literal(_TOP), col(ItemUnit.unit_id), col(Item.id), col(Item.days_late))
        .join(ItemUnit, col(ItemUnit.item_id) == col(Item.id))
        .where(col(Item.id).in_(longest.scalar_subquery()), *scoped),
    )


def _stored_items(
    session: Session, pairs: Sequence[tuple[int, int, int]], names: Mapping[int, str]
) -> list[tuple[int, str, LateItem]]:
    """(unit id, unit name, item) of these stored late (unit, item, days late) pairs, without webmasters."""
    ids = {item_id for _, item_id, _ in pairs}
    if not ids:
        return []
    columns = sa_select(col(Item.id), col(Item.path), col(Item.kind), col(Item.due_on))
    found = {
        i: (path, kind, due) for i, path, kind, due in session.execute(columns.where(col(Item.id).in_(ids)))
    }
    return [(u, names[u], LateItem(i, *found[i][:3], late, ())) for u, i, late in pairs]


def _webmasters_of(session: Session, unit_ids: set[int]) -> dict[int, tuple[PersonLine, ...]]:
    """Each unit's active webmasters, by name, as `overdue_items` names them (a bounded page of units at a
    time)."""
    ids = sorted(unit_ids)
    out: dict[int, tuple[PersonLine, ...]] = {}
    for k in range(0, len(ids), JUDGE_BATCH):
        stmt = (
            sa_select(col(Membership.unit_id), col(Person.name), col(Person.username))
            .join(Person, col(Person.id) == col(Membership.person_id))
            .where(
                col(Membership.unit_id).in_(ids[k : k + JUDGE_BATCH]),
                col(Membership.role) == Role.WEBMASTER,
                col(Membership.active).is_(True),
            )
            .order_by(col(Membership.unit_id), col(Person.name))
        )
        for unit_id, name, username in session.execute(stmt):
            out[unit_id] = (*out.get(unit_id, ()), _person_line(name, username))
    return out


def group_members(session: Session) -> dict[int, tuple[int, ...]]:
    """Each unit group's members (市属各部门 → 市财政局, 市教育局), as `unit_groups` loads them."""
    return dict(unit_groups(session).members)


def needs_rule_items(
    session: Session, unit_ids: frozenset[int] | None, limit: int | None = None
) -> tuple[ItemLine, ...]:
    """Live items of these units (all when None) whose rule could not be read, by path (the first `limit`)."""
    stmt = select(Item).where(
        col(Item.retired_at).is_(None), Item.state == State.NEEDS_RULE, *_of_units(unit_ids)
    )
    rows = session.exec(stmt.order_by(col(Item.path)).limit(limit)).all()
    return tuple(_item_line(it) for it in rows)


def _needs_rule(unit_ids: frozenset[int] | None) -> tuple[ColumnElement[bool], ...]:
    return (col(Item.retired_at).is_(None), col(Item.state) == State.NEEDS_RULE, *_of_units(unit_ids))


def _of_units(unit_ids: frozenset[int] | None) -> tuple[ColumnElement[bool], ...]:
    """Items of these units, as terms of a `where` on `Item` (none when all)."""
    if unit_ids is None:
        return ()
    mine = sa_select(col(ItemUnit.item_id)).where(
        col(ItemUnit.item_id) == col(Item.id), col(ItemUnit.unit_id).in_(unit_ids)
    )
    return (mine.exists(),)


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return int(session.execute(sa_select(func.count()).select_from(Item).where(*where)).scalar_one())


def _item_line(it: Item, units: Sequence[str] = (), status: Status | None = None) -> ItemLine:
    assert it.id is not None
    if status is None:
        return ItemLine(
            it.id, it.path, it.kind, it.state, it.due_on, tuple(units), it.rule_text, it.read_status
        )
    return ItemLine(
        it.id,
        it.path,
        it.kind,
        status.state,
        status.due,
        tuple(units),
        it.rule_text,
        it.read_status,
        days_late=status.days_late,
        unknown=status.unknown,
        shares=owing(status),
    )


def _narrow(
    session: Session, scope: frozenset[int] | None, unit_text: str | None
) -> tuple[frozenset[int] | None, str | None] | UnitUnknown | UnitAmbiguous | NotYourUnit:
    """(the units to show, the one unit's name) for an optional unit named by the sender, within `scope`."""
    if not unit_text:
        return scope, None
    unit = resolve_unit_in(session, unit_text, scope)
    if not isinstance(unit, UnitRef):
        return unit
    return frozenset({unit.id}), unit.name


def overdue_view(
    session: Session,
    now: datetime,
    actor: Actor,
    judge: Judge,
    unit_text: str | None,
    listed: int | None = LATE_LISTED,
) -> OverdueView | Stranger | UnitUnknown | UnitAmbiguous | NotYourUnit:
    """What /overdue shows: the late items of the actor's units (or the one named), in full when there are
    at most `listed` of them (None: always), else counted (`summary`); and the website's problems, the
    rules to fix (administrators)."""
    if not takes_part(actor):
        return Stranger()
    narrowed = _narrow(session, actor.scope, unit_text)
    if not isinstance(narrowed, tuple):
        return narrowed
    scope, name = narrowed
    today = judge.today(now)
    empty_on_site = session.exec(
        select(func.count())
        .select_from(Item)
        .where(
            col(Item.retired_at).is_(None), Item.kind == ItemKind.COLUMN, Item.read_status == ReadStatus.EMPTY
        )
    ).one()
    summary = late_summary(session, judge, now, scope) if listed is not None else None
    whole = summary is None or summary.total <= (listed or 0)
    admin = administers(actor)
    return OverdueView(
        today=today,
        units=overdue_items(session, judge, now, scope) if whole else (),
        needs_rule=needs_rule_items(session, scope, OTHERS_LISTED) if admin else None,
        narrowed_to=name,
        website=_website_problems(session, judge, now, scope, OTHERS_LISTED),
        empty_columns_site=int(empty_on_site),
        summary=None if whole else summary,
        needs_rule_total=_count(session, *_needs_rule(scope)) if admin else 0,
        website_total=_count(session, *_website_problem(scope)),
    )


def overdue_list(
    session: Session, now: datetime, actor: Actor, judge: Judge, unit_text: str | None
) -> tuple[UnitLate, ...] | Stranger | UnitUnknown | UnitAmbiguous | NotYourUnit:
    """Every late item /overdue counted in its summary: the spreadsheet that follows it."""
    if not takes_part(actor):
        return Stranger()
    narrowed = _narrow(session, actor.scope, unit_text)
    if not isinstance(narrowed, tuple):
        return narrowed
    return overdue_items(session, judge, now, narrowed[0])


def _items_of(
    session: Session, judge: Judge, now: datetime, unit_ids: frozenset[int] | None, *conditions: Any
) -> list[ItemLine]:
    """Live items of these units (all when None) matching `conditions`, judged for `now`."""
    stmt = (
        sa_select(Item, col(Unit.name))
        .join(ItemUnit, col(ItemUnit.item_id) == col(Item.id))
        .join(Unit, col(Unit.id) == col(ItemUnit.unit_id))
        .where(col(Item.retired_at).is_(None), *conditions)
        .order_by(col(Item.id), col(Unit.name))
    )
    if unit_ids is not None:
        stmt = stmt.where(col(ItemUnit.unit_id).in_(unit_ids))
    items: dict[int, tuple[Item, list[str]]] = {}
    for item, unit_name in session.execute(stmt):
        items.setdefault(item.id, (item, []))[1].append(unit_name)
    judged: Mapping[int, Status] = judge_items(session, [item for item, _ in items.values()], judge, now)
    if unit_ids is not None:
        # A per-unit duty: these units' own shares (a group unit stands for its members).
        members = group_members(session)
        mine = {m for u in unit_ids for m in (u, *members.get(u, ()))}
        judged = {i: for_units(s, mine) for i, s in judged.items()}
    return [_item_line(item, names, judged[i]) for i, (item, names) in items.items()]


def _website_problems(
    session: Session, judge: Judge, now: datetime, unit_ids: frozenset[int] | None, limit: int
) -> tuple[ItemLine, ...]:
    """The first `limit` items of these units the website reader found empty (空白栏目) or broken, judged for
    `now`: their ids first, by the index on `read_status`, then those items."""
    stmt = sa_select(col(Item.id)).where(*_website_problem(unit_ids))
    ids = list(session.execute(stmt.order_by(col(Item.read_status), col(Item.path)).limit(limit)).scalars())
    lines = _items_of(session, judge, now, unit_ids, col(Item.id).in_(ids)) if ids else []
    return tuple(sorted(lines, key=_by_problem))


def _website_problem(unit_ids: frozenset[int] | None) -> tuple[ColumnElement[bool], ...]:
    problems = col(Item.read_status).in_([ReadStatus.EMPTY, ReadStatus.BROKEN])
    return (col(Item.retired_at).is_(None), problems, *_of_units(unit_ids))


def _by_problem(line: ItemLine) -> tuple[str, str]:
    return line.read_status or "", line.path


def urgency_key(line: ItemLine) -> tuple[int, date, str]:
    try:
        rank = STATE_URGENCY[State(line.state)]
    except ValueError:
        rank = len(STATE_URGENCY)
    return rank, line.due_on or date.max, line.path


@dataclass(frozen=True)
class MineView:
    today: date
    items: tuple[ItemLine, ...]
    admin: bool = False


def mine_view(session: Session, now: datetime, actor: Actor, judge: Judge) -> MineView | Stranger:
    if not takes_part(actor):
        return Stranger()
    lines = _items_of(session, judge, now, actor.units) if actor.units else []
    return MineView(judge.today(now), tuple(sorted(lines, key=urgency_key)), admin=actor.global_admin)


def mine_lines(
    session: Session, now: datetime, actor: Actor, judge: Judge, item_ids: Iterable[int]
) -> tuple[ItemLine, ...]:
    """The lines `mine_view` shows for these items only (those of the actor's units), most urgent first:
    what a one-tap page shows about the items its link names, without judging the rest of the list."""
    ids = list(item_ids)
    if not takes_part(actor) or not actor.units or not ids:
        return ()
    lines = _items_of(session, judge, now, actor.units, col(Item.id).in_(ids))
    return tuple(sorted(lines, key=urgency_key))


@dataclass(frozen=True)
class DueView:
    today: date
    until: date
    workdays: int
    items: tuple[ItemLine, ...]
    overdue: int


def due_view(
    session: Session, now: datetime, actor: Actor, judge: Judge, workdays: int
) -> DueView | Stranger:
    if not takes_part(actor):
        return Stranger()
    today = judge.today(now)
    until = judge.calendar.add_working_days(today, workdays)
    judged = _items_of(session, judge, now, actor.scope)
    lines = [x for x in judged if x.state is not State.OVERDUE and x.due_on and today <= x.due_on <= until]
    late = [x for x in judged if x.state is State.OVERDUE]
    return DueView(today, until, workdays, tuple(sorted(lines, key=lambda x: (x.due_on, x.path))), len(late))


@dataclass(frozen=True)
class StatusView:
    today: date
    items_by_state: dict[str, int]
    columns: int
    accounts: int
    units: int
    people: int
    admins: int
    groups_active: int
    groups_inactive: int
    groups_unbound: int
    invitations_open: int
    needs_rule: int
    set_aside: int = 0  # messages kept after repeated unexpected errors, waiting for `zhiri outbox --retry`


def status_view(
    session: Session, now: datetime, actor: Actor, judge: Judge, *, configured: Iterable[int] = ()
) -> StatusView | NotAdmin:
    """/status for administrators. `configured`: the administrators' platform ids from the deployment's
    configuration (counted with those bound as administrators)."""
    if not administers(actor):
        return NotAdmin()
    live = col(Item.retired_at).is_(None)
    by_state: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()  # from the pages judged, not another pass over the table
    for items, judged in judge_pages(session, judge, now, live):  # a page at a time: a province's million
        by_state.update(status.state.value for status in judged.values())
        by_kind.update(item.kind for item in items)
    active = col(Membership.active).is_(True)
    people = session.exec(select(func.count(func.distinct(Membership.person_id))).where(active)).one()
    # A configured administrator may also hold an admin membership: count each person once.
    bound_admins = session.exec(
        select(Person.id, Person.telegram_id)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(active, Membership.role == Role.ADMIN)
        .distinct()
    ).all()
    configured_only = set(configured) - {tid for _, tid in bound_admins}
    groups = col(Chat.type).in_(("group", "supergroup"))
    bound = or_(col(Chat.all_units).is_(True), col(Chat.id).in_(select(ChatUnit.chat_id)))

    def count_chats(*conditions: Any) -> int:
        return session.exec(select(func.count()).select_from(Chat).where(groups, *conditions)).one()

    return StatusView(
        today=judge.today(now),
        items_by_state={str(k): int(v) for k, v in by_state.items()},
        columns=int(by_kind.get(ItemKind.COLUMN, 0)),
        accounts=int(by_kind.get(ItemKind.ACCOUNT, 0)),
        units=session.exec(select(func.count()).select_from(Unit)).one(),
        people=people,
        admins=len(bound_admins) + len(configured_only),
        groups_active=count_chats(col(Chat.active).is_(True), bound),
        groups_inactive=count_chats(col(Chat.active).is_(False)),
        groups_unbound=count_chats(col(Chat.active).is_(True), ~bound),
        invitations_open=session.exec(
            select(func.count())
            .select_from(Invitation)
            .where(col(Invitation.used_at).is_(None), Invitation.expires_at > now)
        ).one(),
        needs_rule=int(by_state.get(State.NEEDS_RULE.value, 0)),
        set_aside=set_aside_count(session),
    )


@dataclass(frozen=True)
class UnitPeople:
    unit: str
    is_group: bool
    columns: int
    accounts: int
    overdue: int
    webmasters: tuple[PersonLine, ...] = ()
    leaders: tuple[PersonLine, ...] = ()
    admins: tuple[PersonLine, ...] = ()
    kind: UnitKind = UnitKind.UNIT
    aliases: tuple[str, ...] = ()  # other names of the office (merged, renamed)
    unfilled: bool = False  # a group or role with no member units yet


@dataclass(frozen=True)
class PeopleView:
    units: tuple[UnitPeople, ...]
    admins: tuple[PersonLine, ...] = ()  # deployment-wide administrators with a membership
    narrowed_to: str | None = None
    detail: bool = True  # /people lists names; /units only counts
    chats: dict[str, tuple[str, ...]] = field(default_factory=dict)  # unit name -> group titles


def people_view(
    session: Session,
    now: datetime,
    actor: Actor,
    judge: Judge,
    unit_text: str | None = None,
    *,
    detail: bool = True,
) -> PeopleView | Stranger | UnitUnknown | UnitAmbiguous | NotYourUnit:
    """Who answers for what: every unit (or one) with its people, item counts and late items."""
    if not takes_part(actor):
        return Stranger()
    # /people shows a member their own units, /units the whole directory (to find names to type);
    # any known person may ask about any one unit by name.
    narrowed = _narrow(session, None, unit_text) if unit_text else (actor.scope if detail else None, None)
    if not isinstance(narrowed, tuple):
        return narrowed
    scope, name = narrowed
    units = session.exec(select(Unit).order_by(col(Unit.name))).all()
    counts: dict[tuple[int, str], int] = defaultdict(int)
    late: dict[int, int] = defaultdict(int)
    live = col(Item.retired_at).is_(None)
    for unit_id, kind, n in session.execute(
        sa_select(col(ItemUnit.unit_id), col(Item.kind), func.count())
        .join(Item, col(Item.id) == col(ItemUnit.item_id))
        .where(live)
        .group_by(col(ItemUnit.unit_id), col(Item.kind))
    ):
        counts[(unit_id, kind)] = n
    linked = session.execute(
        sa_select(Item, col(ItemUnit.unit_id))
        .join(ItemUnit, col(ItemUnit.item_id) == col(Item.id))
        .where(live)
    ).all()
    judged = judge_items(session, list({item.id: item for item, _ in linked}.values()), judge, now)
    members = group_members(session)
    for item, unit_id in linked:
        if for_units(judged[item.id], (unit_id, *members.get(unit_id, ()))).state is State.OVERDUE:
            late[unit_id] += 1
    people: dict[tuple[int | None, str], list[PersonLine]] = defaultdict(list)
    for unit_id, role, p_name, p_user in session.execute(
        sa_select(col(Membership.unit_id), col(Membership.role), col(Person.name), col(Person.username))
        .join(Person, col(Person.id) == col(Membership.person_id))
        .where(col(Membership.active).is_(True))
        .order_by(col(Person.name))
    ):
        people[(unit_id, role)].append(_person_line(p_name, p_user))
    chats: dict[str, list[str]] = defaultdict(list)
    for unit_name, title in session.execute(
        sa_select(col(Unit.name), col(Chat.title))
        .join(ChatUnit, col(ChatUnit.unit_id) == col(Unit.id))
        .join(Chat, col(Chat.id) == col(ChatUnit.chat_id))
        .where(col(Chat.active).is_(True))
    ):
        chats[unit_name].append(title or "（未命名群）")
    aliases: dict[int, list[str]] = defaultdict(list)
    for alias, unit_id in session.exec(
        select(UnitAlias.name, UnitAlias.unit_id).order_by(col(UnitAlias.name))
    ):
        aliases[unit_id].append(alias)
    filled = set(session.exec(select(UnitGroupMember.group_id)))
    rows = tuple(
        UnitPeople(
            unit=u.name,
            is_group=u.is_group,
            kind=u.kind if u.is_group else UnitKind.UNIT,
            aliases=tuple(aliases.get(u.id or 0, ())),
            unfilled=u.is_group and u.id not in filled,
            columns=counts[(u.id, ItemKind.COLUMN)],
            accounts=counts[(u.id, ItemKind.ACCOUNT)],
            overdue=late[u.id],
            webmasters=tuple(people[(u.id, Role.WEBMASTER)]),
            leaders=tuple(people[(u.id, Role.LEADER)]),
            admins=tuple(people[(u.id, Role.ADMIN)]),
        )
        for u in units
        if u.id is not None and (scope is None or u.id in scope)
    )
    return PeopleView(
        units=rows,
        admins=tuple(people[(None, Role.ADMIN)]),
        narrowed_to=name,
        detail=detail,
        chats={k: tuple(v) for k, v in chats.items()},
    )


# ------------------------------------------------------------------------------------------------
# The site's own words


def site_words(session: Session, site: Site | None) -> SiteWords:
    """How the bot names the site's office, administrator and pledge, and two of its units and a group
    for examples (the units leading the most items)."""
    if site is None or site.id is None:
        return SiteWords()
    leading = session.execute(
        sa_select(col(Unit.name), col(Unit.is_group), func.count(col(ItemUnit.item_id)))
        .join(ItemUnit, col(ItemUnit.unit_id) == col(Unit.id), isouter=True)
        .where(col(Unit.site_id) == site.id)
        .group_by(col(Unit.id), col(Unit.name), col(Unit.is_group))
        .order_by(func.count(col(ItemUnit.item_id)).desc(), col(Unit.name))
    ).all()
    units = tuple(name for name, group, _n in leading if not group)[:2]
    group = next((name for name, is_group, _n in leading if is_group), None)
    return SiteWords(
        office=site.office_name or DEFAULT_OFFICE,
        admin=site.admin_name or "",
        pledge=site.pledge_ref or None,
        units=units,
        group=group,
    )


def words_for(session: Session, now: datetime, actor: Actor) -> SiteWords:
    """The words of the sender's site: the site of their units, else the only site (else generic words)."""
    site: Site | None = None
    if actor.units:
        site_id = session.exec(select(Unit.site_id).where(col(Unit.id).in_(list(actor.units)))).first()
        site = session.get(Site, site_id) if site_id is not None else None
    if site is None:
        sites = session.exec(select(Site).limit(2)).all()
        site = sites[0] if len(sites) == 1 else None
    return site_words(session, site)
