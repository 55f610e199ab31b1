"""The answers to /retire and /unretire, in words (an administrator retires an item with a reason, or brings
it back)."""

from __future__ import annotations

from acts.retire import Retired, RetireUsage, Unretired
from replies import format as fmt
from storage.people import Ambiguous, ItemUnknown

RETIRE_USAGE = (
    "用法：/retire 栏目或账号名称 停更原因\n"
    "例如：/retire 党史学习教育 专题活动已结束\n"
    "　　　/retire 部门信息/部门动态 已并入首页部门动态\n"
    "停更后不再提醒、不再列入各类清单，历史记录保留；导出的清单中标为“已停更”。\n"
    "恢复请发送 /unretire 栏目名称。"
)
UNRETIRE_USAGE = "用法：/unretire 栏目或账号名称\n例如：/unretire 党史学习教育"


def describe(result: object) -> str:
    match result:
        case Retired(path=path, reason=reason, already=already):
            again = "（已是停更状态，停更原因已更新）" if already else ""
            return (
                f"⏸ 已停更：{path}{again}\n原因：{reason}\n"
                "该项不再提醒，也不再列入日查、半月查和逾期清单；历史记录保留。\n"
                "恢复请发送 /unretire 栏目名称。"
            )
        case Unretired(path=path, reason=reason):
            was = f"（原停更原因：{reason}）" if reason else ""
            return f"▶️ 已恢复：{path}{was}\n将按其更新要求重新计算期限并提醒。"
        case RetireUsage(retire=True):
            return RETIRE_USAGE
        case RetireUsage(retire=False):
            return UNRETIRE_USAGE
        case Ambiguous(text=text, candidates=candidates):
            names = "\n".join(f"· {c.path}" for c in candidates[: fmt.MAX_BUTTONS])
            return f"「{text}」对应多个栏目或账号，请写出完整路径，例如“首页/部门动态”：\n{names}"
        case ItemUnknown(text=text, suggestions=suggestions):
            hint = "\n您要找的是不是：\n" + "\n".join(f"· {s}" for s in suggestions) if suggestions else ""
            return f"没有找到「{text}」。{hint}"
    return fmt.problem(result)
