"""Configuration: the only place that reads the environment and `.env` (with `bot/env.py`, which reads one
setting the same way for the commands that must start fast)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.env import DEFAULT_TZ_NAME, ENV_FILE
from domain.due import Policy
from domain.inspection import DEFAULT_THRESHOLDS as _T
from domain.inspection import Thresholds
from domain.model import Span, TimeUnit

if TYPE_CHECKING:  # imported where used: `zhiri rule` and `zhiri read` must not load the routine or Telegram
    from sqlalchemy.engine import Engine

    from domain.routine import RoutineSettings
    from jobs.links import LinksConfig
    from jobs.probe import ProbeConfig
    from jobs.routine import RoutineConfig
    from webread.fetch import Reader
    from webread.linkcheck import LinkChecker
    from webread.probe import Prober

OFFICIAL_API_URL = "https://api.telegram.org/bot"

QUEUE_NEEDS_POSTGRESQL = """\
READ_QUEUE=procrastinate 需要 PostgreSQL 数据库：请把 DATABASE_URL 设为 postgresql+psycopg://… ，
或把 READ_QUEUE 改回 local（由 zhiri run 自己读取网站）。
READ_QUEUE=procrastinate needs PostgreSQL: set DATABASE_URL to postgresql+psycopg://…,
or set READ_QUEUE back to local (zhiri run reads the websites itself)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = ""
    telegram_api_url: str = OFFICIAL_API_URL
    database_url: str = "sqlite:///data/zhiri.db"
    # How long a write waits for another writer's lock on the SQLite file before it fails (and is retried).
    sqlite_busy_timeout: float = Field(default=30.0, gt=0, le=600)
    admin_telegram_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    tz_name: str = DEFAULT_TZ_NAME
    # Webhook instead of long polling when webhook_url is set (the public HTTPS address Telegram posts to).
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    invite_days: int = Field(default=7, ge=1, le=365)
    # The web page behind the group robots' one-tap links (served by `zhiri run` when PUBLIC_URL is set).
    public_url: str = ""
    web_secret: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    web_link_days: int = Field(default=7, ge=1, le=90)
    # The key(s) the group robots' webhooks and secrets are sealed with (`storage.sealed`), newest first.
    channel_key: SecretStr = SecretStr("")

    # The routine (site-local times; only on working days). Empty WARNING_REPEAT_AT: no 15:00 repeat.
    routine_enabled: bool = True
    daily_read_at: time = time(9, 0)
    warning_at: time = time(9, 0)
    warning_repeat_at: time | None = time(15, 0)
    overdue_at: time = time(9, 0)
    escalation_at: time = time(9, 0)
    evening_note_at: time = time(17, 0)
    half_month_check_at: time = time(9, 0)
    half_month_report_at: time = time(17, 0)
    half_month_report_workday: int = Field(default=3, ge=1, le=10)
    weekly_summary_at: time = time(16, 0)
    weekly_summary_weekday: int = Field(default=5, ge=1, le=7)  # 1 = Monday … 5 = Friday
    monthly_reminder_at: time | None = time(9, 0)  # empty: no monthly reminder
    warn_lead_workdays: int = Field(default=2, ge=0, le=20)
    escalate_after_workdays: int = Field(default=1, ge=0, le=20)
    empty_columns_escalate_at: int = Field(default=_T.empty_warn, ge=1, le=50)
    full_list_max_items: int = Field(default=20, ge=0, le=1000)
    # Thresholds of the due engine (DOMAIN.md). ON_CHANGE_FLOOR_MONTHS=0 turns the yearly floor off.
    on_change_floor_months: int = Field(default=12, ge=0, le=120)
    account_gap_days: int = Field(default=7, ge=1, le=90)
    account_risk_days: int = Field(default=_T.account_veto_days, ge=1, le=180)
    home_warn_days: int = Field(default=_T.home_warn_days, ge=1, le=60)
    home_veto_days: int = Field(default=_T.home_veto_days, ge=1, le=60)
    # Inspection lines (domain.inspection.Thresholds holds the defaults; home and account lines use the
    # HOME_*_DAYS and ACCOUNT_RISK_DAYS above).
    inspect_news_stale_days: int = Field(default=_T.news_stale_days, ge=1, le=365)
    inspect_notice_stale_months: int = Field(default=_T.notice_stale_months, ge=1, le=60)
    inspect_notice_max_level: int = Field(default=_T.notice_max_level, ge=1, le=5)
    inspect_personnel_stale_months: int = Field(default=_T.personnel_stale_months, ge=1, le=60)
    inspect_news_notice_veto: int = Field(default=_T.news_notice_veto, ge=1, le=500)
    inspect_news_notice_warn: int = Field(default=_T.news_notice_warn, ge=1, le=500)
    inspect_stale_veto: int = Field(default=_T.stale_veto, ge=1, le=500)
    inspect_stale_warn: int = Field(default=_T.stale_warn, ge=1, le=500)
    inspect_empty_veto: int = Field(default=_T.empty_veto, ge=1, le=500)
    inspect_empty_warn: int = Field(default=_T.empty_warn, ge=1, le=500)
    inspect_unreachable_veto_pct: float = Field(default=_T.unreachable_veto_pct, gt=0, le=100)
    inspect_unreachable_warn_pct: float = Field(default=_T.unreachable_warn_pct, gt=0, le=100)
    inspect_letter_veto_months: int = Field(default=_T.letter_veto_months, ge=1, le=24)
    inspect_letter_warn_months: int = Field(default=_T.letter_warn_months, ge=1, le=24)
    inspect_account_warn_days: int = Field(default=_T.account_warn_days, ge=1, le=180)
    inspect_home_min_updates: int = Field(default=_T.home_min_updates, ge=0, le=1000)
    inspect_yearly_activities: int = Field(default=_T.yearly_activities, ge=0, le=100)
    inspect_fail_above_points: float = Field(default=_T.fail_above_points, ge=0, le=100)
    # 季通报's 工作要求: the named units fix what it lists within this many working days of the bulletin.
    bulletin_fix_workdays: int = Field(default=10, ge=1, le=60)
    letter_reply_days: int = Field(default=30, ge=1, le=365)
    application_reply_workdays: int = Field(default=20, ge=1, le=250)
    # The website reader.
    crawl_enabled: bool = True
    crawl_at: time = time(6, 30)
    reader_per_host: int = Field(default=2, ge=1, le=16)
    reader_host_delay: float = Field(default=0.5, ge=0, le=60)
    reader_timeout: float = Field(default=15.0, gt=0, le=120)
    # local: `zhiri run` reads; procrastinate (PostgreSQL): `zhiri run` queues it, `zhiri worker` reads.
    read_queue: Literal["local", "procrastinate"] = "local"
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    worker_stalled_after: float = Field(default=60.0, ge=3, le=3600)
    # The availability probe (a HEAD, or a small GET, of each site's home page and key columns): how many
    # times a day (the indicator asks for 20 or more), its time limit (the indicator's 15 s), and its own
    # politeness towards one host. The warning and veto lines are INSPECT_UNREACHABLE_WARN_PCT / _VETO_PCT.
    probe_enabled: bool = True
    probe_per_day: int = Field(default=24, ge=20, le=288)
    probe_timeout: float = Field(default=15.0, gt=0, le=60)
    probe_per_host: int = Field(default=1, ge=1, le=4)
    probe_host_delay: float = Field(default=1.0, ge=0, le=60)
    # The broken-link check (after the daily reading): each link on the home page and the column pages at
    # most once a day, a HEAD (a small GET when refused) within LINKS_TIMEOUT, one retry on no answer, and
    # its own politeness towards one host.
    links_enabled: bool = True
    links_timeout: float = Field(default=15.0, gt=0, le=60)
    links_per_host: int = Field(default=1, ge=1, le=4)
    links_host_delay: float = Field(default=1.0, ge=0, le=60)
    # Importing a list: a re-import that would retire more items than this, or a larger share of the site's
    # items, stops and shows them until the administrator adds --confirm-retire.
    import_retire_max: int = Field(default=5, ge=0)
    import_retire_share: float = Field(default=0.2, ge=0, le=1)

    @field_validator("warning_repeat_at", "monthly_reminder_at", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admin_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # "123, 456" or "123 456" in .env; a list when constructed in code.
        if isinstance(value, str):
            return [int(part) for part in value.replace(",", " ").split()]
        if isinstance(value, int):
            return [value]
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    @property
    def policy(self) -> Policy:
        floor = Span(self.on_change_floor_months, TimeUnit.MONTH) if self.on_change_floor_months else None
        if self.on_change_floor_months and self.on_change_floor_months % 12 == 0:
            floor = Span(self.on_change_floor_months // 12, TimeUnit.YEAR)
        return Policy(
            warn_lead_workdays=self.warn_lead_workdays,
            on_change_floor=floor,
            account_default_gap=(
                Span(self.account_gap_days // 7, TimeUnit.WEEK)
                if self.account_gap_days % 7 == 0
                else Span(self.account_gap_days, TimeUnit.DAY)
            ),
            letter_reply=Span(self.letter_reply_days, TimeUnit.DAY),
            application_reply=Span(self.application_reply_workdays, TimeUnit.WORKDAY),
            lines=self.thresholds,
        )

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(
            home_veto_days=self.home_veto_days,
            home_warn_days=self.home_warn_days,
            news_stale_days=self.inspect_news_stale_days,
            notice_stale_months=self.inspect_notice_stale_months,
            notice_max_level=self.inspect_notice_max_level,
            personnel_stale_months=self.inspect_personnel_stale_months,
            news_notice_veto=self.inspect_news_notice_veto,
            news_notice_warn=self.inspect_news_notice_warn,
            stale_veto=self.inspect_stale_veto,
            stale_warn=self.inspect_stale_warn,
            empty_veto=self.inspect_empty_veto,
            empty_warn=self.inspect_empty_warn,
            unreachable_veto_pct=self.inspect_unreachable_veto_pct,
            unreachable_warn_pct=self.inspect_unreachable_warn_pct,
            letter_veto_months=self.inspect_letter_veto_months,
            letter_warn_months=self.inspect_letter_warn_months,
            account_veto_days=self.account_risk_days,
            account_warn_days=self.inspect_account_warn_days,
            home_min_updates=self.inspect_home_min_updates,
            yearly_activities=self.inspect_yearly_activities,
            fail_above_points=self.inspect_fail_above_points,
        )

    @property
    def routine(self) -> RoutineSettings:
        from domain.routine import RoutineSettings

        return RoutineSettings(
            daily_read_at=self.daily_read_at,
            warning_at=self.warning_at,
            warning_repeat_at=self.warning_repeat_at,
            overdue_at=self.overdue_at,
            escalation_at=self.escalation_at,
            evening_note_at=self.evening_note_at,
            half_month_check_at=self.half_month_check_at,
            half_month_report_at=self.half_month_report_at,
            half_month_report_workday=self.half_month_report_workday,
            weekly_summary_at=self.weekly_summary_at,
            weekly_summary_weekday=self.weekly_summary_weekday - 1,
            monthly_reminder_at=self.monthly_reminder_at,
            advance_workdays=self.warn_lead_workdays,
            escalate_after_workdays=self.escalate_after_workdays,
            empty_columns_escalate_at=self.empty_columns_escalate_at,
            full_list_max=self.full_list_max_items,
        )

    @property
    def queued_reading(self) -> bool:
        """The website reading goes through the task queue (`zhiri worker` reads)."""
        return self.read_queue == "procrastinate"

    def queue_refusal(self) -> str | None:
        """Why this configuration cannot queue the reading, in people's words; None when it can."""
        if self.queued_reading and not self.database_url.startswith("postgresql"):
            return QUEUE_NEEDS_POSTGRESQL
        return None

    def make_engine(self) -> Engine:
        """An engine for the configured database (SQLite with the configured busy timeout)."""
        from storage import sealed
        from storage.db import make_engine

        sealed.use(self.channel_key.get_secret_value() or None)  # the robots' keys go with the database
        return make_engine(self.database_url, busy_timeout=self.sqlite_busy_timeout)

    def routine_config(self) -> RoutineConfig:
        """The routine as this deployment runs it (the bot, and what `zhiri preview` shows)."""
        from jobs.routine import RoutineConfig

        return RoutineConfig(
            settings=self.routine,
            tz=self.tz,
            admin_ids=tuple(self.admin_telegram_ids),
            policy=self.policy,
            bulletin_fix_workdays=self.bulletin_fix_workdays,
        )

    def reader(self, clock: Callable[[], datetime] | None = None) -> Reader:
        """A website reader with this deployment's politeness towards the site's servers; `clock` stamps
        each reading's fetch time (the bot's clock, so tests that pass `now` see their own time)."""
        from webread.fetch import Reader

        return Reader(
            per_host=self.reader_per_host,
            host_delay=self.reader_host_delay,
            timeout=self.reader_timeout,
            clock=clock,
        )

    def prober(self) -> Prober:
        """The availability probe with this deployment's time limit and politeness."""
        from webread.probe import Prober

        return Prober(
            timeout=self.probe_timeout, per_host=self.probe_per_host, host_delay=self.probe_host_delay
        )

    def link_checker(self) -> LinkChecker:
        """The broken-link checker with this deployment's time limit and politeness."""
        from webread.linkcheck import LinkChecker

        return LinkChecker(
            timeout=self.links_timeout, per_host=self.links_per_host, host_delay=self.links_host_delay
        )

    def links_config(self) -> LinksConfig:
        """The broken-link check's: the robot groups' platforms take their own message sizes."""
        from bot.robots import robot_styles
        from jobs.links import LinksConfig

        return LinksConfig(tz=self.tz, admin_ids=tuple(self.admin_telegram_ids), styles=robot_styles())

    def probe_config(self) -> ProbeConfig:
        from jobs.probe import ProbeConfig

        return ProbeConfig(
            tz=self.tz,
            per_day=self.probe_per_day,
            lines=self.thresholds,
            admin_ids=tuple(self.admin_telegram_ids),
            timeout=self.probe_timeout,
        )

    @property
    def telegram_file_url(self) -> str:
        """Where files are downloaded: `…/bot` becomes `…/file/bot` (the official layout, kept by self-hosted
        servers and test fakes alike)."""
        base = self.telegram_api_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
