"""The retry policy: exponential, capped at a day, Retry-After honoured, disabling at 20 or 410."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.watchers.backoff import (
    MAX_BACKOFF,
    backoff_delay,
    next_regular_poll,
    plan_after_failure,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FIVE_MIN = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        (1, timedelta(minutes=10)),
        (2, timedelta(minutes=20)),
        (3, timedelta(minutes=40)),
        (8, timedelta(minutes=5 * 256)),
        (9, MAX_BACKOFF),
        (19, MAX_BACKOFF),
        (500, MAX_BACKOFF),
    ],
)
def test_backoff_doubles_and_is_capped_at_a_day(failures: int, expected: timedelta) -> None:
    assert backoff_delay(failures, FIVE_MIN) == expected


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10**6))
def test_backoff_never_exceeds_a_day_nor_shrinks(failures: int, seconds: int) -> None:
    interval = timedelta(seconds=seconds)
    delay = backoff_delay(failures, interval)
    assert delay <= max(MAX_BACKOFF, interval)
    assert backoff_delay(failures + 1, interval) >= delay


def test_retry_after_wins_when_longer_than_the_backoff() -> None:
    plan = plan_after_failure(
        now=NOW, failures=1, interval=FIVE_MIN, error="HTTP 429", retry_after=timedelta(hours=2)
    )
    assert plan.next_poll_at == NOW + timedelta(hours=2)
    assert plan.disable_reason is None


def test_gone_disables_at_once_and_twenty_failures_disable() -> None:
    gone = plan_after_failure(now=NOW, failures=1, interval=FIVE_MIN, error="HTTP 410", gone=True)
    assert gone.disable_reason is not None and "HTTP 410" in gone.disable_reason
    nineteen = plan_after_failure(now=NOW, failures=19, interval=FIVE_MIN, error="HTTP 500")
    assert nineteen.disable_reason is None
    twenty = plan_after_failure(now=NOW, failures=20, interval=FIVE_MIN, error="HTTP 500")
    assert twenty.disable_reason == "20 consecutive failures; last: HTTP 500"


@given(st.floats(min_value=0, max_value=0.999), st.floats(min_value=0, max_value=1))
def test_jitter_stays_within_its_fraction(draw: float, jitter: float) -> None:
    when = next_regular_poll(NOW, FIVE_MIN, jitter, draw)
    assert abs((when - NOW) - FIVE_MIN) <= FIVE_MIN * jitter + timedelta(microseconds=1)
