"""An update handled a second time (after a crash in the middle of handling it) neither logs twice nor sends
its reply twice: the reply's call is answered from the record (bot/inbox.py)."""

from __future__ import annotations

from sqlmodel import select
from telegram import Update

from storage.db import session_scope
from storage.models import UpdateCall, UpdateLog
from tests.bot.conftest import FINANCE


async def test_an_update_handled_again_sends_its_reply_once_and_logs_once(harness):
    app, request = harness.app, harness.request
    data = harness.message_update("/done 财政预决算", user=FINANCE)
    processor = app.update_processor

    await processor.process_update(
        Update.de_json(data, app.bot), app.process_update(Update.de_json(data, app.bot))
    )
    assert len(request.sent()) == 1 and "财政预决算" in request.last_text()
    # The process died before the update was marked handled: the restart handles it again.
    again = Update.de_json(data, app.bot)
    await processor.process_update(again, app.process_update(again))

    assert len(request.sent()) == 1  # not sent again
    with session_scope(harness.engine) as s:
        assert len(s.exec(select(UpdateLog)).all()) == 1
        (call,) = s.exec(select(UpdateCall)).all()
    assert (call.update_id, call.seq, call.endpoint) == (data["update_id"], 0, "sendMessage")


async def test_calls_outside_the_handling_of_an_update_are_not_recorded(harness):
    await harness.send("/help", user=FINANCE)  # process_update directly: no update is being handled
    await harness.send("/help", user=FINANCE)
    assert len(harness.request.sent()) == 2
    with session_scope(harness.engine) as s:
        assert s.exec(select(UpdateCall)).all() == []
