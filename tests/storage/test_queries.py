from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlmodel import col, select

from domain.access import administers, takes_part
from replies import format as fmt
from storage import items as items_module
from storage.db import session_scope
from storage.items import judge_items, judge_pages, log_update, refresh_stale, set_rule, undo_logs
from storage.models import Chat, ChatUnit, Item, Outbox
from storage.queries import (
    OTHERS_LISTED,
    DueView,
    ItemRef,
    MineView,
    NotAdmin,
    NotYourUnit,
    OverdueView,
    PeopleView,
    Speaker,
    StatusView,
    Stranger,
    UnitAmbiguous,
    UnitRef,
    UnitUnknown,
    actor_for,
    clean,
    clearly_meant,
    due_view,
    match_items,
    match_units,
    mine_view,
    overdue_view,
    people_view,
    segments,
    split_count,
    status_view,
    unit_actor,
)
from tests.bot.seed import add_many_overdue, add_person, item, seed
from tests.conftest import at

CREATED = at("2026-10-01 09:00")
NOW = at("2026-11-23 09:00")  # a Monday; 首页 / 部门动态 is 39 days late
ADMIN = 1000
LEADER, WEBMASTER, FINANCE, STRANGER = 2001, 2002, 2003, 9999


@pytest.fixture
def world(engine, judge):
    w = seed(engine, judge, CREATED, now=NOW)
    add_person(engine, CREATED, LEADER, "李领导", [("市政府办公室", "leader")], w)
    add_person(engine, CREATED, WEBMASTER, "王小明", [("市政府办公室", "webmaster")], w, username="wxm")
    add_person(engine, CREATED, FINANCE, "赵财", [("市财政局", "webmaster")], w)
    return w


def view(engine, fn, speaker, *args, **kwargs):
    """`fn(session, now, actor, *args)`, the speaker resolved into the acting person as the entrance does."""
    with session_scope(engine) as session:
        return fn(session, NOW, actor_for(session, speaker, [ADMIN]), *args, **kwargs)


# -- matching (no database) ----------------------------------------------------------------------

REFS = [
    ItemRef(1, "部门动态", "首页 / 部门动态", ("市政府办公室",)),
    ItemRef(2, "部门动态", "政务公开 / 部门信息 / 部门动态", ("市教育局",)),
    ItemRef(3, "财政预决算", "政务公开 / 重点领域信息公开 / 财政预决算", ("市财政局",)),
    ItemRef(4, "通知公告", "政务公开 / 通知公告", ("市政府办公室",)),
    ItemRef(5, "楚雄发布", "微信公众号 / 楚雄发布", ("市政府办公室",)),
]


@pytest.mark.parametrize(
    ("words", "expected", "rest"),
    [
        (["财政预决算"], [3], ()),
        (["重点领域信息公开/财政预决算"], [3], ()),
        (["重点领域信息公开", "财政预决算"], [3], ()),
        (["重点领域信息公开／财政预决算"], [3], ()),
        (["重点领域信息公开>财政预决算"], [3], ()),
        (["重点领域信息公开、财政预决算"], [3], ()),
        (["首页/部门动态", "今天发了3条"], [1], ("今天发了3条",)),
        (["部门动态"], [1, 2], ()),
        (["财政"], [3], ()),
        (["ｔｏｎｇ"], [], ()),
        (["通知\u200b公告"], [4], ()),
        (["通知公告", "3"], [4], ("3",)),
        (["楚雄发布"], [5], ()),
        (["微信公众号", "楚雄发布"], [5], ()),
        (["预决算"], [3], ()),
    ],
)
def test_it_matches_items_by_name_path_prefix_and_substring(words, expected, rest):
    found = match_items(REFS, words)
    assert [it.id for it in found.hits] == expected
    if expected:
        assert found.rest == rest


@pytest.mark.parametrize(
    ("words", "meant"),
    [
        (["财政预决算"], 3),  # the whole name
        (["重点领域信息公开/财政预决算"], 3),  # the end of the path
        (["财政预决"], 3),  # most of the name
        (["预决算"], 3),
        (["财政"], None),  # two characters of five: asked
        (["财"], None),  # one character: asked
        (["部门动态"], None),  # two items of that name: asked
    ],
)
def test_only_an_exact_or_clearly_unique_match_is_taken_without_asking(words, meant):
    found = clearly_meant(match_items(REFS, words))
    assert (found.id if found else None) == meant


def test_it_suggests_the_nearest_names_when_nothing_matches():
    found = match_items(REFS, ["通知公布"])
    assert found.hits == ()
    assert "政务公开 / 通知公告" in found.suggestions


def test_it_normalises_full_width_and_invisible_characters():
    assert clean("　财政\u200b预决算\ufeff ") == "财政预决算"
    assert segments("重点领域 ／ 财政预决算") == ("重点领域", "财政预决算")
    assert clean("ＡＢＣ１２３") == "ABC123"


UNIT_REFS = [UnitRef(1, "市财政局", "s"), UnitRef(2, "市教育局", "s"), UnitRef(3, "市政府办公室", "s")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("市财政局", [1]), ("财政", [1]), ("市政府", [3]), ("市", [1, 2, 3]), ("公安", []), ("", [])],
)
def test_it_matches_units_exactly_then_by_prefix_then_substring(text, expected):
    assert [u.id for u in match_units(UNIT_REFS, text).hits] == expected


@pytest.mark.parametrize(
    ("rest", "count", "note"),
    [
        ((), None, None),
        (("3",), 3, None),
        (("已发布3条",), 3, "已发布3条"),
        (("今天", "更新"), None, "今天 更新"),
        (("2", "转载"), 2, "转载"),
        (("发布", "5篇"), 5, "发布 5篇"),
        (("第12期",), None, "第12期"),  # an ordinal (the 12th issue), not 12 updates
        (("第", "12", "期"), None, "第 12 期"),
        (("2026年第3期", "共2篇"), 2, "2026年第3期 共2篇"),
        (("1.5条",), None, "1.5条"),
    ],
)
def test_it_reads_a_count_from_the_words_after_the_name(rest, count, note):
    assert split_count(rest) == (count, note)


# -- who is asking ---------------------------------------------------------------------------------


def test_a_member_of_a_unit_also_answers_for_the_groups_containing_it(engine, world):
    with session_scope(engine) as session:
        actor = actor_for(session, Speaker(FINANCE, "赵财"), [ADMIN])
    assert not administers(actor)
    assert actor.units == {world.units["市财政局"], world.units["市属各部门"]}
    assert actor.scope == actor.units


def test_a_unit_acting_through_a_link_answers_for_what_its_members_do(engine, world):
    with session_scope(engine) as session:
        unit = unit_actor(session, [world.units["市财政局"]])
        member = actor_for(session, Speaker(FINANCE, "赵财"), [ADMIN])
    assert unit.units == member.units == {world.units["市财政局"], world.units["市属各部门"]}
    assert takes_part(unit) and not administers(unit) and (unit.person_id, unit.speaker) == (None, None)


def test_configured_administrators_see_everything_without_a_person_row(engine, world):
    with session_scope(engine) as session:
        actor = actor_for(session, Speaker(ADMIN, "管理员"), [ADMIN])
    assert actor.global_admin and takes_part(actor) and actor.scope is None and actor.person_id is None


# -- /overdue ---------------------------------------------------------------------------------------


def test_the_administrator_sees_every_late_item_grouped_by_unit_with_its_webmaster(engine, world, judge):
    result = view(engine, overdue_view, Speaker(ADMIN), judge, None)
    assert isinstance(result, OverdueView)
    units = {u.unit: u for u in result.units}
    assert set(units) == {"市政府办公室", "市属各部门", "市教育局"}
    office = units["市政府办公室"].items
    # Silent since 10-01: the account (每周至少更新一次, at most a week between posts) is late too.
    assert [i.path for i in office] == ["微信公众号 / 楚雄发布", "首页 / 部门动态"]
    assert [i.due_on for i in office] == [date(2026, 10, 8), date(2026, 10, 15)]
    assert office[1].days_late == (date(2026, 11, 23) - office[1].due_on).days == 39
    assert [w.label for w in office[1].webmasters] == ["王小明（@wxm）"]
    assert units["市属各部门"].items[0].webmasters == ()
    assert result.needs_rule is not None
    assert [i.path for i in result.needs_rule] == ["互动交流 / 在线访谈"]


def test_a_province_of_unreadable_rules_and_empty_pages_is_counted_and_the_first_named(engine, world, judge):
    """A first import of a province's list can leave thousands of rules to fix and the reader thousands of
    empty pages: /overdue loads the first hundred of each (by path) and counts the rest, and says so."""
    add_many_overdue(engine, world, 120)
    with session_scope(engine) as s:
        for row in s.exec(select(Item).where(col(Item.path).startswith("专题专栏 / 历史专题"))):
            row.read_status = "empty"
        s.add_all(
            Item(
                site_id=world.site_id,
                kind="column",
                key=f"column:规则{i:03d}",
                name=f"规则{i:03d}",
                path=f"专题专栏 / 规则{i:03d}",
                created_at=at("2026-09-01 09:00"),
                rule_text="视情况",
                state="needs_rule",
            )
            for i in range(150)
        )
    result = view(engine, overdue_view, Speaker(ADMIN), judge, None)
    assert isinstance(result, OverdueView) and result.needs_rule is not None
    assert (len(result.needs_rule), result.needs_rule_total) == (OTHERS_LISTED, 151)
    assert [i.path for i in result.needs_rule][:2] == ["专题专栏 / 规则000", "专题专栏 / 规则001"]
    assert (len(result.website), result.website_total) == (OTHERS_LISTED, 120)
    text = fmt.overdue(result).text
    assert "待补充规则（151 项" in text and "……另有 141 项，全部列在 zhiri export" in text
    assert "网站读取发现的问题（120 项" in text and "……另有 110 项" in text
    assert "全站空白栏目 120 个，已达到单项否决线" in text


def test_a_leader_sees_only_the_late_items_of_their_units(engine, world, judge):
    result = view(engine, overdue_view, Speaker(LEADER), judge, None)
    assert isinstance(result, OverdueView)
    assert [u.unit for u in result.units] == ["市政府办公室"]
    assert result.needs_rule is None


def test_overdue_can_be_narrowed_to_one_unit(engine, world, judge):
    result = view(engine, overdue_view, Speaker(ADMIN), judge, "教育")
    assert isinstance(result, OverdueView)
    assert result.narrowed_to == "市教育局"
    assert [u.unit for u in result.units] == ["市教育局"]
    assert view(engine, overdue_view, Speaker(LEADER), judge, "市教育局") == NotYourUnit("市教育局")
    assert isinstance(view(engine, overdue_view, Speaker(ADMIN), judge, "市"), UnitAmbiguous)
    assert isinstance(view(engine, overdue_view, Speaker(ADMIN), judge, "公安局"), UnitUnknown)


def test_a_logged_item_is_no_longer_overdue(engine, world, judge):
    with session_scope(engine) as session:
        log_update(session, NOW, judge, item(session, world, "首页 / 部门动态"), source="done")
    result = view(engine, overdue_view, Speaker(ADMIN), judge, None)
    assert isinstance(result, OverdueView)
    assert [u.unit for u in result.units] == ["市政府办公室", "市教育局"]
    assert "首页 / 部门动态" not in {i.path for u in result.units for i in u.items}


def test_overdue_follows_every_change_made_after_the_daily_pass(engine, world, judge):
    """/overdue judges only what the stored schedule says may be late, once the daily pass stored today's:
    each change to an item's facts later that day (a log, its undo, a new rule) stores it again at once."""

    def late() -> set[str]:
        result = view(engine, overdue_view, Speaker(ADMIN), judge, None)
        assert isinstance(result, OverdueView)
        return {i.path for u in result.units for i in u.items}

    with session_scope(engine) as session:
        refresh_stale(session, judge, NOW, world.site_id)
        stored = {row.path: (row.state, row.state_on) for row in session.exec(select(Item))}
    assert stored["首页 / 部门动态"] == ("overdue", NOW.date())
    assert stored["政务公开 / 通知公告"][0] == "fresh"
    assert late() == {"首页 / 部门动态", "政务公开 / 部门信息 / 部门动态", "微信公众号 / 楚雄发布"}
    with session_scope(engine) as session:
        logged = log_update(session, NOW, judge, item(session, world, "首页 / 部门动态"), source="done")
    assert "首页 / 部门动态" not in late()
    with session_scope(engine) as session:
        undo_logs(session, NOW, judge, [session.merge(logged)], None)
    assert "首页 / 部门动态" in late()
    with session_scope(engine) as session:
        set_rule(session, NOW, judge, item(session, world, "政务公开 / 通知公告"), "2周内更新")
    assert "政务公开 / 通知公告" in late()


def test_the_daily_pass_writes_what_changed_and_what_is_late_and_overdue_reads_the_same(engine, world, judge):
    """The daily pass writes the rows whose schedule changed and every late one (stored today, as /overdue
    counts them), and records the day on the site: a row found unchanged keeps the day it was stored for,
    and is that day's judgement too. /overdue says the same before the pass (judging live), after it
    (reading the stored late), with a second site not yet passed today (each site by its own day), and the
    next day before that day's pass."""
    from datetime import timedelta

    from storage.models import Site

    def late(now=NOW) -> list[tuple[str, str, int]]:
        with session_scope(engine) as session:
            result = overdue_view(session, now, actor_for(session, Speaker(ADMIN), [ADMIN]), judge, None)
        assert isinstance(result, OverdueView)
        return [(u.unit, i.path, i.days_late) for u in result.units for i in u.items]

    day, next_day = NOW + timedelta(days=1), NOW + timedelta(days=2)  # the world was stored on NOW's day
    before = late(day)
    assert before
    with session_scope(engine) as session:
        first = refresh_stale(session, judge, day, world.site_id)
        assert first and session.get(Site, world.site_id).judged_on == day.date()
        rows = list(session.exec(select(Item).where(col(Item.retired_at).is_(None))))
        assert all(r.state_on == day.date() for r in rows if r.state == "overdue")
        assert [r.path for r in rows if r.state_on == NOW.date()]  # found unchanged: not written
        assert refresh_stale(session, judge, day, world.site_id) == {}  # the day is done
    assert late(day) == before
    with session_scope(engine) as session:
        session.add(Site(name="另一个网站", created_at=NOW))  # its pass has not run today
    assert late(day) == before
    ahead = late(next_day)
    assert {(u, p) for u, p, _ in ahead} >= {(u, p) for u, p, _ in before}
    with session_scope(engine) as session:
        refresh_stale(session, judge, next_day, world.site_id)
    assert late(next_day) == ahead


def test_strangers_are_refused(engine, world, judge):
    assert view(engine, overdue_view, Speaker(STRANGER), judge, None) == Stranger()
    assert view(engine, mine_view, Speaker(STRANGER), judge) == Stranger()
    assert view(engine, status_view, Speaker(STRANGER), judge) == NotAdmin()


def test_retired_items_are_not_overdue(engine, world, judge):
    with session_scope(engine) as session:
        row = item(session, world, "首页 / 部门动态")
        row.retired_at = NOW
        session.add(row)
    result = view(engine, overdue_view, Speaker(ADMIN), judge, None)
    assert isinstance(result, OverdueView)
    assert "首页 / 部门动态" not in {i.path for u in result.units for i in u.items}


# -- /mine, /due, /status, /people --------------------------------------------------------------


def test_mine_lists_the_senders_items_most_urgent_first(engine, world, judge):
    result = view(engine, mine_view, Speaker(WEBMASTER), judge)
    assert isinstance(result, MineView)
    paths = [i.path for i in result.items]
    assert paths[:2] == ["微信公众号 / 楚雄发布", "首页 / 部门动态"]  # the latest first
    assert paths.index("互动交流 / 在线访谈") < paths.index("政务公开 / 通知公告")
    assert set(paths) == {
        "首页 / 部门动态",
        "政务公开 / 通知公告",
        "互动交流 / 在线访谈",
        "微信公众号 / 楚雄发布",
    }


def test_due_lists_what_falls_due_within_n_working_days(engine, world, judge):
    with session_scope(engine) as session:
        account = item(session, world, "微信公众号 / 楚雄发布")
        log_update(session, NOW, judge, account, source="done", at=at("2026-11-18 10:00"))
    result = view(engine, due_view, Speaker(ADMIN), judge, 5)
    assert isinstance(result, DueView)
    assert result.until == date(2026, 11, 30)
    assert [i.path for i in result.items] == ["微信公众号 / 楚雄发布"]
    assert result.overdue == 2


def test_status_counts_items_people_and_groups(engine, world, judge):
    with session_scope(engine) as session:
        session.add(Chat(address=-1, title="财政群", created_at=NOW))
        session.add(Chat(address=-2, title="旧群", active=False, all_units=True, created_at=NOW))
        session.flush()
        chat = session.exec(select(Chat).where(Chat.address == -1)).one()
        session.add(ChatUnit(chat_id=chat.id, unit_id=world.units["市财政局"]))
        # Set aside after repeated errors: two waiting (counted), one sent after a retry (not counted).
        for n, sent in ((1, None), (2, None), (3, NOW)):
            session.add(
                Outbox(
                    key=f"k{n}",
                    kind="warning",
                    chat_id=-1,
                    day=NOW.date(),
                    text="提醒",
                    created_at=NOW,
                    not_before=NOW,
                    set_aside_at=NOW,
                    failures=5,
                    sent_at=sent,
                )
            )
        session.add(
            Outbox(
                key="k4",
                kind="warning",
                chat_id=-1,
                day=NOW.date(),
                text="提醒",
                created_at=NOW,
                not_before=NOW,
            )
        )
    result = view(engine, status_view, Speaker(ADMIN), judge, configured=[ADMIN])
    assert isinstance(result, StatusView)
    assert result.set_aside == 2
    assert "有 2 条消息多次发送失败" in fmt.status(result).text
    assert "zhiri outbox --retry" in fmt.status(result).text
    assert result.items_by_state["overdue"] == 3
    assert result.needs_rule == 1
    assert (result.columns, result.accounts) == (6, 1)
    assert result.people == 3
    assert result.admins == 1  # the configured one
    assert (result.groups_active, result.groups_inactive, result.groups_unbound) == (1, 1, 0)


def test_status_judges_a_page_at_a_time_and_counts_every_item_once(engine, world, judge, monkeypatch):
    """/status on a province's million items holds one page of them at a time (`judge_pages`): pages of 3
    here, and the same judgements and counts as judging all at once."""
    monkeypatch.setattr(items_module, "JUDGE_BATCH", 3)
    live = col(Item.retired_at).is_(None)
    with session_scope(engine) as s:
        pages = list(judge_pages(s, judge, NOW, live))
        whole = judge_items(s, s.exec(select(Item).where(live)).all(), judge, NOW)
    assert len(pages) >= 3 and all(len(page) <= 3 for page, _ in pages)
    ids = [i.id for page, _ in pages for i in page]
    assert ids == sorted(whole) and len(ids) == len(set(ids))
    assert {i: st for _, judged in pages for i, st in judged.items()} == dict(whole)
    result = view(engine, status_view, Speaker(ADMIN), judge, configured=[ADMIN])
    assert isinstance(result, StatusView)
    assert result.items_by_state == dict(Counter(st.state.value for st in whole.values()))


def test_status_counts_an_administrator_once_when_configured_and_bound_too(engine, world, judge):
    add_person(engine, CREATED, ADMIN, "管理员", [(None, "admin")], world)
    add_person(engine, CREATED, 2004, "钱管", [("市教育局", "admin")], world)
    result = view(engine, status_view, Speaker(ADMIN), judge, configured=[ADMIN, 1001])
    assert isinstance(result, StatusView)
    assert (result.admins, result.people) == (3, 5)  # ADMIN, 钱管 and the configured 1001


def test_people_lists_who_answers_for_each_unit(engine, world, judge):
    result = view(engine, people_view, Speaker(ADMIN), judge)
    assert isinstance(result, PeopleView)
    office = next(u for u in result.units if u.unit == "市政府办公室")
    assert [p.name for p in office.webmasters] == ["王小明"]
    assert [p.name for p in office.leaders] == ["李领导"]
    assert (office.columns, office.accounts, office.overdue) == (3, 1, 2)
    # A member sees their own units by default, and any unit by name.
    mine = view(engine, people_view, Speaker(FINANCE), judge)
    assert {u.unit for u in mine.units} == {"市财政局", "市属各部门"}
    other = view(engine, people_view, Speaker(FINANCE), judge, "市教育局")
    assert [u.unit for u in other.units] == ["市教育局"]


def test_items_of_a_unit_without_webmaster_still_show(engine, world, judge):
    with session_scope(engine) as session:
        assert session.get(Item, world.items["政务公开 / 部门信息 / 部门动态"]) is not None
    result = view(engine, overdue_view, Speaker(ADMIN), judge, "市教育局")
    assert isinstance(result, OverdueView)
    assert result.units[0].items[0].webmasters == ()
