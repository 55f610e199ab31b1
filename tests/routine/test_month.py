"""A month of the live routine, 21 September – 23 October 2026, through `tick` with time passed in.

The calendar around it: 9月25–27日 中秋 and 10月1–7日 国庆 are days off, 10月10日 (Saturday) is a 调休
working day, 10月8日 the first working day after the holiday. Every tick goes through the database and the
outbox; only the transport is fake. What each recipient gets on each day is asserted exactly.

- 财政预决算 (市财政局) is due on Saturday 3 October, in the holiday: advance notice on the 28th, the warning
  on Wednesday 30 September (09:00 and 15:00), overdue from 8 October, escalated from the 9th, updated on
  the 13th at 10:00 — due again on the 27th, so advance notice on the 23rd.
- 教育动态 (市教育局) is due on the 24th (updated at 10:00 that day), then on 8 October (updated at 11:00:
  no afternoon repeat), then on the 22nd (not updated: repeat at 15:00, overdue on the 23rd).
- 楚雄发布, a WeChat account of 市财政局, appears on 9 October and is due weekly: warned on the 16th,
  overdue from the 19th, escalated from the 20th.
- 政府信息公开年报 belongs to 市政府办公室, which has no group: the administrator hears of it every day.
- 市财政局 confirms the daily read every day at 10:00; 市教育局 never does (the evening note says so).
- On 12 October the bot is down until 10:30: the morning still happens, once.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from acts.routine import record_answer, record_fix_note, record_read, set_prompt
from domain.actions import Action
from domain.calendar import WorkCalendar
from jobs.routine import RoutineConfig, tick
from jobs.sender import SenderState, SendLimits
from storage.db import session_scope
from storage.items import Judge
from storage.models import Outbox, RoutineRun
from storage.queries import Speaker, actor_for
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import (
    ADMIN_TG,
    EDU_CHAT,
    FIN_CHAT,
    FIN_WM_TG,
    LEADER_TG,
    FakeTransport,
    World,
    add_item,
    build_world,
    log,
)

F, E, ADM, LDR = f"chat:{FIN_CHAT}", f"chat:{EDU_CHAT}", f"tg:{ADMIN_TG}", f"tg:{LEADER_TG}"
FAST = SendLimits(per_second=1000, private_interval=0.0, group_per_window=10_000, linger=0.2)
BUDGET = "政务公开 / 财政预决算"
EDU_NEWS = "政务公开 / 教育动态"
ACCOUNT = "微信公众号 / 楚雄发布"
NOTICES = "政务公开 / 政府信息公开年报"

# Every working day: the two groups' daily read, the note about 市政府办公室 (no group), the evening note.
BASE = [("daily_read", F), ("daily_read", E), ("admin_notice", ADM), ("evening_note", ADM)]
WEEKLY = [("weekly_summary", ADM), ("weekly_summary", LDR)]
ESCALATE = [("escalation", LDR), ("escalation", ADM)]
# 月提醒 on the first working day of October (the 8th, after National Day): September, to both; it is also
# the quarter's first working day: the third quarter's bulletin and its annex, to the administrator.
MONTHLY = [("monthly_reminder", ADM), ("monthly_reminder", LDR), ("bulletin", ADM), ("bulletin", ADM)]
EXPECTED: dict[str, list[tuple[str, str]]] = {
    "2026-09-21": [],
    "2026-09-22": [("due_warning", E)],
    "2026-09-23": [],
    "2026-09-24": [("due_warning", E), *WEEKLY],
    "2026-09-28": [("due_warning", F)],
    "2026-09-29": [("due_warning", E)],
    "2026-09-30": [("due_warning", F), ("due_warning", F), *WEEKLY],
    "2026-10-08": [
        ("overdue", F),
        ("due_warning", E),
        ("half_month_check", F),
        ("half_month_check", E),
        *MONTHLY,
    ],
    "2026-10-09": [("overdue", F), *ESCALATE, *WEEKLY],
    "2026-10-10": [("overdue", F), *ESCALATE, ("half_month_report", ADM)],
    "2026-10-12": [("overdue", F), *ESCALATE],
    "2026-10-13": [("overdue", F), *ESCALATE],
    "2026-10-14": [("due_warning", F)],
    "2026-10-15": [],
    "2026-10-16": [
        ("due_warning", F),
        ("due_warning", F),
        ("half_month_check", F),
        ("half_month_check", E),
        *WEEKLY,
    ],
    "2026-10-19": [("overdue", F)],
    "2026-10-20": [("overdue", F), *ESCALATE, ("due_warning", E), ("half_month_report", ADM)],
    "2026-10-21": [("overdue", F), *ESCALATE],
    "2026-10-22": [("overdue", F), *ESCALATE, ("due_warning", E), ("due_warning", E)],
    "2026-10-23": [("overdue", F), ("overdue", E), *ESCALATE, ("due_warning", F), *WEEKLY],
}
DAYS_OFF = [
    "2026-09-25",
    "2026-09-26",
    "2026-09-27",
    *(f"2026-10-0{d}" for d in range(1, 8)),
    "2026-10-11",
    "2026-10-17",
    "2026-10-18",
]


class Month:
    def __init__(self, engine: Engine, transport: FakeTransport) -> None:
        self.engine, self.transport = engine, transport
        self.judge = Judge(SHANGHAI, WorkCalendar(on_fallback=lambda _y: None))
        self.world: World = build_world(engine)
        self.config = RoutineConfig(tz=SHANGHAI, limits=FAST)
        self.state = SenderState(limits=FAST)
        j = self.judge
        add_item(engine, self.world, j, BUDGET, "2周内更新", "市财政局", at("2026-09-19 09:00"))
        add_item(engine, self.world, j, EDU_NEWS, "2周内更新", "市教育局", at("2026-09-10 09:00"))
        add_item(engine, self.world, j, NOTICES, "6个月内更新", "市政府办公室", at("2026-09-01 09:00"))

    async def at(self, text: str) -> None:
        await tick(self.engine, self.transport, at(text), self.config, self.state)

    def events(self, day: str, hour: str) -> None:
        now = at(f"{day} {hour}")
        w, j, e = self.world, self.judge, self.engine
        if hour == "10:00" and self.judge.calendar.is_working_day(date.fromisoformat(day)):
            with session_scope(e) as s:
                who = actor_for(s, Speaker(FIN_WM_TG, "张三", None, "zhangsan"), ())
                record_read(s, now, who, FIN_CHAT, date.fromisoformat(day))
        if (day, hour) == ("2026-09-24", "10:00"):
            log(e, w, j, EDU_NEWS, now, "edu")
        if (day, hour) == ("2026-10-08", "11:00"):
            log(e, w, j, EDU_NEWS, now, "edu")
        if (day, hour) == ("2026-10-09", "10:00"):
            add_item(e, w, j, ACCOUNT, "", "市财政局", now, kind="account", category="account")
            with session_scope(e) as s:
                who = actor_for(s, Speaker(FIN_WM_TG, "张三", None, "zhangsan"), ())
                ans = record_answer(s, now, who, w.items[BUDGET], date(2026, 10, 1), "problem", FIN_CHAT)
                set_prompt(s, now, ans.answer_id, FIN_CHAT, 777)  # type: ignore[union-attr]
                record_fix_note(s, now, who, FIN_CHAT, 777, "附件链接失效，已于10月9日重新上传")
        if (day, hour) == ("2026-10-13", "10:00"):
            log(e, w, j, BUDGET, now)


def _sent_by_day(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    with session_scope(engine) as s:
        rows = s.exec(select(Outbox).where(col(Outbox.sent_at).is_not(None)).order_by(col(Outbox.id))).all()
    out: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        assert r.sent_at is not None and r.chat_id is not None
        to = f"chat:{r.chat_id}" if r.chat_id < 0 else f"tg:{r.chat_id}"
        out.setdefault(r.sent_at.astimezone(SHANGHAI).date().isoformat(), []).append((r.kind, to))
    return out


@pytest.mark.slow
async def test_a_month_around_national_day(engine: Engine, transport: FakeTransport) -> None:
    month = Month(engine, transport)
    day = date(2026, 9, 21)
    while day <= date(2026, 10, 23):
        d = day.isoformat()
        hours = (
            ["10:30", "11:00", "15:00", "16:00", "17:00"]
            if d == "2026-10-12"
            else ["09:00", "09:05", "10:00", "11:00", "15:00", "16:00", "17:00", "23:59"]
        )
        for hour in hours:
            if hour == "10:30":
                month.events(d, "10:00")  # the bot was down at 10:00 too: people pressed nothing
            await month.at(f"{d} {hour}")
            month.events(d, hour)
        day += timedelta(days=1)

    sent = _sent_by_day(engine)
    for d in DAYS_OFF:
        assert d not in sent, f"something was sent on {d}, a day off: {sent.get(d)}"
    for d, extra in EXPECTED.items():
        assert Counter(sent.get(d, [])) == Counter(BASE + extra), d
    assert set(sent) == set(EXPECTED)

    # Exactly once each, and per chat in the order written.
    with session_scope(engine) as s:
        rows = s.exec(select(Outbox).order_by(col(Outbox.id))).all()
        runs = s.exec(select(RoutineRun)).all()
    assert all(r.sent_at is not None for r in rows if r.chat_id is not None)
    assert len(transport.sent) == len(rows)
    for chat in {r.chat_id for r in rows}:
        assert [d.text for d in transport.to(chat)] == [r.text for r in rows if r.chat_id == chat]
    assert len({(r.day, r.slot) for r in runs}) == len(runs)
    assert {r.slot for r in runs if r.day == date(2026, 10, 12)} >= {"daily_read", "due_warning", "overdue"}

    # The administrators' weekly summary carries the inspection verdict; the leader's does not.
    admin_weekly = [m.text for m in transport.to(ADMIN_TG) if m.text.startswith("【周总结】")]
    leader_weekly = [m.text for m in transport.to(LEADER_TG) if m.text.startswith("【周总结】")]
    assert len(admin_weekly) == 5 and all("\n检查风险：" in t for t in admin_weekly)
    assert leader_weekly and not any("检查风险" in t for t in leader_weekly)
    # 月提醒: September for the site (with the verdict) and for the leader's own unit.
    (admin_month,) = [m.text for m in transport.to(ADMIN_TG) if m.text.startswith("【月提醒】")]
    (leader_month,) = [m.text for m in transport.to(LEADER_TG) if m.text.startswith("【月提醒】")]
    assert admin_month.startswith("【月提醒】楚雄市人民政府网站 2026年9月情况\n")
    assert "\n检查风险：" in admin_month and "· 市教育局：" in admin_month
    assert "   - 政务公开 / 财政预决算（逾期5天）" in admin_month
    assert leader_month.startswith("【月提醒】市财政局 2026年9月情况\n")
    assert "· 市财政局：" in leader_month and "市教育局" not in leader_month
    assert "检查风险" not in leader_month


@pytest.mark.slow
async def test_the_months_messages_say_the_right_things(engine: Engine, transport: FakeTransport) -> None:
    month = Month(engine, transport)
    for d in ("2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"):
        for hour in ("09:00", "10:00", "11:00", "15:00", "17:00"):
            await month.at(f"{d} {hour}")
            month.events(d, hour)
    fin = [m.text for m in transport.to(FIN_CHAT)]
    warning = next(t for t in fin if t.startswith("【当日预警】2026年9月30日"))
    assert "张三 @zhangsan" in warning and "市财政局" in warning
    assert "政务公开 / 财政预决算 — 最迟应于10月3日前更新（10月3日为休息日，请在今天完成）" in warning
    assert "http://www.cxs.gov.cn/1.html" in warning
    assert any(t.startswith("【当日预警·再次提醒】2026年9月30日") for t in fin)
    overdue = next(t for t in fin if t.startswith("【逾期提醒】2026年10月8日"))
    assert "政务公开 / 财政预决算 — 应于10月3日前更新，已逾期5天" in overdue
    offers = next(m.offers for m in transport.to(FIN_CHAT) if m.text == overdue)
    assert offers[0][0].action == Action.done(month.world.items[BUDGET])
    leader = [m.text for m in transport.to(LEADER_TG)]
    assert any("李局长您好" in t and "已逾期6天" in t for t in leader)
    report = next(m for m in transport.to(ADMIN_TG) if (m.document_name or "").startswith("半月查"))
    assert report.document_name == "半月查检查结果和整改情况_楚雄市人民政府网站_2026年10月上半月.xlsx"
    assert report.document is not None
    sheet = load_workbook(BytesIO(report.document))["检查结果和整改情况"]
    rows = [tuple(c.value for c in r) for r in sheet.iter_rows(min_row=2)]
    assert (
        "市财政局",
        BUDGET,
        "http://www.cxs.gov.cn/1.html",
        "有问题",
        "附件链接失效，已于10月9日重新上传",
        "张三",
        "2026-10-09 10:00",
    ) in rows
    assert ("市教育局", EDU_NEWS, "http://www.cxs.gov.cn/2.html", "未填报", None, None, None) in rows
    silent = load_workbook(BytesIO(report.document))["未填报单位"]
    assert [r[0].value for r in silent.iter_rows(min_row=2)] == ["市政府办公室", "市教育局"]


@pytest.mark.slow
async def test_past_2026_the_calendar_falls_back_and_takes_the_administrators_list(
    engine: Engine, transport: FakeTransport
) -> None:
    """2027 is beyond chinesecalendar's data: weekends only, loudly, until /holidays 2027 loads the year."""
    from acts.routine import set_year_calendar

    month = Month(engine, transport)
    month.judge = Judge(SHANGHAI, WorkCalendar(on_fallback=lambda _y: None))
    await month.at("2027-01-04 09:00")
    admin = [m.text for m in transport.to(ADMIN_TG)]
    assert any(t.startswith("【节假日安排未录入】2027年") for t in admin)
    with session_scope(engine) as s:
        # The administrator's list: 2027-01-05 off (pretend), 2027-01-09 (Saturday) a working day.
        set_year_calendar(s, at("2027-01-04 12:00"), 2027, [date(2027, 1, 5)], [date(2027, 1, 9)])
    before = len(transport.sent)
    await month.at("2027-01-05 09:00")
    assert len(transport.sent) == before  # a holiday now: nothing
    await month.at("2027-01-09 09:00")
    saturday = [m.text for m in transport.sent[before:]]
    assert any(t.startswith("【日查】2027年1月9日（星期六）") for t in saturday)
    assert not any("节假日安排未录入" in t for t in saturday)
    before = len(transport.sent)
    await month.at("2027-01-11 09:00")  # Monday: the weekly reminder is not needed any more
    assert not any("节假日安排未录入" in m.text for m in transport.sent[before:])
