"""/check ITEM: read a column's list page now and say what the website shows, with the recent readings."""

from __future__ import annotations

from telegram import Update

from handlers import context as ctx
from handlers import format as fmt
from handlers.context import Context
from handlers.respond import send
from storage.items import Judge
from storage.people import Ambiguous, ItemUnknown, NotYours
from storage.reads import Checked, CheckTarget, CheckUsage, NoUrl, check_target, record_check
from webread.fetch import Reader

STATUS_LABELS = {
    "ok": "正常",
    "empty": "空白栏目（无内容）",
    "broken": "无法访问",
    "unknown": "无法判断更新日期",
}
CHECK_USAGE = (
    "请在 /check 后面写栏目名称，例如：/check 部门动态\n"
    "我会立即读取该栏目页面，告诉您网站上最新一条信息的日期。"
)


async def check(update: Update, context: Context) -> None:
    """/check 栏目: read the page now (not only at the daily reading) and keep what was seen."""
    target = await ctx.store(
        context, check_target, ctx.sender(update), ctx.admin_ids(context), ctx.args(context)
    )
    if not isinstance(target, CheckTarget):
        await send(update, context, refusal(target))
        return
    judge = ctx.judge(context)
    today = judge.today(ctx.now(context))
    async with Reader() as reader:
        reading = await reader.read(target.url, today=today)
    result = await ctx.store(
        context,
        record_check,
        judge,
        target,
        status=reading.status,
        newest=reading.newest,
        items=reading.items,
        reason=reading.reason,
    )
    await send(update, context, fmt.Reply(checked(result, judge)))


def refusal(result: object) -> fmt.Reply:
    match result:
        case CheckUsage():
            return fmt.Reply(CHECK_USAGE)
        case NoUrl(path=path):
            return fmt.Reply(
                f"「{path}」没有登记栏目网址，无法读取。请管理员在责任清单中补充网址后重新导入。"
            )
        case Ambiguous(text=text, candidates=candidates):
            names = fmt.bullets([c.path for c in candidates[: fmt.MAX_BUTTONS]])
            return fmt.Reply(f"「{text}」对应多个栏目，请写得更具体些，例如 /check 首页/部门动态：\n{names}")
        case ItemUnknown() | NotYours():
            return fmt.Reply(fmt.not_found(result))  # the same answers as /done gives
    return fmt.Reply(fmt.problem(result))


def checked(result: Checked, judge: Judge) -> str:
    tz = judge.tz
    lines = [f"已读取「{result.path}」：{STATUS_LABELS.get(result.status, result.status)}"]
    if result.newest is not None:
        lines.append(f"网站上最新一条信息：{fmt.day(result.newest)}")
    if result.status in ("broken", "unknown", "empty") and result.reason:
        lines.append(f"说明：{result.reason}")
    if result.logged:
        lines.append("已据此登记为网站更新，无需再发送 /done。")
    lines.append(f"当前状态：{fmt.state(result.state)}；下次更新期限：{fmt.day(result.due_on)}")
    if len(result.history) > 1:
        lines.append("最近几次读取：")
        for at, status, newest, _reason in result.history:
            seen = f"，最新 {fmt.day(newest)}" if newest else ""
            lines.append(f"· {fmt.clock(at, tz)} {STATUS_LABELS.get(status, status)}{seen}")
    return "\n".join(lines)
