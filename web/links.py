"""One-tap links on group robots' messages: signed, expiring, bound to the message's chat and unit.

A custom robot only sends, so every reminder it posts carries links to Zhiri's web page instead of buttons:
已更新 / 已巡查 for the actions the message offers, and 查看本单位清单. A link is a `Grant` (what it may do,
for which chat and unit, and a random nonce) signed with `WEB_SECRET` by itsdangerous' timed serializer: the
signature covers the payload and the moment it was issued, so a changed character is refused and an old link
expires (`WEB_LINK_DAYS`). An acting link works once (the nonce is recorded in `UsedLink` when it is used);
the list link may be opened again until it expires. The clock is passed in (`now`), never read here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from channels.transport import Outgoing
from domain.actions import Action

SALT = "zhiri.web.link.v1"
LIST = "list"  # what a link to the unit's list grants (not an action: it changes nothing)
MIN_SECRET = 16  # characters of WEB_SECRET


@dataclass(frozen=True)
class Grant:
    """What one link lets whoever holds it do: one offered action (or open the list), for one chat."""

    what: str  # an encoded `Action` (done:12, read:20261008) or LIST
    platform: str  # the chat's platform (dingtalk, wecom, feishu …)
    chat: int  # the chat's address on that platform (`Outgoing.chat_id`)
    unit: int | None  # the one unit the chat is bound to; None: the chat's units as bound when it is used
    nonce: str  # the link's own id: an acting link is used once

    @property
    def action(self) -> Action | None:
        """The action it offers, or None for the list link (or an action this version cannot read)."""
        return None if self.what == LIST else Action.decode(self.what)

    def payload(self) -> list[Any]:
        return [self.what, self.platform, self.chat, self.unit, self.nonce]

    @classmethod
    def of(cls, data: Any) -> Grant | None:
        if not isinstance(data, list) or len(data) != 5:
            return None
        what, platform, chat, unit, nonce = data
        if not (isinstance(what, str) and isinstance(platform, str) and isinstance(nonce, str)):
            return None
        if not isinstance(chat, int) or not (unit is None or isinstance(unit, int)):
            return None
        return cls(what, platform, chat, unit, nonce)


@dataclass(frozen=True)
class Opened:
    grant: Grant
    issued: datetime


@dataclass(frozen=True)
class Expired:
    issued: datetime | None


@dataclass(frozen=True)
class Tampered:
    """Not a link Zhiri signed: cut short, changed, or signed with another key."""


def _signer_at(now: datetime) -> type[TimestampSigner]:
    # itsdangerous reads time.time(); the page passes its `now` in instead (tests never sleep).
    stamp = int(now.timestamp())

    class At(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    return At


class LinkKey:
    """Signs grants into link tokens and reads them back (`WEB_SECRET`, valid for `valid` after issue)."""

    def __init__(self, secret: str, valid: timedelta) -> None:
        if len(secret) < MIN_SECRET:
            raise ValueError(f"WEB_SECRET must have at least {MIN_SECRET} characters")
        self._secret = secret
        self.valid = valid

    def _serializer(self, now: datetime) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=SALT, signer=_signer_at(now))

    def sign(self, grant: Grant, now: datetime) -> str:
        return self._serializer(now).dumps(grant.payload())

    def open(self, token: str, now: datetime) -> Opened | Expired | Tampered:
        serializer = self._serializer(now)
        try:
            data, issued = serializer.loads(
                token, max_age=int(self.valid.total_seconds()), return_timestamp=True
            )
        except SignatureExpired as exc:
            if exc.date_signed is not None and exc.date_signed > now:
                return Tampered()  # signed "in the future" (itsdangerous calls it expired): not by our clock
            return Expired(exc.date_signed)
        except BadSignature:
            return Tampered()
        grant = Grant.of(data)
        if grant is None:
            return Tampered()
        return Opened(grant, issued)


def new_nonce() -> str:
    return secrets.token_urlsafe(9)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SignedLinks:
    """The robots' `channels.robots.common.Links`: each link signed at send time, bound to the message's
    chat (platform and address) and its unit, to `{PUBLIC_URL}/l/<token>`."""

    def __init__(
        self,
        public_url: str,
        key: LinkKey,
        clock: Callable[[], datetime] = _utcnow,
        nonce: Callable[[], str] = new_nonce,
    ) -> None:
        self.base = public_url.rstrip("/")
        self.key = key
        self.clock = clock
        self.nonce = nonce

    def url(self, what: str, message: Outgoing) -> str:
        grant = Grant(what, message.platform, message.chat_id, message.unit_id, self.nonce())
        return f"{self.base}/l/{self.key.sign(grant, self.clock())}"

    def offer(self, action: Action, message: Outgoing) -> str:
        return self.url(action.encode(), message)

    def unit_list(self, message: Outgoing) -> str | None:
        return self.url(LIST, message)
