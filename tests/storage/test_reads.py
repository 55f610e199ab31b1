"""What /check answers about an item after reading its page: the one judgement, never the stored cache."""

from __future__ import annotations

from datetime import timedelta

from acts.check import CheckTarget, record_check
from storage.db import session_scope
from storage.items import judge_items
from storage.models import Item
from tests.bot.seed import seed
from tests.conftest import at
from webread.extract import PageReading

CREATED = at("2026-10-01 09:00")
PATH = "首页 / 部门动态"  # 2周内更新, last updated (imported) on CREATED


def test_check_tells_the_state_of_the_moment_even_when_the_reading_logs_nothing(engine, judge):
    world = seed(engine, judge, CREATED, now=CREATED)
    later = CREATED + timedelta(days=30)  # the daily pass has not run since: the stored state is old
    with session_scope(engine) as session:
        stored = session.get(Item, world.items[PATH])
        assert stored is not None and stored.state == "fresh"
        target = CheckTarget(world.items[PATH], PATH, "http://example.gov.cn/bmdt/")
        checked = record_check(session, later, judge, target, PageReading("unknown", None, 0, "页面无日期"))
        live = judge_items(session, [stored], judge, later)[stored.id]
    assert not checked.logged
    assert live.state.value == "overdue"
    assert (checked.state, checked.due_on, checked.days_late) == (live.state.value, live.due, live.days_late)
