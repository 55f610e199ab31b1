"""The answers about people's phones and platform ids (`zhiri person …`, `/phone`), in words. Pure.

Phone numbers are shown masked (138****5678), however they were typed: an answer may be read over a shoulder
or kept in a terminal's history.
"""

from __future__ import annotations

from acts.contacts import (
    ROLE_NAMES,
    BadContact,
    ContactLine,
    ContactList,
    ContactSet,
    NameMissing,
)
from acts.roster import PersonAmbiguous, PersonUnknown
from domain.robots import ID_NAMES, Kind
from storage.queries import NotAdmin, NotYourUnit, Stranger, UnitAmbiguous, UnitUnknown

CLI_USAGE = (
    "用法：zhiri person list [单位名称]\n"
    "　　　zhiri person add 单位名称 姓名 [--leader] [--phone 手机号] "
    "[--dingtalk ID] [--wecom ID] [--feishu ID]\n"
    "　　　zhiri person set 姓名|@用户名 [--unit 单位名称] [--phone 手机号|清除] "
    "[--dingtalk ID|清除] [--wecom ID|清除] [--feishu ID|清除]\n"
    "手机号用于钉钉群机器人 @ 本人；企业微信群机器人按 userid @，飞书群机器人按 open_id @。"
)
PHONE_USAGE = (
    "用法：/phone 手机号码，例如 /phone 13812345678。\n"
    "登记后，单位的钉钉群机器人发送提醒时会 @ 您。发送 /phone 清除 可删除已登记的号码。\n"
    "号码只用于群机器人 @ 提醒，不会出现在消息正文里。请在与我的私聊中发送。"
)
PHONE_IN_GROUP = "手机号码属于个人信息，请不要在群里发送。请在与我的私聊中发送 /phone 手机号码。"


def _ids(line: ContactLine) -> str:
    parts = []
    if line.phone:
        parts.append(f"手机 {line.phone}")
    parts += [f"{ID_NAMES[k]} {v}" for k, v in line.ids]
    return "，".join(parts) if parts else "未登记手机和平台账号（机器人提醒中只写姓名，不 @）"


def contact_line(line: ContactLine) -> str:
    telegram = "，已绑定 Telegram" if line.telegram else ""
    return f"{line.name}（{line.unit} {ROLE_NAMES[line.role]}{telegram}）：{_ids(line)}"


def refused(result: object) -> str | None:
    match result:
        case NotAdmin():
            return "只有管理员可以登记人员的手机号和平台账号。"
        case Stranger():
            return "您还没有加入任何单位，请先用管理员发给您的邀请码加入（/join 邀请码）。"
        case NotYourUnit(unit=unit):
            return f"您不是「{unit}」的管理员，不能登记该单位的人员。"
        case UnitUnknown(text=text, suggestions=near):
            hint = f"（相近的单位：{'、'.join(near)}）" if near else ""
            return f"没有找到责任单位「{text}」{hint}。请写出单位全称。"
        case UnitAmbiguous(text=text, candidates=candidates):
            return f"「{text}」对应多个单位：{'、'.join(candidates)}。请写出单位全称。"
        case BadContact(reason=reason):
            return f"{reason}\n本次没有登记任何内容，请改正后重新发送。"
        case NameMissing():
            return "请写出人员姓名，例如：zhiri person add 单位名称 张三 --phone 13812345678"
        case PersonUnknown(text=text, unit=unit):
            where = f"「{unit}」的" if unit else "您管理的单位中"
            return (
                f"{where}网站维护员和分管领导中没有「{text}」。请核对姓名，"
                "或先用 zhiri person add 单位名称 姓名 添加（zhiri person list 可查看已有人员）。"
            )
        case PersonAmbiguous(text=text, candidates=candidates):
            return f"「{text}」对应多人：{'；'.join(candidates)}。请用 --unit 单位名称 指明是哪个单位的。"
    return None


def recorded(result: object) -> str:
    if (text := refused(result)) is not None:
        return text
    assert isinstance(result, ContactSet)
    line = contact_line(result.line)
    if result.created:
        return f"✅ 已添加：{line}"
    if not result.changed:
        return f"没有变化：{line}"
    return f"✅ 已登记：{line}"


def own_phone(result: object) -> str:
    if (text := refused(result)) is not None:
        return text
    assert isinstance(result, ContactSet)
    if result.line.phone is None:
        return "已删除您登记的手机号码。钉钉群机器人的提醒中将只写您的姓名，不再 @ 您。"
    return (
        f"✅ 已登记您的手机号码 {result.line.phone}。单位的钉钉群机器人发送提醒时会 @ 您；"
        "号码不会出现在消息正文里。发送 /phone 清除 可删除。"
    )


def listed(result: object) -> str:
    if (text := refused(result)) is not None:
        return text
    assert isinstance(result, ContactList)
    where = f"「{result.unit}」" if result.unit else ""
    if not result.lines:
        return f"{where}还没有登记网站维护员或分管领导。用 zhiri person add 单位名称 姓名 添加。"
    lines = [f"{where}人员及群机器人 @ 所用的手机号和平台账号（共{len(result.lines)}人）："]
    lines += [f"· {contact_line(line)}" for line in result.lines]
    bare = sum(1 for line in result.lines if line.nothing)
    if bare:
        lines.append(
            f"其中{bare}人未登记：群机器人的提醒中只写姓名，不会 @ 到本人。"
            f"登记：zhiri person set 姓名 --phone 手机号（钉钉）/ --wecom userid / --feishu open_id。"
        )
    return "\n".join(lines)


KIND_FLAGS = {Kind.DINGTALK: "dingtalk", Kind.WECOM: "wecom", Kind.FEISHU: "feishu"}
