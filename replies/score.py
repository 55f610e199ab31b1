"""The answers to /score (would the site pass an inspection today) and /category (the administrator's
correction of how inspectors count a column), in words."""

from __future__ import annotations

from acts.category import CategorySet, CategoryUsage
from domain.inspection import CATEGORY_NAMES, render_score
from replies.format import problem
from storage.people import Ambiguous, ItemUnknown
from storage.queries import NotAdmin, Stranger
from storage.score import SiteScore, category_names


def score_reply(result: list[SiteScore] | Stranger) -> str:
    if isinstance(result, Stranger):
        return problem(result)
    if not result:
        return "还没有导入任何网站的栏目清单。"
    return "\n\n".join(render_score(s.site, s.score, s.views, s.scope) for s in result)


def category_reply(result: object) -> str:
    if isinstance(result, CategorySet):
        name = CATEGORY_NAMES[result.category]
        how = "已恢复按路径自动判断" if result.automatic else "已更正"
        return f"{result.item.path}：{how}，检查类别为“{name}”（原为“{CATEGORY_NAMES[result.before]}”）。"
    if isinstance(result, Ambiguous):
        paths = "\n".join(f"· {h.path}" for h in result.candidates)
        return f"有多个栏目符合，请写出完整路径，例如 /category 首页/部门动态 首页：\n{paths}"
    if isinstance(result, ItemUnknown):
        near = f"相近的有：{'、'.join(result.suggestions)}" if result.suggestions else "请检查栏目名称。"
        return f"没有找到栏目“{result.text}”。{near}"
    if not isinstance(result, CategoryUsage):
        return problem(result)
    return (
        "用法：/category 栏目 类别，例如 /category 首页/部门动态 首页\n"
        f"类别可以是：{category_names()}；写“自动”则按栏目路径重新判断。"
    )


def bulletin_reply(result: object) -> str:
    """/bulletin's answer when it sends no document: who may ask, how to name a quarter, no site yet."""
    if isinstance(result, NotAdmin):
        return problem(result)
    if isinstance(result, list):
        return "还没有导入任何网站的栏目清单。"
    return f"{result}\n用法：/bulletin 2026Q4（不写季度则为本季度至今）"
