"""The JobQueue wiring: one repeating tick that catches up on the day and drains the outbox."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from telegram.ext import ApplicationBuilder

from bot.schedule import JOB_NAME, register
from domain.calendar import WorkCalendar
from jobs.routine import RoutineConfig
from jobs.sender import SendLimits
from storage.items import Judge
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, FIN_CHAT, FakeTransport, add_item, build_world


async def test_the_tick_job_runs_the_routine_and_sends(engine: Engine, transport: FakeTransport) -> None:
    world = build_world(engine)
    judge = Judge(SHANGHAI, WorkCalendar())
    add_item(engine, world, judge, "政务公开 / 财政预决算", "2周内更新", "市财政局", at("2026-09-19 09:00"))
    app = ApplicationBuilder().token("4242:TEST").build()
    config = RoutineConfig(tz=SHANGHAI, admin_ids=(ADMIN_TG,), limits=SendLimits(per_second=1000))
    moments = iter([at("2026-10-12 10:30"), at("2026-10-12 10:31")])
    register(app, engine, config, clock=lambda: next(moments), transport=transport)
    [job] = app.job_queue.jobs()  # type: ignore[union-attr]
    assert job.name == JOB_NAME
    await job.run(app)  # the bot started at 10:30: the 09:00 slots happen now
    texts = [d.text for d in transport.to(FIN_CHAT)]
    assert [t.split("\n")[0] for t in texts] == [
        "【日查】2026年10月12日（星期一）",
        "【逾期提醒】2026年10月12日（星期一）",
    ]
    await job.run(app)  # and only once
    assert len(transport.to(FIN_CHAT)) == 2
