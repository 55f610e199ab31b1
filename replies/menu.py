"""The bot's commands: one list for a platform's command menu (Telegram's setMyCommands) and for /help."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # the menu line (Telegram allows 3–256 characters)
    example: str  # shown by /help; {unit}, {unit2}, {group}: the site's own names (domain.site.SiteWords)
    admin: bool = False  # only administrators may use it
    private: bool = True  # offered in private chats
    group: bool = True  # offered in groups


COMMANDS: tuple[Command, ...] = (
    Command("done", "登记栏目或账号已更新", "/done 部门动态　或　/done 重点领域/财政预决算 已发布3条"),
    Command("undo", "撤销30分钟内的最后一次登记", "/undo"),
    Command("event", "记录需按时公开的事项（如文件印发）", "/event 财政预决算 2026-11-20 预算调整"),
    Command("mine", "我负责的栏目和账号", "/mine"),
    Command("overdue", "逾期的栏目和账号", "/overdue　或　/overdue {unit}"),
    Command("due", "近期到期的栏目和账号", "/due　或　/due 10（未来10个工作日）"),
    Command("people", "各单位的网站维护员和分管领导", "/people　或　/people {unit}"),
    Command("units", "单位列表", "/units"),
    Command("check", "立即读取栏目页面，查看网站上的最新日期", "/check 部门动态"),
    Command("rule", "查看机器人如何理解一条更新要求", "/rule 2周内更新"),
    Command("history", "查看栏目的登记、撤销、事项和检查记录", "/history 财政预决算"),
    Command("help", "使用说明", "/help"),
    Command("start", "开始使用 / 使用邀请码绑定单位", "/start 邀请码", group=False),
    Command("phone", "登记手机号，钉钉群机器人提醒时 @ 您（私聊）", "/phone 13812345678", group=False),
    Command("invite", "生成邀请链接（系统管理员）", "/invite {unit} 网站维护员", admin=True, group=False),
    Command(
        "bindchat",
        "把本群绑定到单位（系统管理员）",
        "/bindchat {unit} {unit2}　或　/bindchat 全部",
        admin=True,
        private=False,
    ),
    Command("group", "查看或补充单位组的成员单位（系统管理员）", "/group {group} {unit} {unit2}", admin=True),
    Command("unbindchat", "解除本群的绑定（系统管理员）", "/unbindchat", admin=True, private=False),
    Command(
        "robot",
        "绑定钉钉/企业微信/飞书群机器人（系统管理员，私聊）",
        "/robot add {unit} Webhook地址 密钥　或　/robot list",
        admin=True,
        group=False,
    ),
    Command("revoke", "列出或撤销尚未使用的邀请（系统管理员）", "/revoke　或　/revoke 邀请码", admin=True),
    Command(
        "remove",
        "把人员从单位移除，立即失去权限（系统管理员）",
        "/remove @wxm {unit}　或　/remove 王小明",
        admin=True,
    ),
    Command("status", "运行概况（系统管理员）", "/status", admin=True),
    Command("score", "按检查指标评估是否合格、优先整改什么", "/score"),
    Command("category", "更正栏目的检查类别（系统管理员）", "/category 首页/部门动态 首页", admin=True),
    Command("bulletin", "生成季度检查通报 Word 文档和问题清单（系统管理员）", "/bulletin 2026Q4", admin=True),
    Command(
        "wrongread",
        "把栏目最近一次的网站读取标记为错误（系统管理员）",
        "/wrongread 部门动态 日期是置顶文章的",
        admin=True,
    ),
    Command("readok", "页面读取修复后恢复自动登记（系统管理员）", "/readok 部门动态", admin=True),
    Command("holidays", "录入或查看节假日安排（系统管理员）", "/holidays 2027", admin=True, group=False),
    Command(
        "retire", "停更栏目或账号，注明原因（系统管理员）", "/retire 党史学习教育 专题活动已结束", admin=True
    ),
    Command("unretire", "恢复已停更的栏目或账号（系统管理员）", "/unretire 党史学习教育", admin=True),
)


def menu(*, private: bool, admin: bool = False) -> list[tuple[str, str]]:
    """(command, description) pairs for a menu scope."""
    return [
        (c.name, c.description)
        for c in COMMANDS
        if (c.private if private else c.group) and (admin or not c.admin)
    ]
