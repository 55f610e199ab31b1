"""The half-month check (半月查) answered through a robot's checklist links: 正常, and 有问题 with the
problem and its fix typed on the page, through the same act as Telegram's buttons, once each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from storage.db import session_scope
from storage.models import HalfMonthAnswer, Item
from tests.conftest import at
from tests.web.conftest import LINK, Clock, Day, path_of, routine_day
from web.app import create_app

pytestmark = pytest.mark.postgres
CHECK_DAY = at("2026-10-16 09:00")  # a Friday: the second half of October's check goes out


@pytest.fixture
def check_day(engine: Engine) -> Iterator[Day]:
    yield from routine_day(engine, CHECK_DAY)


def answers(day: Day) -> dict[str, tuple[str, str | None, str, date]]:
    with session_scope(day.engine) as s:
        rows = s.exec(select(HalfMonthAnswer, Item.name).join(Item, Item.id == HalfMonthAnswer.item_id)).all()
    return {name: (a.result, a.note, a.name, a.period) for a, name in rows}


def test_a_robot_group_past_the_full_list_gets_every_item_in_parts_never_a_file(engine: Engine) -> None:
    """27 items: past FULL_LIST_MAX a Telegram group gets one message and a spreadsheet, which a robot
    cannot take (issue 15's bug: the checklist was set aside and the group got none). The robot gets the list
    in parts, every item once with its two links, and the last item's link answers the check."""
    day = next(routine_day(engine, CHECK_DAY, more=25))
    checklist = [m for m in day.messages if m.startswith("【半月查】")]
    assert (
        len(checklist) == 7
        and "（第1—4项，共27项）" in checklist[0]
        and "（第25—27项，共27项）" in checklist[-1]
    )
    assert "汇总报" in checklist[-1] and "汇总报" not in checklist[0]
    labels = [name for text in checklist for name, _url in LINK.findall(text)]
    assert [n for n in labels if n.endswith("有问题")] == [f"{n}. 有问题" for n in range(1, 28)]
    assert len([n for n in labels if n.endswith(" 正常")]) == 27
    web = TestClient(create_app(day.web, Clock(CHECK_DAY + timedelta(hours=1))))
    last = path_of(day.link("27. 有问题", "【半月查】"))
    done = web.post(
        "/do", data={"token": last.removeprefix("/l/"), "note": "栏目页空白，已补充", "name": "李四"}
    )
    assert done.status_code == 200 and "有问题：栏目页空白，已补充" in done.text
    assert [r for r, *_ in answers(day).values()] == ["problem"]


def test_the_checklist_links_answer_the_half_month_check(check_day: Day) -> None:
    heads = [m.splitlines()[0] for m in check_day.messages]
    [head] = [h for h in heads if "半月" in h]
    web = TestClient(create_app(check_day.web, Clock(CHECK_DAY + timedelta(hours=2))))
    problem = check_day.link("1. 有问题", head)
    page = web.get(path_of(problem))
    assert page.status_code == 200 and "2026年10月下半月检查" in page.text
    assert "发现的问题和整改情况" in page.text
    token = path_of(problem).removeprefix("/l/")
    empty = web.post("/do", data={"token": token, "note": " "})
    assert "请填写发现的问题和整改情况" in empty.text and answers(check_day) == {}
    done = web.post("/do", data={"token": token, "note": "两条链接失效，已修复", "name": "张三"})
    assert done.status_code == 200 and "有问题：两条链接失效，已修复" in done.text
    assert answers(check_day)["财政预决算"] == ("problem", "两条链接失效，已修复", "张三", date(2026, 10, 16))

    # The second item: 正常, and the same link again is refused.
    ok = check_day.link("2. 财政专项 正常", head)
    assert "确认正常" in web.get(path_of(ok)).text
    assert "财政专项 正常" in web.post("/do", data={"token": path_of(ok).removeprefix("/l/")}).text
    assert {n: r for n, (r, *_) in answers(check_day).items()} == {"财政预决算": "problem", "财政专项": "ok"}
    assert web.post("/do", data={"token": path_of(ok).removeprefix("/l/")}).status_code == 409
