"""The routine's pure core: which slots a day has, and what each sends, around National Day 2026.

2026 on the official calendar: 9月25–27日 中秋 (off), 10月1–7日 国庆 (off), 9月20日 (Sunday) and 10月10日
(Saturday) are 调休 working days; 10月8日 (Thursday) is the first working day after the holiday.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.actions import Action, Offer
from domain.calendar import WorkCalendar, YearOverride
from domain.inspection import score_site
from domain.model import InspectionRisk, State
from domain.notice import TELEGRAM, Answer, ChatView, ItemView, UnitView, Who, make_key
from domain.routine import (
    RoutineSettings,
    Snapshot,
    due_slots,
    monthly_day,
    parse_holiday_list,
    plan,
    report_day,
    slots_on,
    weekly_stats,
)
from domain.site import SiteWords
from domain.wording import Style

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
FIN, EDU, OFFICE = 1, 2, 3
FIN_CHAT, EDU_CHAT = -1001, -1002
ADMIN = Who(10, "王主任", "wangzr", 9001)
LEADER = Who(11, "李局长", None, 9101)
WEBMASTER = Who(12, "张三", "zhangsan", 9201)
EDU_WEBMASTER = Who(13, "赵六", None, 9202)
UNITS = (
    UnitView(FIN, "市财政局", (WEBMASTER,), (LEADER,)),
    UnitView(EDU, "市教育局", (EDU_WEBMASTER,), ()),
    UnitView(OFFICE, "市政府办公室", (), ()),
)
CHATS = (ChatView(FIN_CHAT, "财政局网站工作群", (FIN,)), ChatView(EDU_CHAT, "教育局网站工作群", (EDU,)))


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def item(
    id: int,
    name: str,
    state: State = State.FRESH,
    *,
    due: date | None = date(2026, 12, 1),
    warn: date | None = None,
    units: tuple[int, ...] = (FIN,),
    late: int = 0,
    missing: int = 0,
    risk: InspectionRisk | None = None,
    read: str | None = None,
    driver: str = "max_gap",
    kind: str = "column",
) -> ItemView:
    if due is not None and warn is None:
        warn = CAL.last_working_day_on_or_before(due)
    return ItemView(
        id=id,
        name=name,
        path=f"政务公开 / {name}",
        url=f"http://www.cxs.gov.cn/{id}.html",
        kind=kind,
        state=state,
        due_on=due,
        warn_on=warn,
        days_late=late,
        missing=missing,
        driver=driver,
        risk=risk,
        read_status=read,
        unit_ids=units,
        rule_text="2周内更新",
    )


def snap(*items: ItemView, **kwargs: object) -> Snapshot:
    base: dict[str, object] = {
        "site_id": 1,
        "site_name": "楚雄市人民政府网站",
        "items": items,
        "units": UNITS,
        "chats": CHATS,
        "admins": (ADMIN,),
    }
    base.update(kwargs)
    return Snapshot(**base)  # type: ignore[arg-type]


def kinds(planned: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(p.kind, p.to.label) for p in planned]


def only(planned: list, kind: str) -> list:  # type: ignore[type-arg]
    return [p for p in planned if p.kind == kind]


# ------------------------------------------------------------------------------------------------
# Slots


@pytest.mark.parametrize(
    "day", ["2026-09-25", "2026-09-26", "2026-09-27", "2026-10-01", "2026-10-07", "2026-10-11"]
)
def test_it_has_no_slot_on_a_day_off(day: str) -> None:
    assert slots_on(date.fromisoformat(day), CAL, RoutineSettings()) == []


def test_it_runs_on_the_make_up_saturday() -> None:
    slots = [s for s, _ in slots_on(date(2026, 10, 10), CAL, RoutineSettings())]
    assert slots[:5] == ["daily_read", "due_warning", "overdue", "escalation", "due_warning_repeat"]


@pytest.mark.parametrize(
    ("day", "weekly"),
    [
        ("2026-09-24", True),  # Friday 25th is 中秋: Thursday instead
        ("2026-09-30", True),  # Friday 2 Oct is National Day: Wednesday instead
        ("2026-10-09", True),  # the make-up Saturday after it does not move the Friday summary
        ("2026-10-10", False),
        ("2026-10-16", True),
        ("2026-10-15", False),
    ],
)
def test_it_sends_the_weekly_summary_on_friday_or_the_weeks_last_working_day_before(
    day: str, weekly: bool
) -> None:
    slots = dict(slots_on(date.fromisoformat(day), CAL, RoutineSettings()))
    assert ("weekly_summary" in slots) is weekly
    if weekly:
        assert slots["weekly_summary"] == time(16, 0)


def test_it_moves_the_half_month_check_past_national_day() -> None:
    settings = RoutineSettings()
    assert "half_month_check" not in dict(slots_on(date(2026, 9, 30), CAL, settings))
    assert "half_month_check" in dict(slots_on(date(2026, 10, 8), CAL, settings))
    # The report: the 3rd working day counting the check day: 8, 9, then the make-up Saturday the 10th.
    assert report_day(date(2026, 10, 1), CAL, settings) == date(2026, 10, 10)
    assert dict(slots_on(date(2026, 10, 10), CAL, settings))["half_month_report"] == time(17, 0)
    assert "half_month_check" in dict(slots_on(date(2026, 10, 16), CAL, settings))
    assert report_day(date(2026, 10, 16), CAL, settings) == date(2026, 10, 20)
    # 1 November 2026 is a Sunday.
    assert "half_month_check" in dict(slots_on(date(2026, 11, 2), CAL, settings))


def test_it_catches_up_once_on_todays_slots_only() -> None:
    settings = RoutineSettings()
    assert due_slots((), local("2026-10-12 08:59"), CAL, settings) == []
    late = due_slots((), local("2026-10-12 10:30"), CAL, settings)
    assert late == ["daily_read", "due_warning", "overdue", "escalation"]
    assert due_slots(late, local("2026-10-12 10:31"), CAL, settings) == []
    assert due_slots(late, local("2026-10-12 15:00"), CAL, settings) == ["due_warning_repeat"]


def test_a_late_morning_run_skips_the_afternoon_repeat() -> None:
    today = date(2026, 10, 12)
    warned = item(1, "部门动态", State.DUE_TODAY, due=today)
    out = plan(snap(warned), local("2026-10-12 15:30"), CAL)
    assert [p.kind for p in out if p.kind == "due_warning"] == ["due_warning"]
    assert "repeat" not in only(out, "due_warning")[0].key


# ------------------------------------------------------------------------------------------------
# What is sent


def test_nothing_is_sent_on_a_holiday() -> None:
    late = item(1, "财政预决算", State.OVERDUE, due=date(2026, 9, 28), late=3)
    assert plan(snap(late), local("2026-10-01 09:00"), CAL) == []
    assert plan(snap(late), local("2026-10-03 17:00"), CAL) == []


def test_nothing_but_the_daily_read_is_sent_for_fresh_items() -> None:
    out = plan(snap(item(1, "通知公告"), item(2, "部门动态", units=(EDU,))), local("2026-10-12 17:00"), CAL)
    assert sorted(kinds(out)) == [
        ("daily_read", f"chat:{FIN_CHAT}"),
        ("daily_read", f"chat:{EDU_CHAT}"),
        ("evening_note", "person:王主任"),
    ]


def test_the_daily_read_lists_the_groups_items_urgent_first_with_links_and_a_button() -> None:
    items = (
        item(1, "通知公告"),
        item(2, "财政预决算", State.OVERDUE, due=date(2026, 10, 9), late=3),
        item(3, "部门动态", State.DUE_TODAY, due=date(2026, 10, 12)),
        item(4, "教育动态", units=(EDU,)),
    )
    out = only(plan(snap(*items), local("2026-10-12 09:00"), CAL), "daily_read")
    fin = next(p for p in out if p.to.chat_id == FIN_CHAT)
    assert fin.item_ids == (2, 3, 1)
    text = fin.text
    assert text.startswith("【日查】2026年10月12日（星期一）")
    assert "【市财政局】网站维护员：张三 @zhangsan" in text
    assert text.index("财政预决算") < text.index("部门动态") < text.index("通知公告")
    assert "已逾期3天（应于10月9日前更新）" in text
    assert "http://www.cxs.gov.cn/2.html" in text
    assert "教育动态" not in text
    assert fin.offers == ((Offer("✅ 已巡查", Action.read(date(2026, 10, 12))),),)
    assert fin.key == make_key("daily_read", FIN_CHAT, date(2026, 10, 12), [1, 2, 3], "p1")


def test_warnings_and_overdue_notices_ask_for_their_items_and_the_daily_read_for_none() -> None:
    items = (
        item(1, "通知公告"),
        item(2, "财政预决算", State.OVERDUE, due=date(2026, 10, 9), late=3),
        item(3, "部门动态", State.DUE_TODAY, due=date(2026, 10, 12)),
    )
    out = plan(snap(*items), local("2026-10-12 09:00"), CAL)
    asks = {p.kind: p.asks for p in out if p.to.chat_id == FIN_CHAT}
    assert asks == {"daily_read": (), "due_warning": (3,), "overdue": (2,)}


COUNTY_CHAT = -1009
COUNTY = ChatView(COUNTY_CHAT, "全县网站工作群", (FIN, EDU, OFFICE))  # bound to 全部


def county_list(n: int = 122) -> tuple[ItemView, ...]:
    """A county's list: n items with long paths and links, spread over three units, all up to date."""
    return tuple(
        item(i, f"专题专栏{i:03d}工作动态和政策解读", units=((FIN, EDU, OFFICE)[i % 3],))
        for i in range(1, n + 1)
    )


def test_the_county_wide_groups_daily_read_is_one_message_when_nothing_needs_action() -> None:
    out = plan(snap(*county_list(), chats=(COUNTY,)), local("2026-10-12 09:00"), CAL)
    (read,) = [p for p in only(out, "daily_read") if p.to.chat_id == COUNTY_CHAT]
    assert len(read.text) < 1000  # was ~11 KB in four messages, one "正常" line per item
    assert "本群负责122个栏目和账号，今天没有需要处理的。" in read.text
    assert "全部122项无需处理（正常122项）" in read.text
    assert read.items == () and read.offers[0][0].action.encode() == "read:20261012"


def test_a_big_groups_daily_read_lists_what_needs_action_and_counts_the_rest() -> None:
    items = list(county_list())
    items[4] = item(5, "财政预决算", State.OVERDUE, due=date(2026, 10, 9), late=3)
    items[9] = item(10, "部门动态", State.DUE_TODAY, due=date(2026, 10, 12), units=(EDU,))
    items[11] = item(12, "首页", read="broken", units=(OFFICE,))
    items[13] = item(14, "政策文件", State.NEEDS_RULE, due=None, units=(OFFICE,))
    out = plan(snap(*items, chats=(COUNTY,)), local("2026-10-12 09:00"), CAL)
    (read,) = [p for p in only(out, "daily_read") if p.to.chat_id == COUNTY_CHAT]
    assert sorted(read.item_ids) == [5, 10, 12]
    assert "本群负责122个栏目和账号，以下3项需要处理：" in read.text
    assert "其余119项无需处理（正常118项，待补充规则1项）" in read.text
    assert "专题专栏001" not in read.text


def test_a_small_group_keeps_the_full_daily_read() -> None:
    out = plan(snap(*county_list(20), chats=(COUNTY,)), local("2026-10-12 09:00"), CAL)
    (read,) = [p for p in only(out, "daily_read") if p.to.chat_id == COUNTY_CHAT]
    assert len(read.items) == 20 and "正常，下次应在" in read.text


def test_a_big_groups_half_month_check_is_one_message_with_the_checklist_attached() -> None:
    out = plan(snap(*county_list(), chats=(COUNTY,)), local("2026-10-16 09:00"), CAL)
    (check,) = [p for p in only(out, "half_month_check") if p.to.chat_id == COUNTY_CHAT]
    assert len(check.items) == 122 and len(check.text) <= 1024  # a document's caption
    assert check.text.startswith("【半月查】2026年10月下半月全面检查")
    assert "直接回复本消息，每行写一项“栏目名称 问题及整改情况”" in check.text
    assert [[o.action.encode() for o in row] for row in check.offers] == [["hmrest:20261016"]]
    assert check.document is not None and check.document.filename == "半月查清单_2026年10月下半月.xlsx"
    ((title, header, rows),) = check.document.sheets
    assert title == "半月查清单"
    assert header[:3] == ("序号", "单位", "栏目/账号") and len(rows) == 122
    assert {r[1] for r in rows} == {"市财政局", "市教育局", "市政府办公室"}


def test_it_warns_the_last_working_day_before_a_holiday_due_day() -> None:
    # Due Saturday 3 October, in the holiday: the group hears on Wednesday 30 September.
    held = item(1, "财政预决算", State.DUE_TODAY, due=date(2026, 10, 3))
    assert held.warn_on == date(2026, 9, 30)
    out = plan(snap(held), local("2026-09-30 09:00"), CAL)
    warning = only(out, "due_warning")
    assert [p.to.chat_id for p in warning] == [FIN_CHAT]
    text = warning[0].text
    assert "张三 @zhangsan" in text and "市财政局" in text
    assert "最迟应于10月3日前更新（10月3日为休息日，请在今天完成）" in text
    assert "http://www.cxs.gov.cn/1.html" in text
    assert warning[0].offers[0][0].action == Action.done(1)


def test_it_gives_advance_notice_two_working_days_before() -> None:
    soon = item(1, "部门动态", State.DUE_SOON, due=date(2026, 10, 8))
    assert not only(plan(snap(soon), local("2026-09-28 09:00"), CAL), "due_warning")
    notice = only(plan(snap(soon), local("2026-09-29 09:00"), CAL), "due_warning")
    assert len(notice) == 1
    assert "以下栏目将在2个工作日后到期" in notice[0].text and "10月8日到期" in notice[0].text


def test_the_afternoon_repeat_names_only_what_is_still_not_done() -> None:
    today = date(2026, 10, 12)
    done_slots = frozenset({"daily_read", "due_warning", "overdue", "escalation"})
    still = item(1, "部门动态", State.DUE_TODAY, due=today)
    updated = item(2, "通知公告", State.FRESH, due=date(2026, 10, 26))
    out = plan(snap(still, updated, done_slots=done_slots), local("2026-10-12 15:00"), CAL)
    assert kinds(out) == [("due_warning", f"chat:{FIN_CHAT}")]
    assert out[0].item_ids == (1,)
    assert "再次提醒" in out[0].text
    morning = only(plan(snap(still, updated), local("2026-10-12 09:00"), CAL), "due_warning")[0]
    assert morning.key != out[0].key


def test_a_quota_warning_says_how_many_are_missing() -> None:
    short = item(1, "乡镇动态", State.DUE_TODAY, due=date(2026, 10, 18), missing=2, driver="quota")
    out = only(plan(snap(short), local("2026-10-16 09:00"), CAL), "due_warning")
    assert "本期还差2条，本期至10月18日结束" in out[0].text


def test_overdue_goes_to_the_group_and_escalates_after_a_working_day() -> None:
    late = item(1, "财政预决算", State.OVERDUE, due=date(2026, 10, 3), late=5)
    first = plan(snap(late), local("2026-10-08 09:00"), CAL)
    assert [p.to.label for p in only(first, "overdue")] == [f"chat:{FIN_CHAT}"]
    assert "张三 @zhangsan" in only(first, "overdue")[0].text
    assert not only(first, "escalation")
    second = plan(snap(replace_late(late, 6)), local("2026-10-09 09:00"), CAL)
    esc = only(second, "escalation")
    assert sorted(p.to.label for p in esc) == ["person:李局长", "person:王主任"]
    leader = next(p for p in esc if p.to.chat_id == LEADER.telegram_id)
    assert "李局长您好" in leader.text and "已逾期6天" in leader.text
    assert "承诺书" not in leader.text and "问责" not in leader.text  # this site signed no pledge
    pledged = plan(
        snap(replace_late(late, 6), words=SiteWords(pledge="责任书第三条")), local("2026-10-09 09:00"), CAL
    )
    leader = next(p for p in only(pledged, "escalation") if p.to.chat_id == LEADER.telegram_id)
    assert "将被问责（责任书第三条）" in leader.text
    digest = next(p for p in esc if p.to.chat_id == ADMIN.telegram_id)
    assert "【市财政局】网站维护员：张三 @zhangsan；分管领导：李局长" in digest.text


def replace_late(view: ItemView, late: int) -> ItemView:
    from dataclasses import replace

    return replace(view, days_late=late)


def test_inspection_lines_escalate_at_once() -> None:
    home = InspectionRisk("home_stale", True, 10, 14, False, "首页栏目已10天未更新（14天未更新单项否决）")
    near_zombie = InspectionRisk("account_zombie", False, 12, 14, False, "账号已12天未更新")
    zombie = InspectionRisk("account_zombie", False, 14, 14, True, "政务新媒体账号已14天未更新")
    items = (
        item(1, "首页要闻", risk=home),
        item(2, "楚雄发布", State.OVERDUE, due=date(2026, 10, 9), late=3, risk=near_zombie, kind="account"),
        item(3, "楚雄财政", State.OVERDUE, due=date(2026, 10, 11), late=1, risk=zombie, kind="account"),
    )
    # Monday 12 October: item 2 has been late for a full working day (Saturday 10th); 3 crossed a line.
    esc = only(plan(snap(*items), local("2026-10-12 09:00"), CAL), "escalation")
    digest = next(p for p in esc if p.to.chat_id == ADMIN.telegram_id)
    assert sorted(digest.item_ids) == [1, 2, 3]
    assert "首页栏目已10天未更新（14天未更新单项否决）" in digest.text
    assert "政务新媒体账号已14天未更新" in digest.text


def test_the_third_empty_column_escalates_every_empty_column() -> None:
    two = (item(1, "专题一", read="empty"), item(2, "专题二", read="empty"), item(3, "专题三"))
    assert not only(plan(snap(*two), local("2026-10-12 09:00"), CAL), "escalation")
    three = (*two[:2], item(3, "专题三", read="empty", units=(EDU,)))
    esc = only(plan(snap(*three), local("2026-10-12 09:00"), CAL), "escalation")
    digest = next(p for p in esc if p.to.chat_id == ADMIN.telegram_id)
    assert sorted(digest.item_ids) == [1, 2, 3]
    assert "全站已有3个空白栏目" in digest.text


def test_a_unit_with_no_group_is_addressed_to_the_unit_and_the_administrators_are_told() -> None:
    office = item(5, "政府信息公开年报", State.OVERDUE, due=date(2026, 10, 9), late=3, units=(OFFICE,))
    out = plan(snap(office), local("2026-10-12 09:00"), CAL)
    nowhere = [p for p in out if p.to.nowhere]
    assert {p.kind for p in nowhere} == {"daily_read", "overdue"}
    assert {p.to.label for p in nowhere} == {"unit:市政府办公室"}
    assert nowhere[0].preview()["nowhere"] is True
    notice = only(out, "admin_notice")
    assert [p.to.chat_id for p in notice] == [ADMIN.telegram_id]
    assert "市政府办公室" in notice[0].text and "逾期1项" in notice[0].text


def test_planning_twice_gives_the_same_keys() -> None:
    items = (item(1, "部门动态", State.DUE_TODAY, due=date(2026, 10, 12)),)
    a = plan(snap(*items), local("2026-10-12 09:00"), CAL)
    b = plan(snap(*items), local("2026-10-12 09:05"), CAL)
    assert [p.key for p in a] == [p.key for p in b]
    assert len({p.key for p in a}) == len(a)


def test_the_evening_note_lists_groups_that_did_not_confirm() -> None:
    items = (item(1, "通知公告"), item(2, "教育动态", units=(EDU,)))
    done = frozenset({"daily_read", "due_warning", "overdue", "escalation", "due_warning_repeat"})
    out = plan(
        snap(*items, done_slots=done, read_confirmed={FIN_CHAT: ("张三",)}), local("2026-10-12 17:00"), CAL
    )
    assert kinds(out) == [("evening_note", "person:王主任")]
    assert "2个群中有1个今天尚未确认日查" in out[0].text
    assert "市教育局（赵六）" in out[0].text and "市财政局" not in out[0].text
    everyone = {FIN_CHAT: ("张三",), EDU_CHAT: ("赵六",)}
    assert plan(snap(*items, done_slots=done, read_confirmed=everyone), local("2026-10-12 17:00"), CAL) == []


def test_the_half_month_check_has_two_buttons_per_item_in_parts_of_fifteen() -> None:
    many = tuple(item(i, f"专栏{i:02d}") for i in range(1, 21))
    out = only(plan(snap(*many), local("2026-10-16 09:00"), CAL), "half_month_check")
    assert [len(p.items) for p in out] == [15, 5]
    first = out[0]
    assert (
        first.offers[0][0].action.encode() == "hm:1:ok" and first.offers[0][1].action.encode() == "hm:1:bad"
    )
    assert "2026年10月下半月全面检查（1/2）" in first.text
    assert "10月20日汇总报网站主管单位" in first.text  # a site that has not named its office
    county = SiteWords(office="某某县政府办公室")
    named = only(plan(snap(*many, words=county), local("2026-10-16 09:00"), CAL), "half_month_check")
    assert "10月20日汇总报某某县政府办公室" in named[0].text
    assert all(len(o.action.encode().encode()) <= 64 for p in out for row in p.offers for o in row)


def test_the_half_month_report_is_a_spreadsheet_for_the_administrators() -> None:
    items = (item(1, "通知公告"), item(2, "财政预决算"), item(3, "教育动态", units=(EDU,)))
    answers = {
        1: Answer(1, "ok", None, "张三", datetime(2026, 10, 8, 2, 0, tzinfo=UTC)),
        2: Answer(
            2, "problem", "附件链接失效，已于10月9日修复", "张三", datetime(2026, 10, 9, 3, 30, tzinfo=UTC)
        ),
    }
    out = plan(
        snap(
            *items,
            answers_period=date(2026, 10, 1),
            answers=answers,
            done_slots=frozenset(
                {"daily_read", "due_warning", "overdue", "escalation", "due_warning_repeat", "evening_note"}
            ),
        ),
        local("2026-10-10 17:00"),
        CAL,
    )
    report = only(out, "half_month_report")
    assert [p.to.chat_id for p in report] == [ADMIN.telegram_id]
    doc = report[0].document
    assert doc is not None and doc.filename.endswith(".xlsx")
    title, header, rows = doc.sheets[0]
    assert title == "检查结果和整改情况"
    assert header == ("单位", "栏目/账号", "链接", "检查结果", "问题及整改情况", "填报人", "填报时间")
    assert (
        "市财政局",
        "政务公开 / 财政预决算",
        "http://www.cxs.gov.cn/2.html",
        "有问题",
        "附件链接失效，已于10月9日修复",
        "张三",
        "2026-10-09 11:30",
    ) in rows
    assert ("市教育局", "政务公开 / 教育动态", "http://www.cxs.gov.cn/3.html", "未填报", "", "", "") in rows
    silent = doc.sheets[1][2]
    assert [r[0] for r in silent] == ["市教育局"]
    assert "已填报2项（正常1项，有问题1项）" in report[0].text


def test_the_weekly_summary_compares_with_last_week() -> None:
    late = item(1, "财政预决算", State.OVERDUE, due=date(2026, 10, 12), late=4)
    items = (late, item(2, "教育动态", units=(EDU,)))
    updates = (
        (2, date(2026, 10, 13)),
        (2, date(2026, 10, 14)),
        (2, date(2026, 10, 7)),
        (1, date(2026, 10, 5)),
    )
    s = snap(
        *items,
        updates=updates,
        last_week_late={str(FIN): 2, str(EDU): 1},
        done_slots=frozenset({"daily_read", "due_warning", "overdue", "escalation", "due_warning_repeat"}),
    )
    out = only(plan(s, local("2026-10-16 16:00"), CAL), "weekly_summary")
    assert sorted(p.to.label for p in out) == ["person:李局长", "person:王主任"]
    admin = next(p for p in out if p.to.chat_id == ADMIN.telegram_id)
    assert "【周总结】楚雄市人民政府网站 10月12日—10月18日" in admin.text
    assert "本周登记更新2条（上周2，与上周持平）" not in admin.text
    assert "本周登记更新2条（与上周持平）" in admin.text
    assert "目前逾期1项（上周3，减少2）" in admin.text
    assert "· 市教育局：本周更新2条（上周1条 ↑）；无逾期（上周1，减少1）" in admin.text
    assert "   - 政务公开 / 财政预决算（逾期4天）" in admin.text
    leader = next(p for p in out if p.to.chat_id == LEADER.telegram_id)
    assert "市教育局" not in leader.text
    assert weekly_stats(s) == {str(FIN): 1}


def test_only_the_administrators_weekly_summary_carries_the_inspection_verdict() -> None:
    score = score_site((), date(2026, 10, 16))
    s = snap(item(1, "财政预决算"), done_slots=frozenset({"daily_read"}), inspection=score)
    out = only(plan(s, local("2026-10-16 16:00"), CAL), "weekly_summary")
    admin = next(p for p in out if p.to.chat_id == ADMIN.telegram_id)
    leader = next(p for p in out if p.to.chat_id == LEADER.telegram_id)
    assert "目前逾期0项。\n检查风险：合格（得分100）" in admin.text
    assert "检查风险" not in leader.text
    # Without a score gathered (any other day's snapshot) the summary says nothing about it.
    plain = only(plan(snap(item(1, "财政预决算")), local("2026-10-16 16:00"), CAL), "weekly_summary")
    assert not any("检查风险" in p.text for p in plain)


@pytest.mark.parametrize(
    ("day", "first"),
    [
        (date(2026, 10, 1), date(2026, 10, 8)),  # National Day: the 8th is the month's first working day
        (date(2026, 11, 20), date(2026, 11, 2)),  # the 1st is a Sunday
        (date(2026, 1, 15), date(2026, 1, 4)),  # 1–3 January off; Sunday the 4th is a 调休 working day
        (date(2026, 12, 31), date(2026, 12, 1)),
    ],
)
def test_the_monthly_reminder_falls_on_the_months_first_working_day(day: date, first: date) -> None:
    assert monthly_day(day, CAL) == first
    assert "monthly_reminder" in [s for s, _ in slots_on(first, CAL, RoutineSettings())]
    after = CAL.add_working_days(first, 1)
    assert "monthly_reminder" not in [s for s, _ in slots_on(after, CAL, RoutineSettings())]
    assert "monthly_reminder" not in [
        s for s, _ in slots_on(first, CAL, RoutineSettings(monthly_reminder_at=None))
    ]


def test_the_monthly_reminder_tells_each_leader_their_units_month_and_the_administrators_the_sites() -> None:
    late = item(1, "财政预决算", State.OVERDUE, due=date(2026, 10, 1), late=7)
    quota = item(2, "意见征集", State.DUE_SOON, missing=2)
    edu = item(3, "教育动态", State.OVERDUE, due=date(2026, 9, 30), late=8, units=(EDU,))
    updates = (
        (1, date(2026, 9, 3)),
        (1, date(2026, 9, 30)),
        (2, date(2026, 8, 31)),  # August: not September's
        (3, date(2026, 9, 15)),
        (3, date(2026, 10, 8)),  # October: not September's
    )
    score = score_site((), date(2026, 10, 8))
    s = snap(late, quota, edu, updates=updates, inspection=score, done_slots=frozenset({"daily_read"}))
    out = only(plan(s, local("2026-10-08 09:00"), CAL), "monthly_reminder")
    assert sorted(p.to.label for p in out) == ["person:李局长", "person:王主任"]
    admin = next(p for p in out if p.to.chat_id == ADMIN.telegram_id)
    assert admin.text.startswith("【月提醒】楚雄市人民政府网站 2026年9月情况\n")
    assert "上月共登记更新3条；目前逾期2项，数量未达要求1项。\n检查风险：合格（得分100）" in admin.text
    assert "· 市财政局：上月登记更新2条；目前逾期1项\n   - 政务公开 / 财政预决算（逾期7天）" in admin.text
    assert "   - 政务公开 / 意见征集：数量未达要求，本期还差2条" in admin.text
    assert "· 市教育局：上月登记更新1条；目前逾期1项\n   - 政务公开 / 教育动态（逾期8天）" in admin.text
    leader = next(p for p in out if p.to.chat_id == LEADER.telegram_id)
    assert leader.text.startswith("【月提醒】市财政局 2026年9月情况\n上月共登记更新2条；目前逾期1项")
    assert "市教育局" not in leader.text and "检查风险" not in leader.text
    # Once a day: written again, the same keys.
    again = only(plan(s, local("2026-10-08 09:00"), CAL), "monthly_reminder")
    assert [p.key for p in again] == [p.key for p in out]
    assert only(plan(s, local("2026-10-09 09:00"), CAL), "monthly_reminder") == []


def test_long_lists_are_split_below_telegrams_limit_with_each_item_once() -> None:
    many = tuple(
        item(i, f"历史专题{i:03d}工作动态栏目", State.OVERDUE, due=date(2026, 10, 9), late=3)
        for i in range(1, 201)
    )
    # However many parts (a longer list becomes one digest and a spreadsheet: tests/domain/test_wording.py).
    parts_only = {TELEGRAM: Style(max_parts=1_000)}
    out = plan(snap(*many), local("2026-10-12 09:00"), CAL, styles=parts_only)
    for kind, to in (("daily_read", FIN_CHAT), ("overdue", FIN_CHAT), ("escalation", LEADER.telegram_id)):
        parts = [p for p in only(out, kind) if p.to.chat_id == to]
        assert len(parts) > 1
        assert all(len(p.text) <= 4096 for p in parts)
        assert sorted(i for p in parts for i in p.item_ids) == list(range(1, 201))
        assert len({p.key for p in parts}) == len(parts)
        for p in parts:  # each part carries exactly the items it prints, in its numbered order
            assert re.findall(r"^\d+\. (.+?) — ", p.text, flags=re.M) == [i.title for i in p.items]
    reads = [p for p in only(out, "daily_read") if p.to.chat_id == FIN_CHAT]
    assert [bool(p.offers) for p in reads] == [False] * (len(reads) - 1) + [True]


def test_past_the_official_data_the_administrators_are_asked_for_the_year() -> None:
    cal = WorkCalendar(on_fallback=lambda _y: None)
    out = plan(snap(item(1, "通知公告")), local("2027-01-04 09:00"), cal)
    notice = only(out, "admin_notice")
    assert len(notice) == 1 and "2027年的法定节假日和调休安排尚未录入" in notice[0].text
    # Once a week: not on Tuesday.
    assert not only(plan(snap(item(1, "通知公告")), local("2027-01-05 09:00"), cal), "admin_notice")
    loaded = WorkCalendar([YearOverride(2027, frozenset({date(2027, 1, 1)}), frozenset())])
    assert not only(plan(snap(item(1, "通知公告")), local("2027-01-04 09:00"), loaded), "admin_notice")


# ------------------------------------------------------------------------------------------------
# The administrator's holiday list


def test_it_reads_a_holiday_list_one_day_per_line() -> None:
    parsed = parse_holiday_list("2027-01-01 元旦 休\n2027-02-06 至 2027-02-08 休\n2027-02-14 班\n", 2027)
    assert parsed.errors == ()
    assert parsed.holidays == {date(2027, 1, 1), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)}
    assert parsed.workdays == {date(2027, 2, 14)}


def test_it_reads_two_lists() -> None:
    parsed = parse_holiday_list(
        "休：2027-01-01，2027年2月10日、2027/2/11 班：2027-02-07\n调休上班 2027-10-09", 2027
    )
    assert parsed.errors == ()
    assert parsed.holidays == {date(2027, 1, 1), date(2027, 2, 10), date(2027, 2, 11)}
    assert parsed.workdays == {date(2027, 2, 7), date(2027, 10, 9)}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("2027-01-01", "没有说明是放假（休）还是上班（班）"),
        ("2026-01-01 休", "不是2027年的日期"),
        ("2027-02-30 休", "day is out of range"),
        ("2027-01-01 周末", "看不懂这一行"),
        ("2027-01-01 休\n2027-01-01 班", "既写了放假又写了上班"),
    ],
)
def test_it_refuses_what_it_cannot_read(text: str, error: str) -> None:
    assert any(error in e for e in parse_holiday_list(text, 2027).errors)


def test_helping_units_are_named_under_an_item_but_only_the_lead_is_reminded() -> None:
    from dataclasses import replace

    shared = replace(
        item(1, "政策文件", State.OVERDUE, due=date(2026, 10, 3), late=5, units=(FIN, EDU)),
        lead_unit_ids=(FIN,),
    )
    out = only(plan(snap(shared), local("2026-10-08 09:00"), CAL), "overdue")
    assert [p.to.label for p in out] == [f"chat:{FIN_CHAT}"]
    assert "配合单位：市教育局（也可登记更新）" in out[0].text
