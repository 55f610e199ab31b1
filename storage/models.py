"""Tables. Times are aware UTC datetimes (SQLModel stores them as UTC); days (due, events) are local dates.

Columns and new-media accounts are one table, `Item`, told apart by `kind`: the logic that judges them is
the same. `Item` carries its own derived schedule (`due_on`, `warn_on`, `state`), refreshed whenever its
log changes and once a day, so that "what is late for this unit / group / leader" is one indexed query.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Dialect, Index, LargeBinary, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.types import TypeDecorator
from sqlmodel import AutoString, Field, SQLModel

from domain.links import LinkState
from domain.model import (
    Category,
    CheckResult,
    DayKind,
    ItemKind,
    LinkRole,
    ReadStatus,
    Role,
    State,
    UnitKind,
    UpdateSource,
)
from domain.notice import MessageKind, Slot
from domain.robots import Kind


class EnumText(TypeDecorator[str]):
    """A closed set of words (a `StrEnum`) kept as its plain text, as before: no migration, the same
    strings in the database and in JSON. Read back as the enum's member; a word this version does not know
    (written by hand, or by a newer version) is read as its text rather than failing the whole query: one
    odd row must not stop the routine for every other."""

    impl = AutoString
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum
        # Each stored word to its member by one dict lookup: calling the enum costs ~2 µs a value, on the
        # hundreds of thousands of values the routine's day reads.
        self.members: dict[str, StrEnum] = {m.value: m for m in enum}

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self.members.get(value, value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        # Where the driver hands the stored text as it is (SQLite, PostgreSQL), each value is read by one
        # lookup in C, not through two Python calls: the routine's day reads millions of them. Same result
        # as `process_result_value`: a member, None, or an unknown word as its text.
        if self.impl_instance.result_processor(dialect, coltype) is not None:
            return super().result_processor(dialect, coltype)
        words = _Words(self.members)
        words[None] = None
        return words.__getitem__


class _Words(dict[Any, Any]):
    """Stored words to members; a word not among them reads as itself."""

    def __missing__(self, key: Any) -> Any:
        return key


def _words(enum: type[StrEnum], default: Any = ..., *, nullable: bool = False) -> Any:
    # The default on the column too, as SQLModel gives its own columns: bulk inserts of plain rows rely on it.
    column_default = None if default is ... else default
    return Field(default=default, sa_column=Column(EnumText(enum), nullable=nullable, default=column_default))


class Site(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    tz_name: str | None = None  # None: the deployment's TZ_NAME
    # The site's own names, said by the bot (filled at import, set with `zhiri site`): the government office
    # that owns the list (县政府办公室), its administrator (县政府办信息中心), the pledge clause quoted when
    # a column goes stale (None: the site signed no pledge, nothing is quoted).
    office_name: str | None = None
    admin_name: str | None = None
    pledge_ref: str | None = None
    # The home page the availability probe watches (`zhiri site --home`); None: the origin most of the
    # site's column addresses share (storage.probes.home_of).
    home_url: str | None = None
    created_at: datetime
    # The day the routine's daily pass last judged every live item (`storage.items.refresh_stale`): an item
    # stored for that day or earlier (`Item.state_on`) and not since is that day's judgement too.
    judged_on: date | None = None


class Unit(SQLModel, table=True):
    """A responsible unit (责任单位). `is_group`: a placeholder the administrator fills with units, either a
    group word (市属各部门, `kind` "group") or a role (具备执法权的单位, `kind` "role")."""

    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    name: str
    is_group: bool = False
    kind: UnitKind = _words(UnitKind, UnitKind.UNIT)
    created_at: datetime


class UnitAlias(SQLModel, table=True):
    """Another name of one office (县市场监管局 for 县市场监督管理局): a list naming it means the unit."""

    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    name: str
    unit_id: int = Field(foreign_key="unit.id", index=True)
    created_at: datetime


class UnitGroupMember(SQLModel, table=True):
    group_id: int = Field(foreign_key="unit.id", primary_key=True)
    member_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True, nullable=True))
    name: str = ""
    username: str | None = None
    # Personal data, for @-mentions by a group robot only: never in a message's text or a log. A mainland
    # mobile number (DingTalk's robot @s by it), and the person's user id on each robot's platform.
    phone: str | None = None
    dingtalk_id: str | None = None  # DingTalk userid
    wecom_id: str | None = None  # WeCom userid
    feishu_id: str | None = None  # Feishu open_id
    created_at: datetime

    def platform_ids(self) -> tuple[tuple[str, str], ...]:
        """(platform, user id) for each robot platform the person has an id on."""
        pairs = (
            (Kind.DINGTALK, self.dingtalk_id),
            (Kind.WECOM, self.wecom_id),
            (Kind.FEISHU, self.feishu_id),
        )
        return tuple((platform.value, uid) for platform, uid in pairs if uid)


class Membership(SQLModel, table=True):
    """A person's role in a unit. An `admin` membership with no unit is a deployment-wide administrator."""

    __table_args__ = (Index("ix_membership_unit_role", "unit_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    role: Role = _words(Role)
    active: bool = True
    created_at: datetime
    ended_at: datetime | None = None  # removed from the unit (/remove): access ends, the history stays
    ended_by: int | None = Field(default=None, foreign_key="person.id")


class Chat(SQLModel, table=True):
    """A group (or private chat) the bot talks in: a Telegram chat, or a group reached through its custom
    robot (`Robot`). `all_units`: the one big group for all units."""

    __table_args__ = (UniqueConstraint("platform", "address", name="uq_chat_platform_address"),)
    id: int | None = Field(default=None, primary_key=True)
    # The chat's id on its own platform (Telegram's chat id). A robot group has none of its own: its
    # address is its own `id`. Outbox rows name their chat by (platform, address).
    address: int = Field(sa_column=Column(BigInteger, nullable=False))
    title: str = ""
    type: str = "group"  # private, group, supergroup; "robot" for a group reached through its robot
    # The chat platform it is on (`channels.registry`): its messages are cut to that platform's style and
    # sent by its transport: "telegram", or a robot's kind ("dingtalk", "wecom", "feishu").
    platform: str = "telegram"
    site_id: int | None = Field(default=None, foreign_key="site.id")
    all_units: bool = False
    active: bool = True
    inactive_reason: str | None = None
    migrated_to: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The id before a group became a supergroup: replies to messages sent under the old id still resolve.
    migrated_from: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime


class ChatUnit(SQLModel, table=True):
    chat_id: int = Field(foreign_key="chat.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class Robot(SQLModel, table=True):
    """A group's custom robot (DingTalk, WeCom, Feishu) bound to a unit (`unit_id`; None: 全部): its webhook
    and signing secret. One row per binding; the bindings of one webhook share its group's `Chat`, whose
    units (`ChatUnit`, `all_units`) are those of its bindings in force. A binding is never deleted:
    `removed_at`/`removed_by` end it, and the audit trail reads who bound and unbound what, when."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chat.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    kind: str  # domain.robots.Kind: dingtalk, wecom, feishu (also its chat's platform)
    # The webhook, with its token or key, and the signing secret (加签 / 签名校验) where the robot has one:
    # credentials, kept sealed (`storage.sealed`, Fernet under CHANNEL_KEY), never stored or shown in clear.
    url: str = Field(repr=False)
    secret: str | None = Field(default=None, repr=False)
    url_digest: str = Field(index=True, repr=False)  # SHA-256 of the webhook: how a webhook is looked up
    url_hint: str  # the webhook masked (`domain.robots.masked`), as lists show it
    created_at: datetime
    created_by: int | None = Field(default=None, foreign_key="person.id")  # None: the command line
    removed_at: datetime | None = None
    removed_by: int | None = Field(default=None, foreign_key="person.id")


class Item(SQLModel, table=True):
    """A tracked item: a website column (栏目) or a new-media account (政务新媒体账号)."""

    __table_args__ = (
        UniqueConstraint("site_id", "key"),
        Index("ix_item_site_due", "site_id", "retired_at", "due_on"),
        # /overdue: the stored schedule (late today, the longest first, and by unit), items not stored for
        # today, the website's problems.
        Index(
            "ix_item_state_day",
            "state",
            "state_on",
            "retired_at",
            "per_unit",
            "sole_unit_id",
            "days_late",
            "id",
        ),
        Index("ix_item_state_on", "state_on"),
        Index("ix_item_read_status", "read_status"),
        Index("ix_item_due", "due_on"),  # the administrator's /overdue: every site
    )
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    kind: ItemKind = _words(ItemKind)
    key: str  # stable identity within the site, e.g. "column:首页/部门动态", "account:微信公众号:楚雄发布"
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    level4: str | None = None
    level5: str | None = None
    name: str  # leaf name (column) or account name
    path: str  # levels joined with " / "
    url: str | None = None
    platform: str | None = None  # accounts: 微信公众号, 微博, 抖音 …
    handle: str | None = None  # accounts: the account's id on its platform
    content: str | None = None  # 栏目内容 / 管理内容
    note: str | None = None
    rule_text: str = ""
    rule_ok: bool = False
    rule_json: str = "{}"  # domain.rules.rule_to_dict, for reading without re-parsing
    # The rule is a per-unit duty (各乡镇每周不少于2条): its stored state is its worst unit's, so which of its
    # units are late takes the live judgement (/overdue's counts). Written with the rule (`rule_columns`).
    per_unit: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    # The item's only unit (any role), NULL when it has none or several: /overdue counts by unit from
    # `ix_item_state_day` alone. Kept by the database's triggers on `itemunit` (migration 0029), never
    # written by Zhiri, so it cannot disagree with the links.
    sole_unit_id: int | None = None
    category: Category = _words(Category, Category.OTHER)
    # The administrator's correction of `category` (zhiri category, /category): kept over re-imports.
    category_override: Category | None = _words(Category, None, nullable=True)
    # A key column (重点栏目) the administrator marks (`zhiri probe key`): its page is probed for availability
    # with the site's home page, kept over re-imports.
    probe_key: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    created_at: datetime
    retired_at: datetime | None = None  # no longer reminded of: kept with its history, never deleted
    # Who retired it: an administrator (/retire, `zhiri retire`, or the list's status column says 停更),
    # with a reason; otherwise the item simply left the imported list, and reappearing in a list brings it
    # back.
    retired_by_admin: bool = False
    retired_reason: str | None = None
    retired_by: int | None = Field(default=None, foreign_key="person.id")
    source_sheet: str | None = None
    source_row: int | None = None
    # Derived, refreshed on every log and once a day (see storage.items.refresh_item):
    last_update_at: datetime | None = None
    last_update_source: UpdateSource | None = _words(UpdateSource, None, nullable=True)
    due_on: date | None = None
    warn_on: date | None = None
    state: State = _words(State, State.NEEDS_RULE)
    days_late: int = 0
    missing: int = 0
    risk: str | None = None  # InspectionRisk.line when heading for an inspection line
    state_on: date | None = None  # the day `state` was computed for
    # What the website reader last saw (see storage.reads):
    read_status: ReadStatus | None = _words(ReadStatus, None, nullable=True)
    read_at: datetime | None = None


class ItemUnit(SQLModel, table=True):
    """A unit's part in an item: `role` lead, co-lead (both `lead`: responsible, reminded) or helper (named,
    may log updates)."""

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)
    lead: bool = False
    role: LinkRole = _words(LinkRole, LinkRole.HELPER)


class UpdateLog(SQLModel, table=True):
    """Every update ever logged. Rows are never deleted or edited, except `undone_at` being set by an undo."""

    __table_args__ = (Index("ix_updatelog_item_at", "item_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    at: datetime  # when the item was updated
    logged_at: datetime  # when Zhiri learned it
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    source: UpdateSource = _words(UpdateSource)
    count: int = 1  # quota rules: how many pieces this update counts for
    note: str | None = None
    undoes_id: int | None = Field(default=None, foreign_key="updatelog.id")
    undone_at: datetime | None = None
    # Where the log came from ("tg:<chat>:<message>"), so a redelivered update or a second tap logs nothing.
    origin: str | None = Field(default=None, index=True)
    # The logs one act wrote together (a /done replied to a warning logs several): /undo takes back the batch.
    batch: str | None = Field(default=None, index=True)
    # The contributing unit this update counts for under a per-unit rule (各乡镇每周不少于2条);
    # None: the column as a whole.
    unit_id: int | None = Field(default=None, foreign_key="unit.id")


class Event(SQLModel, table=True):
    """An event that starts an after-event deadline (a document issued, a letter received)."""

    __table_args__ = (Index("ix_event_item_open", "item_id", "closed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    occurred_on: date
    note: str | None = None
    person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime
    closed_at: datetime | None = None
    closed_by_log_id: int | None = Field(default=None, foreign_key="updatelog.id")
    # As UpdateLog.origin: a redelivered /event adds nothing.
    origin: str | None = Field(default=None, index=True)


class CalendarDay(SQLModel, table=True):
    """Administrator override of the official calendar: a holiday or a 调休 working day."""

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    day: date = Field(unique=True)
    kind: DayKind = _words(DayKind)
    note: str | None = None
    created_at: datetime


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    role: Role = _words(Role)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = Field(default=None, foreign_key="person.id")
    revoked_at: datetime | None = None  # /revoke: the code no longer binds anyone
    revoked_by: int | None = Field(default=None, foreign_key="person.id")


class AuditRecord(SQLModel, table=True):
    """An administrator's act that leaves no dated row of its own, kept for the audit trail (storage.audit):
    a chat bound to or unbound from units, the bot removed from a group or back in it, units added to a unit
    group, an item retired or brought back, a website reading marked wrong or cleared. One row per unit
    concerned (`unit_id` None: every unit)."""

    __table_args__ = (Index("ix_auditrecord_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    kind: str  # storage.audit's kinds of entry (chat_bind, chat_unbind, chat_gone, chat_back, …)
    person_id: int | None = Field(default=None, foreign_key="person.id")  # None: the command line, the bot
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    chat_id: int | None = Field(default=None, foreign_key="chat.id")
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    detail: str = ""


class Outbox(SQLModel, table=True):
    """Every outgoing message, written before it is sent. `key` makes writing it twice a no-op."""

    __table_args__ = (
        Index("ix_outbox_pending", "sent_at", "dead_at", "not_before"),
        # The sender takes each chat's oldest unsent message (per-chat order): unsent rows by chat.
        Index("ix_outbox_chat_unsent", "sent_at", "dead_at", "chat_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # kind:chat:day:items — the idempotency key
    kind: MessageKind = _words(MessageKind)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    day: date
    text: str
    # JSON rows of the actions offered under the message, platform-neutral: [[{"label", "action"}]], the
    # action as `domain.actions.Action` encodes it (done:12, read:20261008). Each platform draws them its way.
    actions: str | None = None
    platform: str = "telegram"  # its chat's platform: the transport the sender hands it to
    items: str = "[]"  # JSON list of item ids the message is about
    # JSON list of the item ids the message asks to be updated (warnings, overdue notices): a /done replied to
    # the message logs these, and only these. A daily read or a summary asks for nothing.
    asks: str = "[]"
    created_at: datetime
    not_before: datetime
    claimed_at: datetime | None = None
    claimed_by: str | None = None
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    telegram_message_id: int | None = None
    dead_at: datetime | None = None  # gave up for good (chat gone and nowhere to redirect): reported
    # Unexpected errors in a row (not an outage, not Telegram refusing the chat): retried with a growing
    # delay, and after SendLimits.set_aside_after of them set aside (reported; kept, and sent again on an
    # administrator's word: `zhiri outbox --retry`). The chat's later messages go on meanwhile.
    failures: int = 0
    set_aside_at: datetime | None = None
    # A document (sendDocument) instead of a text message: the file's bytes, drawn when the row is written
    # (the quarterly bulletin, the yearly ranking) so that a retry sends exactly the same file; `text` is its
    # caption.
    document: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    document_name: str | None = None
    # Or a spreadsheet of plain rows (`domain.notice.Report`: file name and sheets, as JSON) that the sender
    # builds into the file when the message goes: the rows sent are the rows planned, and a tick that plans
    # thousands of them builds none (`storage.outbox.report_of`).
    report: str | None = None
    # Whom a robot's message @s, as the plan resolved them for its platform (JSON [{"phone", "user_id"}]):
    # a retry @s the same people. None: nobody (and always on Telegram, which names people its own way).
    mentions: str | None = None


class ReadConfirmation(SQLModel, table=True):
    """日查: someone in a group pressed 已巡查 for a day. The first press counts; later ones are kept too."""

    __table_args__ = (
        UniqueConstraint("chat_id", "day", "telegram_user_id"),
        Index("ix_readconfirmation_day", "day", "chat_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chat.id")
    day: date
    person_id: int | None = Field(default=None, foreign_key="person.id")
    telegram_user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    name: str = ""
    at: datetime


class HalfMonthAnswer(SQLModel, table=True):
    """半月查: the answer for one item in one half-month (`period`: its 1st or 16th), ok or the problem and
    its fix. One row per item and period; a later answer replaces the earlier one."""

    __table_args__ = (UniqueConstraint("item_id", "period"), Index("ix_halfmonthanswer_period", "period"))
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    period: date
    result: CheckResult = _words(CheckResult)
    note: str | None = None  # the problem and its fix (整改情况)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    name: str = ""
    at: datetime
    note_at: datetime | None = None
    # The "please describe the problem" prompt the bot sent: a reply to it carries the note.
    prompt_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    prompt_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class RoutineRun(SQLModel, table=True):
    """A routine slot (daily_read, due_warning, …) that has run for a site on a day: the schedule lives here,
    not only in memory, so a slot missed while the bot was down is caught up once, and never twice."""

    __table_args__ = (UniqueConstraint("site_id", "day", "slot"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    day: date
    slot: Slot = _words(Slot)
    done_at: datetime
    messages: int = 0
    stats: str | None = None  # JSON kept for later runs (the weekly summary's overdue counts per unit)


class Probe(SQLModel, table=True):
    """One availability probe of a site's home page or key column (jobs.probe): kept per slot and day, so
    the week's unreachable share is counted as inspectors count it. `key` (target and slot) makes a slot
    probed twice (two processes, a tick run again) one row."""

    __table_args__ = (Index("ix_probe_site_day", "site_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # "site3:home@2026-11-23T09:35:57+08:00", "site3:item12@…"
    site_id: int = Field(foreign_key="site.id")
    item_id: int | None = Field(default=None, foreign_key="item.id")  # None: the home page
    url: str
    slot_at: datetime  # the moment it was due
    day: date  # the site's local day of the slot
    at: datetime  # when it was taken
    reachable: bool
    http_status: int | None = None  # None: no answer at all
    elapsed_ms: int = 0
    reason: str = ""  # why it counts as unreachable, in Chinese ("" when reachable)


class PageLink(SQLModel, table=True):
    """A link a page shows (the home page, `item_id` None, or a column's list page) that the broken-link
    check watches (`domain.links.to_check`): one row per page and address, `seen_on` the last day a reading
    of the page showed it. A link gone from its page keeps its row, with an older `seen_on`: not told."""

    __table_args__ = (Index("ix_pagelink_site_seen", "site_id", "seen_on"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # a digest of (site, page, address): one row however often it is seen
    site_id: int = Field(foreign_key="site.id")
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)  # None: the home page
    page_url: str
    url: str = Field(index=True)
    text: str = ""  # the words people see (an image's alt text when it has no words)
    first_seen: date
    seen_on: date


class LinkCheck(SQLModel, table=True):
    """The last check of one address (`domain.links`), whichever pages show it: at most one a day
    (`checked_on`, the site's local day). `dead_since`: the first day of the run of dead answers it is in."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True)
    checked_on: date
    checked_at: datetime
    state: LinkState = _words(LinkState)
    http_status: int | None = None  # the final answer's; None: no answer at all
    reason: str = ""  # why it does not open, in Chinese ("" when it does)
    attempts: int = 0
    dead_since: date | None = None


class PageRead(SQLModel, table=True):
    """What the website reader saw on an item's list page, kept so a leader can ask why."""

    __table_args__ = (Index("ix_pageread_item_at", "item_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    url: str
    at: datetime
    status: ReadStatus = _words(ReadStatus)
    newest: date | None = None
    items: int = 0
    reason: str = ""
    logged_update_id: int | None = Field(default=None, foreign_key="updatelog.id")
    # What the page said, as evidence: the response, when it came, and the newest item on it.
    http_status: int | None = None
    fetched_at: datetime | None = None
    newest_title: str = Field(default="", sa_column_kwargs={"server_default": ""})
    newest_link: str = Field(default="", sa_column_kwargs={"server_default": ""})
    # An administrator disputed this reading: the reader logs nothing from this page until it is cleared.
    held: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    marked_wrong_at: datetime | None = None
    marked_wrong_by: int | None = Field(default=None, foreign_key="person.id")
    marked_wrong_note: str | None = None
    cleared_at: datetime | None = None


class InboundUpdate(SQLModel, table=True):
    """An update from Telegram, written when it arrives and before Telegram is told it was received (the
    next getUpdates offset, or the webhook's 200): a crash before it is handled loses nothing, and the
    restart handles it once. `update_id` is Telegram's: an update delivered again is not handled twice."""

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: str  # the update's JSON
    received_at: datetime
    handled_at: datetime | None = Field(default=None, index=True)


class UpdateCall(SQLModel, table=True):
    """A Bot API call that succeeded while an update was being handled (the `seq`-th of them), with Telegram's
    answer: when the update is handled again after a crash, the same call returns this answer instead of
    sending a second message."""

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    seq: int = Field(primary_key=True)
    endpoint: str
    response: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    at: datetime


class Heartbeat(SQLModel, table=True):
    """What the running bot last managed, for `zhiri health`: one row per running bot process name."""

    name: str = Field(primary_key=True)
    pid: int
    mode: str  # polling or webhook
    started_at: datetime
    api_ok_at: datetime | None = None  # last successful getUpdates (polling) or getWebhookInfo (webhook)
    tick_at: datetime | None = None  # last run of the heartbeat job: the event loop and job queue are alive
    stopped_at: datetime | None = None  # a clean stop; None while running (or after a crash)


class UsedLink(SQLModel, table=True):
    """A signed link from a group robot's message (`web.links`) that did what it offered: an acting link
    (已更新, 已巡查) works once, and a second tap is told when it was used and what was logged. What it logged
    is also in `UpdateLog` (origin `link:<nonce>`) or `ReadConfirmation`, like any other update."""

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(unique=True)  # the link's own random id, signed into it
    action: str  # what it offered: done:12, read:20261008 (`domain.actions.Action`)
    chat_id: int | None = Field(default=None, foreign_key="chat.id")  # the chat its message went to
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # the unit it was bound to
    used_at: datetime
    summary: str = ""  # what was logged, in the words the page showed


def table_names() -> list[str]:
    return sorted(SQLModel.metadata.tables)


__all__: list[Any] = [
    "CalendarDay",
    "Chat",
    "ChatUnit",
    "Event",
    "HalfMonthAnswer",
    "Heartbeat",
    "InboundUpdate",
    "Invitation",
    "Item",
    "ItemUnit",
    "Membership",
    "Outbox",
    "PageRead",
    "Person",
    "ReadConfirmation",
    "RoutineRun",
    "Site",
    "Unit",
    "UnitGroupMember",
    "UpdateCall",
    "UpdateLog",
    "UsedLink",
]
