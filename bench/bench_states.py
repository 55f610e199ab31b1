"""How long judging every item takes: 100,000 items over ~40 rule texts must take at most 1 s on one core.

`python -m bench states` prints `states: 100000 items in X.XXX s (target ≤ 1.0 s), parse: N distinct texts
in Y ms`. The items are a deterministic mix (seeded), spread over the 2026 National Day holiday so that
working-day deadlines cross 调休 days, with some quotas, open events and accounts.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from domain.calendar import WorkCalendar
from domain.due import evaluate
from domain.model import Category, ItemFacts, ItemKind, Rule
from domain.rules import parse_rule

ITEMS = 100_000
TODAY = date(2026, 10, 9)  # the Friday after the National Day week
TARGET_S = 1.0

TEXTS: tuple[str, ...] = (
    "2周内更新。",
    "热点专题2周内更新。",
    "6个月内更新。",
    "6个月内有更新。",
    "2个月内更新。",
    "每日检查是否运行正常。",
    "30日内办结回复。",
    "15个工作日内回复",
    "每年不少于6次。",
    "适时更新，自该政府信息形成或者变更之日起20个工作日内予以公开。",
    "适时更新，至少一年更新一次。",
    "适时更新，“书记信箱”和“市长信箱”有适宜公开的办结件则选登到此栏目。",
    "自该信息形成或者变更之日起20个工作日内予以公开。",
    "每周一次",
    "每2周一次",
    "每两周一次",
    "每月一次",
    "每两月一次",
    "每季度更新",
    "每半年",
    "每年一次",
    "数据更新，一年一次",
    "每日更新",
    "每半月一次",
    "10日内更新",
    "每旬",
    "按月更新",
    "每周不少于2条",
    "每两周至少1条",
    "每月至少更新4条",
    "每季度不少于3篇",
    "任意连续2周内不少于3条",
    "印发后5个工作日内",
    "15个工作日内答复，需延期的不超过15个工作日",
    "根据人事变动情况更新",
    "进行采购时",
    "外链",
    "保障链接有效",
    "",
    "随便写写",
)
CATEGORIES = tuple(Category)


def build_items(rules: list[Rule], n: int = ITEMS, seed: int = 20261001) -> list[ItemFacts]:
    rnd = random.Random(seed)
    items: list[ItemFacts] = []
    for i in range(n):
        rule = rules[i % len(rules)]
        kind = ItemKind.ACCOUNT if i % 10 == 0 else ItemKind.COLUMN
        created = TODAY - timedelta(days=rnd.randint(30, 900))
        last = TODAY - timedelta(days=rnd.randint(0, 400)) if rnd.random() < 0.9 else None
        recent = tuple(
            (TODAY - timedelta(days=rnd.randint(0, 90)), rnd.randint(1, 3)) for _ in range(rnd.randint(0, 6))
        )
        events = tuple(sorted(TODAY - timedelta(days=rnd.randint(0, 40)) for _ in range(rnd.randint(0, 2))))
        category = Category.ACCOUNT if kind is ItemKind.ACCOUNT else CATEGORIES[i % len(CATEGORIES)]
        items.append(ItemFacts(rule, kind, created, last, recent, events, category))
    return items


def main() -> int:
    parse_rule.cache_clear()
    t0 = time.perf_counter()
    rules = [parse_rule(t) for t in TEXTS]
    parse_ms = (time.perf_counter() - t0) * 1000
    items = build_items(rules)
    fallback: list[int] = []
    calendar = WorkCalendar(on_fallback=fallback.append)  # quotas run into 2027: note it, do not warn
    evaluate(items[0], TODAY, calendar)  # load the calendar's year tables outside the timing
    t1 = time.perf_counter()
    for facts in items:
        evaluate(facts, TODAY, calendar)
    elapsed = time.perf_counter() - t1
    print(
        f"states: {len(items)} items in {elapsed:.3f} s (target ≤ {TARGET_S} s), "
        f"parse: {len(TEXTS)} distinct texts in {parse_ms:.0f} ms"
    )
    if fallback:
        print(f"  (calendar: weekends only for {', '.join(map(str, fallback))}, no official data loaded)")
    return 0 if elapsed <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
