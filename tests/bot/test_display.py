"""Feed text shown in alerts and digests: no direction overrides, no invisible characters."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.bot.delivery.display import displayable
from marsad.bot.delivery.format import LRM, RLM, Alert, Lang, format_alert

SPOOFS = "\u202e\u202d\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u200b\ufeff\u2060\u061c"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        pytest.param("خبر\u202eعاجل", "خبرعاجل", id="right-to-left-override"),
        pytest.param("moc.elgoog\u202e", "moc.elgoog", id="trailing-override"),
        pytest.param("حمو\u200bشي", "حموشي", id="zero-width-space-inside-a-name"),
        pytest.param("\ufeffعنوان", "عنوان", id="byte-order-mark"),
        pytest.param("\u2067Rabat\u2069 يستقبل", "Rabat يستقبل", id="isolates"),
        pytest.param("می\u200cخواهم", "می\u200cخواهم", id="non-joiner-between-letters-kept"),
        pytest.param("لا\u200dم", "لا\u200dم", id="joiner-between-letters-kept"),
        pytest.param("abc\u200cdef", "abcdef", id="non-joiner-in-latin-dropped"),
        pytest.param("\u200dعنوان", "عنوان", id="joiner-at-the-edge-dropped"),
    ],
)
def test_what_is_shown_of_a_feed_text(raw: str, shown: str) -> None:
    assert displayable(raw) == shown


@settings(max_examples=200)
@given(
    st.lists(
        st.one_of(st.sampled_from(list(SPOOFS + "\u200c\u200d")), st.text("حموشي abc", min_size=1)),
        min_size=1,
        max_size=30,
    )
)
def test_no_alert_line_carries_a_direction_control_of_the_feed(pieces: list[str]) -> None:
    title = "".join(pieces)
    alert = Alert(
        title=title,
        outlet="Sahil\u202e",
        published=datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        link="https://example.ma/x",
        snippet=title,
        spans=[(0, min(3, len(title)))],
        why=(),
        entities=(),
        lang=Lang.AR,
    )
    rendered = format_alert(alert, ZoneInfo("UTC"))
    for text in (rendered.html, rendered.plain):
        for line in text.split("\n"):
            body = line[1:] if line[:1] in (RLM, LRM) else line
            assert not set(body) & set(SPOOFS + RLM + LRM), repr(line)
