"""`zhiri preview` on the city's real list (examples/chuxiong-city-columns.xlsx), before and after a group
is bound: a working Monday, a holiday, and the 1st of a month (the half-month check)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from acts.catalog import run_import
from bot.cli import main
from bot.config import load_settings
from storage.db import make_engine, session_scope
from storage.models import Chat, ChatUnit, Item, Outbox, RoutineRun, Unit
from tests.conftest import SHANGHAI, Prepared, at

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "chuxiong-city-columns.xlsx"
GROUP = -100777
# The importer's calendar says out loud that due days in 2027 are guessed; that is not what is tested here.
pytestmark = pytest.mark.filterwarnings("ignore::domain.calendar.CalendarFallbackWarning")


def build_city(engine: Engine) -> None:
    run_import(engine, at("2026-09-01 09:00"), SHANGHAI, EXAMPLE)


@pytest.fixture
def city(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prepared: Prepared, request: pytest.FixtureRequest
) -> str:
    """The example city imported (once per session, copied for each test)."""
    url = f"sqlite:///{tmp_path / 'zhiri.db'}"
    prepared.engine(request, url, "preview_city", build_city).dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ADMIN_TELEGRAM_IDS", "9001")
    monkeypatch.setenv("TZ_NAME", "Asia/Shanghai")
    return url


def preview(capsys: pytest.CaptureFixture[str], moment: str, *extra: str) -> tuple[int, str]:
    code = main(["preview", "--at", moment, *extra])
    return code, capsys.readouterr().out


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with session_scope(engine) as s:
        result = (
            s.exec(select(func.count()).select_from(Outbox)).one(),
            s.exec(select(func.count()).select_from(RoutineRun)).one(),
            s.exec(
                select(func.count()).select_from(Item).where(Item.state_on == at("2026-10-12 09:00").date())
            ).one(),
        )
    engine.dispose()
    return result


def test_a_working_monday_before_any_group_is_bound(city: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = preview(capsys, "2026-10-12 09:00", "--json")
    assert code == 0
    rows = lines(out)
    assert {r["kind"] for r in rows} >= {"daily_read", "admin_notice"}
    group_messages = [r for r in rows if r["kind"] in ("daily_read", "due_warning", "overdue")]
    assert group_messages and all(r.get("nowhere") is True for r in group_messages)
    assert all(r["to"].startswith("unit:") for r in group_messages)
    assert all(set(r) >= {"kind", "to", "items", "text"} for r in rows)
    reads = [r for r in rows if r["kind"] == "daily_read"]
    assert sum(len(r["items"]) for r in reads) >= 105  # every column and account of the list, by some unit
    assert all(r["text"].startswith("【日查】2026年10月12日（星期一）") for r in reads)
    notice = next(r for r in rows if r["kind"] == "admin_notice")
    assert notice["to"] == "person:系统管理员" and "还没有绑定群聊" in notice["text"]
    assert all(
        r["to"] == "person:系统管理员"
        for r in rows
        if r["kind"] not in ("daily_read", "due_warning", "overdue")
    )
    assert counts(city) == (0, 0, 0)  # nothing written: no outbox row, no run, no stored state


def test_a_bound_group_is_previewed_as_a_chat(city: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(city)
    with session_scope(engine) as s:
        unit = s.exec(select(Unit).where(Unit.name == "市财政局")).one()
        chat = Chat(address=GROUP, title="财政局网站工作群", created_at=at("2026-09-01 09:00"))
        s.add(chat)
        s.flush()
        assert chat.id is not None and unit.id is not None
        s.add(ChatUnit(chat_id=chat.id, unit_id=unit.id))
    engine.dispose()
    _, out = preview(capsys, "2026-10-12 09:00", "--json")
    rows = lines(out)
    mine = [r for r in rows if r["to"] == f"chat:{GROUP}"]
    assert [r["kind"] for r in mine][:1] == ["daily_read"]
    assert all("nowhere" not in r for r in mine)
    assert "【市财政局】" in mine[0]["text"]
    assert not any(r["to"] == "unit:市财政局" for r in rows)
    _, text = preview(capsys, "2026-10-12 09:00")
    assert "群「财政局网站工作群」" in text and "（未绑定群，无处发送）" in text


def test_a_holiday_sends_nothing(city: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = preview(capsys, "2026-10-01 09:00", "--json")
    assert code == 0 and out.strip() == ""
    code, text = preview(capsys, "2026-10-01 09:00")
    assert "当天不是工作日（节假日或周末），例行提醒一律不发送。" in text


def test_the_first_of_a_month_brings_the_half_month_checklist(
    city: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = preview(capsys, "2026-12-01 09:00", "--json")
    rows = lines(out)
    checks = [r for r in rows if r["kind"] == "half_month_check"]
    assert checks and all(r["text"].startswith("【半月查】2026年12月上半月全面检查") for r in checks)
    assert all(r["buttons"][0][0].endswith("正常") for r in checks)
    _, text = preview(capsys, "2026-12-01 10:00")
    assert "这一时刻没有要发送的消息" in text and "09:00 半月查清单" in text
    _, out = preview(capsys, "2026-12-03 17:00", "--json")  # the 3rd working day: the report
    report = [r for r in lines(out) if r["kind"] == "half_month_report"]
    assert report and report[0]["document"].endswith(".xlsx") and report[0]["to"] == "person:系统管理员"


def test_a_bad_moment_is_refused(city: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--at", "12 October 9am"]) == 2


def test_the_preview_judges_with_the_deployments_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARN_LEAD_WORKDAYS", "4")
    settings = load_settings()
    config = settings.routine_config()
    assert config.policy == settings.policy and config.policy.warn_lead_workdays == 4
    assert config.settings == settings.routine and config.tz == settings.tz
