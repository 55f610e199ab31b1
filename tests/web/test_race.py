"""The same acting link tapped twice at once (two POSTs racing): both pass the "not used yet" look before
either writes, and the one-time use still holds on SQLite and PostgreSQL. A barrier inside the act makes the
race certain instead of lucky; the rest is the real page, acts and database."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

import web.entrance
from domain.model import UpdateSource
from storage.db import session_scope
from storage.models import UpdateLog, UsedLink
from tests.web.conftest import DAY, Day, path_of
from web.entrance import DoneResult, Used, act

pytestmark = pytest.mark.postgres


def test_a_link_posted_twice_at_the_same_moment_logs_once(
    robot_day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = robot_day.link("✅ 已更新：财政预决算", "【逾期提醒】")
    token = path_of(url).removeprefix("/l/")
    both_looked = threading.Barrier(2, timeout=20)
    real_log_link = web.entrance.log_link

    def log_link_after_both_looked(*args: Any, **kwargs: Any) -> Any:
        both_looked.wait()  # each tap has found the link unused; now both write
        return real_log_link(*args, **kwargs)

    monkeypatch.setattr(web.entrance, "log_link", log_link_after_both_looked)
    now = DAY + timedelta(hours=1)
    with ThreadPoolExecutor(2) as pool:
        pages = list(pool.map(lambda _: act(robot_day.web, token, now, {"count": "1"}), range(2)))

    assert sorted(type(p).__name__ for p in pages) == ["DoneResult", "Used"]
    done = next(p for p in pages if isinstance(p, DoneResult))
    used = next(p for p in pages if isinstance(p, Used))
    assert not done.already and used.summary == done.summary
    with session_scope(robot_day.engine) as s:
        logs = s.exec(select(UpdateLog).where(UpdateLog.source == UpdateSource.LINK)).all()
        assert len(logs) == 1 and len(s.exec(select(UsedLink)).all()) == 1
