"""Parsing of the HTTP ``Retry-After`` header (RFC 9110 §10.2.3), pure: ``now`` is passed in.

A server may say how long to wait either as a number of seconds (``120``) or as an HTTP-date
(``Wed, 21 Oct 2026 07:28:00 GMT``).  Garbage yields ``None`` rather than an error: a bad header
must never break polling, it just leaves the caller's own back-off in charge.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

#: Longer waits are clamped: a typo'd or hostile header must not silence a source for years.
MAX_RETRY_AFTER = timedelta(days=7)


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """How long the server asks us to wait, clamped to [0, MAX_RETRY_AFTER]; None if unparsable.

    ``now`` is the reference for the HTTP-date form: the response's own ``Date`` header when the
    caller has one (no clock skew between us and the server), else our clock.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        seconds = int(text)
        return min(timedelta(seconds=min(seconds, 10**9)), MAX_RETRY_AFTER)
    when = parse_http_date(text)
    if when is None:
        return None
    wait = when - _aware(now)
    return max(timedelta(0), min(wait, MAX_RETRY_AFTER))


def parse_http_date(text: str | None) -> datetime | None:
    """An HTTP-date (any of the three RFC formats) as an aware UTC datetime, or None."""
    if not text:
        return None
    try:
        when = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return _aware(when)


def _aware(when: datetime) -> datetime:
    """Naive datetimes are taken as UTC (HTTP dates are always GMT)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
