"""Understanding update rules (更新时限要求) written as free Chinese text.

The text is split into parts on ，,；;。 and every part is read. Each part is tokenised into a small
vocabulary — numbers, time units, 每 ("per"), 不少于/至少 ("at least"), 不超过/最迟 ("at most"),
内 ("within"), counters (次/条/篇…), event anchors (后/起/之日起), update and reply verbs, and
event-driven, check-only and external-link words — and each time unit is judged from the words around
it. Nothing is looked up whole, so new wordings of the same ideas work without code changes.

Representation (decided here, relied on by `domain.due`):
- "at most this long between updates" → `max_gap`: 2周内更新, 每周一次, 每月更新一次, 每季度, 半月, 一年一次.
  A count of one per period written *without* 至少/不少于 is a gap, not a quota:
  每周一次 ≈ 每周内至少更新一次.
- "at least N items per period" with N ≥ 2 → `quota`: 每年不少于6次, 每周两次, 每月至少更新4条.
  Calendar periods unless the text says 任意/连续/滚动, or "N周内" without 每 ("2周内不少于3条" is any
  2-week window): then `rolling`.
- "at least once per period", in every spelling, is one meaning: a maximum gap, the same as "N内更新".
  每年至少一次, 至少每年一次, 至少一年更新一次, 每月至少更新一次, 每周至少发布一条 → `max_gap` of the period.
- 每天/每日/日更 (a gap of one day) counts working days (`TimeUnit.WORKDAY`): a news column updated on Friday
  is due on Monday, and after a holiday on the first working day. Unless the text says weekends or holidays
  are included (节假日也要更新, 每日（含节假日）, 含周末, 自然日): then calendar days.
- A reply duty with no time written (及时受理来信, 及时受理依申请来件) is a deadline per received
  request, not a page to refresh: `reply` = "application" (依申请公开) or "letter", and `domain.due` takes
  the default of that kind from the settings. Any rule about answering requests (30日内办结回复) also
  gets `reply`, so the page has no yearly floor of its own.
- "各乡镇每周不少于2条", "各部门每周至少1条", "每个单位…": the quota or gap is held by each contributing unit
  (`per_unit`): the list names the units on the row as usual (a unit group such as 各乡镇 or 市属各部门
  stands for its members, filled with /group), each unit's /done counts for that unit alone, and the
  judgement gives every unit its own state and shortfall. Without 各/每个 the duty is one for the column.
- a deadline counted from an event (后/起/之日起 before it, or a reply verb 回复/答复/办结/公开 after it) →
  `after_event`; a second deadline (延期不超过…, 最迟不超过…) → `after_event_alt`.
- 适时/及时/随时/根据…情况/有…时 → `on_change`; 检查/正常运行/链接有效 → `check_only` (the period in
  that part is how often to look, not a content duty); 外链/链接到…网站 → `external`.
- Anything else that carries numbers or periods but fits none of these makes the whole rule not understood:
  a half-understood rule would silently drop a duty. So does a count with no period ("不少于6次") and a
  count left open ("每年若干次", "多次").

Decisions for wordings other lists use (tests/domain/test_rules_unseen.py):
- Hours round up to whole days (24小时 → 1 day, 48小时 → 2, 3小时 → 1). 当天/当日/同日/次日/第二天/T+1
  after an event → `after_event` 1 day (spans are whole days ≥ 1; an event logged late in the day gets
  until the next day); 次工作日 → 1 working day; "当日起" is only the anchor of the deadline after it.
- Hours and working days are how deadlines are written: "5个工作日内更新", "2个工作日", "24小时内" without 每,
  至少 or a word naming the gap (间隔/周期/频率) → `after_event`. Calendar days, weeks, months stay gaps
  ("10日内更新" → max_gap), as in 附件2.
- 日更/周更/月更/季更/年更 → `max_gap` of one unit. 工作日每天, 周一至周五(每天) → `max_gap` 1 working day.
- Several named days per period → `quota`: 每周一、三、五 → 3 a week, 每年6月、12月 → 2 a year, 每月10日、20日
  → 2 a month. One named day (每周三, 每年3月31日前, 每月5日前, 次月10日前发布上月数据) → `max_gap` of the
  period: a yearly gap for a date in the year is a little looser than the date itself, and says so.
- Ranges read as the least they demand: 每周2-3条 → at least 2; 每1-2个月 → a gap of 2 months.
- "…，其中原创不少于1条": a share of the quota before it; only the total is counted.
- Fixed content (无需更新, 不需更新, 固定内容, 静态, 长期保留/公开/有效, 常年公开, 不涉及) → `check_only`,
  i.e. no content duty, only that the page works; but if another part names a duty
  ("内容固定，有变化时及时更新") the duty wins. System-filled columns (自动更新/自动同步) → `check_only`.
- "X后公开/发布" with no deadline ("项目完成后公开") → `on_change`. A display period (公示期7天,
  征求意见时间不少于30日) is not an update rule: that part's periods are skipped.
- Refused, with the vague word named in the reason: 常态化更新, 长期, 持续/经常/定期/日常更新, 按规定时限,
  按要求, 待定; "同上" (the import must carry the text itself); a bare weekday (周一: once, or every week?).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from math import ceil
from typing import Any

from domain.due import Policy
from domain.model import Quota, Rule, Span, TimeUnit
from domain.numbers import normalize, scan_number

__all__ = ["describe_rule", "parse_rule", "rule_to_dict", "span_days", "span_to_dict"]

_HINT = "请改写为如“2周内更新”“每年不少于6次”"

# ---------------------------------------------------------------------------------------------------------
# Vocabulary

# unit word -> (base unit, how many base units one of it is)
_UNITS: dict[str, tuple[TimeUnit, Fraction]] = {
    "天": (TimeUnit.DAY, Fraction(1)),
    "日": (TimeUnit.DAY, Fraction(1)),
    "自然日": (TimeUnit.DAY, Fraction(1)),
    "日历日": (TimeUnit.DAY, Fraction(1)),
    "工作日": (TimeUnit.WORKDAY, Fraction(1)),
    "小时": (TimeUnit.DAY, Fraction(1, 24)),
    "周": (TimeUnit.WEEK, Fraction(1)),
    "星期": (TimeUnit.WEEK, Fraction(1)),
    "礼拜": (TimeUnit.WEEK, Fraction(1)),
    "旬": (TimeUnit.DAY, Fraction(10)),
    "月": (TimeUnit.MONTH, Fraction(1)),
    "月度": (TimeUnit.MONTH, Fraction(1)),
    "季": (TimeUnit.MONTH, Fraction(3)),
    "季度": (TimeUnit.MONTH, Fraction(3)),
    "年": (TimeUnit.YEAR, Fraction(1)),
    "年度": (TimeUnit.YEAR, Fraction(1)),
}

# Token kinds (one letter each, so a part reads like "EUGNC" in a debugger):
#   N number  U unit  Y weekday (周一…)  E per  G at least  P "or more" after a count  M at most
#   X extension  L within  C counter  A event anchor  V update verb  R reply verb  O on change
#   K check  W external  S rolling  F fixed content  Z vague count  I interval  H display period
#   D date or noise word (ignored)
_WORDS: dict[str, str] = {}


def _add(kind: str, *words: str) -> None:
    for w in words:
        _WORDS[w] = kind


_add("E", "每", "每隔", "全", "按", "逐", "/")
_add("G", "不少于", "不低于", "不得少于", "不应少于", "不能少于", "不小于", "至少", "最少", "最低", "起码")
_add("P", "以上", "及以上")
_add("M", "不超过", "不得超过", "不应超过", "不能超过", "不多于", "不长于", "最迟", "最长", "最晚")
_add("X", "延期", "延长", "顺延")
_add("L", "内", "以内", "之内")
# 更 alone is the colloquial counter of 一周一更 (更新 is read first as the verb).
_add("C", "次", "条", "篇", "期", "个", "则", "批", "份", "场", "件", "项", "更")
# A lone 时 ends a clause like "有新信息时": the deadline after it runs from that moment.
_add("A", "后", "之后", "以后", "起", "起算", "日起", "之日起", "时")
_add("V", "更新", "发布", "报送", "上传", "维护", "推送", "发文", "刊发", "转载", "公布", "上报")
_add("V", "录入", "发稿", "供稿", "刊登", "选登", "登载", "补充", "完善", "上网", "挂网", "发送")
_add("R", "回复", "答复", "办结", "办理", "反馈", "受理", "回应", "处理", "公开", "予以公开", "答疑", "公示")
_add("O", "适时", "及时", "随时", "实时", "即时", "不定期", "按需", "视情", "根据", "依据", "如有", "若有")
_add("O", "一旦", "动态更新", "动态调整", "动态维护", "每当", "视需要", "视工作", "视实际", "同步")
_add("K", "检查", "巡查", "巡检", "监测", "运行正常", "正常运行", "是否正常", "有效", "可用", "畅通")
_add("K", "正常访问", "可访问", "能否访问", "能否打开", "正常打开")
# Content the system fills in by itself: nobody writes it, somebody checks that it works.
_add("K", "自动更新", "自动同步", "自动生成", "自动抓取", "自动获取", "自动推送")
# Fixed content: no duty to update (read as check_only, but only when nothing else in the rule is a duty).
_add("F", "无需更新", "无须更新", "毋需更新", "不需更新", "不需要更新", "不必更新", "不用更新")
_add("F", "无需", "无须", "固定内容", "内容固定", "相对固定", "基本固定", "固定栏目", "静态")
_add("F", "长期保留", "长期公开", "长期有效", "常年公开", "常年", "永久保留")
_add("F", "无更新要求", "不作要求", "不做要求", "不涉及", "无更新频率要求")
# How long a notice stays up (公示期7天, 征求意见时间不少于30日) is not how often to update: the part's
# periods are skipped.
_add("H", "公示期", "公示时间", "公示期限", "公开期", "展示期", "保留期")
_add("H", "征求意见期", "征求意见时间", "意见反馈期")
# "How much?" left open: refused rather than read as one.
_add("Z", "若干", "多次", "多条", "多篇", "数次", "数条", "几次", "几条", "几篇", "适量")
# The length between updates named as such: a working-day span after it is a gap, not an event deadline.
_add("I", "间隔", "周期", "频率", "频次")
_add("W", "外链", "外部链接", "链接到", "链接至", "链至", "跳转到", "跳转至", "跳转", "外部网站")
_add("S", "任意", "任一", "连续", "滚动")
# Words that contain a unit, counter or keyword character but mean something else: read them whole.
_add(
    "D",
    "内容",
    "周末",
    "周边",
    "周知",
    "周报",
    "周年",
    "日常",
    "日报",
    "日志",
    "日期",
    "工作日志",
    "月报",
    "年报",
    "季报",
    "年鉴",
    "年龄",
    "年度报告",
    "上半年",
    "下半年",
    "上半月",
    "下半月",
    "其中",
    "节假日",
    "节日",
    "假日",
    "年初",
    "年底",
    "年末",
    "年中",
    "月底",
    "月末",
    "月初",
    "按照",
    "按时",
    "按期",
    "定期",
    "近期",
    "长期",
    "时期",
    "期间",
    "期限",
    "时限",
    "到期",
    "逾期",
    "预期",
    "最后",
    "然后",
    "前后",
    "后台",
    "今后",
    "一次性",
    "条例",
    "条件",
    "条款",
    "个人",
    "个别",
    "各个",
    "整个",
    "次数",
    "篇幅",
    "之日",
    "文件",
    "全面",
    "全部",
    "完全",
    "安全",
    "有效期",
    "每次",
    "每个人",
    "每件",
    "每条",
    "一般",
    "一律",
    "一并",
    "一些",
    "一定",
    "统一",
    "万一",
    "原则上",
    "基本上",
    "网上",
    "线上",
    "同时",
    "时间",
    "准时",
    "定时",
    "届时",
    "时效",
)
# 每月底 / 每年末 / 每周末: the period named by its end ("每月底前更新" is monthly).
_PERIOD_ENDS = {
    w: w.rstrip("底末初") for w in ("月底", "月末", "月初", "年底", "年末", "年初", "季末", "季度末", "周末")
}
_MAX_WORD = max(len(w) for w in _WORDS)
_UNIT_MAX = max(len(w) for w in _UNITS)

_WEEKDAY_HEADS = ("周", "星期", "礼拜")
_WEEKDAY_NUMBER = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_COUNTER_CHARS = frozenset(w for w, k in _WORDS.items() if k == "C" and len(w) == 1)
# 上一年度, 本月, 当年, 次日: a named period, not a length.
_RELATIVE_HEADS = frozenset("上下本当次去今明该")
# 次月 / 下一年度 / 次年: the period after the one the data is about; "次月10日前发布" recurs every month.
_NEXT_HEADS = frozenset("次下")
# 当天 / 次日 / T+1: a deadline counted from the event, one day long (see the module docstring).
_SAME_DAY = ("当天", "当日", "同日", "同一天", "即日", "次日", "翌日", "第二天")
_NEXT_WORKDAY = ("次工作日", "下一工作日", "下一个工作日", "第二个工作日")
# Between two numbers: a range ("2-3条", "2至3次"); the count is the lower end.
_RANGE_MARKS = frozenset("-~至到—")
# Between two named days (周一、三、五 / 6月、12月): a list.
_LIST_MARKS = ("、", "和", "及", "与", "/", "&")

# "有…时", "进行采购时", "人员变动时", "有…则": event-driven wording that has no fixed keyword.
_EVENT_CLAUSE = re.compile(
    r"(?:有|进行|发生|召开|出台|印发|开展|举办|出现|产生|需要|必要|变动|变化|变更|调整|更换|换届)"
    r"[^,;]*?(?<![小及适随实即按同准])时(?![间限效期候])"
    r"|有[^,;]*?则"
)
# "链接省上网站", "链接到各高校…专栏", "链接国务院政策文件库": the content lives elsewhere.
_LINK_CLAUSE = re.compile(r"链接[^,;]*?(?:网站|平台|系统|专栏|页面|库|网|客户端|公众号)")
# Words that say how often without saying a period: named in the reason when nothing else is understood.
_VAGUE = re.compile(r"常态|长期|持续|经常|定期|日常|规定|法定|待定|不断|保持|一直|长效|正常更新|要求")
# "同上": a cell that points at another row; the import must carry the text itself.
_SAME_AS = re.compile(r"^(?:同上|同前|同左|同右|如上|见上)")
# Split on commas, semicolons, full stops and line breaks, but not on the point in "1.5个月".
_SPLIT = re.compile(r"[,，;；。\n\r]+|(?<![0-9０-９])[.．]|[.．](?![0-9０-９])")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    start: int
    end: int
    # Fraction for N; (TimeUnit, Fraction) for U; how many days a weekday list names for Y; "slot" for a D
    # that names a day of the calendar (6月, 10日); (TimeUnit, Fraction) for a D that names the next period
    # (次月).
    value: Any = None


_SLOT = "slot"
_DAY_SPAN = (TimeUnit.DAY, Fraction(1))


def _unit_at(s: str, i: int) -> tuple[str, tuple[TimeUnit, Fraction]] | None:
    """The longest unit word starting at s[i], unless a longer noise word starts there."""
    for size in range(_UNIT_MAX, 0, -1):
        w = s[i : i + size]
        if w in _UNITS:
            for longer in range(_MAX_WORD, size, -1):
                if _WORDS.get(s[i : i + longer]) in ("D", "F"):
                    return None
            return w, _UNITS[w]
    return None


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _after_per(toks: list[_Tok], i: int) -> bool:
    return bool(toks) and toks[-1].kind == "E" and toks[-1].end == i


# Each reader looks at s[i]: if it recognises something there, it appends its tokens and returns where it
# ends (always past i); otherwise it returns None and leaves `toks` alone. `_tokenize` tries them in order.


def _read_same_day(s: str, i: int, toks: list[_Tok]) -> int | None:
    """当天 / 次日 / 次工作日: an event deadline of one (working) day. "当日起" is only the anchor."""
    same = next((w for w in _NEXT_WORKDAY + _SAME_DAY if s.startswith(w, i)), None)
    if same is None or _after_per(toks, i):
        return None
    j = i + len(same)
    toks.append(_Tok("A", i, i))
    if not s.startswith(("起", "之日起", "算起"), j):
        unit = (TimeUnit.WORKDAY, Fraction(1)) if same in _NEXT_WORKDAY else _DAY_SPAN
        toks.append(_Tok("N", i, i, Fraction(1)))
        toks.append(_Tok("U", i, j, unit))
    return j


def _read_t_plus(s: str, i: int, toks: list[_Tok]) -> int | None:
    """T+1 / T+3个工作日: data published N days after the day it is about."""
    if not s.startswith("t+", i) or (i > 0 and s[i - 1].isascii() and s[i - 1].isalnum()):
        return None
    num = scan_number(s, i + 2)
    if num is None:
        return None
    toks.append(_Tok("A", i, i + 2))
    toks.append(_Tok("N", i + 2, num[1], num[0]))
    if _unit_at(s, num[1] + s.startswith("个", num[1])) is None:
        toks.append(_Tok("U", num[1], num[1], _DAY_SPAN))
    return num[1]


def _read_named_period(s: str, i: int, toks: list[_Tok]) -> int | None:
    """上一年度 / 本月 / 次月: a named period, read as noise (次月/下月 remember which period)."""
    ch = s[i]
    if ch not in _RELATIVE_HEADS or (ch == "次" and toks and toks[-1].kind == "N"):
        return None
    j = i + 1 + s.startswith("一", i + 1)
    j += s.startswith("个", j)
    u = _unit_at(s, j)
    if u is None:
        return None
    toks.append(_Tok("D", i, j + len(u[0]), u[1] if ch in _NEXT_HEADS else None))
    return j + len(u[0])


def _read_ordinal(s: str, i: int, toks: list[_Tok]) -> int | None:
    """第一个月 / 第2周: which one, not how long."""
    num = scan_number(s, i + 1) if s[i] == "第" else None
    if num is None:
        return None
    j = num[1] + s.startswith("个", num[1])
    u = _unit_at(s, j)
    j += len(u[0]) if u is not None else 0
    toks.append(_Tok("D", i, j))
    return j


def _read_measure_word(s: str, i: int, toks: list[_Tok]) -> int | None:
    """个 before a unit is only a measure word: 两个星期, 每个月, 3个工作日."""
    return i + 1 if s[i] == "个" and _unit_at(s, i + 1) is not None else None


def _read_weekdays(s: str, i: int, toks: list[_Tok]) -> int | None:
    """周一 … 星期日, 周一、三、五, 周一至周五: weekdays, unless a counter follows (每周一次: one a week)."""
    wd = _weekdays_at(s, i)
    if wd is None:
        return None
    end, days = wd
    if days != _MON_TO_FRI:
        toks.append(_Tok("Y", i, end, len(days)))
        return end
    # 周一至周五 (每天): every working day, holidays and 调休 included.
    end += 2 if s.startswith(("每天", "每日"), end) else 0
    if not _after_per(toks, i):
        toks.append(_Tok("E", i, i))
    toks.append(_Tok("U", i, end, (TimeUnit.WORKDAY, Fraction(1))))
    return end


def _read_period_end(s: str, i: int, toks: list[_Tok]) -> int | None:
    """每月底 / 每年末 / 每周末: the period named by its end ("每月底前更新" is monthly)."""
    if not _after_per(toks, i):
        return None
    end_word = next((w for w in _PERIOD_ENDS if s.startswith(w, i)), None)
    if end_word is None:
        return None
    unit_word = _PERIOD_ENDS[end_word]
    toks.append(_Tok("U", i, i + len(unit_word), _UNITS[unit_word]))
    toks.append(_Tok("D", i + len(unit_word), i + len(end_word)))
    return i + len(end_word)


def _read_unit_gen(s: str, i: int, toks: list[_Tok]) -> int | None:
    """日更 / 周更 / 季更: "updated every day/week/quarter" (更新 itself is read as a verb word)."""
    if s[i] != "更" or not toks or toks[-1].kind != "U" or toks[-1].end != i or s.startswith("更新", i):
        return None
    toks.append(_Tok("V", i, i + 1))
    return i + 1


def _read_word(s: str, i: int, toks: list[_Tok]) -> int | None:
    # No keyword is a unit word or starts one, so a keyword found here never hides a unit.
    word = _word_at(s, i)
    if word is None:
        return None
    w, kind = word
    toks.append(_Tok(kind, i, i + len(w)))
    return i + len(w)


def _read_unit(s: str, i: int, toks: list[_Tok]) -> int | None:
    u = _unit_at(s, i)
    if u is None:
        return None
    word, value = u
    end = i + len(word)
    # 开放日 / 纪念日 / 春天: a bare 日 or 天 glued to a word it belongs to is not a period.
    if word in ("日", "天") and i > 0 and _is_cjk(s[i - 1]) and not (toks and toks[-1].end == i):
        return i + 1
    # 工作日每天 / 工作日每日: every working day.
    if value[0] is TimeUnit.WORKDAY and s.startswith(("每天", "每日"), end):
        toks.append(_Tok("E", i, i))
        end += 2
    toks.append(_Tok("U", i, end, value))
    return end


def _read_double(s: str, i: int, toks: list[_Tok]) -> int | None:
    """双周 / 隔周: two of the unit."""
    if s[i] not in "双隔" or not (s.startswith("个", i + 1) or _unit_at(s, i + 1) is not None):
        return None
    toks.append(_Tok("N", i, i + 1, Fraction(2)))
    return i + 1


def _read_number(s: str, i: int, toks: list[_Tok]) -> int | None:
    num = scan_number(s, i)
    if num is None:
        return None
    value, j = num
    date_end = _date_end(s, i, j, value, toks)
    if date_end is not None:
        toks.append(date_end[1])
        return date_end[0]
    # A range is read as the least it demands: "2-3条" at least 2, "1-2个月" at most 2 months apart.
    upper = scan_number(s, j + 1) if j < len(s) and s[j] in _RANGE_MARKS else None
    if upper is not None:
        k = upper[1]
        if _unit_at(s, k + s.startswith("个", k)) is not None:
            toks.append(_Tok("N", i, k, max(value, upper[0])))
            return k
        if k < len(s) and s[k] in _COUNTER_CHARS:
            toks.append(_Tok("N", i, k, min(value, upper[0])))
            return k
    toks.append(_Tok("N", i, j, value))
    return j


_READERS = (
    _read_same_day,
    _read_t_plus,
    _read_named_period,
    _read_ordinal,
    _read_measure_word,
    _read_weekdays,
    _read_period_end,
    _read_unit_gen,
    _read_word,
    _read_unit,
    _read_double,
    _read_number,
)


def _tokenize(s: str) -> list[_Tok]:
    """Tokens of one normalised part. Unknown characters are skipped: they are the words around the rule."""
    toks: list[_Tok] = []
    i = 0
    while i < len(s):
        for read in _READERS:
            end = read(s, i, toks)
            if end is not None:
                i = end
                break
        else:
            i += 1
    return toks


def _word_at(s: str, i: int) -> tuple[str, str] | None:
    for size in range(min(_MAX_WORD, len(s) - i), 0, -1):
        w = s[i : i + size]
        kind = _WORDS.get(w)
        if kind is not None:
            return w, kind
    return None


def _weekday_at(s: str, i: int) -> tuple[int, int] | None:
    """One weekday name at s[i] ("周三", "星期日"): (end, day 1–7), or None."""
    for head in _WEEKDAY_HEADS:
        if s.startswith(head, i):
            j = i + len(head)
            if j < len(s) and s[j] in _WEEKDAY_NUMBER:
                return j + 1, _WEEKDAY_NUMBER[s[j]]
    return None


_MON_TO_FRI = frozenset(range(1, 6))


def _weekdays_at(s: str, i: int) -> tuple[int, frozenset[int]] | None:
    """Weekdays named at s[i]: (end, which days 1–7). 周一、三、五 → {1, 3, 5}; 周一至周五 → {1…5}."""
    first = _weekday_at(s, i)
    if first is None:
        return None
    end, day = first
    after = s[end : end + 1]
    if after and (after in _COUNTER_CHARS or after == "个"):
        return None  # 每周一次, 每周一更
    days = {day}
    while end < len(s):
        mark = next((m for m in _LIST_MARKS if s.startswith(m, end)), None)
        rng = s[end] in _RANGE_MARKS
        if mark is None and not rng:
            break
        j = end + (len(mark) if mark else 1)
        nxt = _weekday_at(s, j)
        if nxt is None and j < len(s) and s[j] in _WEEKDAY_NUMBER:
            nxt = j + 1, _WEEKDAY_NUMBER[s[j]]
        if nxt is None:
            break
        if rng:
            days.update(range(min(day, nxt[1]), max(day, nxt[1]) + 1))
        else:
            days.add(nxt[1])
        end, day = nxt
    return end, frozenset(days)


def _date_end(s: str, i: int, j: int, value: Fraction, toks: list[_Tok]) -> tuple[int, _Tok] | None:
    """If the number just read (s[i:j]) is part of a calendar date: (where the date ends, its token).

    2018年, 3月31日, 3月底, 每月5日前, 15号, 每年6月、12月: a day of the calendar, not a length of time.
    """
    nxt = s[j : j + 1]
    prev = toks[-1] if toks else None
    prev_unit = prev.value[0] if prev is not None and prev.kind == "U" else None  # 每年 / 每月 just before
    listed = prev is not None and prev.value == _SLOT and s[prev.end : i] in _LIST_MARKS
    if nxt == "年" and value >= 1000:
        return j + 1 + s.startswith("度", j + 1), _Tok("D", i, j + 1)
    if nxt == "号":
        return j + 1, _Tok("D", i, j + 1, _SLOT)
    if nxt == "月":
        if s[j + 1 : j + 2] and s[j + 1] in "底初末份中上下":
            return j + 2, _Tok("D", i, j + 2, _SLOT)
        day = scan_number(s, j + 1)
        if day is not None and s[day[1] : day[1] + 1] in ("日", "号"):
            return day[1] + 1, _Tok("D", i, day[1] + 1, _SLOT)
        # 每年6月 / 6月、12月: a month of the year (a length would be "6个月").
        month_name = value.denominator == 1 and 1 <= value <= 12
        if month_name and (prev_unit is TimeUnit.YEAR or listed or s[j + 1 : j + 2] in _LIST_MARKS):
            return j + 1, _Tok("D", i, j + 1, _SLOT)
        return None
    if nxt == "季" and prev_unit is TimeUnit.YEAR:
        end = j + 1 + s.startswith("度", j + 1)  # 每年一季度: which quarter, not how long
        return end, _Tok("D", i, end)
    dated = (
        prev_unit in (TimeUnit.MONTH, TimeUnit.YEAR) or listed or s.startswith(("前", "之前", "以前"), j + 1)
    )
    if nxt == "日" and dated:
        return j + 1, _Tok("D", i, j + 1, _SLOT)
    return None


# ---------------------------------------------------------------------------------------------------------
# Reading one part


class _NotUnderstood(Exception):
    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class _Found:
    max_gaps: list[Span] = field(default_factory=list)
    quotas: list[Quota] = field(default_factory=list)
    events: list[Span] = field(default_factory=list)
    alts: list[Span] = field(default_factory=list)
    on_change: bool = False
    check_only: bool = False
    external: bool = False
    fixed: bool = False  # 无需更新 / 固定内容: no duty, unless another part of the rule names one
    anchored: bool = False  # an event with no deadline of its own ("完成后公开")

    def duty(self) -> bool:
        return bool(
            self.max_gaps or self.quotas or self.events or self.alts or self.on_change or self.anchored
        )

    def any(self) -> bool:
        return self.duty() or self.check_only or self.external or self.fixed


def _to_span(n: Fraction, unit: TimeUnit, mult: Fraction) -> Span:
    """Normalise "number × unit word" to a whole-number Span.

    半月 → 1 halfmonth, 半年 → 6 months, 季 → 3 months, 旬 → 10 days, 1.5个月 → 3 halfmonths, 48小时 → 2 days;
    hours round up to whole days (3小时 → 1 day: the bot counts days).
    """
    v = n * mult
    if v <= 0:
        raise _NotUnderstood("时长必须大于0")
    if unit is TimeUnit.DAY and mult < 1:
        return Span(max(1, ceil(v)), TimeUnit.DAY)
    if unit is TimeUnit.YEAR and v.denominator != 1:
        unit, v = TimeUnit.MONTH, v * 12
    if unit is TimeUnit.MONTH and v.denominator != 1:
        unit, v = TimeUnit.HALFMONTH, v * 2
    if v.denominator != 1:
        # Also every part-week: written numbers have halves, tenths…, never sevenths (1.5周 is 10.5 days).
        raise _NotUnderstood("时长不是整天数")
    return Span(int(v), unit)


def _slots(s: str, toks: list[_Tok], lo: int, hi: int) -> int:
    """How many calendar days a period names in toks[lo:hi]: 每年6月、12月 → 2, 每月5日前 → 1, none → 0."""
    count, prev = 0, None
    for t in toks[lo:hi]:
        if t.kind == "D" and t.value == _SLOT:
            if prev is None or s[prev.end : t.start] in _LIST_MARKS:
                count += 1
            prev = t
    return count


def _read_part(raw: str, found: _Found) -> None:
    """Read one part into `found`; raise _NotUnderstood if it says something about time we cannot place."""
    s = normalize(raw)
    if not s:
        return
    toks = _tokenize(s)
    kinds = [t.kind for t in toks]
    has = set(kinds)
    if "Z" in has:
        raise _NotUnderstood("次数不明确，请写出具体数字")
    check_part = "K" in has and not ({"V", "R"} & has)
    if check_part:
        found.check_only = True
    if ("W" in has or _LINK_CLAUSE.search(s)) and not check_part:
        found.external = True
    if "O" in has or _EVENT_CLAUSE.search(s):
        found.on_change = True
    # "…，其中原创不少于1条": a share of the quota before it; the bot counts items, not their origin.
    share = s.startswith("其中")

    spans = [i for i, t in enumerate(toks) if t.kind == "U" or (t.kind == "Y" and i and kinds[i - 1] == "E")]
    if "H" in has:
        return  # "公示期7天": how long a notice stays up
    if not spans:
        _read_without_period(s, toks, share, found)
        return
    if check_part:
        return  # the period is how often to look ("每日检查"), not how often to update
    quotas = [] if share else found.quotas

    # A span's number sits right before its unit, at most with the measure word 个 between ("两个星期").
    starts = [
        i - 1 if i and kinds[i - 1] == "N" and s[toks[i - 1].end : toks[i].start] in ("", "个") else i
        for i in spans
    ]
    consumed = 0  # tokens already read as the count of an earlier span
    for k, (u, start) in enumerate(zip(spans, starts, strict=True)):
        tok = toks[u]
        number = toks[start].value if start != u else Fraction(1)
        unit, mult = tok.value if tok.kind == "U" else (TimeUnit.WEEK, Fraction(1))
        span = _to_span(number, unit, mult)
        before = kinds[max(spans[k - 1] + 1 if k else 0, consumed) : start]
        after_end = starts[k + 1] if k + 1 < len(spans) else len(toks)
        after = kinds[u + 1 : after_end]
        per = start > 0 and kinds[start - 1] == "E"
        within = bool(after) and after[0] == "L"
        rolling = "S" in has or (within and not per)
        count, _at_least, used = _count_after(toks, u + 1, after_end)
        consumed = max(consumed, used)
        if count is None and per and start >= 3 and kinds[start - 3 : start] == ["N", "C", "E"]:
            # The count written first: "6次/年", "2条每周".
            count = toks[start - 3].value
        # 每周一、三、五 / 每年6月、12月 / 每月10日、20日: several named days in each period.
        slots = (tok.value or 1) if tok.kind == "Y" else _slots(s, toks, u + 1, after_end)
        if per and slots > 1:
            each = count if count is not None and "各" in s[tok.end :] else Fraction(1)
            quotas.append(Quota(int(max(count or 0, slots * each)), span))
            continue
        if count is not None:
            if count.denominator != 1 or count < 1:
                raise _NotUnderstood("次数必须是正整数")
            if count > 1:
                quotas.append(Quota(int(count), span, rolling=rolling))
            else:
                # "At least once per N" in every spelling (每年至少一次, 至少每年一次, 每月至少更新一次,
                # 一年一次) is one duty: at most N between two updates, the same as "N内更新". Offices
                # mean "do not let it go a year without an update", not "once in each calendar year"
                # (which would allow January of one year and December of the next).
                found.max_gaps.append(span)
            continue
        if "G" in after and "V" not in after[after.index("G") :]:
            raise _NotUnderstood()  # "每周不少于": the count is missing
        extension = bool({"M", "X"} & set(before))
        # Hours and working days are how deadlines are written: "24小时内", "5个工作日内更新" run from an
        # event unless the text says they are the gap itself (每…, 至少…, 间隔/周期…).
        deadline_unit = unit is TimeUnit.WORKDAY or (unit is TimeUnit.DAY and mult < 1)
        gap_words = per or "G" in before or "I" in has
        # A reply verb after 每+period ("每年3月31日前公开") still names a period, not an event.
        deadline = "A" in before or ("R" in after and not per) or (deadline_unit and not gap_words)
        if extension and found.events and (deadline or "V" not in after):
            found.alts.append(span)  # 延期不超过… / 最迟不超过…: the second deadline
        elif deadline:
            found.events.append(span)
        elif per or within or "V" in after or {"G", "M"} & set(before):
            found.max_gaps.append(span)
        elif start != u and toks[start].start == 0 and tok.end == len(s):
            found.max_gaps.append(span)  # the part is just a length: "半月", "2周" (but not a bare "周")
        else:
            raise _NotUnderstood()


def _read_without_period(s: str, toks: list[_Tok], share: bool, found: _Found) -> None:
    """A part that names no length of time: a next-period date, fixed content, an anchor or nothing."""
    kinds = [t.kind for t in toks]
    has = set(kinds)
    nxt = next((t.value for t in toks if t.kind == "D" and isinstance(t.value, tuple)), None)
    if nxt is not None and {"V", "R"} & has and _slots(s, toks, 0, len(toks)):
        # "次月10日前发布上月数据": every period, by a day of the next one.
        found.max_gaps.append(_to_span(Fraction(1), *nxt))
    elif "F" in has:
        found.fixed = True
    elif share:
        return  # "其中原创不少于1条": its count belongs to the period of the part before
    elif "A" in has and {"V", "R"} & has and not {"G", "M", "P", "N"} & has:
        found.anchored = True  # "项目完成后公开": when it happens; on_change unless a deadline follows
    elif {"G", "M", "P"} & has or "NC" in "".join(kinds):
        raise _NotUnderstood()  # a bound or a count with no period ("不少于次", "6次"): a rule cut short


def _count_after(toks: list[_Tok], lo: int, hi: int) -> tuple[Fraction | None, bool, int]:
    """The count that follows a period ("每周不少于2条", "每年一次", "每月更新4条以上"):
    (count, at_least, index of the first token after the count)."""
    at_least = False
    for i in range(lo, hi):
        t = toks[i]
        if t.kind == "G":
            at_least = True
        elif t.kind == "N":
            nxt = toks[i + 1].kind if i + 1 < len(toks) else ""
            if nxt == "C" or (at_least and nxt != "U"):
                after = toks[i + 2].kind if nxt == "C" and i + 2 < len(toks) else nxt
                return t.value, at_least or after == "P", i + (2 if nxt == "C" else 1)
            return None, at_least, lo
        elif t.kind in ("A", "R", "M", "X"):
            break
    return None, at_least, lo


# ---------------------------------------------------------------------------------------------------------
# Public API


_APPROX_DAYS = {
    TimeUnit.DAY: 1.0,
    TimeUnit.WORKDAY: 1.4,
    TimeUnit.WEEK: 7.0,
    TimeUnit.HALFMONTH: 15.0,
    TimeUnit.MONTH: 30.44,
    TimeUnit.YEAR: 365.25,
}


def span_days(span: Span) -> float:
    """Rough length in calendar days, only for comparing spans written in different units."""
    return span.n * _APPROX_DAYS[span.unit]


@lru_cache(maxsize=8192)
def parse_rule(text: str) -> Rule:
    """Understand one rule text. Never guesses: what is not understood comes back with ok=False and a reason.

    Cached: an imported list repeats the same few texts thousands of times.
    """
    if not text or not text.strip():
        return Rule(text=text, ok=False, reason="更新要求为空")
    found = _Found()
    for part in _SPLIT.split(text):
        try:
            _read_part(part, found)
        except _NotUnderstood as e:
            return _fail(text, part, f"{e.detail}；{_HINT}" if e.detail else _HINT)
    if not found.any():
        plain = normalize(text)
        vague = _VAGUE.search(plain)
        detail = f"“{vague.group()}”没有写明多长时间内更新；内容固定的请写“无需更新”；" if vague else ""
        if _SAME_AS.match(plain):
            detail = "“同上”请改为写出具体要求；"
        return _fail(text, text, detail + _HINT)
    found.max_gaps = [_daily_span(text, g) for g in found.max_gaps]
    if len(set(found.quotas)) > 1:
        return _fail(text, text, "同时写了几个数量要求，请只保留一个")
    deadlines = found.events[:1] + found.alts[:1] if found.alts else found.events
    if len(found.events) + len(found.alts) > 2:
        return _fail(text, text, "期限超过两个，请只保留办理期限和延期期限")
    return Rule(
        text=text,
        ok=True,
        # Two gaps ("2周内更新，至少每年一次") both hold; the shorter one is the one that bites.
        max_gap=min(found.max_gaps, key=span_days) if found.max_gaps else None,
        quota=found.quotas[0] if found.quotas else None,
        after_event=deadlines[0] if deadlines else None,
        after_event_alt=deadlines[1] if len(deadlines) > 1 else None,
        on_change=found.on_change
        or (found.anchored and not (found.events or found.alts or found.max_gaps or found.quotas)),
        # Fixed content is "no duty" only when nothing else in the rule is one ("内容固定，有变化时及时更新").
        check_only=found.check_only or (found.fixed and not found.duty()),
        external=found.external,
        reply=_reply_kind(text, found),
        per_unit=bool((found.quotas or found.max_gaps) and _PER_UNIT.search(normalize(text))),
    )


# "各乡镇每周不少于2条", "各成员单位每周至少一条", "每个部门每月…": the duty holds for each contributing unit.
_PER_UNIT = re.compile(
    r"(?:各|每个|每一个|每家)[\u4e00-\u9fff]{0,4}?"
    r"(?:单位|部门|乡镇|镇|乡|街道|办事处|委办局|局|科室|县区|区县|县市|市县)"
)


# "节假日也要更新", "每日（含节假日）", "周末照常更新", "每个自然日": calendar days, not working days.
_ALL_DAYS = re.compile(
    r"(?:含|包括|包含|包含在内|不论|无论)[^,;]{0,3}(?:节假日|假日|节日|周末|双休日|休息日)"
    r"|(?:节假日|假日|节日|周末|双休日|休息日)[^,;]{0,4}(?:也|均|都|照常|正常|不间断|不停)"
    r"|自然日|日历日|全年无休|365天"
)
_DAILY = re.compile(r"每天|每日|日更|日均|天天|逐日|每一天")


def _daily_span(text: str, span: Span) -> Span:
    """每天/每日 on a news column means every working day unless the text includes holidays."""
    if span != Span(1, TimeUnit.DAY) or not _DAILY.search(text) or _ALL_DAYS.search(normalize(text)):
        return span
    return Span(1, TimeUnit.WORKDAY)


# Answering requests people send in: letters (信箱, 留言, 咨询, 投诉) and applications (依申请公开).
# "办结件" is a finished letter being published (选登), not an answer owed.
_REPLY_VERB = re.compile(r"受理|回复|答复|答疑|办结(?!件)|反馈|办理")
_REQUEST = re.compile(r"来信|信件|来件|来函|信箱|留言|咨询|投诉|诉求|申请|来电|提问")
_APPLICATION = re.compile(r"依申请|申请公开|公开申请")


def _reply_kind(text: str, found: _Found) -> str | None:
    plain = normalize(text)
    if not _REPLY_VERB.search(plain) or found.max_gaps or found.quotas:
        return None
    if not found.events and not ((found.on_change or found.anchored) and _REQUEST.search(plain)):
        return None
    return "application" if _APPLICATION.search(plain) else "letter"


def _fail(text: str, unread: str, why: str) -> Rule:
    """Not understood: the reason names the text (or the part of it) that was not read, and why."""
    return Rule(text=text, ok=False, reason=f"无法识别更新要求：{unread.strip()}（{why}）")


def span_to_dict(span: Span | None) -> dict[str, Any] | None:
    return None if span is None else {"n": span.n, "unit": span.unit.value}


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """The JSON contract: text, ok, max_gap, quota, after_event, after_event_alt, on_change, check_only,
    external, reason, per_unit (held by each contributing unit).
    Spans are {"n", "unit"}; a quota is {"count", "per", "rolling"}."""
    quota = rule.quota
    return {
        "text": rule.text,
        "ok": rule.ok,
        "max_gap": span_to_dict(rule.max_gap),
        "quota": None
        if quota is None
        else {"count": quota.count, "per": span_to_dict(quota.per), "rolling": quota.rolling},
        "after_event": span_to_dict(rule.after_event),
        "after_event_alt": span_to_dict(rule.after_event_alt),
        "on_change": rule.on_change,
        "check_only": rule.check_only,
        "external": rule.external,
        "reason": rule.reason,
        "per_unit": rule.per_unit,
    }


_UNIT_WORDS = {
    TimeUnit.DAY: "天",
    TimeUnit.WORKDAY: "个工作日",
    TimeUnit.WEEK: "周",
    TimeUnit.HALFMONTH: "个半月",
    TimeUnit.MONTH: "个月",
    TimeUnit.YEAR: "年",
}
_PER_ONE = {
    TimeUnit.DAY: "每天",
    TimeUnit.WORKDAY: "每个工作日",
    TimeUnit.WEEK: "每周",
    TimeUnit.HALFMONTH: "每半月",
    TimeUnit.MONTH: "每月",
    TimeUnit.YEAR: "每年",
}


def _length(span: Span) -> str:
    if span.unit is TimeUnit.HALFMONTH:
        # "3个半月" would read as three and a half months.
        return "半个月" if span.n == 1 else f"{span.n // 2}个月" if span.n % 2 == 0 else f"{15 * span.n}天"
    if span.unit is TimeUnit.MONTH and span.n == 3:
        return "季度"
    if span.unit is TimeUnit.MONTH and span.n == 6:
        return "半年"
    return f"{span.n}{_UNIT_WORDS[span.unit]}"


def _per(span: Span) -> str:
    if span.n == 1:
        return _PER_ONE[span.unit]
    return f"每{_length(span)}"


def describe_rule(rule: Rule, policy: Policy | None = None) -> str:
    """One Chinese sentence saying what the rule asks and how Zhiri counts it, e.g.
    "每2周内至少更新一次（按间隔计：距上次更新不超过2周，与“2周内更新”同义）。"."""
    if not rule.ok:
        return rule.reason or "无法识别更新要求"
    policy = policy or Policy()
    bits: list[str] = []
    if rule.per_unit:
        bits.append("按每个责任单位分别计算（单位组按成员单位算，各单位登记的更新只算本单位）：")
    if rule.on_change and rule.reply is None:
        bits.append("有新信息或情况变化时及时更新")
    if rule.max_gap is not None:
        gap = rule.max_gap
        lead = "且" if rule.on_change else ""
        inner = "" if gap.n == 1 else "内"
        if gap == Span(1, TimeUnit.WORKDAY):
            how = (
                "按工作日计，周末和法定节假日不计，调休上班日要计；"
                "如节假日也要更新，请在要求中写明“节假日也要更新”"
            )
        else:
            length = "一个季度" if _length(gap) == "季度" else _length(gap)
            how = f"按间隔计：距上次更新不超过{length}即可，与“{length}内更新”同义"
        bits.append(f"{lead}{_per(gap)}{inner}至少更新一次（{how}）")
    if rule.quota is not None:
        q = rule.quota
        if q.rolling:
            bits.append(f"任意连续{_length(q.per)}内不少于{q.count}次（条）")
        else:
            bits.append(
                f"{_per(q.per)}不少于{q.count}次（条）（按自然周期计：周期结束仍不足即逾期，逾期天数从周期结束次日"
                "算起，再有更新即解除；列入清单的当期按剩余天数折算）"
            )
    reply = rule.after_event
    if rule.reply is not None:
        what = "每件依申请公开申请" if rule.reply == "application" else "每件来信（留言、咨询）"
        if reply is None:
            reply = policy.application_reply if rule.reply == "application" else policy.letter_reply
            basis = "法定期限" if rule.reply == "application" else "本地规定期限"
            when = (
                f"自收到之日起{_length(reply)}内办结答复"
                f"（要求未写期限，按{basis}{_length(reply)}，可在设置中修改）"
            )
        else:
            when = f"自收到之日起{_length(reply)}内办结答复"
            if rule.after_event_alt is not None:
                when += f"（另一期限：{_length(rule.after_event_alt)}内）"
        bits.append(
            f"{what}{when}；按收到的每一件计期限，不是页面更新；"
            f"超过{policy.lines.letter_veto_months}个月未办结为单项否决项，超过{policy.lines.letter_warn_months}个月即督办"
        )
    elif reply is not None:
        text = f"事项发生或收到后{_length(reply)}内办结或公开"
        if rule.after_event_alt is not None:
            text += f"（另一期限：{_length(rule.after_event_alt)}内）"
        bits.append(text)
    if rule.check_only:
        bits.append("定期检查栏目或链接能否正常使用")
    if rule.external:
        bits.append("外部链接，内容由对方网站维护")
    if not (rule.max_gap or rule.quota or rule.after_event or rule.on_change):
        bits.append("无内容更新要求")
    if rule.per_unit:
        return bits[0] + "，".join(bits[1:]) + "。"
    return "，".join(bits) + "。"
