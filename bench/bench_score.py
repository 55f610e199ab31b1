"""How long grading a big site takes, "what to fix first" included (`zhiri score`, `/score`).

`python -m bench score` prints, for sites of 2,000, 20,000 and 100,000 items (a seeded mix of categories,
states and ages, a few empty columns and late letters), the seconds of CPU `score_site` takes and how many
items it advises fixing. The target: 20,000 items (more than any one county or city site) graded in at most
60 s on one core; 100,000 is printed to show the growth. The greedy tries one item per distinct set of failing
lines each round (at most 20 rounds), so it grows with the site, not with the square of it (trying every
listed item took over 300 s at 2,000).
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from domain.inspection import InspectedItem, score_site
from domain.model import Category, ItemKind, State

TODAY = date(2026, 10, 15)
SIZES = (2_000, 20_000, 100_000)
TARGET_ITEMS, TARGET_S = 20_000, 60.0


def build(n: int, seed: int = 1) -> list[InspectedItem]:
    rng = random.Random(seed)
    ages = (0, 3, 9, 20, 40, 100, 200, 400)
    kinds = (Category.NEWS, Category.NOTICE, Category.OTHER, Category.PERSONNEL, Category.INTERACTIVE)
    out = []
    for i in range(n):
        account = rng.random() < 0.05
        out.append(
            InspectedItem(
                id=i + 1,
                label=f"栏目{i}",
                units=(f"单位{i % 40}",),
                kind=ItemKind.ACCOUNT if account else ItemKind.COLUMN,
                category=Category.ACCOUNT if account else (Category.HOME if i < 5 else rng.choice(kinds)),
                depth=rng.choice((1, 2, 2, 3)),
                state=rng.choice((State.FRESH, State.FRESH, State.DUE_SOON, State.OVERDUE)),
                created=date(2026, 1, 5),
                last_update=TODAY - timedelta(days=rng.choice(ages)),
                open_letters=(TODAY - timedelta(days=100),) if rng.random() < 0.002 else (),
                empty=rng.random() < 0.01,
            )
        )
    return out


def main() -> int:
    ok = True
    for n in SIZES:
        views = build(n)
        t0 = time.process_time()
        score = score_site(views, TODAY)
        took = time.process_time() - t0
        print(
            f"score: {n} items in {took:.1f} s CPU, {score.grade}, "
            f"{len(score.triggered)} veto lines, fix first {len(score.fix_first)} items",
            flush=True,
        )
        if n == TARGET_ITEMS:
            ok = took <= TARGET_S
    print(f"  (target: {TARGET_ITEMS} items in ≤ {TARGET_S:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
