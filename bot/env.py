"""One setting read the way `bot.config.Settings` reads it, without loading pydantic.

`zhiri read` needs only the site's time zone, and pydantic-settings alone cost it more CPU than the rest of
its start. The source is the same: the environment first, then `.env` in the working folder (parsed by
python-dotenv, as pydantic-settings does), names matched without regard to case. `Settings` takes its file
name and the time zone's default from here, and a test checks that both give the same answer.
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

ENV_FILE = ".env"
DEFAULT_TZ_NAME = "Asia/Shanghai"


def setting(name: str) -> str | None:
    """The text of setting `name` (say "tz_name") from the environment or `.env`; None when neither has it."""
    wanted = name.lower()
    found = None
    for key, value in os.environ.items():
        if key.lower() == wanted:
            found = value
    if found is not None:
        return found
    if not Path(ENV_FILE).is_file():
        return None
    from dotenv import dotenv_values  # only when there is a file to read

    for key, text in dotenv_values(ENV_FILE, encoding="utf-8").items():
        if key.lower() == wanted:
            found = text
    return found


def local_tz() -> ZoneInfo:
    """The site's time zone (TZ_NAME), as `Settings().tz` gives it."""
    name = setting("tz_name")
    return ZoneInfo(DEFAULT_TZ_NAME if name is None else name)
