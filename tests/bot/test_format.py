"""Pure formatters: splitting long answers, spreadsheets, callback data, dates."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from acts.check import Checked, NoUrl
from channels.telegram import callback_data
from domain.actions import Action
from replies.format import check_refused, checked, clock, day, split_message
from replies.menu import COMMANDS, menu
from reports.table import Table, xlsx
from storage.reads import Seen
from tests.conftest import SHANGHAI


def test_a_long_answer_is_split_at_line_ends():
    lines = [f"• 第{i}项 栏目名称比较长的一行文字" for i in range(600)]
    pieces = split_message("\n".join(lines))
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces).split("\n") == lines


def test_a_single_overlong_line_is_cut_hard():
    pieces = split_message("头\n" + "长" * 9000 + "\n尾")
    assert all(len(p) <= 4096 for p in pieces)
    assert "".join(pieces).replace("\n", "") == "头" + "长" * 9000 + "尾"


@pytest.mark.parametrize("text", ["", "短", "a\nb"])
def test_short_answers_are_one_piece(text):
    assert split_message(text) == [text]


def test_tables_become_spreadsheets():
    data = xlsx(Table("逾期", ("单位", "期限", "天数"), (("市财政局", date(2026, 10, 15), 39),), "x.xlsx"))
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == ["单位", "期限", "天数"]
    assert [c.value for c in sheet[2]] == ["市财政局", "2026-10-15", 39]


def test_callback_data_fits_in_64_bytes():
    action = Action.done(999_999_999_999, count=100)
    assert callback_data(action) == "done:999999999999:100"
    assert len(callback_data(action).encode()) <= 64


def test_dates_are_written_the_chinese_way():
    assert day(date(2026, 12, 7), date(2026, 11, 23)) == "12月7日（周一）"
    assert day(date(2027, 1, 4), date(2026, 11, 23)) == "2027年1月4日（周一）"
    assert day(date(2026, 12, 7)) == "2026年12月7日（周一）"  # out of context: with the year
    assert day(None) == "—"
    assert clock(datetime(2026, 11, 23, 1, 5, tzinfo=UTC), SHANGHAI) == "11月23日 09:05"


def test_a_check_reply_explains_the_reading_and_lists_the_recent_ones():
    result = Checked(
        path="首页 / 部门动态",
        status="broken",
        newest=None,
        items=0,
        reason="HTTP 404",
        logged=False,
        state="overdue",
        due_on=date(2026, 10, 15),
        days_late=39,
        history=(
            Seen(
                at=datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
                status="broken",
                newest=None,
                reason="HTTP 404 Not Found",
                http_status=404,
                title="",
                link="",
                logged=False,
                held=False,
                marked_wrong=False,
            ),
            Seen(
                at=datetime(2026, 11, 22, 22, 30, tzinfo=UTC),
                status="ok",
                newest=date(2026, 11, 20),
                reason="列表3条，3条有日期",
                http_status=200,
                title="市政府召开常务会议",
                link="http://www.example.gov.cn/bmdt/1.html",
                logged=True,
                held=False,
                marked_wrong=False,
            ),
        ),
    )
    assert checked(result, SHANGHAI).text.split("\n") == [
        "已读取「首页 / 部门动态」：无法访问（HTTP 404）",
        "说明：HTTP 404",
        "当前状态：已逾期39天；下次更新期限：2026年10月15日（周四）",
        "最近几次读取（页面当时显示的内容）：",
        "· 11月23日 09:00 无法访问（HTTP 404），HTTP 404 Not Found",
        "· 11月23日 06:30 正常（HTTP 200），最新 2026年11月20日（周五）「市政府召开常务会议」"
        " http://www.example.gov.cn/bmdt/1.html，已据此登记",
    ]
    assert "没有登记栏目网址" in check_refused(NoUrl("首页 / 部门动态")).text


def test_menu_descriptions_fit_telegram_and_admin_commands_stay_out_of_the_members_menu():
    assert all(3 <= len(c.description) <= 256 and c.name.islower() for c in COMMANDS)
    assert "invite" not in dict(menu(private=True)) and "invite" in dict(menu(private=True, admin=True))
    assert "bindchat" not in dict(menu(private=False)) and "bindchat" in dict(menu(private=False, admin=True))
    assert "start" not in dict(menu(private=False))
