"""How long the routine's planner takes for a province-sized site: 2,000 units each with its own group, plus
one all-units group, and 10,000 / 100,000 items (`python -m bench plan`; 1,000,000 with `ZHIRI_BENCH_1M=1`).

The figure is the CPU time of `domain.routine.plan` (decide + words, no I/O) for a day on which every slot of
the routine runs, for three days between them holding every slot (daily read, half-month check, warnings,
overdue, escalation, weekly summary, evening note, half-month report), the slowest day printed: what `zhiri
preview` and the 09:00 tick spend after gathering the snapshot. The target
(issue 16): 100,000 items and 2,000 groups in at most 10 s, growing with items + groups, not items × groups.
"""

from __future__ import annotations

import os
import random
import resource
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from domain.calendar import WorkCalendar
from domain.model import ItemKind, State
from domain.notice import ChatView, ItemView, UnitView, Who
from domain.routine import RoutineSettings, Snapshot, plan

UNITS = 2_000
SIZES = (10_000, 100_000)
BIG = 1_000_000
TARGET_ITEMS, TARGET_S = 100_000, 10.0
TZ = ZoneInfo("Asia/Shanghai")
# Tuesday: the half-month check; Thursday: its report; Friday: the weekly summary. Every day has the daily
# read, the warnings, the overdue notices, the escalation and the evening note.
DAYS = (date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 4))
DAY = DAYS[0]


def build(n: int, units: int = UNITS, seed: int = 1) -> Snapshot:
    rng = random.Random(seed)
    unit_views = tuple(
        UnitView(
            u,
            f"单位{u:04d}",
            webmasters=(Who(10_000 + u, f"网站员{u}", telegram_id=10_000 + u),),
            leaders=(Who(20_000 + u, f"领导{u}", telegram_id=20_000 + u),),
        )
        for u in range(1, units + 1)
    )
    chats = tuple(ChatView(-(1_000_000 + u), f"单位{u:04d}群", (u,)) for u in range(1, units + 1))
    chats += (ChatView(-999_999, "全县网站工作群", tuple(range(1, units + 1))),)
    states = (State.FRESH,) * 20 + (State.DUE_SOON, State.DUE_TODAY, State.OVERDUE)
    items = []
    for i in range(1, n + 1):
        state = rng.choice(states)
        unit = rng.randint(1, units)
        due = DAY + timedelta(days={State.DUE_SOON: 3, State.DUE_TODAY: 0, State.OVERDUE: -9}.get(state, 30))
        items.append(
            ItemView(
                id=i,
                name=f"栏目{i}",
                path=f"栏目组{i // 1000} / 栏目{i}",
                url=None,
                kind=ItemKind.COLUMN,
                state=state,
                due_on=due,
                warn_on=due if state in (State.DUE_SOON, State.DUE_TODAY) else None,
                days_late=9 if state is State.OVERDUE else 0,
                unit_ids=(unit,),
                rule_text="2周内更新",
            )
        )
    admins = (Who(1, "管理员", telegram_id=1),)
    return Snapshot(1, "某省政府网站集约化平台", tuple(items), unit_views, chats, admins)


def main() -> int:
    ok = True
    sizes = SIZES + ((BIG,) if os.environ.get("ZHIRI_BENCH_1M") else ())
    calendar = WorkCalendar()
    settings = RoutineSettings()
    for n in sizes:
        snapshot = build(n)
        worst, messages, kinds = 0.0, 0, set()
        for day in DAYS:
            moment = datetime.combine(day, clock(23, 0), TZ)  # every slot of the day is due
            t0 = time.process_time()
            planned = plan(snapshot, moment, calendar, settings)
            worst = max(worst, time.process_time() - t0)
            messages = max(messages, len(planned))
            kinds |= {p.kind.value for p in planned}
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        line = f"plan: {n} items, {UNITS} groups: slowest day {worst:.1f} s CPU, up to {messages} messages"
        line += f", peak {peak:.0f} MB"
        if n == TARGET_ITEMS:
            line += f" (target ≤ {TARGET_S:.0f} s: {worst / TARGET_S:.2f}× the goal)"
            ok = ok and worst <= TARGET_S
        print(line, "·", ", ".join(sorted(kinds)), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
