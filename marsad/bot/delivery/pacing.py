"""Telegram's rate limits: ~30 messages/s overall, 1/s per chat, 20 a minute per group.

Per-chat spacing is kept in the database (``chat_delivery.next_send_at``, set when a row is
claimed), so it holds across restarts and senders; so is the overall limit, a token bucket
shared by the senders of every process (``budget.py``), on the sender's injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Pacing:
    """Telegram's limits: about 30 messages/s overall, 1/s per chat, 20/min per group."""

    per_second: float = 30.0
    burst: int = 5
    private_interval: timedelta = timedelta(seconds=1)
    group_interval: timedelta = timedelta(seconds=3)

    def interval(self, chat_id: int) -> timedelta:
        return self.group_interval if chat_id < 0 else self.private_interval


DEFAULT_PACING = Pacing()

__all__ = ["DEFAULT_PACING", "Pacing"]
