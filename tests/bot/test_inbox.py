"""An update handled a second time (the process died while handling it) neither logs twice nor sends its
reply twice: the restart recovers it and its reply's call is answered from the record (bot/inbox.py)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import update as sql_update
from sqlmodel import select
from telegram import Update

from bot.inbox import KeptUpdates, MarkHandled, recover
from storage.db import make_engine, session_scope
from storage.models import InboundUpdate, UpdateCall, UpdateLog
from tests.bot.conftest import FINANCE, NOW


async def handle_next(app) -> None:
    """What PTB's update fetcher does with the next update in the queue."""
    update = app.update_queue.get_nowait()
    await app.update_processor.process_update(update, app.process_update(update))


async def test_an_update_handled_again_after_a_crash_answers_once_and_logs_once(harness):
    app, request, engine = harness.app, harness.request, harness.engine
    data = harness.message_update("/done 财政预决算", user=FINANCE)
    await app.update_queue.put(Update.de_json(data, app.bot))  # kept in the database, then queued
    await handle_next(app)
    assert len(request.sent()) == 1 and "财政预决算" in request.last_text()
    with session_scope(engine) as s:  # as if the process had died before marking it handled
        s.execute(sql_update(InboundUpdate).values(handled_at=None))

    assert await recover(app, engine, lambda: NOW) == 1
    await handle_next(app)

    assert len(request.sent()) == 1  # the reply was not sent again
    with session_scope(engine) as s:
        # One log for the /done (the seed's imported last-update dates aside).
        assert len(s.exec(select(UpdateLog).where(UpdateLog.source != "import")).all()) == 1
        (call,) = s.exec(select(UpdateCall)).all()
        (kept,) = s.exec(select(InboundUpdate)).all()
    assert (call.update_id, call.seq, call.endpoint) == (data["update_id"], 0, "sendMessage")
    assert kept.handled_at is not None


async def test_an_update_delivered_again_is_not_handled_again(harness):
    app = harness.app
    data = harness.message_update("/done 财政预决算", user=FINANCE)
    await app.update_queue.put(Update.de_json(data, app.bot))
    await app.update_queue.put(Update.de_json(data, app.bot))  # Telegram sends it again
    assert app.update_queue.qsize() == 1


async def test_calls_outside_the_handling_of_an_update_are_not_recorded(harness):
    await harness.send("/help", user=FINANCE)  # process_update directly: no update is being handled
    await harness.send("/help", user=FINANCE)
    assert len(harness.request.sent()) == 2
    with session_scope(harness.engine) as s:
        assert s.exec(select(UpdateCall)).all() == []


async def test_an_undo_handled_again_after_a_crash_takes_back_one_act_only(harness):
    """/undo is idempotent per update: replayed from the inbox after a crash, it answers what it took back
    the first time and does not take back the act before it as well (issue 17, point 6's replay)."""
    app, request, engine = harness.app, harness.request, harness.engine
    for text in ("/done 财政预决算 第一次", "/done 财政预决算 第二次"):
        await app.update_queue.put(Update.de_json(harness.message_update(text, user=FINANCE), app.bot))
        await handle_next(app)
    undo = harness.message_update("/undo", user=FINANCE)
    await app.update_queue.put(Update.de_json(undo, app.bot))
    await handle_next(app)
    assert len(request.sent()) == 3 and "撤销" in request.last_text()
    with session_scope(engine) as s:  # the process died before marking the /undo handled
        s.execute(
            sql_update(InboundUpdate)
            .where(InboundUpdate.update_id == undo["update_id"])
            .values(handled_at=None)
        )

    assert await recover(app, engine, lambda: NOW) == 1
    await handle_next(app)

    assert len(request.sent()) == 3  # its reply was not sent again
    with session_scope(engine) as s:
        logs = s.exec(select(UpdateLog).where(UpdateLog.source != "import").order_by(UpdateLog.id)).all()
    done = [(log.note, log.undone_at is not None) for log in logs if log.source == "done"]
    assert done == [("第一次", False), ("第二次", True)]  # the first /done still stands
    assert [log.source for log in logs].count("undo") == 1


async def test_a_second_undo_message_takes_back_the_act_before(harness):
    """Two /undo messages are two acts: idempotency is per update, not per person."""
    app, engine = harness.app, harness.engine
    for text in ("/done 财政预决算 第一次", "/done 财政预决算 第二次", "/undo", "/undo"):
        await app.update_queue.put(Update.de_json(harness.message_update(text, user=FINANCE), app.bot))
        await handle_next(app)
    with session_scope(engine) as s:
        logs = s.exec(select(UpdateLog).where(UpdateLog.source == "done")).all()
    assert all(log.undone_at is not None for log in logs) and len(logs) == 2


async def test_a_handled_update_the_locked_database_cannot_mark_is_marked_with_the_next(harness):
    """Another writer (an import, a backup) holds SQLite's lock past the busy timeout while an update is
    handled: its handling goes on, and it is marked handled with the next update, not lost nor raised into
    PTB's update loop (which would leave the update queue waiting for it for ever)."""
    app, engine = harness.app, harness.engine
    queue = app.update_queue
    assert isinstance(queue, KeptUpdates)
    impatient = make_engine(str(engine.url), busy_timeout=0.2)
    marker = MarkHandled(impatient, lambda: NOW, queue)
    first, second = (
        Update.de_json(harness.message_update(text, user=FINANCE), app.bot) for text in ("/help", "/help")
    )
    for update in (first, second):
        await queue.put(update)  # kept, not yet handled
    handled: list[int] = []

    async def handle(update: Update) -> None:
        handled.append(update.update_id)

    other = sqlite3.connect(engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the other writer
    try:
        await marker.do_process_update(first, handle(first))
    finally:
        other.execute("COMMIT")
        other.close()
    with session_scope(engine) as s:
        assert [u.handled_at for u in s.exec(select(InboundUpdate))] == [None, None]
    await marker.do_process_update(second, handle(second))
    impatient.dispose()

    assert handled == [first.update_id, second.update_id]
    with session_scope(engine) as s:
        assert all(u.handled_at is not None for u in s.exec(select(InboundUpdate)))
    assert await recover(app, engine, lambda: NOW) == 0  # nothing left to handle again
