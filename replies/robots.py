"""The answers about group robots (`zhiri channel …` and `/robot …`), in words. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from acts.channels import (
    BadRobot,
    NoRobots,
    RobotBound,
    RobotLine,
    RobotList,
    RobotsRemoved,
    RobotsToTest,
    kind_name,
)
from channels.transport import TransportError
from domain.robots import NAMES, masked
from domain.wording import undelivered_lines
from replies import format as fmt

CLI_USAGE = (
    "用法：zhiri channel add 单位名称|全部 Webhook地址 [--secret 密钥] [--kind dingtalk|wecom|feishu]\n"
    "　　　zhiri channel list\n"
    "　　　zhiri channel test 单位名称|全部\n"
    "　　　zhiri channel remove 单位名称|全部 [Webhook地址]\n"
    "　　　zhiri channel newkey（生成 CHANNEL_KEY）\n"
    "　　　zhiri channel rekey（轮换密钥：用 CHANNEL_KEY 的第一个密钥重新加密）"
)
NEW_KEY = (
    "以上是新的群机器人密钥。首次设置：写入 .env 的 CHANNEL_KEY=…；轮换：写成 CHANNEL_KEY=新密钥,旧密钥，"
    "运行 zhiri channel rekey 后再去掉旧密钥。请妥善保管：丢失后需重新绑定全部群机器人。\n"
    "This is a new robots' key. First time: CHANNEL_KEY=… in .env; to rotate: CHANNEL_KEY=new,old, run "
    "zhiri channel rekey, then drop the old one. Keep it safe: without it every robot must be bound again."
)


def rekeyed(count: int) -> str:
    return (
        f"已用 CHANNEL_KEY 的第一个密钥重新加密{count}条群机器人绑定；现在可以从 CHANNEL_KEY 中去掉旧密钥。\n"
        f"Re-encrypted {count} robot bindings with the first key of CHANNEL_KEY; the old key may be dropped "
        "now."
    )


CHAT_USAGE = (
    "用法（请在与我的私聊中发送）：\n"
    "/robot add 单位名称|全部 Webhook地址 [密钥] [dingtalk|wecom|feishu]\n"
    "/robot list\n"
    "/robot test 单位名称|全部\n"
    "/robot remove 单位名称|全部 [Webhook地址]\n"
    "钉钉、飞书机器人请开启“加签”/“签名校验”，并附上密钥；企业微信群机器人无需密钥。"
)
IN_GROUP = (
    "⚠️ 请不要在群里发送机器人地址和密钥：群里的任何人都能用它们往群里发消息。\n"
    "本次没有绑定。请立即删除上面那条消息，最好在机器人设置中重置地址或密钥，"
    "然后在与我的私聊中发送 /robot add 完成绑定。"
)
IN_GROUP_OTHER = "请在与我的私聊中管理群机器人：发送 /robot list 查看，/robot 查看用法。"


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def bound(result: object) -> str:
    match result:
        case RobotBound(created=False, secret_changed=False, reactivated=False) as r:
            return f"「{r.where}」已绑定这个{kind_name(r.kind)}群机器人（{r.webhook}），无需重复绑定。"
        case RobotBound() as r:
            lines = [f"✅ 已把{kind_name(r.kind)}群机器人（{r.webhook}）绑定到「{r.where}」。"]
            if r.secret_changed:
                lines.append("该机器人的密钥（或类型）已更新。")
            if r.reactivated:
                lines.append("该群此前已停用，现已恢复发送。")
            lines.append(
                f"建议发送测试消息确认：zhiri channel test {r.where}（私聊中：/robot test {r.where}）"
            )
            return "\n".join(lines)
        case BadRobot(reason=reason):
            return f"没有绑定：{reason}"
    return fmt.problem(result)


def listed(result: object, tz: ZoneInfo) -> str:
    if not isinstance(result, RobotList):
        return fmt.problem(result)
    if not result.lines:
        return "还没有绑定任何群机器人。绑定：zhiri channel add 单位名称 Webhook地址 [--secret 密钥]"
    return "\n".join(line_of(line, tz) for line in result.lines)


def line_of(line: RobotLine, tz: ZoneInfo) -> str:
    by = f"（{line.bound_by}）" if line.bound_by else "（命令行）"
    state = "正常"
    if line.removed_at is not None:
        who = f"，{line.removed_by}" if line.removed_by else ""
        state = f"已解除 {_when(line.removed_at, tz)}{who}"
    elif not line.active:
        state = f"已停用：{line.why_not or '原因不明'}"
    return (
        f"{line.where}\t{kind_name(line.kind)}\t{line.webhook}\t{_when(line.bound_at, tz)} 绑定{by}\t{state}"
    )


def explained(error: TransportError) -> str:
    """A platform's refusal in words an administrator can act on."""
    text = str(error)
    if "签名" in text or "sign" in text.lower():
        return f"签名不匹配：请检查 --secret（{text}）"
    if error.retry_after is not None:
        return f"发送过快，平台要求稍后再试（{text}）"
    if error.outage:
        return f"暂时连不上平台，请稍后再试（{text}）"
    return text


def tested(found: RobotsToTest, errors: Sequence[TransportError | None]) -> str:
    """Each robot tried, with its answer (None: it accepted the test message)."""
    lines = [f"「{found.where}」的群机器人测试："]
    for robot, error in zip(found.robots, errors, strict=True):
        verdict = "✅ 已发送，请到群里查看" if error is None else f"❌ {explained(error)}"
        lines.append(f"{NAMES[robot.kind]} {masked(robot.url)}：{verdict}")
    return "\n".join(lines)


def test_text(where: str) -> str:
    """The test message itself, as the group reads it."""
    return f"【值日提醒·测试】这是一条测试消息：本群已接收「{where}」的网站栏目更新提醒。无需回复。"


def removed(result: object) -> str:
    match result:
        case RobotsRemoved() as r:
            lines = [f"已解除「{r.where}」的群机器人：{'、'.join(r.webhooks)}。历史记录保留。"]
            if r.closed:
                lines.append(f"{r.closed} 个群不再接收任何提醒。")
            lines.extend(undelivered_lines(r.withdrawn.readdressed, r.withdrawn.kinds))
            return "\n".join(lines)
        case NoRobots(where=where, webhook=None):
            return f"「{where}」没有绑定群机器人。发送 zhiri channel list 查看全部绑定。"
        case NoRobots(where=where, webhook=webhook):
            return f"「{where}」没有绑定这个机器人（{webhook}）。发送 zhiri channel list 查看全部绑定。"
    return fmt.problem(result)
