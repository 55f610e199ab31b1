"""End-to-end support: the REAL `zhiri run` as a subprocess, talking over HTTP to the in-process FakeBotAPI.

Nothing is mocked inside the bot: the test seeds the database through the storage layer, starts the
process with TELEGRAM_API_URL pointing at the fake, acts as people in Telegram through the fake, and
waits with the fake's wait_for (never fixed sleeps). The process is always terminated in `finally`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from domain.calendar import WorkCalendar
from storage import outbox
from storage.db import make_engine, session_scope, upgrade
from storage.items import Judge
from tests.bot.seed import World, add_person, seed
from tests.conftest import SHANGHAI
from tests.support.fake_botapi import FakeBotAPI, FakeChat, FakeUser, SentRecord

REPO = Path(__file__).resolve().parents[2]
ADMIN, FINANCE, WEBMASTER, LEADER, STRANGER = 1000, 2003, 3001, 3002, 9999
STARTUP_SECONDS = 120.0  # two shared cores (often busy): importing PTB, SQLAlchemy and Alembic takes a while
REPLY_SECONDS = 20.0
WEBHOOK_SECRET_FOR_TESTS = "webhook-secret-for-tests"


def bot_env(**overrides: str) -> dict[str, str]:
    """The environment for `zhiri run`: this test's values only (nothing from a developer's shell)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("TELEGRAM_", "WEBHOOK_", "ADMIN_", "DATABASE_", "TZ_NAME", "INVITE_", "PUBLIC_URL", "WEB_")
        )
    }
    env.update({"PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO), "TZ_NAME": "Asia/Shanghai"})
    env.update(overrides)
    return env


def zhiri(db_url: str, *args: str, timeout: float = STARTUP_SECONDS) -> subprocess.CompletedProcess[str]:
    """`zhiri ARGS` (a command that ends by itself: `health`, `log` …) on the database at `db_url`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=bot_env(DATABASE_URL=db_url),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_once(
    env: dict[str, str], cwd: Path, timeout: float = STARTUP_SECONDS
) -> subprocess.CompletedProcess[str]:
    """`zhiri run` expected to stop by itself (bad configuration)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class RunningBot:
    fake: FakeBotAPI
    engine: Engine
    world: World
    proc: subprocess.Popen[bytes]
    log_path: Path
    admin: FakeUser
    admin_chat: FakeChat
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = field(default_factory=Path)

    def stop(self) -> int:
        return stop(self.proc)

    def kill9(self) -> None:
        """SIGKILL: nothing is cleaned up, as in a crash or an out-of-memory kill."""
        self.proc.kill()
        self.proc.wait(20)

    def restart(self) -> None:
        """Start `zhiri run` again on the same database and fake (its log goes on in the same file)."""
        assert self.proc.poll() is not None, "stop or kill the bot first"
        self.proc = spawn(self.env, self.cwd, self.log_path)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_polling(self) -> None:
        try:
            self.fake.wait_for(
                lambda: self.fake.long_polls_waiting > 0, STARTUP_SECONDS, what="the bot to poll"
            )
        except AssertionError:
            raise AssertionError(f"the bot is not polling:\n{self.log()[-4000:]}") from None

    def wait_log(self, text: str, times: int = 1, timeout: float = STARTUP_SECONDS) -> None:
        """Wait until the bot's log has `text` at least `times` times."""
        try:
            self.fake.wait_for(lambda: self.log().count(text) >= times, timeout, what=f"{text!r} in the log")
        except AssertionError:
            self.alive()
            raise AssertionError(f"{text!r} not {times}x in the bot's log:\n{self.log()[-3000:]}") from None

    def alive(self) -> None:
        assert self.proc.poll() is None, f"the bot exited ({self.proc.returncode}):\n{self.log()[-4000:]}"

    # -- acting as people ----------------------------------------------------------------------

    def person(self, user_id: int, first_name: str, **kwargs: Any) -> tuple[FakeUser, FakeChat]:
        user = self.fake.user(user_id, first_name, **kwargs)
        return user, self.fake.private_chat(user)

    def ask(self, chat: FakeChat, user: FakeUser, text: str, expect: str, **kwargs: Any) -> SentRecord:
        """`user` writes `text` in `chat`; wait for the bot's message there containing `expect`."""
        since = self.last_seq()
        self.fake.send_text(chat, user, text, **kwargs)
        return self.expect(chat, expect, since)

    def expect(self, chat: FakeChat | int, expect: str, since: int = 0) -> SentRecord:
        def found() -> SentRecord | None:
            for record in self.fake.messages_to(chat):
                if record.seq > since and record.text and expect in record.text:
                    return record
            return None

        try:
            return self.fake.wait_for(found, REPLY_SECONDS, what=f"a message containing {expect!r}")
        except AssertionError:
            self.alive()
            raise AssertionError(
                f"no reply containing {expect!r}; bot log tail:\n{self.log()[-3000:]}"
            ) from None

    def last_seq(self) -> int:
        return max((r.seq for r in self.fake.sent), default=0)

    def replies_to(self, chat: FakeChat, message_id: int) -> list[SentRecord]:
        return [r for r in self.fake.messages_to(chat) if r.reply_to == message_id]

    def send_reminder(self, chat: FakeChat, items: Sequence[tuple[int, str]], text: str) -> int:
        """A reminder as the outbox sender would send it: an 已更新 button per item, and it asks for them (a
        reply /done logs them). Returns its message id."""
        ids = [i for i, _ in items]
        buttons = [[(f"已更新 {name}", f"done:{i}")] for i, name in items]
        return self.send_buttons(chat, text, buttons, kind="test_reminder", items=ids, asks=ids)

    def send_buttons(
        self,
        chat: FakeChat,
        text: str,
        buttons: Sequence[Sequence[tuple[str, str]]],
        *,
        kind: str = "test_message",
        items: Sequence[int] = (),
        asks: Sequence[int] = (),
    ) -> int:
        """A routine message with inline buttons (rows of (label, callback_data)) as the outbox sender would
        send it: through PTB's Bot, then its outbox row under `kind` (daily_read, half_month_check …),
        already sent, so the bot's own sender leaves it alone. Returns its message id."""

        async def send() -> int:
            async with Bot(self.fake.token, base_url=self.fake.base_url) as bot:
                markup = InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                        for row in buttons
                    ]
                )
                message = await bot.send_message(chat.id, text, reply_markup=markup)
                return message.message_id

        message_id = asyncio.run(send())
        now = datetime.now(UTC)
        with session_scope(self.engine) as session:
            row_id, _ = outbox.enqueue(
                session,
                now,
                kind=kind,
                chat_id=chat.id,
                text=text,
                day=now.astimezone(SHANGHAI).date(),
                items=list(items),
                asks=list(asks),
                key=f"{kind}:{chat.id}:{message_id}",
            )
            outbox.mark_sent(session, now, row_id, message_id)
        return message_id

    def press(
        self, chat: FakeChat, user: FakeUser, message_id: int, data: str, *, strict: bool = True
    ) -> str:
        """`user` presses a button (`strict=False`: forged callback data); returns the toast or alert text."""
        query_id = self.fake.press_button(chat, user, message_id, data, strict=strict)
        answer = self.wait_db(
            lambda: next((a for a in self.fake.callback_answers if a["callback_query_id"] == query_id), None),
            f"the button {data!r} to be answered",
        )
        return str(answer.get("text", ""))

    # -- reading the database -------------------------------------------------------------------

    def rows(self, model: Any, *where: Any) -> list[Any]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(model).where(*where)).all())

    def wait_db(self, predicate: Callable[[], Any], what: str, timeout: float = REPLY_SECONDS) -> Any:
        """Wait for the bot to have written something (the fake re-checks at least every 0.25 s)."""
        try:
            return self.fake.wait_for(predicate, timeout, what=what)
        except AssertionError:
            self.alive()
            raise AssertionError(
                f"timed out waiting for {what}; bot log tail:\n{self.log()[-3000:]}"
            ) from None


def seed_world(url: str) -> tuple[Engine, World]:
    """The test portal, created 60 days ago (its fortnightly columns are late), and 市财政局's webmaster."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    created = now - timedelta(days=60)
    world = seed(engine, Judge(tz=SHANGHAI, calendar=WorkCalendar()), created, now=now)
    add_person(engine, created, FINANCE, "赵财", [("市财政局", "webmaster")], world)
    return engine, world


@contextmanager
def running_bot(
    tmp_path: Path,
    *,
    privacy_mode: bool = True,
    api_down: bool = False,
    webhook_port: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[RunningBot]:
    """`api_down`: the Bot API is unreachable when the bot starts (the test brings it up). `webhook_port`:
    a webhook (WEBHOOK_URL) served on 127.0.0.1:port, path /hook, secret WEBHOOK_SECRET_FOR_TESTS; the test
    posts the updates itself."""
    fake = FakeBotAPI(privacy_mode=privacy_mode).start()
    if api_down:
        fake.set_unreachable(True)
    url = f"sqlite:///{tmp_path / 'zhiri.db'}"
    engine, world = seed_world(url)
    admin = fake.user(ADMIN, "信息中心", username="xxzx_admin")
    admin_chat = fake.private_chat(admin)
    log_path = tmp_path / "bot.log"
    env = bot_env(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=fake.base_url,
        DATABASE_URL=url,
        ADMIN_TELEGRAM_IDS=str(ADMIN),
    )
    if webhook_port is not None:
        env.update(
            WEBHOOK_URL="https://zhiri.example.gov.cn/hook",
            WEBHOOK_SECRET=WEBHOOK_SECRET_FOR_TESTS,
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(webhook_port),
        )
    env.update(extra_env or {})
    log_path.write_bytes(b"")
    proc = spawn(env, tmp_path, log_path)
    bot = RunningBot(fake, engine, world, proc, log_path, admin, admin_chat, env, tmp_path)
    try:
        if webhook_port is not None or "WEBHOOK_URL" in env:
            bot.wait_db(lambda: fake.webhook, "the webhook to be set", timeout=STARTUP_SECONDS)
        elif not api_down:
            bot.wait_polling()
        yield bot
        if proc.returncode is None:  # unless the test stopped it, it must still be running
            bot.alive()
        assert not fake.internal_errors, fake.internal_errors
    finally:
        stop(bot.proc)  # the process running now: a test may have restarted it
        fake.stop()
        engine.dispose()


def spawn(env: dict[str, str], cwd: Path, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )


def stop(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
    """SIGTERM (PTB's graceful stop), then SIGKILL if it hangs. Never leaves an orphan."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    return proc.returncode
