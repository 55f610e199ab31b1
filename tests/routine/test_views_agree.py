"""Every view gives the same state and days late for the same item at the same moment, every day.

A simulated six weeks, 12 September – 25 October 2026, every calendar day (weekends, 中秋 9月25–27日,
国庆 10月1–7日, the 调休 working days 9月20日 and 10月10日). Each afternoon, after that day's logs, every
item is judged once (`storage.items.judge_items`, the one judgement) and compared with what each view shows:
`/mine`, `/due`, `/overdue`, `/status` (the storage views and the chat text they are formatted into), the
routine's snapshot and planned messages (which `zhiri preview` prints), the export, `zhiri rule --at`
(for rules it can express), and the stored schedule after the daily pass. One item is a per-unit duty
(各部门每周至少1条, held by 市财政局 and 市教育局 each): a unit's own views show that unit's share.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.cli import main as cli
from domain.calendar import WorkCalendar
from domain.due import for_units
from domain.model import State, Status
from domain.routine import plan
from domain.text import UNKNOWN_LAST, owing, state_words, whose
from jobs.routine import RoutineConfig, snapshot_at
from replies import format as fmt
from reports.export import export_list
from storage.db import session_scope
from storage.items import Judge, judge_items, record_event, refresh_stale
from storage.models import Item, ItemUnit, Site
from storage.queries import (
    DueView,
    MineView,
    OverdueView,
    Speaker,
    StatusView,
    actor_for,
    due_view,
    late_summary,
    mine_view,
    overdue_items,
    overdue_view,
    status_view,
    summarise,
)
from storage.routine import sites
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, EDU_WM_TG, FIN_WM_TG, add_item, build_world, log

FIRST, LAST = date(2026, 9, 12), date(2026, 10, 25)

BUDGET = "政务公开 / 财政预决算"
NEWS = "首页 / 教育动态"
DEPT = "首页 / 部门动态"
SURVEY = "互动交流 / 网上调查"
MAILBOX = "互动交流 / 市长信箱"
APPLY = "政务公开 / 依申请公开"
REPORT = "政务公开 / 政府信息公开年报"
ACCOUNT = "微信公众号 / 楚雄发布"
POLICY = "政务公开 / 政策文件"
SHARED = "首页 / 各部门动态"  # a per-unit duty: 市财政局 and 市教育局 each owe one a week

# (path, rule, unit, created day, kind, category)
ITEMS = [
    (BUDGET, "2周内更新", "市财政局", "2026-09-01", "column", "notice"),
    (NEWS, "每日更新", "市教育局", "2026-09-01", "column", "news"),
    (DEPT, "每周不少于2条", "市财政局", "2026-09-01", "column", "news"),
    (SURVEY, "每年不少于6次", "市教育局", "2026-09-16", "column", "survey"),
    (MAILBOX, "及时受理来信", "市政府办公室", "2026-06-01", "column", "interactive"),
    (APPLY, "20个工作日内答复", "市财政局", "2026-09-01", "column", "interactive"),
    (REPORT, "6个月内更新", "市政府办公室", "2026-09-10", "column", "notice"),
    (ACCOUNT, "", "市财政局", "2026-09-01", "account", "account"),
    (POLICY, "印发后5个工作日内", "市教育局", "2026-09-01", "column", "notice"),
    (SHARED, "各部门每周至少1条", "市财政局", "2026-09-01", "column", "news"),
]
# Updates logged at 10:00 on these days (REPORT is never logged until 10-15: its last update is unknown).
LOGS = {
    BUDGET: ["2026-09-01", "2026-09-12", "2026-10-08"],
    NEWS: ["2026-09-01", "2026-09-11", "2026-09-21", "2026-09-30", "2026-10-10", "2026-10-16", "2026-10-19"],
    DEPT: ["2026-09-15", "2026-09-16", "2026-09-22", "2026-10-09", "2026-10-12", "2026-10-13"],
    SURVEY: ["2026-10-20"],
    MAILBOX: ["2026-06-01", "2026-10-15"],
    APPLY: ["2026-09-01", "2026-10-20"],
    REPORT: ["2026-10-15"],
    ACCOUNT: ["2026-09-01", "2026-09-18", "2026-10-09"],
    POLICY: ["2026-09-01", "2026-10-12"],
}
# The per-unit item is logged by each unit's own webmaster (an update counts for the logger's unit).
UNIT_LOGS = {
    "fin": ["2026-09-07", "2026-09-14", "2026-09-18", "2026-09-30", "2026-10-09", "2026-10-16"],
    "edu": ["2026-09-03", "2026-09-09", "2026-09-24", "2026-10-12"],
}
# Requests received / documents issued (record_event) on these days; a log closes the oldest open one.
EVENTS = {MAILBOX: ["2026-07-01", "2026-09-25"], APPLY: ["2026-09-14"], POLICY: ["2026-09-28"]}
RULES = {path: rule for path, rule, *_ in ITEMS}
# Rules `zhiri rule --last D --at D` can state in full (the last update is all it needs).
BY_CLI = {BUDGET, NEWS, REPORT}

Seen = tuple[str, date | None, int]  # state, due day, days late


def seen(status: Status) -> Seen:
    return status.state.value, status.due, status.days_late


def _export_states(path: Path) -> dict[str, tuple[str, object]]:
    """Leaf name → (状态, 最近更新) of every row of the export (the columns sheet and the accounts sheet)."""
    out: dict[str, tuple[str, object]] = {}
    for ws in load_workbook(path).worksheets:
        headers = [c.value for c in ws[2]]
        state_c, last_c = headers.index("状态"), headers.index("最近更新")
        levels = [i for i, h in enumerate(headers) if isinstance(h, str) and h.endswith("级栏目")]
        for row in ws.iter_rows(min_row=3, values_only=True):
            name = [row[i] for i in levels if row[i]][-1] if levels else row[headers.index("账号名称")]
            out[str(name)] = (str(row[state_c]), row[last_c])
    return out


@pytest.mark.slow
def test_every_view_agrees_on_every_item_every_day(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    judge = Judge(SHANGHAI, WorkCalendar(on_fallback=lambda _y: None))
    world = build_world(engine, created=at("2026-06-01 09:00"))
    for path, rule, unit, created, kind, category in ITEMS:
        created_at = at(f"{created} 09:00")
        add_item(
            engine,
            world,
            judge,
            path,
            rule,
            unit,
            created_at,
            kind=kind,
            category=category,
            last_update=False,
        )
    with session_scope(engine) as s:
        s.add(ItemUnit(item_id=world.items[SHARED], unit_id=world.units["市教育局"], lead=True))
    config = RoutineConfig(tz=SHANGHAI)
    admin, fin, edu = Speaker(ADMIN_TG, "王主任"), Speaker(FIN_WM_TG, "张三"), Speaker(EDU_WM_TG, "赵六")
    names = {world.items[p]: p for p in world.items}
    checked = Counter[str]()

    day = date(2026, 6, 1)  # the history before the walk is entered the same way, unchecked
    while day <= LAST:
        text = day.isoformat()
        for path, days in EVENTS.items():
            if text in days:
                with session_scope(engine) as s:
                    item = s.get(Item, world.items[path])
                    assert item is not None
                    record_event(s, at(f"{text} 08:00"), judge, item, occurred_on=day)
        for path, days in LOGS.items():
            if text in days:
                log(engine, world, judge, path, at(f"{text} 10:00"), person="admin")
        for person, days in UNIT_LOGS.items():
            if text in days:
                log(engine, world, judge, SHARED, at(f"{text} 11:00"), person=person)
        now = at(f"{text} 16:00")
        if day < FIRST:
            day += timedelta(days=1)
            continue
        with session_scope(engine) as s:
            items = s.exec(select(Item).order_by(col(Item.id))).all()
            judged = judge_items(s, items, judge, now)
            truth = {i: seen(st) for i, st in judged.items()}
            unknown = {i for i, st in judged.items() if st.unknown}
            # A per-unit duty: a unit's own views show its own share (the others' are the whole item).
            units = {"fin": world.units["市财政局"], "edu": world.units["市教育局"]}
            share = {k: {i: seen(for_units(st, (u,))) for i, st in judged.items()} for k, u in units.items()}

            # /mine (each webmaster's units) and its chat text.
            for key, sender in (("fin", fin), ("edu", edu)):
                mine = mine_view(s, now, actor_for(s, sender, [ADMIN_TG]), judge)
                assert isinstance(mine, MineView)
                reply = fmt.mine(mine).text
                for line in mine.items:
                    own = share[key][line.item_id]
                    assert (line.state, line.due_on, line.days_late) == own, (text, line.path)
                    words = state_words(line.state, line.days_late, line.item_id in unknown)
                    assert f"{words}｜{line.path}{whose(line.shares)}" in reply, (text, line.path)
                    checked["mine"] += 1
                    checked["mine per unit"] += line.item_id == world.items[SHARED]

            # /overdue (administrator: every unit).
            over = overdue_view(s, now, actor_for(s, admin, [ADMIN_TG]), judge, None)
            assert isinstance(over, OverdueView)
            late_units = over.units
            late = {i.item_id: i for u in over.units for i in u.items}
            assert set(late) == {i for i, t in truth.items() if t[0] == "overdue"}, text
            reply = fmt.overdue(over).text
            by_name = {"市财政局": "fin", "市教育局": "edu"}
            for unit in over.units:
                for row in unit.items:
                    want = share[by_name[unit.unit]] if unit.unit in by_name else truth
                    assert ("overdue", row.due_on, row.days_late) == want[row.item_id], (text, row.path)
                    assert f"{row.path}{whose(row.shares)} — 逾期 {row.days_late} 天" in reply
                    checked["overdue"] += 1
            checked["summary"] += _summaries_agree(s, judge, now, units.values(), text)

            # /due: what falls due within the window, and how many are late.
            due = due_view(s, now, actor_for(s, admin, [ADMIN_TG]), judge, 60)
            assert isinstance(due, DueView)
            assert due.overdue == len(late), text
            for line in due.items:
                assert (line.state, line.due_on, line.days_late) == truth[line.item_id], (text, line.path)
                checked["due"] += 1
            soon = {i for i, t in truth.items() if t[0] != "overdue" and t[1] and day <= t[1] <= due.until}
            assert {line.item_id for line in due.items} == soon, text

            # /status: counts by state.
            status = status_view(s, now, actor_for(s, admin, [ADMIN_TG]), judge)
            assert isinstance(status, StatusView)
            assert status.items_by_state == dict(Counter(t[0] for t in truth.values())), text
            checked["status"] += 1

            # The routine's snapshot and what it would send (what `zhiri preview` prints).
            site = s.get(Site, world.site_id)
            assert site is not None
            ref = next(r for r in sites(s) if r.id == world.site_id)
            snap = snapshot_at(s, ref, now, judge.calendar, config)
            for view in snap.items:
                assert (view.state.value, view.due_on, view.days_late) == truth[view.id], (text, view.path)
                assert view.unknown == (view.id in unknown)
                checked["routine"] += 1
            local = now.astimezone(SHANGHAI)
            for p in plan(replace(snap, done_slots=frozenset()), local, judge.calendar, config.settings):
                allowed = {i.days_late for i in p.items if i.state is State.OVERDUE}
                for n in re.findall(r"已逾期(\d+)天", p.text):
                    assert int(n) in allowed, (text, p.kind, p.text)
                    checked["messages"] += 1
                for i in p.items:
                    if p.kind == "daily_read" and i.unknown and i.state is not State.NOT_APPLICABLE:
                        assert UNKNOWN_LAST in p.text

            # The export.
            out = tmp_path / f"{text}.xlsx"
            export_list(s, now, judge, site, out)
            exported = _export_states(out)
            for item_id, (state, _due, days_late) in truth.items():
                cell, last = exported[names[item_id].split(" / ")[-1]]
                words = state_words(state, days_late, item_id in unknown) + whose(owing(judged[item_id]))
                assert cell == words, (text, names[item_id])
                assert (last == UNKNOWN_LAST) == (item_id in unknown)
                checked["export"] += 1
            s.rollback()

        # `zhiri rule --json --last D --at D` for the rules it can state in full.
        for path in BY_CLI:
            item_id = world.items[path]
            done = [d for d in LOGS[path] if d <= text]
            if not done:
                continue
            assert cli(["rule", "--json", "--last", done[-1], "--at", text, RULES[path]]) == 0
            got = json.loads(capsys.readouterr().out)
            assert (got["state"], got["due"], got["days_late"]) == (
                truth[item_id][0],
                truth[item_id][1].isoformat() if truth[item_id][1] else None,
                truth[item_id][2],
            ), (text, path)
            checked["rule"] += 1

        # The daily pass (on every day, as the routine's tick runs it) leaves the stored schedule the same,
        # and the judgements it hands the tick's snapshot are the same too.
        with session_scope(engine) as s:
            refreshed = refresh_stale(s, judge, now, world.site_id)
        for item_id, status in refreshed.items():
            assert (status.state, status.due, status.days_late) == truth[item_id], (text, item_id)
            checked["refreshed"] += 1
        with session_scope(engine) as s:
            day = now.astimezone(judge.tz).date()
            judged_on = s.get(Site, world.site_id).judged_on  # type: ignore[union-attr]
            assert judged_on == day, text  # the pass judged every item today
            for row in s.exec(select(Item)):
                assert (row.state, row.due_on, row.days_late) == truth[row.id], (text, row.path)
                # Stored today, or judged today and found unchanged (the site's day says so); a late row is
                # always stored today (/overdue counts those from the index).
                assert row.state_on is not None, (text, row.path)
                unchanged = row.state_on < day and row.state != State.OVERDUE
                assert row.state_on == day or unchanged, (text, row.path)
                checked["stored"] += 1
            assert refresh_stale(s, judge, now, world.site_id) == {}  # the day is done: none judged again
            # /overdue again, now that the stored schedule is today's: it judges only the items stored as
            # late (and finds the same ones)
            over = overdue_view(s, now, actor_for(s, admin, [ADMIN_TG]), judge, None)
            assert isinstance(over, OverdueView)
            late_now = {(u.unit, i.item_id, i.days_late) for u in over.units for i in u.items}
            assert late_now == {(u.unit, i.item_id, i.days_late) for u in late_units for i in u.items}, text
            checked["overdue once stored"] += 1
            # Its counts, now read from the stored schedule (the per-unit duty still judged live), too.
            units_now = [world.units["市财政局"], world.units["市教育局"]]
            checked["summary once stored"] += _summaries_agree(s, judge, now, units_now, text)
        day += timedelta(days=1)

    # Every view was compared on every day, for many items in every state.
    assert min(checked.values()) >= 40, checked
    assert {"mine", "overdue", "due", "status", "routine", "messages", "export", "rule", "stored"} <= set(
        checked
    )
    assert checked["mine per unit"] >= 2 * (LAST - FIRST).days, checked
    assert checked["summary once stored"] >= 20, checked  # days on which something was late


def _summaries_agree(s: Session, judge: Judge, now: datetime, unit_ids: Iterable[int], text: str) -> int:
    """`late_summary` (/overdue's counts on a province's site) says what the whole list says, for every
    unit and for each unit alone, naming one, two or ten items: 1 if anything was late, else 0."""
    for scope in (None, *(frozenset({u}) for u in unit_ids)):
        whole = overdue_items(s, judge, now, scope)
        for named in (1, 2, 10):
            assert late_summary(s, judge, now, scope, named) == summarise(whole, named), (text, scope, named)
    return int(bool(overdue_items(s, judge, now, None)))
