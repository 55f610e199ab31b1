"""The administrators' escalation digest when it is long (a spreadsheet, issue 15): the leaders no path
reaches are said in the caption and listed on their own sheet, never cut off with the list's tail."""

from __future__ import annotations

from domain.model import State
from domain.notice import MessageKind, Report, UnitView, Who
from domain.routine import plan
from tests.domain.test_routine import CAL, EDU, FIN, item, local, snap


def test_a_long_digest_names_the_unreached_leaders_in_its_caption_and_on_a_sheet():
    units = (
        UnitView(FIN, "市财政局", (), (Who(21, "钱局长"),)),  # no Telegram, no robot group
        UnitView(EDU, "市教育局", (), (Who(22, "孙局长", None, 9300),)),  # on Telegram: reached
    )
    due = local("2026-10-01 00:00").date()
    many = tuple(
        item(100 + k, f"栏目{k:03d}" * 6, State.OVERDUE, due=due, late=9, units=((FIN,), (EDU,))[k % 2])
        for k in range(200)
    )
    planned = plan(snap(*many, units=units, chats=()), local("2026-10-13 09:00"), CAL)
    (digest,) = [p for p in planned if p.kind == MessageKind.ESCALATION and p.to.label == "person:王主任"]
    assert isinstance(digest.document, Report)  # too long to read in messages: one digest and a workbook
    lines = digest.text.split("\n")  # the title, what the list is, then this, before the units
    assert "其中1位分管领导未能收到本次督办提醒" in lines[2] and lines[3].startswith("· ")
    sheets = {title: rows for title, _, rows in digest.document.sheets}
    assert sheets["未送达"] == (("市财政局", "钱局长", "未绑定 Telegram，本单位也没有绑定群机器人"),)
    assert len(sheets["督办"]) == 200
