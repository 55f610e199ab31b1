"""Configuration: `.env.example` documents every setting, and loads as it stands."""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.env import local_tz
from domain.model import Span, TimeUnit

EXAMPLE = Path(__file__).parent.parent / ".env.example"


def test_it_documents_every_setting_and_nothing_else():
    names = set(re.findall(r"^([A-Z_]+)=", EXAMPLE.read_text(encoding="utf-8"), re.M))
    assert names == {name.upper() for name in Settings.model_fields}


def test_the_example_loads_with_the_documented_defaults():
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite:///data/zhiri.db"
    assert settings.routine.warning_repeat_at == time(15, 0)
    assert settings.routine.weekly_summary_weekday == 4  # Friday, Monday = 0
    assert settings.policy.on_change_floor == Span(1, TimeUnit.YEAR)
    assert settings.policy.account_default_gap == Span(1, TimeUnit.WEEK)


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ADMIN_TELEGRAM_IDS", "11, 22 33")
    monkeypatch.setenv("WARNING_REPEAT_AT", "")
    monkeypatch.setenv("ON_CHANGE_FLOOR_MONTHS", "0")
    monkeypatch.setenv("ACCOUNT_GAP_DAYS", "10")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_telegram_ids == [11, 22, 33]
    assert settings.routine.warning_repeat_at is None
    assert settings.policy.on_change_floor is None
    assert settings.policy.account_default_gap == Span(10, TimeUnit.DAY)


@pytest.mark.parametrize(
    ("environ", "dotenv", "zone"),
    [
        ({}, None, "Asia/Shanghai"),
        ({}, "TZ_NAME=Asia/Urumqi\n", "Asia/Urumqi"),
        ({}, "# a comment\ntz_name = 'Asia/Harbin'\n", "Asia/Harbin"),
        ({"TZ_NAME": "Asia/Hong_Kong"}, "TZ_NAME=Asia/Urumqi\n", "Asia/Hong_Kong"),
        ({"tz_name": "Asia/Macau"}, None, "Asia/Macau"),
    ],
)
def test_the_fast_start_reads_the_time_zone_as_the_settings_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environ: dict[str, str], dotenv: str | None, zone: str
) -> None:
    # `zhiri read` reads TZ_NAME without pydantic (bot/env.py): the same source, the same answer.
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.lower() == "tz_name"]:
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    assert local_tz() == Settings().tz == ZoneInfo(zone)
