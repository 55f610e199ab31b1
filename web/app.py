"""The small web page behind the group robots' one-tap links: a Starlette app in the bot's own process.

Starlette rather than FastAPI: four server-rendered pages and one form need routing, form parsing and Jinja2
templates, not request models or an OpenAPI schema. Pages are plain HTML (no JavaScript), in Chinese, sized
for a phone. GET only shows (chat apps open links to preview them); the form's POST acts, and carries the
signed token itself, so a page on another site cannot make a browser act without the link (CSRF).
The database work runs in a worker thread (`run_in_threadpool`): the bot's loop is never held by it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from domain.actions import CHECK_LIST_MAX
from domain.text import KIND_LABELS, state_words
from domain.wording import half_month
from replies.format import day
from web.entrance import (
    MAX_NOTE,
    CheckListPage,
    CheckPage,
    CheckResultPage,
    DonePage,
    DoneResult,
    ListPage,
    Page,
    Problem,
    ReadPage,
    ReadResult,
    Used,
    Web,
    act,
    show,
)

TEMPLATES = Path(__file__).parent / "templates"
# Bytes of a form: a count and a short note, or a checklist part's answers (CHECK_LIST_MAX items, each a
# choice and a note of up to MAX_NOTE characters, nine bytes a Chinese character once form-encoded).
MAX_FORM = 4096 + CHECK_LIST_MAX * (MAX_NOTE * 9 + 16)
MAX_FIELDS = 2 * CHECK_LIST_MAX + 4


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES)
    templates.env.globals.update(day=day, state_words=state_words, kinds=KIND_LABELS, half_month=half_month)
    return templates


def create_app(
    web: Web, clock: Callable[[], datetime] = _utcnow, routes: Sequence[BaseRoute] = ()
) -> Starlette:
    """The page; `routes`: more the process serves on the same address (Telegram's webhook, `bot.webpage`)."""
    templates = _templates()

    def render(request: Request, page: Page, token: str) -> Response:
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
        name, status = {
            Problem: ("problem.html", getattr(page, "status", 200)),
            Used: ("used.html", 409),
            DonePage: ("done.html", 200),
            DoneResult: ("done_result.html", 200),
            ReadPage: ("read.html", 200),
            ReadResult: ("read_result.html", 200),
            CheckPage: ("check.html", 200),
            CheckListPage: ("check_list.html", 200),
            CheckResultPage: ("check_result.html", 200),
            ListPage: ("list.html", 200),
        }[type(page)]
        return templates.TemplateResponse(
            request, name, {"page": page, "token": token}, status_code=status, headers=headers
        )

    async def link(request: Request) -> Response:
        token = request.path_params["token"]
        page = await run_in_threadpool(show, web, token, clock())
        return render(request, page, token)

    async def do(request: Request) -> Response:
        if int(request.headers.get("content-length") or 0) > MAX_FORM:
            return PlainTextResponse("表单内容过长。", status_code=413)
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        token = fields.pop("token", "")
        page = await run_in_threadpool(act, web, token, clock(), fields)
        return render(request, page, token)

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/l/{token}", link, methods=["GET"]),
            Route("/do", do, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
            *routes,
        ]
    )
