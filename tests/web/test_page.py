"""The web page behind a robot's one-tap links, through HTTP (Starlette's test client over the real app)
and the real database: links taken from the reminders the DingTalk fake received."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from channels.robots.common import Kind
from domain.actions import Action
from domain.model import UpdateSource
from storage.db import session_scope
from storage.models import Chat, Item, ItemUnit, ReadConfirmation, UpdateLog, UsedLink
from storage.queries import MineView, OverdueView, actor_for, mine_lines, mine_view, overdue_view
from storage.queries import Speaker as Who
from tests.conftest import at
from tests.routine.conftest import FIN_CHAT, LEADER_TG, add_item
from tests.web.conftest import DAY, Clock, Day, path_of
from web.app import create_app
from web.entrance import DoneResult, act
from web.links import Expired, Grant, LinkKey, Opened, Tampered

pytestmark = pytest.mark.postgres


def client(day: Day, clock: Clock) -> TestClient:
    return TestClient(create_app(day.web, clock), follow_redirects=False)


def token_of(url: str) -> str:
    return path_of(url).removeprefix("/l/")


def late_paths(day: Day, now) -> list[str]:  # type: ignore[no-untyped-def]
    """What /overdue shows 市财政局's leader (the same view the command answers with)."""
    with session_scope(day.engine) as s:
        actor = actor_for(s, Who(LEADER_TG, "李局长"), ())
        view = overdue_view(s, now, actor, day.judge, None)
    assert isinstance(view, OverdueView)
    return [i.path for u in view.units for i in u.items]


def logs(day: Day) -> list[UpdateLog]:
    with session_scope(day.engine) as s:
        return list(s.exec(select(UpdateLog).where(UpdateLog.source == UpdateSource.LINK)).all())


def test_every_robot_message_carries_signed_links(robot_day: Day) -> None:
    heads = [m.splitlines()[0] for m in robot_day.messages]
    assert any(h.startswith("【日查】") for h in heads) and any(h.startswith("【逾期") for h in heads)
    # Each message has the list link; the overdue notice a 已更新 link, the daily read 已巡查.
    assert all("[查看本单位清单](https://zhiri.example.gov.cn/l/" in m for m in robot_day.messages)
    assert len(robot_day.links("✅ 已巡查", "【日查】")) == 1
    assert len(robot_day.links("✅ 已更新：财政预决算", "【逾期提醒】")) == 1
    urls = [u for m in robot_day.messages for _, u in re.findall(r"\[([^\]]+)\]\(([^)]+)\)", m)]
    assert len(set(urls)) == len(urls)  # every link is its own (one nonce each)


def done_link(day: Day) -> str:
    return day.link("✅ 已更新：财政预决算", "【逾期提醒】")


def test_a_done_link_shows_the_item_and_logs_it_once_through_the_done_act(robot_day: Day) -> None:
    clock = Clock(DAY + timedelta(hours=1))
    web = client(robot_day, clock)
    url = done_link(robot_day)
    assert "政务公开 / 财政预决算" in late_paths(robot_day, clock.now)

    page = web.get(path_of(url))
    assert page.status_code == 200
    html = page.text
    assert "登记已更新" in html and "财政预决算" in html and "市财政局" in html
    assert "2周内更新" in html and "已逾期" in html and 'name="viewport"' in html
    assert logs(robot_day) == []  # opening (a chat app's preview too) logs nothing

    done = web.post("/do", data={"token": token_of(url), "count": "2", "note": "发布了预算执行情况"})
    assert done.status_code == 200, done.text
    assert "已登记" in done.text and "财政预决算（2条），备注：发布了预算执行情况" in done.text
    assert "正常" in done.text  # the new state, judged now
    [entry] = logs(robot_day)
    assert (entry.count, entry.note, entry.person_id) == (2, "发布了预算执行情况", None)
    assert entry.origin is not None and entry.origin.startswith("link:")
    assert "政务公开 / 财政预决算" not in late_paths(robot_day, clock.now)

    # The same link again: refused plainly, saying when and what was logged; nothing logged twice.
    clock.now += timedelta(minutes=5)
    for again in (web.get(path_of(url)), web.post("/do", data={"token": token_of(url), "count": "1"})):
        assert again.status_code == 409
        assert "这个链接已经用过了" in again.text and "9月30日 10:00" in again.text
        assert "财政预决算（2条" in again.text
    assert len(logs(robot_day)) == 1
    with session_scope(robot_day.engine) as s:
        assert len(s.exec(select(UsedLink)).all()) == 1


def test_a_bad_count_is_refused_and_the_link_stays_usable(robot_day: Day) -> None:
    web = client(robot_day, Clock(DAY + timedelta(hours=1)))
    token = token_of(done_link(robot_day))
    for count in ("1000", "0", "²", "三"):  # out of the act's range, or not a whole number
        bad = web.post("/do", data={"token": token, "count": count, "note": "发布了预算"})
        assert bad.status_code == 200 and "条数请填写1到100之间的整数" in bad.text
        assert f'value="{count}"' in bad.text and 'value="发布了预算"' in bad.text  # nothing typed is lost
    assert logs(robot_day) == []
    assert web.post("/do", data={"token": token, "count": "３"}).status_code == 200  # a full-width 3
    assert [e.count for e in logs(robot_day)] == [3]


def test_expired_and_tampered_links_are_refused_with_what_to_do(robot_day: Day) -> None:
    url = done_link(robot_day)
    late = client(robot_day, Clock(DAY + timedelta(days=7, minutes=1)))
    for answer in (late.get(path_of(url)), late.post("/do", data={"token": token_of(url)})):
        assert answer.status_code == 410
        assert "链接已过期" in answer.text and "/done" in answer.text
    web = client(robot_day, Clock(DAY + timedelta(hours=1)))
    token = token_of(url)
    changed = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    tries = (web.get(f"/l/{changed}"), web.post("/do", data={"token": changed}), web.post("/do", data={}))
    for answer in tries:
        assert answer.status_code == 400 and "链接无效" in answer.text and "不完整或被改动过" in answer.text
    assert logs(robot_day) == []


def test_the_read_link_confirms_the_daily_read_once(robot_day: Day) -> None:
    web = client(robot_day, Clock(DAY + timedelta(minutes=30)))
    url = robot_day.link("✅ 已巡查", "【日查】")
    page = web.get(path_of(url))
    assert page.status_code == 200 and "9月30日 日查" in page.text and "确认已巡查" in page.text
    done = web.post("/do", data={"token": token_of(url), "name": "张三"})
    assert done.status_code == 200 and "已确认日查" in done.text and "张三" in done.text
    with session_scope(robot_day.engine) as s:
        chat = s.exec(select(Chat).where(Chat.address == FIN_CHAT)).one()
        reads = s.exec(select(ReadConfirmation).where(ReadConfirmation.chat_id == chat.id)).all()
    assert [(r.name, r.day.isoformat()) for r in reads] == [("张三", "2026-09-30")]
    assert web.post("/do", data={"token": token_of(url)}).status_code == 409


def test_the_list_link_shows_the_units_items_and_its_overdue_and_can_be_opened_again(robot_day: Day) -> None:
    web = client(robot_day, Clock(DAY + timedelta(hours=2)))
    url = robot_day.link("查看本单位清单", "【日查】")
    for _ in range(2):
        page = web.get(path_of(url))
        assert page.status_code == 200
        assert "本单位清单" in page.text and "市财政局" in page.text
        assert "财政预决算" in page.text and "财政专项" in page.text and "教育动态" not in page.text
        overdue = page.text.split("逾期未更新", 1)[1].split("全部栏目和账号", 1)[0]
        assert "财政预决算" in overdue and "财政专项" not in overdue and "张三" in overdue


def test_a_link_of_a_group_no_longer_bound_is_refused(robot_day: Day) -> None:
    with session_scope(robot_day.engine) as s:
        chat = s.exec(select(Chat).where(Chat.address == FIN_CHAT)).one()
        chat.active = False
        s.add(chat)
    web = client(robot_day, Clock(DAY + timedelta(hours=1)))
    answer = web.get(path_of(done_link(robot_day)))
    assert answer.status_code == 410 and "该群已解除绑定" in answer.text


def test_the_key_signs_expires_and_refuses_other_keys() -> None:
    key = LinkKey("k" * 32, timedelta(days=7))
    grant = Grant("done:12", "dingtalk", 5, 3, "abc")
    token = key.sign(grant, DAY)
    opened = key.open(token, DAY + timedelta(days=6))
    assert isinstance(opened, Opened) and opened.grant == grant
    assert isinstance(key.open(token, DAY + timedelta(days=7, seconds=1)), Expired)
    assert isinstance(LinkKey("j" * 32, timedelta(days=7)).open(token, DAY), Tampered)
    assert isinstance(key.open(token + "x", DAY), Tampered)
    assert isinstance(key.open(token, DAY - timedelta(hours=1)), Tampered)  # issued in the future
    with pytest.raises(ValueError):
        LinkKey("short", timedelta(days=7))


def test_a_links_items_are_shown_as_mine_shows_them_and_only_those(robot_day: Day) -> None:
    now = DAY + timedelta(hours=1)
    with session_scope(robot_day.engine) as s:
        actor = actor_for(s, Who(LEADER_TG, "李局长"), ())
        mine = mine_view(s, now, actor, robot_day.judge)
        assert isinstance(mine, MineView) and len(mine.items) >= 2
        other = s.exec(select(Item.id).where(Item.path == "政务公开 / 教育动态")).one()  # 市教育局's
        asked = (mine.items[-1].item_id, other, mine.items[0].item_id)
        lines = mine_lines(s, now, actor, robot_day.judge, asked)
        assert lines == (mine.items[0], mine.items[-1])  # /mine's own lines, most urgent first
        assert mine_lines(s, now, actor, robot_day.judge, (other,)) == ()


def test_a_per_unit_duty_logged_through_a_link_says_whose_share_it_counted_for(robot_day: Day) -> None:
    world, judge = robot_day.world, robot_day.judge
    path = "首页 / 部门动态"
    created = at("2026-09-20 10:00")
    item = add_item(robot_day.engine, world, judge, path, "各部门每周至少1条", "市财政局", created)
    with session_scope(robot_day.engine) as s:
        s.add(ItemUnit(item_id=item, unit_id=world.units["市教育局"]))
    grant = Grant(Action.done(item).encode(), Kind.DINGTALK.value, FIN_CHAT, world.units["市财政局"], "n1")
    page = act(robot_day.web, robot_day.web.key.sign(grant, DAY), DAY + timedelta(hours=1), {})
    assert isinstance(page, DoneResult) and page.summary == f"已更新：{path}（计入市财政局）"
