"""`zhiri rule` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from bot.cli import main

NULLS = {"quota": None, "after_event": None, "after_event_alt": None, "reason": None, "per_unit": False}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["rule", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_it_prints_the_json_contract_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "2周内更新")
    assert code == 0
    assert out == (
        '{"text": "2周内更新", "ok": true, "max_gap": {"n": 2, "unit": "week"}, "quota": null, '
        '"after_event": null, "after_event_alt": null, "on_change": false, "check_only": false, '
        '"external": false, "reason": null, "per_unit": false}\n'
    )


def test_it_prints_a_quota_and_deadlines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "每年不少于6次")
    assert code == 0
    assert json.loads(out)["quota"] == {"count": 6, "per": {"n": 1, "unit": "year"}, "rolling": False}
    code, out, _ = run(capsys, "--json", "15个工作日内答复，需延期的不超过15个工作日")
    got = json.loads(out)
    assert (got["after_event"], got["after_event_alt"]) == ({"n": 15, "unit": "workday"},) * 2


def test_it_joins_several_words_into_one_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "每周", "不少于", "2条")
    assert code == 0
    assert json.loads(out)["text"] == "每周 不少于 2条"
    assert json.loads(out)["quota"]["count"] == 2


def test_it_exits_2_with_the_reason_when_not_understood(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "随便")
    assert code == 2
    assert json.loads(out) == {
        "text": "随便",
        "ok": False,
        "max_gap": None,
        "on_change": False,
        "check_only": False,
        "external": False,
        **NULLS,
        "reason": "无法识别更新要求：随便（请改写为如“2周内更新”“每年不少于6次”）",
    }
    code, out, _ = run(capsys, "随便")
    assert (code, out) == (2, "无法识别更新要求：随便（请改写为如“2周内更新”“每年不少于6次”）\n")


def test_it_exits_2_on_an_empty_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert (code, out) == (2, "更新要求为空\n")


def test_it_explains_a_rule_in_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    gap = "（按间隔计：距上次更新不超过2周即可，与“2周内更新”同义）"
    assert run(capsys, "2周内更新") == (0, f"每2周内至少更新一次{gap}。\n", "")


@pytest.mark.parametrize(
    ("last", "at", "due", "state"),
    [
        ("2026-11-14", "2026-11-24", "2026-11-28", "fresh"),
        ("2026-11-14", "2026-11-25", "2026-11-28", "due_soon"),
        ("2026-11-14", "2026-11-27", "2026-11-28", "due_today"),
        ("2026-11-14", "2026-11-29", "2026-11-28", "overdue"),
        ("2026-09-17", "2026-09-30", "2026-10-01", "due_today"),
    ],
)
def test_it_computes_due_and_state(
    capsys: pytest.CaptureFixture[str], last: str, at: str, due: str, state: str
) -> None:
    code, out, _ = run(capsys, "--json", "--last", last, "--at", at, "2周内更新")
    got = json.loads(out)
    assert code == 0 and (got["due"], got["state"]) == (due, state)
    assert got["max_gap"] == {"n": 2, "unit": "week"}


def test_it_computes_a_working_day_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "--last", "2026-09-28", "--at", "2026-10-09", "每5个工作日更新一次")
    # 29, 30, 8, 9, 10: the Saturday 10-10 is a 调休 working day, so people are warned that day, not before.
    assert (code, json.loads(out)["due"], json.loads(out)["state"]) == (0, "2026-10-10", "due_soon")


def test_it_reports_no_due_day_when_there_is_no_content_duty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "--last", "2026-09-28", "--at", "2026-10-09", "外链")
    got = json.loads(out)
    assert (code, got["due"], got["state"]) == (0, None, "not_applicable")


def test_it_adds_due_and_state_to_the_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--last", "2026-11-14", "--at", "2026-11-29", "2周内更新")
    gap = "（按间隔计：距上次更新不超过2周即可，与“2周内更新”同义）"
    assert (code, out) == (0, f"每2周内至少更新一次{gap}。截止2026-11-28，2026-11-29状态：已逾期1天。\n")
    code, out, _ = run(capsys, "--last", "2026-11-14", "--at", "2026-11-29", "外链")
    assert (code, out) == (0, "外部链接，内容由对方网站维护，无内容更新要求。2026-11-29状态：无需更新。\n")


def test_it_states_the_needs_rule_state_for_an_unreadable_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "--last", "2026-11-14", "--at", "2026-11-29", "随便更新")
    got = json.loads(out)
    assert (code, got["ok"], got["due"], got["state"]) == (2, False, None, "needs_rule")


@pytest.mark.parametrize(
    "argv",
    [
        ("--last", "2026-13-01", "--at", "2026-11-29", "2周内更新"),
        ("--last", "2026/11/14", "--at", "2026-11-29", "2周内更新"),
        ("--last", "2026-11-14", "--at", "tomorrow", "2周内更新"),
    ],
)
def test_it_rejects_bad_dates_in_chinese(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    code, out, err = run(capsys, "--json", *argv)
    assert code == 2 and out == ""
    assert "日期格式不对" in err and "YYYY-MM-DD" in err


@pytest.mark.parametrize("argv", [("--last", "2026-11-14"), ("--at", "2026-11-29")])
def test_it_needs_both_last_and_at(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    code, out, err = run(capsys, *argv, "2周内更新")
    assert code == 2 and out == "" and "--last 和 --at 要一起给出" in err


def test_last_is_the_event_day_for_a_deadline_after_an_event(capsys: pytest.CaptureFixture[str]) -> None:
    # 2026-09-25 (Fri) + 15 working days: National Day (10-01…07) does not count, Saturday 10-10 (调休) does.
    code, out, _ = run(capsys, "--json", "--last", "2026-09-25", "--at", "2026-10-20", "15个工作日内回复")
    got = json.loads(out)
    assert (code, got["due"], got["state"], got["days_late"]) == (0, "2026-10-22", "due_soon", 0)
    code, out, _ = run(capsys, "--json", "--last", "2026-09-25", "--at", "2026-10-26", "15个工作日内回复")
    got = json.loads(out)
    assert (got["state"], got["days_late"]) == ("overdue", 4)  # calendar days: due Thursday 10-22
