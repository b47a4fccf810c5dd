"""The compiled proclitic cutter (`matching/_words.c`) gives the archive index the same words
as the pure-Python path, so an item is found by the same questions either way."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.store import archive_words

needs_compiled = pytest.mark.skipif(
    archive_words._cutter is None,
    reason="the compiled cutter was not built here (no C compiler at install)",
)

# Proclitic letters first, so runs of them (وال، فبال، ولل) come up often; long tokens pass
# the word limit.
TOKEN = st.text(alphabet="والفبكسلمنهي", min_size=1, max_size=80)


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(tokens=st.sets(TOKEN, max_size=30))
def test_the_compiled_and_python_cutters_give_the_same_words(tokens: set[str]) -> None:
    assert archive_words._cutter.cut(tokens) == archive_words._cut(tokens)


@pytest.mark.parametrize("compiled", [pytest.param(True, marks=needs_compiled), False])
@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("والمغرب", {"والمغرب", "المغرب", "مغرب"}),
        ("وال", {"وال", "ال"}),  # a run of proclitics leaves at least one letter
        ("مغرب", {"مغرب"}),
        ("و" + "ب" * 70, {"و" + "ب" * 63, "ب" * 64}),  # each word cut to the limit
    ],
)
def test_a_table_of_tokens(compiled: bool, token: str, expected: set[str]) -> None:
    cut = archive_words._cutter.cut if compiled else archive_words._cut
    assert cut({token}) == expected
