"""`zhiri read` end to end against the local server."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from tests.webread.server import Site
from webread import PageReading, Reader


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


def test_read_text_says_what_an_empty_column_is(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", "--url", site.url("/corpus/empty_zanwu.html"), "--today", "2026-11-23"]) == 0
    assert "状态：空白栏目（无内容）；最新信息日期：无；条目数：0" in capsys.readouterr().out


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


def test_read_without_today_reads_the_page(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", "--url", site.url("/corpus/stale_last_year.html"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["newest"] == "2025-06-30"


# UTC+14 and UTC-12: never the same date, so each case passes only if TZ_NAME decides "today".
@pytest.mark.parametrize("tz_name", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_read_defaults_today_to_the_site_time_zone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tz_name: str
) -> None:
    asked: list[date] = []

    async def read(self: Reader, url: str, *, today: date) -> PageReading:
        asked.append(today)
        return PageReading("ok", today, 1, "")

    monkeypatch.setattr(Reader, "read", read)
    monkeypatch.setenv("TZ_NAME", tz_name)
    before = datetime.now(ZoneInfo(tz_name)).date()
    assert main(["read", "--url", "http://www.example.gov.cn/", "--json"]) == 0
    assert asked and asked[0] in {before, datetime.now(ZoneInfo(tz_name)).date()}
    assert json.loads(capsys.readouterr().out)["newest"] == asked[0].isoformat()


def test_read_rejects_a_bad_today(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["read", "--url", "http://x/", "--today", "23/11/2026"])
    assert "YYYY-MM-DD" in capsys.readouterr().err
