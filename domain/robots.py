"""A group robot as an administrator gives it: its platform (kind), its webhook and its signing secret.

Pure: what was typed is checked here, once, for every entrance (`zhiri channel add`, `/robot add` in a private
chat), and a ValueError says in Chinese what to fix. The sending side is `channels.robots`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from domain.notice import Mention, Who


class Kind(StrEnum):
    DINGTALK = "dingtalk"
    WECOM = "wecom"
    FEISHU = "feishu"


NAMES = {Kind.DINGTALK: "钉钉", Kind.WECOM: "企业微信", Kind.FEISHU: "飞书"}

# The official webhook hosts. Any other host works when the kind is given (tests, private deployments,
# provincial platforms that proxy the same API).
HOSTS = {
    "oapi.dingtalk.com": Kind.DINGTALK,
    "qyapi.weixin.qq.com": Kind.WECOM,
    "open.feishu.cn": Kind.FEISHU,
    "open.larksuite.com": Kind.FEISHU,
}

# What each signing robot calls its secret, and where to find it (docs/CHANNELS.md, README).
SECRET_HINTS = {
    Kind.DINGTALK: (
        "钉钉机器人需要“加签”密钥：在机器人安全设置中勾选“加签”，复制以 SEC 开头的密钥，用 --secret 传入。"
    ),
    Kind.FEISHU: (
        "飞书机器人需要“签名校验”密钥：在机器人安全设置中选择“签名校验”，复制密钥，用 --secret 传入。"
    ),
}


def guess_kind(url: str) -> Kind | None:
    """The robot's platform from its webhook host, or None when the host is not one of the official ones."""
    host = (urlsplit(url).hostname or "").lower()
    return HOSTS.get(host)


def masked(url: str) -> str:
    """The webhook without its credential (DingTalk's access_token, WeCom's key, Feishu's hook id): what lists
    and logs show. Host, path up to the credential, and the credential's last 4 characters."""
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    if parts.query:
        name, _, value = parts.query.partition("=")
        return f"{base}{parts.path}?{name}=…{value[-4:]}" if value else f"{base}{parts.path}?…"
    head, _, last = parts.path.rstrip("/").rpartition("/")
    return f"{base}{head}/…{last[-4:]}" if last else base


@dataclass(frozen=True)
class Robot:
    """One custom robot in one group: where to post, and the secret it signs with (加签, 签名校验)."""

    kind: Kind
    url: str
    secret: str | None = None

    def __repr__(self) -> str:
        # The URL's token or key and the secret are credentials: never in logs.
        signed = ", signed" if self.secret else ""
        return f"Robot({self.kind.value}, {urlsplit(self.url).hostname}{signed})"

    @classmethod
    def of(cls, url: str, secret: str | None = None, kind: str | None = None) -> Robot:
        """A robot from what an administrator typed; a ValueError in Chinese says what to fix."""
        url = url.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"机器人地址无效：{url}。请粘贴群机器人设置页中完整的 Webhook 地址（以 https:// 开头）。"
            )
        if kind:
            try:
                chosen = Kind(kind.strip().lower())
            except ValueError:
                raise ValueError(f"不认识的机器人类型：{kind}。可选：dingtalk、wecom、feishu。") from None
        else:
            guessed = guess_kind(url)
            if guessed is None:
                raise ValueError(
                    f"无法从地址 {parts.hostname} 判断是哪种机器人，"
                    "请用 --kind dingtalk、wecom 或 feishu 指定。"
                )
            chosen = guessed
        secret = (secret or "").strip() or None
        if chosen is Kind.WECOM and secret:
            raise ValueError("企业微信群机器人没有签名密钥（凭地址中的 key 发送），请去掉 --secret。")
        return cls(chosen, url, secret)


def robot_to_bind(url: str, secret: str | None = None, kind: str | None = None) -> Robot:
    """A robot an administrator binds: as `Robot.of`, and DingTalk's and Feishu's must sign (加签 / 签名校验).
    Zhiri's messages carry no fixed keyword and a server's outgoing address can change, so a robot secured
    by keywords or an IP list would refuse them; the signature is the one setting that works."""
    robot = Robot.of(url, secret, kind)
    hint = SECRET_HINTS.get(robot.kind)
    if hint is not None and robot.secret is None:
        raise ValueError(hint)
    return robot


# ---------------------------------------------------------------------------------------------------------
# @-mentions: who a robot's message @s, and the numbers and ids an administrator records for it

# The platforms whose custom robot @s a person by mobile number in the message we send (DingTalk's markdown:
# `at.atMobiles` and `@138…` in the text). WeCom @s by phone only in plain text messages, which carry no
# links, and Feishu's custom robot only by open_id / user_id: for them a phone is not carried.
AT_BY_PHONE = frozenset({Kind.DINGTALK})

# What each platform's @ takes, as the administrators are told (the CLI's help, the refusals).
ID_NAMES = {Kind.DINGTALK: "钉钉 userid", Kind.WECOM: "企业微信 userid", Kind.FEISHU: "飞书 open_id"}

_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()（）]")
# A platform user id: DingTalk's and WeCom's userid (at most 64 bytes: letters, digits, _ - . @), Feishu's
# open_id (ou_ and hex). Nothing that could break out of WeCom's `<@…>` or a markdown line.
_USER_ID = re.compile(r"[A-Za-z0-9_.@\-]{1,64}")


def mobile(text: str) -> str:
    """A mainland mobile number as 11 digits (spaces, dashes and a +86 prefix dropped); a ValueError in
    Chinese says what to fix."""
    digits = _SEPARATORS.sub("", text.strip())
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MOBILE.fullmatch(digits):
        raise ValueError(
            "手机号码无效：应为11位数字、以1开头的中国大陆手机号码，例如 13812345678（不要填座机号码）。"
        )
    return digits


def user_id(kind: Kind, text: str) -> str:
    """A person's user id on `kind`'s platform, as its robot's @ takes it; a ValueError in Chinese says what
    to fix."""
    value = text.strip()
    if not _USER_ID.fullmatch(value):
        raise ValueError(
            f"{ID_NAMES[kind]}无效：「{value[:70]}」。应为1至64个字母、数字或 _ - . @，"
            f"不含空格和中文（{ID_HINTS[kind]}）。"
        )
    return value


# Where an administrator finds each id (README, "@-mentions").
ID_HINTS = {
    Kind.DINGTALK: "钉钉管理后台“通讯录”中成员详情里的 userid",
    Kind.WECOM: "企业微信管理后台“通讯录”中成员详情里的“账号”",
    Kind.FEISHU: "飞书中该成员的 open_id，以 ou_ 开头",
}


def masked_phone(phone: str) -> str:
    """A mobile number as lists show it: 138****5678."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mention_of(who: Who, platform: str) -> Mention | None:
    """How a robot on `platform` @s this person, or None when nothing is recorded that its @ takes (they are
    still named in the text). Telegram is no robot: None."""
    try:
        kind = Kind(platform)
    except ValueError:
        return None
    uid = dict(who.platform_ids).get(kind.value)
    phone = who.phone if kind in AT_BY_PHONE else None
    if not uid and not phone:
        return None
    return Mention(phone, uid)


def mentions_of(people: Iterable[Who], platform: str) -> tuple[Mention, ...]:
    """Each person's mention on `platform` once, in order; those with nothing recorded left out."""
    out: dict[Mention, None] = {}
    for who in people:
        found = mention_of(who, platform)
        if found is not None:
            out.setdefault(found)
    return tuple(out)
