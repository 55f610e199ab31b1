"""The running bot's records: updates kept until handled, the heartbeat, and what `zhiri health` reads."""

from __future__ import annotations

from datetime import timedelta

from storage import outbox, runtime
from storage.db import session_scope
from storage.models import Heartbeat
from tests.conftest import at

NOW = at("2026-11-26 09:00")


def test_an_update_is_kept_once_and_given_back_until_handled(engine):
    with session_scope(engine) as s:
        assert runtime.receive(s, NOW, 850_000_002, '{"update_id": 850000002}')
        assert runtime.receive(s, NOW, 850_000_001, '{"update_id": 850000001}')
    with session_scope(engine) as s:  # delivered again after a crash: recognised
        assert not runtime.receive(s, NOW, 850_000_001, '{"update_id": 850000001}')
        assert [u for u, _ in runtime.unhandled(s)] == [850_000_001, 850_000_002]
        runtime.mark_handled(s, NOW, 850_000_001)
    with session_scope(engine) as s:
        assert runtime.unhandled(s) == [(850_000_002, '{"update_id": 850000002}')]
        assert not runtime.receive(s, NOW, 850_000_001, "{}")  # handled: still not handled twice


def test_handled_updates_are_forgotten_after_a_week(engine):
    with session_scope(engine) as s:
        for update_id in (1, 2, 3):
            runtime.receive(s, NOW, update_id, "{}")
        runtime.mark_handled(s, NOW, 1)
        runtime.mark_handled(s, NOW + timedelta(days=6), 2)
    with session_scope(engine) as s:
        assert runtime.prune(s, NOW + timedelta(days=7, minutes=1)) == 1
        assert [u for u, _ in runtime.unhandled(s)] == [3]
        assert runtime.receive(s, NOW, 1, "{}") and not runtime.receive(s, NOW, 2, "{}")


def test_health_reads_the_heartbeat_waiting_updates_and_the_outbox_backlog(engine):
    with session_scope(engine) as s:
        assert runtime.health(s, NOW, "bot").heartbeat is None
        runtime.beat(s, NOW, "bot", pid=42, mode="polling", started=True)
        runtime.beat(s, NOW + timedelta(seconds=30), "bot", api_ok=True, tick=True)
        runtime.receive(s, NOW, 7, "{}")
        for n in range(3):
            outbox.enqueue(s, NOW, kind="t", chat_id=-1, text="x", day=NOW.date(), key=f"t:{n}")
        outbox.enqueue(
            s,
            NOW,
            kind="t",
            chat_id=-1,
            text="later",
            day=NOW.date(),
            key="t:later",
            not_before=NOW + timedelta(hours=1),
        )
    with session_scope(engine) as s:
        h = runtime.health(s, NOW + timedelta(minutes=1), "bot")
    assert h.heartbeat is not None and (h.heartbeat.pid, h.heartbeat.mode) == (42, "polling")
    assert h.heartbeat.api_ok_at == h.heartbeat.tick_at == NOW + timedelta(seconds=30)
    assert h.heartbeat.stopped_at is None
    assert (h.unhandled_updates, h.oldest_unhandled) == (1, NOW)
    assert (h.outbox_backlog, h.oldest_backlog) == (3, NOW)
    with session_scope(engine) as s:
        runtime.beat(s, NOW + timedelta(minutes=2), "bot", stopped=True)
        runtime.beat(s, NOW + timedelta(minutes=3), "bot", pid=43, mode="webhook", started=True)
        h = runtime.health(s, NOW + timedelta(minutes=3), "bot")
    assert h.heartbeat is not None and h.heartbeat.pid == 43 and h.heartbeat.tick_at is None
    assert h.heartbeat.stopped_at is None and h.heartbeat.started_at == NOW + timedelta(minutes=3)


def test_two_processes_starting_together_share_the_heartbeat_row(engine):
    """Both find no row; the second's insert waits for the first's and does nothing, and neither stops on
    the duplicate key (two `zhiri run` started together on one PostgreSQL once did)."""
    from threading import Thread

    from sqlmodel import Session

    first = Session(engine)
    assert first.get(Heartbeat, "bot") is None
    runtime.beat(first, NOW, "bot", pid=1, mode="polling", started=True)
    first.flush()  # the row is written, not committed: the other process cannot see it yet
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with session_scope(engine) as s:
                runtime.beat(s, NOW + timedelta(seconds=1), "bot", pid=2, mode="polling", started=True)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    other = Thread(target=second)
    other.start()
    other.join(timeout=1)  # it waits for the first's transaction
    first.commit()
    first.close()
    other.join(timeout=30)
    assert not other.is_alive() and errors == []
    with session_scope(engine) as s:
        h = runtime.health(s, NOW + timedelta(seconds=2), "bot")
    assert h.heartbeat is not None and h.heartbeat.pid == 2  # the later start is the run on record
