"""A sending process for the crash test: drains the outbox through a Bot API until nothing is left.

    python -m tests.routine.sender_proc DB_URL BASE_URL TOKEN [--clock-offset SECONDS] [--per-second N]

It sends through the production bot (`bot.app.make_bot`). `--clock-offset` moves the process's clock
forward: after a kill -9, the restarted sender takes over the dead one's claims once they are stale
(storage.outbox.CLAIM_TIMEOUT) without the test waiting minutes for it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta

from bot.app import make_bot
from bot.config import Settings
from channels.telegram_send import TelegramTransport
from jobs.sender import SenderState, SendLimits, drain
from storage import outbox
from storage.db import make_engine, session_scope


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("base_url")
    parser.add_argument("token")
    parser.add_argument("--clock-offset", type=float, default=0.0)
    parser.add_argument("--per-second", type=float, default=SendLimits().per_second)
    args = parser.parse_args(argv)
    engine = make_engine(args.db)
    offset = timedelta(seconds=args.clock_offset)
    state = SenderState(limits=SendLimits(per_second=args.per_second))
    settings = Settings(telegram_bot_token=args.token, telegram_api_url=args.base_url, database_url=args.db)
    # The production bot, as `zhiri run` builds it.
    bot = make_bot(settings, engine, lambda: datetime.now(UTC) + offset)
    async with bot:
        transport = TelegramTransport(bot)
        while True:
            await drain(engine, transport, datetime.now(UTC) + offset, state=state)
            with session_scope(engine) as s:
                if outbox.unsent_count(s) == 0:
                    break
            await asyncio.sleep(0.05)
    print("sender done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
