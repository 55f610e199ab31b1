"""The one pacer: who may send when, per chat and per platform, on the monotonic clock.

One `Pacer` per process, shared by the outbox sender (jobs/sender.py) and the bot's direct replies to people
(bot.pacing.PacedReplies, installed by bot.app.make_bot): a reply takes its slot like an outbox message.

Every chat is a key `(platform, address)`, and each platform has its own rules:
- Telegram: 29 messages a second overall, evenly spaced; 20 a minute per group (negative ids); one a second
  per private chat (positive ids). A 429 pauses *all* Telegram sending, replies included, as Telegram asks:
  its limits are the bot token's, not one chat's.
- A group robot (DingTalk, WeCom, Feishu: `channels.robots.*.LIMITS`): its documented rate per robot
  (20 a minute; 20 a minute; 100 a minute and 5 a second), and its own throttle (DingTalk's 10 minutes
  after 130101, WeCom's 45009, Feishu's 11232) pauses that robot's chat only: each robot is its own webhook
  with its own limit, so neither Telegram nor another robot waits for it.
- Any other platform: paced like a Telegram group, on its own (its pauses hold only its chat).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from channels.robots.common import Limits
from channels.robots.transport import PLATFORMS
from domain.notice import TELEGRAM

Key = tuple[str, int]  # (platform, the chat's address on it)

# Each robot's documented rate (docs/CHANNELS.md): the pacer keeps every robot under it.
ROBOT_LIMITS: Mapping[str, Limits] = {kind.value: platform.limits for kind, platform in PLATFORMS.items()}


def telegram(chat_id: int) -> Key:
    return (TELEGRAM, chat_id)


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
    # A robot's documented minute and second are counted a little longer on our side, for clock and network
    # jitter between our monotonic clock and the platform's (as Telegram's minute is 61 seconds).
    robot_margin: float = 1.05


@dataclass
class Pacer:
    """Who may send when, on the monotonic clock. Plain bookkeeping: no sleeping here, `t` passed in."""

    limits: SendLimits
    robots: Mapping[str, Limits] = field(default_factory=lambda: dict(ROBOT_LIMITS))
    next_global: float = 0.0  # Telegram's overall spacing
    paused_until: float = 0.0  # Telegram's 429: every Telegram send waits, replies included
    groups: dict[Key, deque[float]] = field(default_factory=dict)  # recent sends per windowed chat
    privates: dict[int, float] = field(default_factory=dict)  # Telegram private chat -> its last send
    pauses: dict[Key, float] = field(default_factory=dict)  # a chat of another platform paused on its own

    def _windows(self, key: Key) -> tuple[tuple[int, float], ...]:
        """(at most n sends, in so many seconds) for a windowed chat."""
        robot = self.robots.get(key[0])
        if robot is None:
            return ((self.limits.group_per_window, self.limits.group_window),)
        margin = self.limits.robot_margin
        minute = ((robot.per_minute, 60.0 * margin),)
        return minute if robot.per_second is None else (*minute, (robot.per_second, margin))

    def chat_ready_at(self, key: Key, t: float) -> float:
        """When this chat may send next: its own rate, and any pause that holds it."""
        platform, address = key
        if platform == TELEGRAM:
            held = self.paused_until
            if address > 0:  # a private chat (Telegram's user ids are positive, groups negative)
                last = self.privates.get(address)
                return max(held, t if last is None else max(t, last + self.limits.private_interval))
        else:
            held = self.pauses.get(key, 0.0)
        ready = max(t, held)
        window = self.groups.get(key)
        if not window:
            return ready
        windows = self._windows(key)
        longest = max(span for _, span in windows)
        while window and window[0] <= t - longest:
            window.popleft()
        for n, span in windows:
            recent = [s for s in window if s > t - span]
            if len(recent) >= n:
                ready = max(ready, recent[len(recent) - n] + span)
        return ready

    def global_ready_at(self) -> float:
        """When the next Telegram send may go: the bot's overall rate, and a 429's pause."""
        return max(self.next_global, self.paused_until)

    def slot_at(self, key: Key) -> float:
        """When the platform lets this chat's send go, once the chat itself is ready (Telegram's overall rate;
        a robot has no rate beyond its own chat's)."""
        return self.global_ready_at() if key[0] == TELEGRAM else self.pauses.get(key, 0.0)

    def took(self, key: Key, t: float) -> None:
        platform, address = key
        if platform == TELEGRAM:
            # Spaced from the actual send, never catching up in a burst: a burst is what Telegram counts.
            self.next_global = max(self.next_global, t) + 1.0 / self.limits.per_second
            if address > 0:
                self.privates[address] = t
                return
        self.groups.setdefault(key, deque()).append(t)

    def untook(self, key: Key, t: float) -> None:
        """A send that never reached the platform (network down) does not count against the chat's rate."""
        window = self.groups.get(key)
        if window and t in window:
            window.remove(t)
        if key[0] == TELEGRAM and self.privates.get(key[1]) == t:
            del self.privates[key[1]]

    def pause(self, until: float, key: Key | None = None) -> None:
        """The platform asked to wait: all of Telegram (`key` None or a Telegram chat), or one robot."""
        if key is None or key[0] == TELEGRAM:
            self.paused_until = max(self.paused_until, until)
        else:
            self.pauses[key] = max(self.pauses.get(key, 0.0), until)
