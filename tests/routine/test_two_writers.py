"""Two processes catching up on the same slots at the same moment (several `zhiri run` on one PostgreSQL):
both find the slots due and plan them; the one that records the slots second rolls its whole plan back
(`RunReport.raced`), so each slot is run once and each message written once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

import jobs.routine
from domain.calendar import WorkCalendar
from jobs.routine import RoutineConfig, RunReport, run_due
from storage.db import make_engine, session_scope
from storage.items import Judge, refresh_stale
from storage.models import Outbox, RoutineRun
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, add_item, build_world


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_writers_of_the_same_slots_run_them_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    world = build_world(engine)
    judge = Judge(SHANGHAI, WorkCalendar())
    add_item(engine, world, judge, "政务公开 / 财政预决算", "2周内更新", "市财政局", at("2026-09-19 09:00"))
    add_item(engine, world, judge, "首页 / 部门动态", "2周内更新", "市财政局", at("2026-09-20 09:00"))
    config = RoutineConfig(tz=SHANGHAI, admin_ids=(ADMIN_TG,))
    now = at("2026-10-12 10:30")
    with session_scope(engine) as s:
        # The day's states already stored (the midnight tick did it): the two write nothing else before
        # they plan. (With stale states the second waits on the first's row locks and then finds the slots
        # run: the same outcome, without a race.)
        refresh_stale(s, judge, now, world.site_id)

    # Both have found the slots due and planned them before either writes: the moment two processes race.
    both_planned = threading.Barrier(2, timeout=60)
    real_plan = jobs.routine.plan

    def plan_then_wait(*args, **kwargs):  # type: ignore[no-untyped-def]
        planned = real_plan(*args, **kwargs)
        both_planned.wait()
        return planned

    monkeypatch.setattr(jobs.routine, "plan", plan_then_wait)
    reports: list[RunReport] = []
    errors: list[BaseException] = []

    def one_process() -> None:
        own = make_engine(str(engine.url.render_as_string(hide_password=False)))
        try:
            reports.append(run_due(own, now, config))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=one_process) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sorted(r.raced for r in reports) == [0, 1]
    (ran,) = [r for r in reports if not r.raced]
    assert ran.written > 0
    with session_scope(engine) as s:
        runs = s.exec(select(RoutineRun.slot, func.count()).group_by(RoutineRun.slot)).all()
        written = s.exec(select(func.count()).select_from(Outbox)).one()
    assert runs and all(n == 1 for _, n in runs)
    assert written == ran.written  # the second's messages were rolled back with its slots
