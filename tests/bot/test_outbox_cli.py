"""`zhiri outbox`: messages set aside after repeated unexpected errors are listed, kept and sent again."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta

from sqlalchemy.engine import Engine

from bot.cmd_health import judge
from storage import outbox, runtime
from storage.db import session_scope
from storage.models import Heartbeat
from tests.bot.e2e import zhiri
from tests.conftest import SHANGHAI, at

NOW = at("2026-10-12 09:00")


def test_set_aside_messages_are_listed_kept_and_sent_again(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as s:
        ids = []
        for i in range(3):
            row_id, _ = outbox.enqueue(
                s,
                NOW,
                kind="overdue",
                chat_id=-1001,
                text=f"【逾期提醒】第{i}条",
                day=date(2026, 10, 12),
                key=f"k{i}",
            )
            ids.append(row_id)
        for row_id in ids[:2]:
            error = "Conflict: odd"
            outbox.mark_failed(s, NOW, row_id, error, retry_at=None, failures=5, set_aside=True)
    listed = zhiri(db_url, "outbox", timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "共 2 条暂存消息" in listed.stdout and "【逾期提醒】第0条" in listed.stdout
    assert "Conflict: odd" in listed.stdout and "失败5次" in listed.stdout
    refused = zhiri(db_url, "outbox", "--retry", str(ids[2] + 100), timeout=60)
    assert refused.returncode == 2 and "没有编号为" in refused.stderr
    with session_scope(engine) as s:
        health = runtime.health(s, NOW, "zhiri")
    assert health.set_aside == 2 and health.outbox_backlog == 1  # set aside is not backlog
    beat = Heartbeat(name="zhiri", pid=1, mode="polling", started_at=NOW, tick_at=NOW, api_ok_at=NOW)
    seen = dataclasses.replace(health, heartbeat=beat)
    checks = {c.name: c for c in judge(seen, NOW, SHANGHAI, **LIMITS)}
    assert checks["set_aside"].ok and "因异常暂存的消息：2 条" in checks["set_aside"].zh
    again = zhiri(db_url, "outbox", "--retry", str(ids[1]), timeout=60)
    assert again.returncode == 0 and "已放回发送队列：1 条" in again.stdout
    with session_scope(engine) as s:
        assert [r.id for r in outbox.set_aside_rows(s)] == [ids[0]]
        assert outbox.unsent_count(s) == 2
    as_json = json.loads(zhiri(db_url, "outbox", "--json", timeout=60).stdout)
    assert [r["id"] for r in as_json] == [ids[0]] and as_json[0]["error"] == "Conflict: odd"


LIMITS = {"silence": timedelta(seconds=180), "backlog": timedelta(minutes=30)}
