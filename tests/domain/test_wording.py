"""Decisions apart from wording: the planner says who is told what about which items with which actions;
`domain.wording` alone writes the sentences, with the site's own names and the platform's size."""

from __future__ import annotations

import dataclasses
from datetime import date

from domain.actions import Action, Verb
from domain.model import State
from domain.notice import (
    ChatView,
    DailyRead,
    DueWarning,
    EveningNote,
    ItemView,
    Notice,
    Overdue,
    UnitView,
    Who,
)
from domain.routine import RoutineSettings, decide, plan
from domain.site import SiteWords
from domain.wording import (
    SiteText,
    Style,
    chat_gone_notice,
    late_note,
    rejected_notice,
    render,
    render_all,
    set_aside_notice,
)
from tests.domain.test_routine import CAL, EDU, FIN, FIN_CHAT, item, local, snap

BUSY = (
    item(1, "通知公告"),
    item(2, "财政预决算", State.OVERDUE, due=date(2026, 10, 9), late=3),
    item(3, "部门动态", State.DUE_TODAY, due=date(2026, 10, 12)),
    item(4, "教育动态", State.OVERDUE, due=date(2026, 10, 1), late=11, units=(EDU,)),
)
MONDAY = local("2026-10-12 09:00")


def _strings(value: object) -> list[str]:
    """Every string a decision's own fields hold (the names of units, people and items are data, skipped)."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__name__ in (
            "ItemView",
            "UnitView",
            "Who",
            "ChatView",
            "Recipient",
            "Answer",
            "InspectionRisk",
        ):
            return []
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name))]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _strings(v)]
    return []


def test_the_planner_decides_without_a_sentence() -> None:
    notices = decide(snap(*BUSY), MONDAY, CAL)
    assert {type(n.body) for n in notices} >= {DailyRead, DueWarning, Overdue}
    for notice in notices:
        assert isinstance(notice, Notice)
        # kind, slot and key parts only: no words for people anywhere in a decision.
        words = [s for s in [*_strings(notice.body), notice.kind, notice.slot, notice.extra] if s]
        assert all(s.isascii() for s in words), (notice.kind, words)
    warning = next(n for n in notices if isinstance(n.body, DueWarning) and n.to.chat_id == FIN_CHAT)
    assert [i.id for g in warning.body.now for i in g.items] == [3] and warning.asks


def test_plan_is_the_decisions_in_the_one_renderer_s_words() -> None:
    snapshot = snap(*BUSY)
    site = SiteText(snapshot.site_name, snapshot.words)
    assert plan(snapshot, MONDAY, CAL) == render_all(decide(snapshot, MONDAY, CAL), site)


def test_the_site_s_own_names_are_filled_in_by_the_renderer_only() -> None:
    overdue = next(n for n in decide(snap(*BUSY), MONDAY, CAL) if isinstance(n.body, Overdue))
    office = SiteText("某县人民政府网站", SiteWords(office="县政府办"))
    (message,) = render(overdue, office)
    assert "逾期未改将报告分管领导和县政府办" in message.text
    assert message.offers[0][0].action == Action.done(overdue.body.groups[0].items[0].id)


def test_a_smaller_platform_gets_more_parts_each_with_its_own_key_and_offers() -> None:
    many = tuple(item(i, f"栏目{i}", State.OVERDUE, due=date(2026, 10, 9), late=3) for i in range(1, 13))
    notices = decide(snap(*many), MONDAY, CAL, RoutineSettings(escalate_after_workdays=99))
    overdue = next(n for n in notices if n.kind == "overdue")
    site = SiteText("楚雄市人民政府网站")
    telegram = render(overdue, site, Style())
    small = render(overdue, site, Style(max_text=400, done_buttons=2))
    assert len(telegram) == 1 and len(small) > 2
    assert all(len(p.text) <= 400 for p in small)
    assert len({p.key for p in small}) == len(small)
    assert [i.id for p in small for i in p.items] == [i.id for p in telegram for i in p.items]
    for part in small:
        offered = [o.action for row in part.offers for o in row]
        assert len(offered) <= 2 and all(a.verb is Verb.DONE and a.item in part.item_ids for a in offered)
        assert part.asks == part.item_ids


def test_each_recipient_gets_the_style_of_its_chat_s_platform() -> None:
    many = tuple(item(i, f"栏目{i}", State.OVERDUE, due=date(2026, 10, 9), late=3) for i in range(1, 13))
    chat = next(c for c in snap().chats if c.telegram_id == FIN_CHAT)
    robot_chat = dataclasses.replace(chat, platform="robot")
    snapshot = snap(*many, chats=(robot_chat,))
    settings = RoutineSettings(escalate_after_workdays=99)
    small = Style(max_text=400, done_buttons=2, name="群机器人")
    out = [p for p in plan(snapshot, MONDAY, CAL, settings, {"robot": small}) if p.kind == "overdue"]
    assert len(out) > 2 and all(p.to.platform == "robot" and len(p.text) <= 400 for p in out)
    telegram = [p for p in plan(snapshot, MONDAY, CAL, settings) if p.kind == "overdue"]
    assert len(telegram) == 1  # unregistered: the settings' (Telegram's) style


def test_the_sender_s_notices_are_worded_here_for_any_platform() -> None:
    gone = chat_gone_notice("财政局工作群", ("市财政局",), "removed", "Forbidden: kicked", 2, ("overdue",))
    assert "群聊「财政局工作群」（市财政局）已无法发送消息：机器人已被移出该群。" in gone
    assert "2条未发送的消息已改发到该单位的其他群。" in gone and "1条消息未能送达（逾期提醒1条）" in gone
    odd = chat_gone_notice("某群", (), None, "webhook 已失效", 0, ())
    assert "（未绑定单位）已无法发送消息：webhook 已失效。" in odd
    refused = rejected_notice("daily_read", "【日查】10月12日\n…", "bad text", Style(name="群机器人"))
    assert "一条日查清单（【日查】10月12日）被 群机器人 拒绝：bad text。" in refused
    assert "连续5次发送失败" in set_aside_notice("overdue", "【逾期提醒】", 5, "Conflict")
    assert late_note(date(2026, 10, 12), date(2026, 10, 13)) == "（延迟送达：本消息原定于10月12日发送）"


def _many_late(n: int) -> tuple[ItemView, ...]:
    return tuple(
        item(
            100 + k,
            f"历史专题{k:03d}",
            State.OVERDUE,
            due=date(2026, 9, 15),
            late=20 + k % 7,
            units=((FIN,), (EDU,))[k % 2],
        )
        for k in range(n)
    )


def test_a_list_too_long_to_read_is_one_digest_and_a_spreadsheet() -> None:
    """A county-wide group's or an administrator's long list: one message naming the units with the most,
    and every item in the attached sheet; it asks for no update, so a reply /done cannot log them all."""
    snapshot = snap(*_many_late(400), chats=(ChatView(-1009, "全市网站工作群", (FIN, EDU)),))
    site = SiteText(snapshot.site_name, snapshot.words)
    overdue = next(n for n in decide(snapshot, MONDAY, CAL) if isinstance(n.body, Overdue))
    assert len(render(overdue, site, Style(max_parts=10_000))) > 4  # what it was: many messages
    (digest,) = render(overdue, site)
    assert digest.document is not None and digest.asks == () and not digest.offers
    ((_title, headers, rows),) = digest.document.sheets
    assert headers[:3] == ("序号", "单位", "栏目/账号") and len(rows) == 400
    assert {r[2].rsplit(" / ", 1)[-1] for r in rows} == {f"历史专题{k:03d}" for k in range(400)}
    assert "共400项、涉及2个单位" in digest.text and "· 市财政局：200项" in digest.text
    assert len(digest.text) <= 1000  # a document's caption


def test_a_daily_read_digest_keeps_its_read_button_and_a_short_list_stays_whole() -> None:
    snapshot = snap(*_many_late(400), chats=(ChatView(-1009, "全市网站工作群", (FIN, EDU)),))
    site = SiteText(snapshot.site_name, snapshot.words)
    daily = next(n for n in decide(snapshot, MONDAY, CAL) if isinstance(n.body, DailyRead))
    (digest,) = render(daily, site)
    assert digest.document is not None and digest.offers[0][0].action.verb is Verb.READ
    short = next(n for n in decide(snap(*BUSY), MONDAY, CAL) if isinstance(n.body, DailyRead))
    assert all(p.document is None for p in render(short, site))


def test_a_platform_without_files_gets_the_long_list_in_parts() -> None:
    snapshot = snap(*_many_late(400), chats=(ChatView(-1009, "全市网站工作群", (FIN, EDU)),))
    site = SiteText(snapshot.site_name, snapshot.words)
    overdue = next(n for n in decide(snapshot, MONDAY, CAL) if isinstance(n.body, Overdue))
    parts = render(overdue, site, Style(documents=False))
    assert len(parts) > 4 and all(p.document is None for p in parts)
    assert {i.id for p in parts for i in p.items} == {100 + k for k in range(400)}


def test_an_evening_note_for_thousands_of_groups_is_never_one_message_over_the_limit() -> None:
    """2,000 groups that did not confirm their daily read made one 57,000-character message, which Telegram
    refuses: the note would have been set aside. Now: the first lines and every group in a spreadsheet."""
    units = tuple(UnitView(100 + k, f"第{k:04d}单位", (Who(None, f"维护员{k}"),)) for k in range(2000))
    chats = tuple(ChatView(-5000 - k, f"第{k:04d}单位群", (100 + k,)) for k in range(2000))
    items = tuple(item(10_000 + k, f"栏目{k}", units=(100 + k,)) for k in range(2000))
    snapshot = snap(*items, units=units, chats=chats)
    site = SiteText(snapshot.site_name, snapshot.words)
    evening = local("2026-10-12 20:00")
    (note,) = [n for n in decide(snapshot, evening, CAL) if isinstance(n.body, EveningNote)]
    (message,) = render(note, site)
    assert message.document is not None and len(message.text) <= 1000
    assert "2000个群中有2000个今天尚未确认日查" in message.text and "完整名单见附件" in message.text
    assert len(message.document.sheets[0][2]) == 2000
    parts = render(note, site, Style(documents=False))
    assert len(parts) > 1 and all(len(p.text) <= Style().max_text for p in parts)
    assert sum(p.text.count("· 第") for p in parts) == 2000


def test_a_robot_s_messages_ask_for_a_tap_on_a_link_not_a_reply_it_cannot_hear() -> None:
    snapshot = snap(*BUSY)
    site = SiteText(snapshot.site_name, snapshot.words)
    notices = decide(snapshot, MONDAY, CAL)
    robot = Style(hears=False, documents=False)
    for kind in (Overdue, DueWarning, DailyRead):
        notice = next(n for n in notices if isinstance(n.body, kind))
        heard = "\n".join(p.text for p in render(notice, site))
        sent = "\n".join(p.text for p in render(notice, site, robot))
        assert "链接" in sent and "按钮" not in sent and "/done" not in sent, sent
        assert "按钮" in heard
