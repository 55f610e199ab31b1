"""Configuration: the only place that reads the environment and `.env`."""

from __future__ import annotations

from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

OFFICIAL_API_URL = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = ""
    telegram_api_url: str = OFFICIAL_API_URL
    database_url: str = "sqlite:///data/zhiri.db"
    admin_telegram_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    tz_name: str = "Asia/Shanghai"

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


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
