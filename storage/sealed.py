"""Credentials kept encrypted at rest: a group robot's webhook URL (its access_token / key) and its signing
secret.

Fernet (the `cryptography` package: AES-128-CBC with an HMAC-SHA256, a timestamp, urlsafe base64) under the
keys of the `CHANNEL_KEY` setting, comma-separated, newest first: `MultiFernet` seals with the first and opens
with any of them, so a key is rotated by putting a new one in front, running `zhiri channel rekey` (every row
sealed again with the new key) and then dropping the old one.

The keys are the process's, set once where the configuration is read (`use`, called by
`bot.config.Settings.make_engine`), as the database URL is. A key that is missing, malformed or opens nothing
is a `KeyRefused` in Chinese and English saying what to do: never a crash, never a robot skipped in silence.

A sealed value cannot be looked up by equality (each sealing differs), so a webhook is found by its
`digest`: SHA-256 of the URL. The URL carries a random token of at least 122 bits (a DingTalk access_token is
64 hex characters, a WeCom key and a Feishu hook id are UUIDs), so its digest reveals nothing guessable.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["KeyRefused", "Keys", "digest", "keys", "new_key", "use"]

MISSING = (
    "未设置群机器人密钥 CHANNEL_KEY：群机器人的 Webhook 地址和签名密钥需要加密保存。"
    "请用 zhiri channel newkey 生成一个密钥，写入 .env 的 CHANNEL_KEY=…（妥善保管，丢失后需重新绑定机器人），"
    "然后重试。\n"
    "CHANNEL_KEY is not set: group robots' webhook URLs and secrets are kept encrypted. Generate a key with "
    "zhiri channel newkey, put CHANNEL_KEY=… in .env (keep it safe: without it the robots must be bound "
    "again), and try again."
)
MALFORMED = (
    "群机器人密钥 CHANNEL_KEY 格式不对：应为 zhiri channel newkey 生成的 44 个字符（多个密钥用英文逗号分隔，"
    "新的在前）。\n"
    "CHANNEL_KEY is malformed: it must be keys made by zhiri channel newkey (44 characters each, "
    "comma-separated, newest first)."
)
WRONG = (
    "群机器人密钥 CHANNEL_KEY 与加密保存群机器人地址时所用的密钥不符，无法解密。"
    "请把原来的密钥放回 CHANNEL_KEY（轮换密钥时写成“新密钥,旧密钥”，"
    "运行 zhiri channel rekey 后再去掉旧密钥）；原密钥已丢失时，"
    "请用 zhiri channel remove 解除并用 zhiri channel add 重新绑定各群机器人。\n"
    "CHANNEL_KEY does not open the stored robot webhooks: it is not the key they were encrypted with. "
    "Put the old key back (to rotate, set CHANNEL_KEY=new,old, run zhiri channel rekey, then drop the "
    "old one); if it is lost, remove and add the robots again."
)


class KeyRefused(RuntimeError):
    """The robots' key is missing, malformed or wrong; what the person is told (Chinese and English)."""


class Keys:
    """The `CHANNEL_KEY` setting's keys: seal with the first, open with any."""

    def __init__(self, setting: str | None) -> None:
        parts = [p.strip() for p in (setting or "").split(",") if p.strip()]
        if not parts:
            raise KeyRefused(MISSING)
        try:
            self._fernet = MultiFernet([Fernet(p) for p in parts])
        except ValueError:
            raise KeyRefused(MALFORMED) from None

    def __repr__(self) -> str:
        return "Keys(…)"

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise KeyRefused(WRONG) from None

    def reseal(self, token: str) -> str:
        """The token sealed again with the first key (`zhiri channel rekey`)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise KeyRefused(WRONG) from None


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def digest(url: str) -> str:
    """How a webhook is looked up without keeping it in the clear."""
    return hashlib.sha256(url.encode()).hexdigest()


_setting: str | None = None


def use(setting: str | None) -> None:
    """The process's keys, from the `CHANNEL_KEY` setting (checked when first needed)."""
    global _setting
    _setting = setting


def keys() -> Keys:
    """The process's keys (else the environment's CHANNEL_KEY); KeyRefused when none are set or they are
    malformed."""
    return Keys(_setting if _setting is not None else os.environ.get("CHANNEL_KEY"))
