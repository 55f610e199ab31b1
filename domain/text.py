"""Dates written the Chinese way, and Telegram's size limits: shared by every message the bot writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from domain.model import ItemKind, ReadStatus, State, Status, UnitStatus

WEEKDAYS = "一二三四五六日"  # Monday first, like date.weekday(): 周一 … 周日, 星期一 … 星期日
TELEGRAM_LIMIT = 4096  # characters in one message


@lru_cache(maxsize=4096)  # a province's lists write the same few dozen days 200,000 times a plan
def md(d: date, today: date | None = None) -> str:
    """ "10月8日"; with the year ("2027年1月4日") when `today` is given and falls in another year."""
    if today is not None and d.year != today.year:
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.month}月{d.day}日"


def ymd(d: date) -> str:
    """ "2026年10月8日（星期四）": the date a message is about, in its header."""
    return f"{d.year}年{d.month}月{d.day}日（星期{WEEKDAYS[d.weekday()]}）"


# The words people read for the states of the domain, in chat, in spreadsheets and on the command line.
STATE_LABELS: dict[str, str] = {
    State.OVERDUE: "已逾期",
    State.DUE_TODAY: "今天到期",
    State.DUE_SOON: "即将到期",
    State.NEEDS_RULE: "待补充规则",
    State.FRESH: "正常",
    State.NOT_APPLICABLE: "无需更新",
}
UNKNOWN_LAST = "最近更新日期未知"


def state_words(state: str, days_late: int = 0, unknown: bool = False) -> str:
    """What people read for an item's state: "已逾期3天" (calendar days after the last allowed day, the same
    number in every view), "即将到期"…, with "（最近更新日期未知）" while no update is known."""
    text = f"已逾期{days_late}天" if state == State.OVERDUE else STATE_LABELS.get(state, state)
    return f"{text}（{UNKNOWN_LAST}）" if unknown and state != State.NOT_APPLICABLE else text


READ_LABELS: dict[str, str] = {  # what the website reader saw on a column's list page
    ReadStatus.OK: "正常",
    ReadStatus.EMPTY: "空白栏目（无内容）",
    ReadStatus.BROKEN: "无法访问",
    ReadStatus.UNKNOWN: "无法判断更新日期",
}
KIND_LABELS: dict[str, str] = {ItemKind.COLUMN: "栏目", ItemKind.ACCOUNT: "新媒体账号"}


def share_words(share: UnitStatus) -> str:
    """One contributing unit's own share of a per-unit duty: 市教育局逾期16天, 大河镇还差1条."""
    if share.state is State.OVERDUE:
        return f"{share.name}逾期{share.days_late}天" + (f"，差{share.missing}条" if share.missing else "")
    if share.missing:
        return f"{share.name}还差{share.missing}条"
    if share.due is not None and share.state in (State.DUE_TODAY, State.DUE_SOON):
        return f"{share.name}{md(share.due)}到期"
    return f"{share.name}{STATE_LABELS.get(share.state.value, '')}"


def owing(status: Status) -> tuple[UnitStatus, ...]:
    """A per-unit judgement's shares worth naming: its one unit (a view for one unit), or the units that
    still owe their share."""
    if len(status.units) == 1:
        return status.units
    return tuple(u for u in status.units if u.state not in (State.FRESH, State.NOT_APPLICABLE))


def whose(shares: Sequence[UnitStatus]) -> str:
    """After an item's name, under a per-unit duty: "（市教育局）" when the line is one unit's own share,
    "（市教育局逾期2天；大河镇还差1条）" when it stands for several units that owe theirs; else ""."""
    if len(shares) == 1:
        return f"（{shares[0].name}）"
    return f"（{'；'.join(share_words(s) for s in shares)}）" if shares else ""
