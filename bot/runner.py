"""Running the application so that it is never alive and deaf.

PTB's `run_polling` is not used, for two reasons found in its source (telegram/ext/_updater.py and
_utils/networkloop.py, v22): its polling loop re-raises `InvalidToken` — what a single 401 *or 404* from
`getUpdates` becomes — which ends the polling task while the process stays up and answers no one; and
`Application.initialize()` calls `getMe` once, so a Bot API that is down at start-up ends the process.

So here: `connect` calls `getMe` until it answers (network errors and 5xx are logged and retried with
backoff; a rejected token raises at once), and `Poller` long-polls with the same backoff. A 401/404 from
`getUpdates` is retried too, and only when it persists (AUTH_FAILURES_TO_QUIT in a row) does `InvalidToken`
end the run, so that `zhiri run` exits non-zero and a supervisor notices. A webhook uses PTB's updater,
bootstrapped with retries until it works.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import BadRequest, InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.heartbeat import Heartbeat, sd_notify
from bot.inbox import KeptUpdates

log = logging.getLogger("zhiri")

POLL_TIMEOUT = 10  # seconds a long poll waits for updates (PTB's default)
MAX_BACKOFF = 30.0  # seconds; PTB's network loop caps at 30 s too
# 401/404 from getUpdates this many times in a row (1 + 2 + 4 + 8 s of backoff between): the token is gone.
AUTH_FAILURES_TO_QUIT = 5


def backoff(failures: int) -> float:
    """Seconds to wait after the n-th failure in a row: 1, 2, 4, … up to MAX_BACKOFF."""
    return min(MAX_BACKOFF, 2.0 ** max(failures - 1, 0))


@dataclass(frozen=True)
class Webhook:
    listen: str
    port: int
    url_path: str
    url: str
    secret_token: str
    # Served by the web page's server (WEBHOOK_URL on PUBLIC_URL's address: `bot.webpage.telegram_route`), not
    # by PTB's own webhook server: the runner only registers the address with Telegram.
    on_page: bool = False


async def sleep_unless(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep, or less if `stop` is set meanwhile. True when stopped."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def until_answered(
    stop: asyncio.Event,
    call: Callable[[], Awaitable[object]],
    what: str,
    on_first_failure: Callable[[Exception], None] = lambda exc: None,
) -> bool:
    """`call` until the Bot API answers it; False if stopped first. A rejected token raises InvalidToken at
    once; any other error is retried with backoff (or as long as Telegram asks)."""
    failures = 0
    while not stop.is_set():
        try:
            await call()
        except InvalidToken:
            raise
        except TelegramError as exc:
            failures += 1
            if failures == 1:
                on_first_failure(exc)
            delay = retry_delay(exc, failures)
            log.warning("%s not reachable (%s); attempt %d, retrying in %.0f s", what, exc, failures, delay)
            await sleep_unless(stop, delay)
        else:
            if failures:
                log.info("%s reachable after %d failed attempts", what, failures)
            return True
    return False


async def connect(bot: Bot, stop: asyncio.Event, *, on_first_failure: Callable[[Exception], None]) -> bool:
    """`getMe` until the Bot API answers; False if stopped first. A rejected token raises InvalidToken."""
    # getMe, cached by PTB: Application.initialize() then needs no network
    return await until_answered(stop, bot.initialize, "Bot API", on_first_failure)


def retry_delay(exc: TelegramError, failures: int) -> float:
    if isinstance(exc, RetryAfter):
        return exc.retry_after if isinstance(exc.retry_after, int) else exc.retry_after.total_seconds()
    return backoff(failures)


class Poller:
    """Long polling: fetched updates go to the application's update queue; `offset` confirms them to
    Telegram on the next call. Errors are logged and retried with backoff; only a persistent 401/404
    raises (InvalidToken)."""

    def __init__(
        self,
        application: Application,
        allowed_updates: Sequence[str],
        *,
        timeout: int = POLL_TIMEOUT,
        on_success: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.application = application
        self.allowed_updates = list(allowed_updates)
        self.timeout = timeout
        self.on_success = on_success
        self.offset: int | None = None

    async def run(self) -> None:
        bot = self.application.bot
        failures = auth_failures = keep_failures = 0
        while True:
            try:
                updates = await bot.get_updates(
                    offset=self.offset, timeout=self.timeout, allowed_updates=self.allowed_updates
                )
            except InvalidToken as exc:
                auth_failures += 1
                if auth_failures >= AUTH_FAILURES_TO_QUIT:
                    log.error("getUpdates refused %d times in a row (%s): giving up", auth_failures, exc)
                    raise
                delay = backoff(auth_failures)
                log.warning(
                    "getUpdates refused (%s), %d of %d; retrying in %.0f s",
                    exc,
                    auth_failures,
                    AUTH_FAILURES_TO_QUIT,
                    delay,
                )
            except TimedOut:
                delay = 0.0  # a long poll that outlived the read timeout: ask again at once
            except TelegramError as exc:  # network errors, 5xx, 409 Conflict, 429
                failures += 1
                delay = retry_delay(exc, failures)
                log.warning("getUpdates failed (%s); attempt %d, retrying in %.0f s", exc, failures, delay)
            else:
                if failures or auth_failures:
                    log.info("getUpdates works again after %d failed attempts", failures + auth_failures)
                failures = auth_failures = 0
                if self.on_success is not None:
                    try:
                        await self.on_success()
                    except SQLAlchemyError as exc:  # the heartbeat's note: the next poll writes it again
                        log.warning("could not note the successful getUpdates (%s)", exc)
                try:
                    await self._keep(updates)
                except SQLAlchemyError as exc:
                    # Not kept, so not confirmed: the offset stays, and Telegram gives them again next time.
                    keep_failures += 1
                    delay = backoff(keep_failures)
                    log.warning(
                        "could not keep %d updates in the database (%s); asking Telegram for them again in "
                        "%.0f s",
                        len(updates),
                        exc,
                        delay,
                    )
                else:
                    if keep_failures:
                        log.info("updates are kept again after %d failed attempts", keep_failures)
                    keep_failures = 0
                    if updates:
                        self.offset = updates[-1].update_id + 1
                    continue
            await asyncio.sleep(delay)

    async def _keep(self, updates: Sequence[Update]) -> None:
        """Into the application's queue; kept in the database first (before the next call's offset tells
        Telegram they arrived)."""
        queue = self.application.update_queue
        if isinstance(queue, KeptUpdates):
            await queue.put_all(updates)
        else:
            for update in updates:
                await queue.put(update)

    async def confirm(self) -> None:
        """On a clean stop: tell Telegram that everything fetched was handled (a short call, no waiting)."""
        if self.offset is None:
            return
        try:
            await asyncio.wait_for(
                self.application.bot.get_updates(
                    offset=self.offset, timeout=0, allowed_updates=self.allowed_updates
                ),
                10,
            )
        except (TelegramError, TimeoutError) as exc:
            log.warning(
                "could not confirm the last updates on stopping (%s); Telegram may send them again", exc
            )


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)


async def first_of(stop: asyncio.Event, task: asyncio.Task[None]) -> None:
    """Wait until `stop` is set or `task` ends; re-raise what the task raised."""
    waiter = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task.done():
        task.result()


async def serve(
    application: Application,
    *,
    allowed_updates: Sequence[str],
    webhook: Webhook | None = None,
    on_unreachable: Callable[[Exception], None] = lambda exc: None,
    heartbeat: Heartbeat | None = None,
    before_start: Callable[[Application], Awaitable[None]] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or `stop`). Raises InvalidToken when the token is refused for good.

    `before_start` runs once the API answered and before anything new is fetched (recovering kept updates).
    The heartbeat beats from the start, also while the API is still unreachable."""
    stop = stop or asyncio.Event()
    stop_on_signals(stop)
    beating: asyncio.Task[None] | None = None
    if heartbeat is not None:
        await heartbeat.started()
        beating = asyncio.create_task(heartbeat.run(application.bot), name="zhiri-heartbeat")
    sd_notify("READY=1")
    try:
        if await connect(application.bot, stop, on_first_failure=on_unreachable):
            if heartbeat is not None:
                heartbeat.connected = True
            await run_application(application, allowed_updates, webhook, heartbeat, before_start, stop)
    finally:
        if beating is not None:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
        if heartbeat is not None:
            await heartbeat.stopped()


async def run_application(
    application: Application,
    allowed_updates: Sequence[str],
    webhook: Webhook | None,
    heartbeat: Heartbeat | None,
    before_start: Callable[[Application], Awaitable[None]] | None,
    stop: asyncio.Event,
) -> None:
    async with application:  # initialize … shutdown
        if application.post_init is not None:
            await application.post_init(application)
        if before_start is not None:
            await before_start(application)
        await application.start()
        poller: Poller | None = None
        task: asyncio.Task[None]
        try:
            if webhook is None:
                on_poll = heartbeat.api_ok if heartbeat is not None else None
                poller = Poller(application, allowed_updates, on_success=on_poll)
                task = asyncio.create_task(poller.run(), name="zhiri-polling")
                await first_of(stop, task)
            elif webhook.on_page:
                task = asyncio.create_task(set_webhook(application.bot, webhook, allowed_updates, stop))
                await first_of(stop, task)
                if not stop.is_set():
                    await stop.wait()
            else:
                task = asyncio.create_task(start_webhook(application, webhook, allowed_updates))
                await first_of(stop, task)
                if not stop.is_set():
                    await stop.wait()
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            updater = application.updater
            if updater is not None and updater.running:
                await updater.stop()
            await application.stop()  # handles what is already in the update queue
            if poller is not None:
                await poller.confirm()


async def start_webhook(application: Application, webhook: Webhook, allowed_updates: Sequence[str]) -> None:
    updater = application.updater
    assert updater is not None
    await updater.start_webhook(
        listen=webhook.listen,
        port=webhook.port,
        url_path=webhook.url_path,
        webhook_url=webhook.url,
        secret_token=webhook.secret_token,
        allowed_updates=list(allowed_updates),
        bootstrap_retries=-1,  # setWebhook until it works; InvalidToken still raises at once
    )


class WebhookRefused(Exception):
    """Telegram refused WEBHOOK_URL itself: retrying cannot help."""


async def set_webhook(
    bot: Bot, webhook: Webhook, allowed_updates: Sequence[str], stop: asyncio.Event
) -> None:
    """Register the page's webhook address with Telegram until it works (the page's server receives the
    updates). A rejected token raises InvalidToken, a refused address WebhookRefused: neither is retried."""

    async def register() -> None:
        try:
            await bot.set_webhook(
                webhook.url, secret_token=webhook.secret_token, allowed_updates=list(allowed_updates)
            )
        except BadRequest as exc:  # the address itself is refused (not HTTPS, a port Telegram does not use)
            raise WebhookRefused(exc.message) from exc

    if await until_answered(stop, register, "Bot API (setWebhook)"):
        log.info("webhook set: %s (served by the web page)", webhook.url)
