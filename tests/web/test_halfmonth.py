"""The half-month check (半月查) answered through a robot's checklist links: 正常, and 有问题 with the
problem and its fix typed on the page, through the same act as Telegram's buttons, once each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from channels.transport import Outgoing
from domain.actions import Action
from storage.db import session_scope
from storage.models import HalfMonthAnswer, Item
from tests.conftest import at
from tests.web.conftest import LINK, PUBLIC, Clock, Day, path_of, routine_day
from web.app import create_app
from web.links import Opened, SignedLinks

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
    in parts, each with one link to a page where its items are answered together."""
    day = next(routine_day(engine, CHECK_DAY, more=25))
    checklist = [m for m in day.messages if m.startswith("【半月查】")]
    assert (
        len(checklist) == 3
        and "（第1—10项，共27项）" in checklist[0]
        and "（第21—27项，共27项）" in checklist[-1]
    )
    assert "汇总报" in checklist[-1] and "汇总报" not in checklist[0]
    labels = [name for text in checklist for name, _url in LINK.findall(text)]
    parts = ["第1—10项", "第11—20项", "第21—27项"]
    assert [n for n in labels if n.startswith("逐项检查并登记")] == [f"逐项检查并登记（{p}）" for p in parts]
    web = TestClient(create_app(day.web, Clock(CHECK_DAY + timedelta(hours=1))))
    last = path_of(day.link("逐项检查并登记（第21—27项）", "【半月查】"))
    page = web.get(last)
    assert page.status_code == 200 and page.text.count('value="bad"') == 7
    with session_scope(engine) as s:
        ids = {i.name: i.id for i in s.exec(select(Item)).all()}
    token = last.removeprefix("/l/")
    first = {k: v for k, v in ids.items() if k.startswith("专栏") and int(k[2:]) >= 19}
    assert len(first) == 7
    # 有问题 with nothing typed: refused, the choices kept, nothing recorded.
    bad = ids["专栏25"]
    refused = web.post("/do", data={"token": token, f"r{bad}": "bad"})
    assert "请填写发现的问题和整改情况：政务公开 / 专栏25" in refused.text and answers(day) == {}
    assert f'name="r{bad}" value="bad" checked' in refused.text
    done = web.post(
        "/do", data={"token": token, f"r{bad}": "bad", f"n{bad}": "栏目页空白，已补充", "name": "李四"}
    )
    assert done.status_code == 200 and "专栏25 有问题：栏目页空白，已补充" in done.text
    got = {name: result for name, (result, *_) in answers(day).items()}
    assert got == {name: "problem" if name == "专栏25" else "ok" for name in first}
    assert answers(day)["专栏25"][1:3] == ("栏目页空白，已补充", "李四")
    assert web.post("/do", data={"token": token}).status_code == 409  # once


def per_item_link(day: Day, action: Action) -> str:
    """A link of the checklists sent before a part had one link (正常 and 有问题 per item): still answered
    while it is valid (a week)."""
    part = path_of(day.link("逐项检查并登记", "【半月查】")).removeprefix("/l/")
    opened = day.web.key.open(part, CHECK_DAY)
    assert isinstance(opened, Opened)
    grant = opened.grant
    message = Outgoing(chat_id=grant.chat, text="", platform=grant.platform, unit_id=grant.unit)
    return SignedLinks(PUBLIC, day.web.key, Clock(CHECK_DAY)).offer(action, message)


def test_the_per_item_checklist_links_answer_the_half_month_check(check_day: Day) -> None:
    with session_scope(check_day.engine) as s:
        ids = {i.name: i.id for i in s.exec(select(Item)).all()}
    web = TestClient(create_app(check_day.web, Clock(CHECK_DAY + timedelta(hours=2))))
    problem = per_item_link(check_day, Action.check(ids["财政预决算"], False))
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
    ok = per_item_link(check_day, Action.check(ids["财政专项"], True))
    assert "确认正常" in web.get(path_of(ok)).text
    assert "财政专项 正常" in web.post("/do", data={"token": path_of(ok).removeprefix("/l/")}).text
    assert {n: r for n, (r, *_) in answers(check_day).items()} == {"财政预决算": "problem", "财政专项": "ok"}
    assert web.post("/do", data={"token": path_of(ok).removeprefix("/l/")}).status_code == 409
