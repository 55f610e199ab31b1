"""Dates written the Chinese way, and Telegram's size limits: shared by every message the bot writes."""

from __future__ import annotations

from datetime import date

WEEKDAYS = "一二三四五六日"  # Monday first, like date.weekday(): 周一 … 周日, 星期一 … 星期日
TELEGRAM_LIMIT = 4096  # characters in one message


def md(d: date, today: date | None = None) -> str:
    """ "10月8日"; with the year ("2027年1月4日") when `today` is given and falls in another year."""
    if today is not None and d.year != today.year:
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.month}月{d.day}日"


def ymd(d: date) -> str:
    """ "2026年10月8日（星期四）": the date a message is about, in its header."""
    return f"{d.year}年{d.month}月{d.day}日（星期{WEEKDAYS[d.weekday()]}）"


# The words people read for the states of the domain, in chat, in spreadsheets and on the command line.
STATE_LABELS = {
    "overdue": "已逾期",
    "due_today": "今天到期",
    "due_soon": "即将到期",
    "needs_rule": "待补充规则",
    "fresh": "正常",
    "not_applicable": "无需更新",
}
UNKNOWN_LAST = "最近更新日期未知"


def state_words(state: str, days_late: int = 0, unknown: bool = False) -> str:
    """What people read for an item's state: "已逾期3天" (calendar days after the last allowed day, the same
    number in every view), "即将到期"…, with "（最近更新日期未知）" while no update is known."""
    text = f"已逾期{days_late}天" if state == "overdue" else STATE_LABELS.get(state, state)
    return f"{text}（{UNKNOWN_LAST}）" if unknown and state != "not_applicable" else text


READ_LABELS = {  # what the website reader saw on a column's list page
    "ok": "正常",
    "empty": "空白栏目（无内容）",
    "broken": "无法访问",
    "unknown": "无法判断更新日期",
}
KIND_LABELS = {"column": "栏目", "account": "新媒体账号"}
