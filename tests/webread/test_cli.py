"""`zhiri read` end to end against the local server."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.webread.server import Site


def test_read_json(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    url = site.url("/corpus/span_fbsj.html")
    code = main(["read", "--url", url, "--json", "--today", "2026-11-23"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("\n") == 1
    data = json.loads(out)
    assert data == {"url": url, "status": "ok", "newest": "2026-11-18", "items": 20, "reason": data["reason"]}
    assert "列表" in out  # ensure_ascii=False: the reason is readable Chinese, not \\u escapes


def test_read_text(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["read", "--url", site.url("/corpus/span_fbsj.html"), "--today", "2026-11-23"])
    out = capsys.readouterr().out
    assert code == 0
    assert "状态：正常；最新信息日期：2026-11-18；条目数：20" in out


def test_read_broken_exits_1(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["read", "--url", site.url("/status/404"), "--json", "--today", "2026-11-23"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["status"] == "broken" and data["newest"] is None


@pytest.mark.parametrize(("page", "status"), [("empty_zanwu.html", "empty"), ("no_dates.html", "unknown")])
def test_read_empty_and_unknown_exit_0(
    site: Site, capsys: pytest.CaptureFixture[str], page: str, status: str
) -> None:
    code = main(["read", "--url", site.url(f"/corpus/{page}"), "--json", "--today", "2026-11-23"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["status"] == status


def test_read_defaults_today_to_shanghai(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", "--url", site.url("/corpus/stale_last_year.html"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["newest"] == "2025-06-30"


def test_read_rejects_a_bad_today(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["read", "--url", "http://x/", "--today", "23/11/2026"])
    assert "YYYY-MM-DD" in capsys.readouterr().err
