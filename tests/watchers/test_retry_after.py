"""Retry-After in both forms, and garbage that must never break polling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.watchers.retry_after import MAX_RETRY_AFTER, parse_http_date, parse_retry_after

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 0 ", timedelta(0)),
        ("Mon, 01 Jun 2026 10:05:00 GMT", timedelta(minutes=5)),
        ("Monday, 01-Jun-26 10:05:00 GMT", timedelta(minutes=5)),  # RFC 850
        ("Mon Jun  1 10:05:00 2026", timedelta(minutes=5)),  # asctime
        ("Mon, 01 Jun 2026 09:00:00 GMT", timedelta(0)),  # already past
        ("99999999999999999999", MAX_RETRY_AFTER),
        ("Mon, 01 Jun 2099 10:00:00 GMT", MAX_RETRY_AFTER),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("١٢٠", None),  # Arabic-Indic digits are not HTTP
    ],
)
def test_parse_retry_after(value: str | None, expected: timedelta | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_naive_and_other_zone_references_are_handled() -> None:
    later = "Mon, 01 Jun 2026 10:05:00 GMT"
    assert parse_retry_after(later, NOW.replace(tzinfo=None)) == timedelta(minutes=5)
    plus_one = NOW.astimezone(timezone(timedelta(hours=1)))
    assert parse_retry_after(later, plus_one) == timedelta(minutes=5)


@given(st.integers(min_value=0, max_value=10**12))
def test_seconds_form_is_exact_up_to_the_clamp(seconds: int) -> None:
    assert parse_retry_after(str(seconds), NOW) == min(timedelta(seconds=seconds), MAX_RETRY_AFTER)


@given(st.text(max_size=40))
def test_never_raises_and_stays_in_bounds(value: str) -> None:
    wait = parse_retry_after(value, NOW)
    assert wait is None or timedelta(0) <= wait <= MAX_RETRY_AFTER


def test_parse_http_date() -> None:
    assert parse_http_date("Mon, 01 Jun 2026 10:00:00 GMT") == NOW
    assert parse_http_date("yesterday") is None
    assert parse_http_date(None) is None
