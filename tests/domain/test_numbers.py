from fractions import Fraction

import pytest

from domain.numbers import normalize, parse_chinese_int, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("二", 2),
        ("两", 2),
        ("三", 3),
        ("十", 10),
        ("十一", 11),
        ("十五", 15),
        ("二十", 20),
        ("二十五", 25),
        ("一百", 100),
        ("一百零五", 105),
        ("两百", 200),
        ("三千五百", 3500),
        ("廿", 20),
        ("0", 0),
        ("6", 6),
        ("15", 15),
        ("２", 2),
        ("１５", 15),
        ("半", Fraction(1, 2)),
        ("1.5", Fraction(3, 2)),
        ("一个半", Fraction(3, 2)),
        ("两个半", Fraction(5, 2)),
    ],
)
def test_it_parses_numbers_written_any_common_way(text: str, value: Fraction | int) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "周", "二三", "十分", "abc", "1周", "半年"])
def test_it_refuses_what_is_not_a_whole_number(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(("text", "value"), [("十", 10), ("一十二", 12), ("九十九", 99), ("一万", 10000)])
def test_it_parses_chinese_integers(text: str, value: int) -> None:
    assert parse_chinese_int(text) == value


@pytest.mark.parametrize("text", ["", "二三", "三廿", "十廿", "十a", "两周"])
def test_it_refuses_what_is_not_a_chinese_integer(text: str) -> None:
    assert parse_chinese_int(text) is None


def test_it_normalises_full_width_text() -> None:
    assert normalize(" ２周内 更新，\n") == "2周内更新,"
