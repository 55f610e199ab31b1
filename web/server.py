"""The web page served inside `zhiri run`'s own event loop: uvicorn's `Server.serve()` as one more task.

The bot's runner owns SIGINT/SIGTERM (`bot.runner.stop_on_signals`); uvicorn's own signal capture is turned
off here and the server is stopped by `stop()` when the bot stops. A port that cannot be opened is logged
and the bot goes on without the page (reminders still go out; the links answer nothing until it is fixed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Generator

import uvicorn
from starlette.applications import Starlette

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the bot's runner handles the signals and stops us


class WebServer:
    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="off",
            access_log=False,
            log_level="warning",
            proxy_headers=True,
            server_header=False,
        )
        self.server = _Server(config)
        self.where = f"{host}:{port}"
        self.task: asyncio.Task[None] | None = None

    async def _serve(self) -> None:
        try:
            await self.server.serve()
        except SystemExit:  # uvicorn exits when it cannot bind the port
            log.error(
                "网页服务无法在 %s 上监听（端口被占用或无权限）：一键链接暂不可用 / web page not served",
                self.where,
            )

    def start(self) -> asyncio.Task[None]:
        self.task = asyncio.create_task(self._serve(), name="zhiri-web")
        return self.task

    @property
    def started(self) -> bool:
        return self.server.started

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
