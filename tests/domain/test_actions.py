from __future__ import annotations

from datetime import date

import pytest

from domain.actions import Action, Offer, Verb, offers_from_rows, offers_to_rows


@pytest.mark.parametrize(
    ("action", "text"),
    [
        (Action.done(12), "done:12"),
        (Action.done(12, count=3), "done:12:3"),
        (Action.done(1, 2), "done:1,2"),
        (Action.read(date(2026, 10, 8)), "read:20261008"),
        (Action.check(7, True), "hm:7:ok"),
        (Action.check(7, False), "hm:7:bad"),
        (Action.check_rest(date(2026, 10, 16)), "hmrest:20261016"),
        (Action.check_list(12), "hmlist:12"),
        (Action.check_list(*range(1, 11)), "hmlist:1,2,3,4,5,6,7,8,9,10"),
    ],
)
def test_an_action_is_short_text_and_back(action: Action, text: str) -> None:
    assert action.encode() == text
    assert Action.decode(text) == action


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "done",
        "done:",
        "done:x",
        "done:12:1000",
        "read:20261332",
        "hm:7:maybe",
        "open:12",
        "done:12;",
        "hmlist:",
        "hmlist:1,2,3,4,5,6,7,8,9,10,11",
    ],
)
def test_anything_else_is_no_action(text: str | None) -> None:
    assert Action.decode(text) is None


def test_stored_rows_drop_what_is_no_action() -> None:
    rows = offers_to_rows([[Offer("已更新", Action.done(3))]])
    assert rows == [[{"label": "已更新", "action": "done:3"}]]
    assert offers_from_rows([*rows, [{"label": "旧按钮", "action": "bogus:1"}]]) == (
        (Offer("已更新", Action.done(3)),),
    )
    assert Action.decode("hm:7:ok") is not None and Action.decode("hm:7:ok").verb is Verb.CHECK  # type: ignore[union-attr]
