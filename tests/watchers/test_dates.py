"""Dates as news sites write them: standard, Arabic, French and Spanish."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.watchers.dates import parse_date
from marsad.watchers.feeds import parse_feed


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-04T09:15:00+01:00", utc(2025, 3, 4, 8, 15)),
        ("2025-03-04T09:15:00Z", utc(2025, 3, 4, 9, 15)),
        ("2025-03-04 09:15:00", utc(2025, 3, 4, 9, 15)),
        ("2025-03-04", utc(2025, 3, 4)),
        ("Tue, 04 Mar 2025 09:15:00 +0100", utc(2025, 3, 4, 8, 15)),
        ("Tue, 04 Mar 2025 09:15:00 GMT", utc(2025, 3, 4, 9, 15)),
        # Arabic, Maghreb month names and Arabic-Indic digits
        ("الثلاثاء 4 مارس 2025 - 09:15", utc(2025, 3, 4, 9, 15)),
        ("الأربعاء، 13 غشت 2025 على الساعة 10:00 +0100", utc(2025, 8, 13, 9, 0)),
        ("١٣ شتنبر ٢٠٢٥", utc(2025, 9, 13)),
        ("03 دجنبر 2024 11:30 م", utc(2024, 12, 3, 23, 30)),
        ("السبت 7 يونيو 2025 08:05 صباحا", utc(2025, 6, 7, 8, 5)),
        # Egyptian and Levantine names
        ("5 أغسطس 2025", utc(2025, 8, 5)),
        ("12 تشرين الثاني 2024 14:20", utc(2024, 11, 12, 14, 20)),
        ("1 كانون الثاني 2025", utc(2025, 1, 1)),
        ("1 كانون الأول 2024", utc(2024, 12, 1)),
        # French and Spanish
        ("mardi 4 mars 2025 à 09h15", utc(2025, 3, 4)),
        ("4 février 2025 10:45", utc(2025, 2, 4, 10, 45)),
        ("martes, 4 de marzo de 2025", None),  # "de" between parts is not supported
        ("4 marzo 2025 18:00 +0100", utc(2025, 3, 4, 17, 0)),
        ("March 4, 2025 9:15 PM", utc(2025, 3, 4, 21, 15)),
        # numeric, day first
        ("04/03/2025 09:15", utc(2025, 3, 4, 9, 15)),
        ("2025/03/04", utc(2025, 3, 4)),
        # nonsense
        ("", None),
        ("   ", None),
        ("not a date at all", None),
        ("31 فبراير 2025", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@given(st.text(max_size=60))
def test_parse_date_never_raises_and_is_aware(text: str) -> None:
    result = parse_date(text)
    assert result is None or result.tzinfo is not None


def test_feed_with_arabic_dates() -> None:
    document = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>خبر</title><link>https://a.ma/2025/08/13/khabar</link>"
        "<pubDate>الأربعاء، 13 غشت 2025 - 10:00</pubDate></item></channel></rss>"
    )
    entry = parse_feed(document.encode(), {}, "https://a.ma/feed").entries[0]
    assert entry.published == utc(2025, 8, 13, 10, 0)
