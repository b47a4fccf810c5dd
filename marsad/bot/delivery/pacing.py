"""Telegram's rate limits: ~30 messages/s overall, 1/s per chat, 20 a minute per group.

Per-chat spacing is kept in the database (``chat_delivery.next_send_at``, set when a row is
claimed), so it holds across restarts and senders; the overall limit is a rate limiter in
the sender, on the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Pacing:
    """Telegram's limits: about 30 messages/s overall, 1/s per chat, 20/min per group."""

    per_second: float = 30.0
    burst: int = 5
    private_interval: timedelta = timedelta(seconds=1)
    group_interval: timedelta = timedelta(seconds=3)

    def interval(self, chat_id: int) -> timedelta:
        return self.group_interval if chat_id < 0 else self.private_interval


class RateLimiter:
    """About ``per_second`` calls a second, evenly spaced, bursts of at most ``burst``.

    The generic cell rate algorithm on the injected clock: each call moves the theoretical
    arrival time ``1/per_second`` on, and a call may go when it is at most ``burst - 1`` slots
    early.  Even spacing matters: a second's worth sent at once arrives at Telegram spread by
    network jitter and overlaps the next second's.
    """

    def __init__(self, per_second: float, burst: int) -> None:
        self.step = timedelta(seconds=1 / per_second)
        self.tolerance = self.step * max(0, burst - 1)
        self.tat: datetime | None = None

    def available(self, now: datetime) -> int:
        tat = now if self.tat is None or self.tat < now else self.tat
        slack = now + self.tolerance - tat
        return 0 if slack < timedelta(0) else int(slack / self.step) + 1

    def take(self, count: int, now: datetime) -> None:
        tat = now if self.tat is None or self.tat < now else self.tat
        self.tat = tat + self.step * count

    def wait_seconds(self, now: datetime) -> float:
        if self.tat is None:
            return 0.0
        return max(0.0, (self.tat - self.tolerance - now).total_seconds())


DEFAULT_PACING = Pacing()

__all__ = ["DEFAULT_PACING", "Pacing", "RateLimiter"]
