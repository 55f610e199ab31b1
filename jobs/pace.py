"""The one pacer: who may send when, within Telegram's limits, on the monotonic clock.

One `Pacer` per process, shared by the outbox sender (jobs/sender.py) and the bot's direct replies to people
(bot.pacing.PacedReplies, installed by bot.app.make_bot): a reply takes its slot like an outbox message,
and a 429 on either pauses both.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SendLimits:
    per_second: float = 29.0
    group_per_window: int = 20
    group_window: float = 61.0  # Telegram's minute, plus a second for clock and network jitter
    private_interval: float = 1.1
    max_in_flight: int = 8
    backoff_base: float = 2.0  # seconds after the first network failure, doubling…
    backoff_cap: float = 300.0  # …up to five minutes
    retry_base: float = 30.0  # one message's unexpected error: retried after this, doubling…
    retry_cap: float = 1800.0  # …up to half an hour
    set_aside_after: int = 5  # unexpected errors in a row before the message is set aside (~8 minutes)
    batch: int = 200  # chat heads fetched at a time
    refetch: float = 1.0  # seconds between looks at the outbox while draining
    linger: float = 5.0  # wait this long for a chat's pacing before leaving it to the next tick


@dataclass
class Pacer:
    """Who may send when, on the monotonic clock. Plain bookkeeping: no sleeping here."""

    limits: SendLimits
    next_global: float = 0.0
    paused_until: float = 0.0
    groups: dict[int, deque[float]] = field(default_factory=dict)
    privates: dict[int, float] = field(default_factory=dict)

    def chat_ready_at(self, chat_id: int, t: float) -> float:
        if chat_id > 0:  # a private chat (Telegram's user ids are positive, groups negative)
            last = self.privates.get(chat_id)
            return t if last is None else max(t, last + self.limits.private_interval)
        window = self.groups.get(chat_id)
        if not window:
            return t
        while window and window[0] <= t - self.limits.group_window:
            window.popleft()
        if len(window) < self.limits.group_per_window:
            return t
        return window[len(window) - self.limits.group_per_window] + self.limits.group_window

    def global_ready_at(self) -> float:
        return max(self.next_global, self.paused_until)

    def took(self, chat_id: int, t: float) -> None:
        # Spaced from the actual send, never catching up in a burst: a burst is what Telegram counts.
        self.next_global = max(self.next_global, t) + 1.0 / self.limits.per_second
        if chat_id > 0:
            self.privates[chat_id] = t
        else:
            self.groups.setdefault(chat_id, deque()).append(t)

    def untook(self, chat_id: int, t: float) -> None:
        """A send that never reached Telegram (network down) does not count against the chat's minute."""
        window = self.groups.get(chat_id)
        if window and t in window:
            window.remove(t)
        if self.privates.get(chat_id) == t:
            del self.privates[chat_id]

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)
