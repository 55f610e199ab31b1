"""How fast a fan-out goes out: 2,000 group digests to 2,000 distinct groups through the fake Bot API with
Telegram's flood limits enforced (30 messages a second overall, 20 a minute per group).

30 a second makes 2,000 messages take at least 66.7 s. Target: done within 10% of that floor, with zero
429 responses. `python -m bench fanout` prints the elapsed time, its ratio to the floor and the 429 count.
The path is the production one: outbox rows in SQLite, `jobs.sender.drain`, `TelegramTransport` over HTTP
through the production bot (`bot.app.make_bot`).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bot.app import make_bot
from bot.config import Settings
from channels.telegram_send import TelegramTransport
from jobs.pace import Pacer, SendLimits
from jobs.sender import SenderState, drain
from storage import outbox
from storage.db import make_engine, session_scope, upgrade
from tests.support.fake_botapi import FakeBotAPI

GROUPS = 2000
TELEGRAM_PER_SECOND = 30
FLOOR_S = GROUPS / TELEGRAM_PER_SECOND
TARGET_RATIO = 1.10


def _digest(n: int) -> str:
    lines = [f"【日查】2026年10月12日（星期一）\n请各单位网站管理员今天逐一浏览以下栏目（第{n}组）：", ""]
    lines += [
        f"{i}. 政务公开 / 重点领域信息公开 / 专栏{i} — 正常\n   http://www.cxs.gov.cn/{n}/{i}.html"
        for i in range(1, 9)
    ]
    return "\n".join(lines)


async def _run(db: Path) -> tuple[float, int, int, int]:
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    now = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
    with FakeBotAPI() as fake:
        ids = [-(100_000 + i) for i in range(GROUPS)]
        for i, chat_id in enumerate(ids):
            fake.group(f"单位{i:04d}网站工作群", chat_id=chat_id)
        with session_scope(engine) as s:
            for i, chat_id in enumerate(ids):
                outbox.enqueue(
                    s,
                    now,
                    kind="daily_read",
                    chat_id=chat_id,
                    text=_digest(i),
                    day=date(2026, 10, 12),
                    key=f"bench:{chat_id}",
                )
        fake.enforce_limits(True)
        settings = Settings(
            telegram_bot_token=fake.token, telegram_api_url=fake.base_url, database_url=f"sqlite:///{db}"
        )
        pacer = Pacer(SendLimits())  # one pacer for the bot's replies and the outbox, as in `zhiri run`
        bot = make_bot(settings, engine, lambda: now, pacer=pacer)  # the production bot
        async with bot:
            state = SenderState(pacer=pacer)
            transport = TelegramTransport(bot)
            started = time.monotonic()
            while True:
                await drain(engine, transport, now, state=state)
                with session_scope(engine) as s:
                    if outbox.unsent_count(s) == 0:
                        break
            elapsed = time.monotonic() - started
        received = len({r.chat_id for r in fake.sent})
        return elapsed, fake.responses_429, received, len(fake.sent)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, too_many, groups, messages = asyncio.run(_run(Path(tmp) / "bench.db"))
    ratio = elapsed / FLOOR_S
    ok = ratio <= TARGET_RATIO and too_many == 0 and groups == GROUPS and messages == GROUPS
    print(
        f"fanout: {messages} messages to {groups} groups in {elapsed:.1f} s; floor {FLOOR_S:.1f} s "
        f"(30/s), ratio {ratio:.3f} (target ≤ {TARGET_RATIO}); 429 responses: {too_many} "
        f"— {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1
