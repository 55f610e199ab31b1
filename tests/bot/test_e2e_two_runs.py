"""Two `zhiri run` processes on one PostgreSQL (issue 16: past one machine): started together, both catch up
on the day's routine at once; each slot is planned once (the routine's run record is unique per site, day
and slot, and the second writer's whole plan rolls back) and each message is sent once (the outbox's
conditional claim), to the groups and to the administrator."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlmodel import select

from domain.model import DayKind
from storage.db import session_scope
from storage.models import CalendarDay, Chat, ChatUnit, Outbox, RoutineRun
from tests.bot.e2e import ADMIN, bot_env, seed_world, spawn, stop
from tests.conftest import SHANGHAI, db_name
from tests.support import postgres
from tests.support.fake_botapi import FakeBotAPI

pytestmark = pytest.mark.slow
SLOTS_AT = (
    "DAILY_READ_AT",
    "WARNING_AT",
    "WARNING_REPEAT_AT",
    "OVERDUE_AT",
    "ESCALATION_AT",
    "EVENING_NOTE_AT",
    "HALF_MONTH_CHECK_AT",
    "HALF_MONTH_REPORT_AT",
    "WEEKLY_SUMMARY_AT",
    "MONTHLY_REMINDER_AT",
)


def test_two_processes_on_one_postgresql_plan_each_slot_once_and_send_each_message_once(tmp_path, pg_server):
    url = postgres.create_database(pg_server.url, db_name("zhiri_two_runs"))
    engine, world = seed_world(url)
    fake = FakeBotAPI().start()
    admin = fake.user(ADMIN, "信息中心")
    fake.private_chat(admin)
    groups = {unit: fake.group(f"{unit}网站工作群") for unit in ("市财政局", "市教育局")}
    today = datetime.now(SHANGHAI).date()
    now = datetime.now(SHANGHAI)
    with session_scope(engine) as s:
        # Today is a working day, whatever day the test runs on, and every slot's time has come: both
        # processes find the whole working day's routine due as they start.
        if not s.exec(select(CalendarDay).where(CalendarDay.day == today)).first():
            s.add(CalendarDay(year=today.year, day=today, kind=DayKind.WORKDAY, created_at=now))
        for unit, group in groups.items():
            chat = Chat(address=group.id, title=group.title or "", site_id=world.site_id, created_at=now)
            s.add(chat)
            s.flush()
            assert chat.id is not None
            s.add(ChatUnit(chat_id=chat.id, unit_id=world.units[unit]))
    env = bot_env(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=fake.base_url,
        DATABASE_URL=url,
        ADMIN_TELEGRAM_IDS=str(ADMIN),
        CRAWL_ENABLED="false",
        **dict.fromkeys(SLOTS_AT, "00:00"),
    )
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    procs = [spawn(env, tmp_path, log) for log in logs]
    try:

        def all_sent() -> bool:
            with session_scope(engine) as s:
                rows = s.exec(select(Outbox)).all()
            return bool(rows) and all(r.sent_at is not None for r in rows)

        fake.wait_for(all_sent, 180, what="the routine's messages to be sent")
        for proc, log in zip(procs, logs, strict=True):
            assert proc.poll() is None, log.read_text()
        with session_scope(engine) as s:
            runs = s.exec(select(RoutineRun)).all()
            rows = s.exec(select(Outbox)).all()
    finally:
        for proc in procs:
            stop(proc)
        fake.stop()
        engine.dispose()

    slots = Counter((r.day, r.slot) for r in runs)
    assert slots and all(n == 1 for n in slots.values()), slots
    assert {"daily_read", "overdue"} <= {slot for _, slot in slots}
    # Each written message reached its chat once: the fake counts what it accepted.
    group_ids = {g.id for g in groups.values()}
    assert {r.chat_id for r in rows} >= group_ids | {ADMIN}
    routine_sent = [m for m in fake.sent if m.chat_id in group_ids | {ADMIN}]
    assert len(routine_sent) == len(rows), (len(routine_sent), len(rows))
    assert all(n == 1 for n in Counter((m.chat_id, m.text) for m in routine_sent).values())
    both = "\n".join(log.read_text() for log in logs)
    assert both.count("routine 楚雄市人民政府网站") == 1  # one of them ran the day's slots
