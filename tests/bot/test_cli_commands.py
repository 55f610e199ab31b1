"""The `zhiri` commands that share `bot.cli_support`: the same refusals (exit 2, said on standard error) for
a database at an old schema, a site or unit that cannot be found, and a day that cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from storage.db import make_engine, upgrade

COUNTY_CSV = Path(__file__).resolve().parents[1] / "fixtures" / "lists" / "county-columns-gbk.csv"


@pytest.fixture
def county(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import", str(COUNTY_CSV)]) == 0
    capsys.readouterr()
    return sqlite_url


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    return err


@pytest.mark.parametrize("command", [["units"], ["site"], ["score"], ["retire", "--list"], ["log"]])
def test_every_reading_command_refuses_an_old_schema(command, sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    engine = make_engine(sqlite_url)
    upgrade(engine, "0001")
    engine.dispose()
    assert "zhiri db upgrade" in refused(command, capsys)


@pytest.mark.parametrize("command", [["units"], ["site"], ["score"], ["retire", "--list"]])
def test_every_site_command_names_the_site_it_cannot_find(command, county, capsys):
    err = refused([*command, "--site", "别的网站"], capsys)
    assert "没有名为“别的网站”的网站" in err and "牟定县人民政府门户网站" in err


def test_units_lists_and_merges_and_says_what_it_cannot_do(county, capsys):
    assert main(["units"]) == 0
    assert "县融媒体中心" in capsys.readouterr().out
    assert "未完成" in refused(["units", "merge", "没有的单位", "县融媒体中心"], capsys)
    assert main(["units", "alias", "add", "县融媒体中心", "县融媒"]) == 0
    assert "“县融媒”即“县融媒体中心”" in capsys.readouterr().out


def test_site_shows_and_sets_the_sites_own_names(county, capsys):
    assert main(["site", "--admin", "县政府办信息中心"]) == 0
    assert "系统管理员所在单位：县政府办信息中心" in capsys.readouterr().out


def test_log_refuses_an_unknown_unit_and_a_bad_day(county, capsys):
    assert "没有找到责任单位「火星局」" in refused(["log", "--unit", "火星局"], capsys)
    assert "YYYY-MM-DD" in refused(["log", "--since", "上周"], capsys)
    assert main(["log", "--unit", "县融媒体中心", "--since", "2026-01-01"]) == 0
