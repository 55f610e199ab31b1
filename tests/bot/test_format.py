"""Pure formatters: splitting long answers, spreadsheets, callback data, dates."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from handlers.format import Table, callback, day, split_message, xlsx
from handlers.menu import COMMANDS, menu


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
    assert callback("done", 999_999_999_999, 100) == "done:999999999999:100"
    assert len(callback("done", 999_999_999_999, 100).encode()) <= 64


def test_dates_are_written_the_chinese_way():
    assert day(date(2026, 12, 7), date(2026, 11, 23)) == "12月7日（周一）"
    assert day(date(2027, 1, 4), date(2026, 11, 23)) == "2027年1月4日（周一）"
    assert day(None) == "—"


def test_menu_descriptions_fit_telegram_and_admin_commands_stay_out_of_the_members_menu():
    assert all(3 <= len(c.description) <= 256 and c.name.islower() for c in COMMANDS)
    assert "invite" not in dict(menu(private=True)) and "invite" in dict(menu(private=True, admin=True))
    assert "bindchat" not in dict(menu(private=False)) and "bindchat" in dict(menu(private=False, admin=True))
    assert "start" not in dict(menu(private=False))
