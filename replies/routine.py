"""The answers to the routine's actions, in words: 已巡查, the half-month checklist's 正常 / 有问题 and
其余全部正常, the problems and fix notes replied to it, and the administrator's holiday list. Any platform's
entrance (Telegram's buttons and replies in `handlers/routine.py` today) says these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from acts.routine import NotEntitled, ProblemsRecorded, YearLoaded
from domain.text import md

# What a refused person was trying to do (`refusal`).
ACT_READ, ACT_CHECK, ACT_FIX = "登记日查", "填写半月查结果", "填写整改情况"
STALE_ACTION = "这个按钮已失效。"
NOT_BOUND = "本群还没有绑定单位，请管理员先在群里发送 /bindchat 单位名称。"
ITEM_GONE = "该栏目已不在清单上。"
NO_CHECKLIST = "没有找到对应的检查清单。"
ALL_ANSWERED = "清单上的各项都已填报，无需再登记。"
NO_CHECKLIST_REPLIED = "没有找到对应的检查清单，请回复本期的半月查清单消息。"
NO_PROMPTED_ITEM = "没有找到对应的检查项，请在半月查清单上重新点击「有问题」。"
PROMPT_MARK = "【半月查·问题说明】"  # a reply to a message starting so is a fix note
PROMPT_PLACEHOLDER = "问题及整改情况"
HOLIDAYS_USAGE = (
    "用法：/holidays 年份，换行后每行一个日期：\n"
    "/holidays 2027\n2027-01-01 休\n2027-02-06 至 2027-02-12 休\n2027-02-14 班\n"
    "也可以写成两组：“休：日期，日期……” 和 “班：日期，日期……”。只发送 /holidays 2027 查看已录入的安排。"
)


def refusal(result: NotEntitled, act: str) -> str:
    """Why an action or reply was refused: the person, not the chat, decides (at most 200 characters)."""
    if result.stranger:
        return f"您还没有绑定任何单位，不能{act}。请联系系统管理员获取邀请。"
    what = f"「{result.item}」" if result.item else "本群的栏目"
    return f"{what}不属于您绑定的单位，您不能{act}。"[:200]


def not_todays_read(day: date) -> str:
    return f"这是{md(day)}的日查清单，请在今天的日查消息下点击「已巡查」。"


def read_already(day: date) -> str:
    return f"您今天已经登记过日查了（{md(day)}）。"


def read_recorded(name: str, day: date) -> str:
    return f"已登记：{name} 完成{md(day)}日查，谢谢！"


def read_note(name: str, local: datetime) -> str:
    """The line added under the daily read: who read it, when."""
    return f"✅ {name} {local:%H:%M} 已巡查"


def not_your_item(item: str) -> str:
    return f"「{item}」不是本群所属单位负责的栏目。"


def answer_recorded(item: str, ok: bool) -> str:
    if ok:
        return f"已记录：「{item}」检查正常。"
    return f"已记录：「{item}」有问题，请按提示回复问题和整改情况。"


def answer_note(item: str, ok: bool, name: str) -> str:
    """The line added under the checklist: the item's answer and who gave it."""
    return f"✅ {item}：正常（{name}）" if ok else f"⚠️ {item}：有问题（{name}）"


def problem_prompt(who: str, item: str) -> str:
    """Asks the person who answered 有问题 for the problem and its fix, in a reply."""
    return (
        f"{PROMPT_MARK}\n{who}，请直接回复本条消息，说明「{item}」存在的问题和整改情况"
        "（例如：首页图片链接失效，已于今天重新上传）。"
    )


def rest_recorded(ok: int, answered: int) -> str:
    problems = f"，另有{answered}项已单独填报" if answered else ""
    return f"已记录：其余{ok}项检查正常{problems}。谢谢！"


def rest_note(name: str, local: datetime, ok: int) -> str:
    return f"✅ {name} {local:%H:%M} 登记其余{ok}项正常"


def problems_recorded(result: ProblemsRecorded) -> str:
    lines = []
    if result.recorded:
        lines.append(f"已记录{len(result.recorded)}项的问题和整改情况：")
        lines.extend(f"· {p}" for p in result.recorded)
    if result.no_note:
        lines.append("以下栏目没有写问题，请在栏目名称后写明问题和整改情况：")
        lines.extend(f"· {p}" for p in result.no_note)
    if result.refused:
        lines.append("以下栏目不是本群所属单位负责的，未记录：")
        lines.extend(f"· {p}" for p in result.refused)
    if result.unknown:
        lines.append("以下内容没有对应到清单上的某一项（请写栏目名称，或写得更具体些，如“首页/部门动态”）：")
        lines.extend(f"· {p}" for p in result.unknown)
    if not lines:
        lines.append("请每行写一项：栏目名称 问题及整改情况。")
    elif result.recorded:
        lines.append("将汇总上报。谢谢！")
    return "\n".join(lines)


def fix_recorded(item: str, office: str) -> str:
    return f"已记录「{item}」的问题和整改情况，将汇总报送{office}。谢谢！"


def holiday_errors(errors: Sequence[str]) -> str:
    listed = "\n".join(f"· {e}" for e in errors[:20])
    return f"节假日安排没有保存，请改正以下问题后重新发送：\n{listed}"


def year_saved(year: int, loaded: YearLoaded) -> str:
    return (
        f"已保存{year}年节假日安排：放假{loaded.holidays}天，调休上班{loaded.workdays}天"
        + (f"（替换了原有的{loaded.replaced}条）" if loaded.replaced else "")
        + "。到期日和提醒已按新安排重新计算。"
    )


def year_entered(year: int, holidays: Sequence[date], workdays: Sequence[date], official: bool) -> str:
    """What the calendar holds for `year`: the administrator's list, the official data, or nothing yet."""
    if not holidays and not workdays:
        if official:
            return (
                f"{year}年使用内置的国家法定节假日数据，无需录入"
                f"（如有变化可用 /holidays {year} 加日期列表覆盖）。"
            )
        return f"{year}年还没有节假日安排，目前按周一至周五为工作日计算。\n\n{HOLIDAYS_USAGE}"
    return "\n".join(
        [
            f"{year}年已录入：放假{len(holidays)}天，调休上班{len(workdays)}天。",
            "放假：" + ("、".join(map(md, holidays)) or "无"),
            "调休上班：" + ("、".join(map(md, workdays)) or "无"),
        ]
    )
