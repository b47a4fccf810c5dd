"""When to poll a source next: the regular interval with jitter, or an exponential back-off.

Pure policy (no clock, no randomness of its own): ``now`` and a random draw are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(days=1)
DISABLE_AFTER_FAILURES = 20


@dataclass(frozen=True)
class FailurePlan:
    """What a failed poll leads to: the next attempt, and a reason when the source is disabled."""

    next_poll_at: datetime
    disable_reason: str | None


def next_regular_poll(now: datetime, interval: timedelta, jitter: float, draw: float) -> datetime:
    """``now + interval``, spread by ±``jitter`` (a fraction) using ``draw`` in [0, 1)."""
    spread = 1 + jitter * (2 * draw - 1)
    return now + interval * spread


def backoff_delay(failures: int, interval: timedelta) -> timedelta:
    """Delay after ``failures`` consecutive failures: interval x 2^failures, capped at a day.

    Never shorter than the regular interval (a source polled every two days is not retried
    sooner because it failed).
    """
    if failures <= 0:
        return interval
    cap = max(MAX_BACKOFF, interval)
    seconds = interval.total_seconds() * 2 ** min(failures, 40)
    return timedelta(seconds=min(seconds, cap.total_seconds()))


def plan_after_failure(
    *,
    now: datetime,
    failures: int,
    interval: timedelta,
    error: str,
    gone: bool = False,
    retry_after: timedelta | None = None,
) -> FailurePlan:
    """Plan after the ``failures``-th consecutive failure (the count includes this one)."""
    reason: str | None = None
    if gone:
        reason = f"the server says the feed is gone for good ({error})"
    elif failures >= DISABLE_AFTER_FAILURES:
        reason = f"{failures} consecutive failures; last: {error}"
    delay = backoff_delay(failures, interval)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_BACKOFF))
    return FailurePlan(next_poll_at=now + delay, disable_reason=reason)


def longest_wait(failures: int, interval: timedelta, jitter: float) -> timedelta:
    """The furthest ahead a next poll can be after ``failures`` consecutive failures: the
    jittered interval of a healthy source, the back-off (or a Retry-After, both capped at a day)
    of a failing one. A stored time further ahead was set by a clock that has since gone back
    (an NTP step, a restored VM); it is not waited for."""
    if failures <= 0:
        return interval * (1 + jitter)
    return max(MAX_BACKOFF, interval)
