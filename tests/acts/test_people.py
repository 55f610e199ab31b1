from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from acts.chats import Bound, ChatRef, Unbound, bind_chat, bot_membership_changed, migrate_chat, unbind_chat
from acts.invitations import (
    AllNeedsAdminRole,
    Invited,
    InviteExpired,
    InviteUnknown,
    InviteUsed,
    Joined,
    RoleUnknown,
    accept_invitation,
    create_invitation,
    parse_role,
)
from acts.updates import (
    BadCount,
    BadDate,
    EventRecorded,
    FutureDate,
    Logged,
    NothingToUndo,
    Undone,
    WhichItem,
    log_button,
    log_done,
    record_event_by,
    undo,
)
from replies import format as fmt
from storage import outbox
from storage.audit import UNDO, trail
from storage.db import session_scope
from storage.items import judge_items
from storage.models import Chat, ChatUnit, Event, Invitation, Membership, Outbox, Person, UpdateLog
from storage.people import Ambiguous, ItemUnknown, NotYours, Usage
from storage.queries import NotAdmin, NotYourUnit, Speaker, Stranger, UnitAmbiguous, UnitUnknown, actor_for
from tests.bot.seed import add_person, item, seed
from tests.conftest import SHANGHAI, at

CREATED = at("2026-10-01 09:00")
NOW = at("2026-11-23 09:00")
ADMIN = 1000
WEBMASTER, FINANCE, UNIT_ADMIN, STRANGER = 2002, 2003, 2004, 9999
GROUP = ChatRef(-100, "楚雄市网站工作群", "group")


@pytest.fixture
def world(engine, judge):
    w = seed(engine, judge, CREATED, now=NOW)
    add_person(engine, CREATED, WEBMASTER, "王小明", [("市政府办公室", "webmaster")], w, username="wxm")
    add_person(engine, CREATED, FINANCE, "赵财", [("市财政局", "webmaster")], w)
    add_person(engine, CREATED, UNIT_ADMIN, "钱管", [("市教育局", "admin")], w)
    return w


def act(engine, fn, *args, now=NOW, **kwargs):
    """`fn(session, now, *args)`; a `Speaker` first is resolved into the acting person first, as the
    handlers' entrance does (with ADMIN the configured administrator)."""
    with session_scope(engine) as session:
        if args and isinstance(args[0], Speaker):
            args = (actor_for(session, args[0], [ADMIN]), *args[1:])
        return fn(session, now, *args, **kwargs)


def rows(engine, model, *where):
    with session_scope(engine) as session:
        return session.exec(select(model).where(*where)).all()


def notice(title, units, all_units, kicked, withdrawn):
    moved = withdrawn.any and f":readdressed={withdrawn.readdressed}:given_up={','.join(withdrawn.kinds)}"
    return f"{title}:{','.join(units)}:{all_units}:{kicked}{moved or ''}"


# -- invitations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("webmaster", "webmaster"),
        ("管理员", "webmaster"),
        ("网站管理员", "webmaster"),
        ("运维", "webmaster"),
        ("分管领导", "leader"),
        ("领导", "leader"),
        ("系统管理员", "admin"),
        ("ADMIN", "admin"),
        ("老板", None),
    ],
)
def test_it_reads_roles_in_chinese_and_english(text, role):
    assert parse_role(text) == role


def test_an_invitation_binds_the_person_once(engine, world):
    invited = act(engine, create_invitation, Speaker(ADMIN, "管理员"), "财政", "分管领导", 7)
    assert isinstance(invited, Invited)
    assert (invited.unit, invited.role) == ("市财政局", "leader")
    assert invited.expires_at == NOW + timedelta(days=7)
    assert 10 < len(invited.code) <= 64 and all(c.isalnum() or c in "-_" for c in invited.code)

    newcomer = Speaker(3001, "张", "三", None)
    assert act(engine, accept_invitation, newcomer, invited.code) == Joined("市财政局", "leader")
    person = rows(engine, Person, Person.telegram_id == 3001)[0]
    assert (person.name, person.username) == ("张三", None)
    assert [(m.unit_id, m.role) for m in rows(engine, Membership, Membership.person_id == person.id)] == [
        (world.units["市财政局"], "leader")
    ]
    # Used: by the same person, by another; nothing more is written.
    assert act(engine, accept_invitation, newcomer, invited.code) == InviteUsed(by_you=True)
    assert act(engine, accept_invitation, Speaker(3002, "李四"), invited.code) == InviteUsed(by_you=False)
    assert rows(engine, Person, Person.telegram_id == 3002) == []


def test_expired_and_unknown_codes_are_refused(engine, world):
    invited = act(engine, create_invitation, Speaker(ADMIN), "市财政局", "webmaster", 7)
    later = NOW + timedelta(days=7, seconds=1)
    assert isinstance(
        act(engine, accept_invitation, Speaker(3001, "张三"), invited.code, now=later), InviteExpired
    )
    assert act(engine, accept_invitation, Speaker(3001, "张三"), "nope") == InviteUnknown()
    assert act(engine, accept_invitation, Speaker(3001, "张三"), "含中文的码") == InviteUnknown()
    assert act(engine, accept_invitation, Speaker(3001, "张三"), "x" * 500) == InviteUnknown()


def test_a_person_already_bound_keeps_the_code_unused(engine, world):
    invited = act(engine, create_invitation, Speaker(ADMIN), "市政府办公室", "webmaster", 7)
    joined = act(engine, accept_invitation, Speaker(WEBMASTER, "王小明"), invited.code)
    assert joined == Joined("市政府办公室", "webmaster", already=True)
    assert rows(engine, Invitation)[0].used_at is None


def test_only_administrators_invite_and_unit_administrators_only_for_their_units(engine, world):
    assert act(engine, create_invitation, Speaker(WEBMASTER), "市财政局", "leader", 7) == NotAdmin()
    assert act(engine, create_invitation, Speaker(UNIT_ADMIN), "市财政局", "leader", 7) == NotYourUnit(
        "市财政局"
    )
    assert isinstance(act(engine, create_invitation, Speaker(UNIT_ADMIN), "市教育局", "leader", 7), Invited)
    assert act(engine, create_invitation, Speaker(UNIT_ADMIN), "全部", "admin", 7) == NotAdmin()


def test_a_deployment_wide_administrator_can_be_invited(engine, world):
    assert act(engine, create_invitation, Speaker(ADMIN), "全部", "webmaster", 7) == AllNeedsAdminRole()
    invited = act(engine, create_invitation, Speaker(ADMIN), "全部", "系统管理员", 7)
    assert isinstance(invited, Invited) and invited.unit is None
    assert act(engine, accept_invitation, Speaker(3003, "孙管"), invited.code) == Joined(None, "admin")
    # The new administrator can invite in turn.
    assert isinstance(act(engine, create_invitation, Speaker(3003), "市财政局", "leader", 7), Invited)


def test_unknown_units_and_roles_are_reported(engine, world):
    assert act(engine, create_invitation, Speaker(ADMIN), "市财政局", "老板", 7) == RoleUnknown("老板")
    assert isinstance(act(engine, create_invitation, Speaker(ADMIN), "公安局", "leader", 7), UnitUnknown)
    ambiguous = act(engine, create_invitation, Speaker(ADMIN), "市", "leader", 7)
    assert isinstance(ambiguous, UnitAmbiguous) and "市财政局" in ambiguous.candidates


# -- groups ---------------------------------------------------------------------------------------


def test_an_administrator_binds_a_group_to_units_and_unbinds_it(engine, world):
    assert act(engine, bind_chat, Speaker(WEBMASTER), GROUP, ["市财政局"]) == NotAdmin()
    bound = act(engine, bind_chat, Speaker(ADMIN), GROUP, ["市财政局，市教育局"])
    assert bound == Bound(GROUP.title, ("市教育局", "市财政局"), False, ("市教育局", "市财政局"))
    again = act(engine, bind_chat, Speaker(ADMIN), GROUP, ["市财政局", "市政府办公室"])
    assert isinstance(again, Bound) and again.added == ("市政府办公室",) and len(again.units) == 3
    unbound = act(engine, unbind_chat, Speaker(ADMIN), GROUP)
    assert isinstance(unbound, Unbound) and len(unbound.units) == 3 and unbound.remaining == ()
    assert rows(engine, ChatUnit) == []


def test_binding_to_every_unit_and_unknown_units(engine, world):
    assert isinstance(act(engine, bind_chat, Speaker(ADMIN), GROUP, ["公安局"]), UnitUnknown)
    assert rows(engine, Chat) == []
    bound = act(engine, bind_chat, Speaker(ADMIN), GROUP, ["全部"])
    assert isinstance(bound, Bound) and bound.all_units
    assert act(engine, bind_chat, Speaker(UNIT_ADMIN), GROUP, ["全部"]) == NotAdmin()


def test_a_unit_administrator_binds_a_group_to_their_own_units_only(engine, world):
    own = ChatRef(-200, "教育群", "group")
    refused = act(engine, bind_chat, Speaker(UNIT_ADMIN), own, ["市教育局", "市财政局"])
    assert refused == NotYourUnit("市财政局")
    assert rows(engine, Chat, Chat.address == -200) == []
    bound = act(engine, bind_chat, Speaker(UNIT_ADMIN), own, ["市教育局"])
    assert bound == Bound("教育群", ("市教育局",), False, ("市教育局",))


def test_a_removed_bot_deactivates_the_binding_and_tells_the_administrators(engine, world, judge):
    act(engine, bind_chat, Speaker(ADMIN), GROUP, ["市教育局"])
    result = act(
        engine,
        bot_membership_changed,
        judge,
        GROUP,
        [ADMIN],
        present=False,
        kicked=True,
        event_key="1",
        notice=notice,
    )
    assert result.changed and result.bound and result.notified == 2  # ADMIN and 市教育局's unit administrator
    chat = rows(engine, Chat)[0]
    assert (chat.active, chat.inactive_reason) == (False, "kicked")
    notices = rows(engine, Outbox, Outbox.kind == "admin_notice")
    assert sorted(n.chat_id for n in notices) == [ADMIN, UNIT_ADMIN]
    assert notices[0].text == "楚雄市网站工作群:市教育局:False:True"
    assert notices[0].day == date(2026, 11, 23)
    # Delivered twice: nothing new. Added back: active again, binding kept.
    again = act(
        engine,
        bot_membership_changed,
        judge,
        GROUP,
        [ADMIN],
        present=False,
        kicked=True,
        event_key="1",
        notice=notice,
    )
    assert not again.changed and len(rows(engine, Outbox)) == 2
    back = act(engine, bot_membership_changed, judge, GROUP, [ADMIN], present=True, notice=notice)
    assert back.changed and back.units == ("市教育局",)
    assert rows(engine, Chat)[0].active


def test_a_removed_groups_unsent_messages_are_withdrawn_and_told_in_the_same_notice(engine, world, judge):
    # Before, they stayed queued: sending them was refused and the administrators were told a second time.
    other = ChatRef(-300, "教育局群", "group")
    act(engine, bind_chat, Speaker(ADMIN), GROUP, ["市教育局"])
    act(engine, bind_chat, Speaker(ADMIN), other, ["市教育局"])
    with session_scope(engine) as session:
        (unit_id,) = session.exec(select(ChatUnit.unit_id).join(Chat).where(Chat.address == -300))
        for kind, unit in (("due_warning", unit_id), ("daily_read", None)):
            outbox.enqueue(session, NOW, kind=kind, chat_id=-100, text=kind, day=NOW.date(), unit_id=unit)
    result = act(
        engine, bot_membership_changed, judge, GROUP, [ADMIN], present=False, kicked=True, notice=notice
    )
    assert result.changed and result.notified == 2
    by_kind = {r.kind: r for r in rows(engine, Outbox, Outbox.kind != "admin_notice")}
    assert by_kind["due_warning"].chat_id == -300 and by_kind["due_warning"].dead_at is None
    assert by_kind["daily_read"].chat_id == -100 and by_kind["daily_read"].dead_at is not None
    texts = {n.text for n in rows(engine, Outbox, Outbox.kind == "admin_notice")}
    assert texts == {"楚雄市网站工作群:市教育局:False:True:readdressed=1:given_up=daily_read"}


def test_an_unbound_group_changes_nothing(engine, world, judge):
    result = act(engine, bot_membership_changed, judge, GROUP, [ADMIN], present=False, notice=notice)
    assert not result.bound and not result.changed
    assert rows(engine, Outbox) == []


def test_a_group_that_becomes_a_supergroup_keeps_its_binding_and_unsent_messages(engine, world):
    act(engine, bind_chat, Speaker(ADMIN), GROUP, ["市财政局"])
    with session_scope(engine) as session:
        outbox.enqueue(session, NOW, kind="reminder", chat_id=GROUP.address, text="提醒", day=NOW.date())
    migrated = act(engine, migrate_chat, GROUP.address, -100200)
    assert migrated.bound and migrated.redirected == 1
    chat = rows(engine, Chat)[0]
    assert (chat.address, chat.migrated_from, chat.type) == (
        -100200,
        GROUP.address,
        "supergroup",
    )
    assert rows(engine, Outbox)[0].chat_id == -100200
    assert len(rows(engine, ChatUnit)) == 1
    # Both service messages arrive (one in each chat): the second changes nothing.
    assert act(engine, migrate_chat, GROUP.address, -100200).redirected == 0
    assert rows(engine, Chat)[0].address == -100200


def test_a_supergroup_bound_before_the_migration_message_merges_the_old_binding(engine, world):
    act(engine, bind_chat, Speaker(ADMIN), GROUP, ["市财政局"])
    act(engine, bind_chat, Speaker(ADMIN), ChatRef(-100200, "新群", "supergroup"), ["市教育局"])
    act(engine, migrate_chat, GROUP.address, -100200)
    new = rows(engine, Chat, Chat.address == -100200)[0]
    assert len(rows(engine, ChatUnit, ChatUnit.chat_id == new.id)) == 2
    assert not rows(engine, Chat, Chat.address == GROUP.address)[0].active


# -- /done -----------------------------------------------------------------------------------------


def done(engine, judge, tid, words, **kwargs):
    return act(engine, log_done, Speaker(tid, "某人"), judge, words, **kwargs)


def logs(engine):
    """Logs people wrote (not undos, nor the seed's imported last-update dates)."""
    return rows(engine, UpdateLog, col(UpdateLog.source).not_in(["undo", "import"]))


def test_done_logs_an_item_by_path_suffix_with_a_count_and_a_note(engine, world, judge):
    result = done(engine, judge, FINANCE, ["重点领域信息公开／财政预决算", "已发布3条"], origin="tg:1:1")
    assert isinstance(result, Logged)
    (logged,) = result.items
    assert logged.path == "政务公开 / 重点领域信息公开 / 财政预决算"
    assert (logged.count, logged.note) == (3, "已发布3条")
    (entry,) = logs(engine)
    assert (entry.source, entry.count, entry.origin, entry.at) == ("done", 3, "tg:1:1", NOW)
    # The same Telegram message delivered again logs nothing more.
    again = done(engine, judge, FINANCE, ["财政预决算"], origin="tg:1:1")
    assert isinstance(again, Logged) and again.items == () and len(again.already) == 1
    assert len(logs(engine)) == 1


def test_done_refreshes_the_due_date(engine, world, judge):
    result = done(engine, judge, WEBMASTER, ["首页/部门动态"])
    assert isinstance(result, Logged)
    assert result.items[0].state == "fresh"
    assert result.items[0].due_on == date(2026, 12, 7)


def test_an_ambiguous_name_offers_the_candidates(engine, world, judge):
    result = done(engine, judge, ADMIN, ["部门动态", "2"])
    assert isinstance(result, Ambiguous)
    assert {c.path for c in result.candidates} == {"首页 / 部门动态", "政务公开 / 部门信息 / 部门动态"}
    assert (result.text, result.count) == ("部门动态", 2)
    assert logs(engine) == []


def test_a_member_only_sees_the_items_of_their_units(engine, world, judge):
    # 王小明 only has 首页 / 部门动态 among the two 部门动态: no ambiguity for him.
    result = done(engine, judge, WEBMASTER, ["部门动态"])
    assert isinstance(result, Logged) and result.items[0].path == "首页 / 部门动态"


def test_someone_elses_item_is_refused(engine, world, judge):
    result = done(engine, judge, WEBMASTER, ["财政预决算"])
    assert result == NotYours("政务公开 / 重点领域信息公开 / 财政预决算", ("市财政局",))
    assert logs(engine) == []


def test_a_member_of_a_unit_logs_the_items_of_its_group(engine, world, judge):
    # 首页 / 部门动态 belongs to 市属各部门, which contains 市财政局.
    result = done(engine, judge, FINANCE, ["首页", "部门动态"])
    assert isinstance(result, Logged) and result.items[0].path == "首页 / 部门动态"


def test_unknown_names_get_suggestions(engine, world, judge):
    result = done(engine, judge, ADMIN, ["通知\u200b公布", "3"])
    assert isinstance(result, ItemUnknown)
    assert result.text == "通知公布 3"
    assert "政务公开 / 通知公告" in result.suggestions


def test_strangers_usage_and_bad_counts(engine, world, judge):
    assert done(engine, judge, STRANGER, ["部门动态"]) == Stranger()
    assert done(engine, judge, WEBMASTER, []) == Usage()
    assert done(engine, judge, WEBMASTER, ["首页/部门动态", "500"]) == BadCount(500)
    assert done(engine, judge, WEBMASTER, ["首页/部门动态", "0"]) == BadCount(0)
    item_id = world.items["首页 / 部门动态"]
    assert act(engine, log_button, Speaker(WEBMASTER), judge, item_id, count=101) == BadCount(101)
    assert logs(engine) == []
    assert rows(engine, Person, Person.telegram_id == STRANGER) == []


def test_a_configured_administrator_gets_a_person_row_when_logging(engine, world, judge):
    result = done(engine, judge, ADMIN, ["通知公告"])
    assert isinstance(result, Logged)
    admin = rows(engine, Person, Person.telegram_id == ADMIN)[0]
    assert logs(engine)[0].person_id == admin.id


def reminder(engine, chat_id, message_id, paths, world, *, asks=None, kind="due_warning"):
    """A message the bot sent about `paths`, asking for `asks` of them to be updated (default: all)."""
    with session_scope(engine) as session:
        row_id, _ = outbox.enqueue(
            session,
            NOW,
            kind=kind,
            chat_id=chat_id,
            text="提醒",
            day=NOW.date(),
            items=[world.items[p] for p in paths],
            asks=[world.items[p] for p in (paths if asks is None else asks)],
        )
        outbox.mark_sent(session, NOW, row_id, message_id)


def test_done_replied_to_a_reminder_logs_its_items_of_the_senders_units(engine, world, judge):
    reminder(engine, -100, 77, ["首页 / 部门动态", "政务公开 / 重点领域信息公开 / 财政预决算"], world)
    result = done(engine, judge, WEBMASTER, ["转载", "2"], reply_to=(-100, 77), origin="tg:-100:78")
    assert isinstance(result, Logged)
    assert [i.path for i in result.items] == ["首页 / 部门动态"]
    assert result.skipped == ("政务公开 / 重点领域信息公开 / 财政预决算",)
    assert (logs(engine)[0].count, logs(engine)[0].note) == (2, "转载")


def test_a_reply_logs_only_what_the_message_asked_to_update(engine, world, judge):
    # A warning about two items that asks for one of them (the other is only mentioned).
    paths = ["首页 / 部门动态", "政务公开 / 通知公告"]
    reminder(engine, -100, 77, paths, world, asks=["政务公开 / 通知公告"])
    result = done(engine, judge, WEBMASTER, [], reply_to=(-100, 77), origin="tg:-100:78")
    assert isinstance(result, Logged) and [i.path for i in result.items] == ["政务公开 / 通知公告"]
    assert [e.item_id for e in logs(engine)] == [world.items["政务公开 / 通知公告"]]


def test_a_reply_naming_one_of_the_asked_items_logs_that_one(engine, world, judge):
    reminder(engine, -100, 77, ["首页 / 部门动态", "政务公开 / 通知公告"], world)
    result = done(engine, judge, WEBMASTER, ["通知公告", "已转载"], reply_to=(-100, 77), origin="tg:-100:78")
    assert isinstance(result, Logged) and [i.path for i in result.items] == ["政务公开 / 通知公告"]
    assert [(e.item_id, e.note) for e in logs(engine)] == [(world.items["政务公开 / 通知公告"], "已转载")]


def test_a_reply_to_the_daily_read_asks_which_item_and_logs_nothing(engine, world, judge):
    # The daily read lists items to browse; it asks nobody to update them.
    paths = ["首页 / 部门动态", "政务公开 / 通知公告", "政务公开 / 重点领域信息公开 / 财政预决算"]
    reminder(engine, -100, 77, paths, world, asks=[], kind="daily_read")
    result = done(engine, judge, WEBMASTER, [], reply_to=(-100, 77), origin="tg:-100:78")
    assert isinstance(result, WhichItem)
    # Only the sender's own items are offered (财政预决算 is 市财政局's), overdue first.
    assert [c.path for c in result.candidates] == ["首页 / 部门动态", "政务公开 / 通知公告"]
    assert logs(engine) == []
    # Naming the item in the reply logs that one item.
    named = done(engine, judge, WEBMASTER, ["通知公告"], reply_to=(-100, 77), origin="tg:-100:79")
    assert isinstance(named, Logged) and [i.path for i in named.items] == ["政务公开 / 通知公告"]
    assert len(logs(engine)) == 1


def test_the_items_offered_are_ordered_by_the_live_judgement_not_the_stored_state(engine, world, judge):
    paths = ["首页 / 部门动态", "政务公开 / 通知公告"]
    reminder(engine, -100, 77, paths, world, asks=[], kind="daily_read")
    with session_scope(engine) as session:
        live = {p: s.state.value for p, s in zip(paths, _live(session, world, judge, paths), strict=True)}
        assert live["首页 / 部门动态"] == "overdue" and live["政务公开 / 通知公告"] != "overdue"
        # The stored schedule is a cache, only as fresh as its last refresh: make it say the opposite.
        item(session, world, "首页 / 部门动态").state = "fresh"
        item(session, world, "政务公开 / 通知公告").state = "overdue"
    result = done(engine, judge, WEBMASTER, [], reply_to=(-100, 77), origin="tg:-100:78")
    assert isinstance(result, WhichItem)
    assert [c.path for c in result.candidates] == paths  # the overdue one first, as every view says


def _live(session, world, judge, paths):
    items = [item(session, world, p) for p in paths]
    judged = judge_items(session, items, judge, NOW)
    return [judged[i.id] for i in items]


def test_undo_takes_back_the_whole_batch_of_one_done(engine, world, judge):
    paths = ["首页 / 部门动态", "政务公开 / 通知公告"]
    done(engine, judge, WEBMASTER, ["首页/部门动态"], origin="tg:-100:70")  # an earlier, separate act
    reminder(engine, -100, 77, paths, world)
    two = done(engine, judge, WEBMASTER, [], reply_to=(-100, 77), origin="tg:-100:78", now=NOW + timedelta(1))
    assert isinstance(two, Logged) and len(two.items) == 2
    result = act(engine, undo, Speaker(WEBMASTER), judge, now=NOW + timedelta(days=1, minutes=5))
    assert isinstance(result, Undone) and {i.path for i in result.items} == set(paths)
    entries = rows(engine, UpdateLog)
    assert len([e for e in entries if e.source == "undo"]) == 2  # nothing deleted: each undo is a row
    standing = [e for e in entries if e.source not in ("undo", "import") and e.undone_at is None]
    assert [(e.item_id, e.origin) for e in standing] == [(world.items["首页 / 部门动态"], "tg:-100:70")]
    # The audit trail names both items the one /undo took back, each with the log it undid.
    with session_scope(engine) as session:
        undos = [e for e in trail(session) if e.kind == UNDO]
    at_logged = f"{NOW + timedelta(1):%Y-%m-%d %H:%M}"
    assert sorted((e.item, e.detail) for e in undos) == sorted((p, f"撤销 {at_logged} 的登记") for p in paths)


def test_undo_says_how_many_days_late_the_item_is_again_as_every_view_does(engine, world, judge):
    done(engine, judge, WEBMASTER, ["首页/部门动态"], origin="tg:-100:70")
    later = NOW + timedelta(minutes=5)
    result = act(engine, undo, Speaker(WEBMASTER), judge, now=later)
    assert isinstance(result, Undone)
    with session_scope(engine) as session:
        live = _live(session, world, judge, ["首页 / 部门动态"])[0]
    assert live.state.value == "overdue" and live.days_late > 0
    assert (result.items[0].state, result.items[0].days_late) == ("overdue", live.days_late)
    assert f"当前状态：已逾期{live.days_late}天" in fmt.undone(result, NOW.date(), SHANGHAI).text


def test_an_administrator_logging_for_a_unit_is_told_on_whose_behalf(engine, world, judge):
    result = done(engine, judge, ADMIN, ["财政预决算"])
    assert isinstance(result, Logged) and result.items[0].on_behalf_of == ("市财政局",)
    own = done(engine, judge, FINANCE, ["财政预决算"], now=NOW + timedelta(minutes=1))
    assert isinstance(own, Logged) and own.items[0].on_behalf_of == ()


def test_a_reply_to_a_reminder_of_other_units_is_refused(engine, world, judge):
    reminder(engine, -100, 77, ["政务公开 / 部门信息 / 部门动态"], world)
    assert isinstance(done(engine, judge, WEBMASTER, [], reply_to=(-100, 77)), NotYours)


def test_a_reply_to_a_message_that_is_not_a_reminder_uses_the_words(engine, world, judge):
    result = done(engine, judge, WEBMASTER, ["通知公告"], reply_to=(-100, 5))
    assert isinstance(result, Logged) and result.items[0].path == "政务公开 / 通知公告"
    assert done(engine, judge, WEBMASTER, [], reply_to=(-100, 5)) == Usage()


def test_a_reminder_sent_before_a_migration_still_resolves(engine, world, judge):
    act(engine, bind_chat, Speaker(ADMIN), GROUP, ["市政府办公室"])
    reminder(engine, GROUP.address, 77, ["首页 / 部门动态"], world)
    act(engine, migrate_chat, GROUP.address, -100200)
    result = done(engine, judge, WEBMASTER, [], reply_to=(-100200, 77))
    assert isinstance(result, Logged) and len(result.items) == 1


def test_a_button_logs_its_item_once(engine, world, judge):
    item_id = world.items["首页 / 部门动态"]
    first = act(engine, log_button, Speaker(WEBMASTER, "王小明"), judge, item_id, origin="tg:-100:77")
    assert isinstance(first, Logged) and len(first.items) == 1
    second = act(engine, log_button, Speaker(FINANCE, "赵财"), judge, item_id, origin="tg:-100:77")
    assert isinstance(second, Logged) and second.items == ()
    assert second.already[0].by == "王小明"
    assert [e.source for e in logs(engine)] == ["button"]
    assert isinstance(
        act(engine, log_button, Speaker(WEBMASTER), judge, world.items["互动交流 / 意见征集"]),
        NotYours,
    )


# -- /undo -----------------------------------------------------------------------------------------


def test_undo_takes_back_the_last_log_within_30_minutes(engine, world, judge):
    done(engine, judge, WEBMASTER, ["首页/部门动态"])
    result = act(engine, undo, Speaker(WEBMASTER), judge, now=NOW + timedelta(minutes=10))
    assert isinstance(result, Undone)
    (item,) = result.items
    assert item.path == "首页 / 部门动态" and item.state == "overdue"
    entries = rows(engine, UpdateLog, col(UpdateLog.source) != "import")  # the seed's imported dates aside
    assert {e.source for e in entries} == {"done", "undo"}
    assert next(e for e in entries if e.source == "done").undone_at is not None
    assert act(engine, undo, Speaker(WEBMASTER), judge) == NothingToUndo()


def test_undo_after_the_window_and_by_strangers(engine, world, judge):
    done(engine, judge, WEBMASTER, ["首页/部门动态"])
    late = NOW + timedelta(minutes=31)
    assert act(engine, undo, Speaker(WEBMASTER), judge, now=late) == NothingToUndo()
    assert act(engine, undo, Speaker(STRANGER), judge) == Stranger()
    assert act(engine, undo, Speaker(ADMIN), judge) == NothingToUndo()


def test_a_button_can_be_pressed_again_after_an_undo(engine, world, judge):
    item_id = world.items["首页 / 部门动态"]
    act(engine, log_button, Speaker(WEBMASTER), judge, item_id, origin="tg:-100:77")
    act(engine, undo, Speaker(WEBMASTER), judge)
    again = act(engine, log_button, Speaker(WEBMASTER), judge, item_id, origin="tg:-100:77")
    assert isinstance(again, Logged) and len(again.items) == 1


# -- /event ----------------------------------------------------------------------------------------


def event(engine, judge, tid, words, **kwargs):
    return act(engine, record_event_by, Speaker(tid), judge, words, **kwargs)


def test_an_event_starts_a_deadline_and_done_closes_it(engine, world, judge):
    result = event(engine, judge, FINANCE, ["财政预决算", "2026-11-20", "预算调整"], origin="tg:1:5")
    assert isinstance(result, EventRecorded)
    assert result.counts and result.occurred_on == date(2026, 11, 20)
    assert result.due_on is not None and result.due_on < date(2027, 1, 1)
    (ev,) = rows(engine, Event)
    assert (ev.note, ev.closed_at) == ("预算调整", None)
    assert event(engine, judge, FINANCE, ["财政预决算", "2026-11-20"], origin="tg:1:5").already
    done(engine, judge, FINANCE, ["财政预决算"])
    assert rows(engine, Event)[0].closed_at == NOW


def test_event_dates_default_to_today_and_may_not_be_in_the_future(engine, world, judge):
    today = event(engine, judge, FINANCE, ["财政预决算"])
    assert isinstance(today, EventRecorded) and today.occurred_on == date(2026, 11, 23)
    assert event(engine, judge, FINANCE, ["财政预决算", "2026-12-01"]) == FutureDate(date(2026, 12, 1))
    assert event(engine, judge, FINANCE, ["财政预决算", "2026-02-30"]) == BadDate("2026-02-30")
    assert event(engine, judge, FINANCE, ["2026-11-01"]) == Usage()
    assert event(engine, judge, STRANGER, ["财政预决算"]) == Stranger()
    assert len(rows(engine, Event)) == 1


def test_an_event_on_an_item_without_an_after_event_rule_is_kept_but_changes_nothing(engine, world, judge):
    result = event(engine, judge, WEBMASTER, ["通知公告", "昨天"])
    assert isinstance(result, EventRecorded)
    assert not result.counts and result.occurred_on == date(2026, 11, 22)


def test_outbox_items_are_stored_as_json(engine, world):
    reminder(engine, -1, 1, ["首页 / 部门动态"], world)
    assert json.loads(rows(engine, Outbox)[0].items) == [world.items["首页 / 部门动态"]]
    with session_scope(engine) as session:
        assert item(session, world, "首页 / 部门动态").state == "overdue"
