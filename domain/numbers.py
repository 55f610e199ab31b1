"""Numbers as they are written in Chinese rule texts: 2, ２, 两, 十五, 二十五, 一百零五, 半, 1.5.

Values are `Fraction`s so that 半 (½) and 一个半 (1½) stay exact until a span is normalised
(半月 is one half-month, 半年 is six months).
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

__all__ = ["normalize", "parse_chinese_int", "parse_number", "scan_number"]

_HALF = Fraction(1, 2)

_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
# 廿 (20) and 卅 (30) still turn up in older documents ("廿日内").
_SHORTHAND: dict[str, int] = {"廿": 20, "卅": 30}

_CN_NUMERAL_CHARS = frozenset(_DIGITS) | frozenset(_SMALL_UNITS) | frozenset(_SHORTHAND) | {"万"}

_ARABIC = re.compile(r"\d+(?:\.\d+)?")


def normalize(text: str) -> str:
    """NFKC-normalise (full-width digits and punctuation become ASCII), drop whitespace, lower-case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def parse_chinese_int(s: str) -> int | None:
    """Parse a whole Chinese numeral (十一, 二十五, 一百零五, 两千, 三万) or return None."""
    if not s:
        return None
    total = 0  # completed 万 groups
    section = 0  # value below 万 so far
    digit: int | None = None
    for ch in s:
        if ch in _DIGITS:
            if digit is not None and digit != 0 and _DIGITS[ch] != 0:
                return None  # "二三" is not a number
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            # A bare 十 means 一十 ("十五" = 15); 百/千 need a digit in practice but accept 1.
            section += (digit if digit else 1) * _SMALL_UNITS[ch]
            digit = None
        elif ch in _SHORTHAND:
            if digit is not None or section % 100:
                return None
            section += _SHORTHAND[ch]
        elif ch == "万":
            total = (total + section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def parse_number(text: str) -> Fraction | None:
    """Parse a complete number in any common writing (2, ２, 1.5, 两, 十五, 一百, 半, 一个半), else None."""
    s = normalize(text)
    if not s:
        return None
    found = scan_number(s, 0)
    if found is None or found[1] != len(s):
        return None
    return found[0]


def scan_number(s: str, i: int) -> tuple[Fraction, int] | None:
    """Read a number starting at `s[i]` of a normalised string: (value, index after it), or None.

    Understands Arabic digits (with decimals), Chinese numerals, a trailing 半 ("一个半", "两个半")
    when 个 links them, and 半 on its own. 个 itself is left for the caller: it is a measure word
    before a unit ("2个月") and a counter after a count ("不少于3个").
    """
    n = len(s)
    if i >= n:
        return None
    m = _ARABIC.match(s, i)
    if m:
        value = Fraction(m.group())
        j = m.end()
    elif s[i] in _CN_NUMERAL_CHARS and s[i] != "万":
        j = i
        while j < n and s[j] in _CN_NUMERAL_CHARS:
            j += 1
        # Back off one character at a time: "一万" is fine but "十分" ends at 十. One numeral other than 万
        # always parses, so this stops at j = i + 1 at the latest.
        while (parsed := parse_chinese_int(s[i:j])) is None:
            j -= 1
        value = Fraction(parsed)
    elif s[i] == "半":
        return _HALF, i + 1
    else:
        return None
    # "一个半月" / "1个半小时": the half belongs to the number, not to the unit.
    if s.startswith("个半", j):
        return value + _HALF, j + 2
    return value, j
