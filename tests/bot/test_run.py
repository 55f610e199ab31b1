"""`zhiri run` wiring without a network: polling vs webhook, settings, the file URL."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine

import storage.db
from bot import cmd_run
from bot.app import ALLOWED_UPDATES
from bot.config import Settings
from bot.webpage import webhook_on_page
from handlers.context import ENGINE, JUDGE


class Recorder:
    """Stands in for the runner (bot/runner.py): records how it was asked to serve."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, object]]] = []

    async def serve(self, application: object, **kwargs: object) -> None:
        webhook = kwargs["webhook"]
        self.calls.append(("webhook", {**vars(webhook), **kwargs}) if webhook else ("polling", kwargs))


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no developer .env
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_LISTEN", "WEBHOOK_PORT", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'z.db'}")
    recorder = Recorder()
    application = SimpleNamespace(bot_data={ENGINE: None, JUDGE: None})
    monkeypatch.setattr(cmd_run, "build_application", lambda settings: application)
    monkeypatch.setattr(cmd_run, "serve", recorder.serve)
    return recorder


def test_it_polls_by_default(env):
    assert cmd_run.run(argparse.Namespace()) == 0
    ((how, kwargs),) = env.calls
    assert how == "polling" and kwargs["allowed_updates"] == ALLOWED_UPDATES


def test_a_webhook_url_runs_a_webhook_with_a_secret_token(env, monkeypatch):
    monkeypatch.setenv("WEBHOOK_URL", "https://zhiri.example.gov.cn/tg/hook")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_token-1")
    monkeypatch.setenv("WEBHOOK_PORT", "8080")
    monkeypatch.setattr(cmd_run.importlib.util, "find_spec", lambda name: object())
    assert cmd_run.run(argparse.Namespace()) == 0
    ((how, kwargs),) = env.calls
    assert how == "webhook"
    assert kwargs["url"] == "https://zhiri.example.gov.cn/tg/hook"
    assert (kwargs["url_path"], kwargs["port"], kwargs["listen"]) == ("tg/hook", 8080, "0.0.0.0")
    assert kwargs["secret_token"] == "s3cret_token-1"


def test_without_a_configured_secret_a_random_one_is_used(env, monkeypatch):
    monkeypatch.setenv("WEBHOOK_URL", "https://zhiri.example.gov.cn/hook")
    monkeypatch.setattr(cmd_run.importlib.util, "find_spec", lambda name: object())
    cmd_run.run(argparse.Namespace())
    secret = str(env.calls[0][1]["secret_token"])
    assert len(secret) >= 32 and all(c.isalnum() or c in "-_" for c in secret)


def test_a_webhook_without_the_webhook_server_installed_is_explained(env, monkeypatch, capsys):
    monkeypatch.setenv("WEBHOOK_URL", "https://zhiri.example.gov.cn/hook")
    monkeypatch.setattr(cmd_run.importlib.util, "find_spec", lambda name: None)
    assert cmd_run.run(argparse.Namespace()) == 2
    assert "WEBHOOK_URL" in capsys.readouterr().err and env.calls == []


@pytest.mark.parametrize(
    ("api", "files"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot/", "http://127.0.0.1:8081/file/bot"),
        ("http://botapi.internal:8081", "http://botapi.internal:8081/file/bot"),
    ],
)
def test_the_file_url_follows_the_api_url(api, files):
    assert Settings(telegram_api_url=api).telegram_file_url == files


def test_a_database_that_cannot_be_opened_is_explained(env, monkeypatch, tmp_path, capsys):
    (tmp_path / "not-a-dir").write_text("x")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'not-a-dir' / 'z.db'}")
    # A plain engine (no folder creation), like a dead server; Settings.make_engine opens it.
    monkeypatch.setattr(storage.db, "make_engine", lambda url, **_options: create_engine(url))
    assert cmd_run.run(argparse.Namespace()) == 1
    err = capsys.readouterr().err
    assert "DATABASE_URL" in err and "无法打开数据库" in err and env.calls == []


@pytest.mark.parametrize(
    ("hook", "on_page"),
    [
        ("https://zhiri.example.gov.cn/telegram/x1", True),
        ("https://zhiri.example.gov.cn/", False),  # no path of its own: the page's routes are there
        ("https://zhiri.example.gov.cn:8443/telegram/x1", False),  # another port: PTB's own server
        ("https://bot.example.gov.cn/telegram/x1", False),
        ("", False),
    ],
)
def test_a_webhook_on_the_pages_address_is_served_by_the_page(hook, on_page):
    settings = Settings(public_url="https://zhiri.example.gov.cn", web_secret="w" * 40, webhook_url=hook)
    assert webhook_on_page(settings) is on_page
    assert webhook_on_page(Settings(public_url="", webhook_url=hook)) is False
