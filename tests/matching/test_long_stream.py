"""A long stream of distinct words through the matcher: caches fill and empty, nothing breaks.

Real news brings ~500,000 distinct words in a day or two; when the word caches reached their
limit they were emptied mid-article and `Scanned.span()` raised KeyError for a word just
dropped (`marsad match` exited after 11,779 real articles; a poll lost a source's 50 items).
The limits are lowered here so that the stream crosses them many times.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.matching import fuzzymatch
from marsad.matching.engine import Matcher, MatchInput, parse_rules
from marsad.matching.normalise import Scanned, normalise

RULES = """
[[entity]]
id = "hammouchi"
kind = "person"
name = "عبد اللطيف حموشي"
aliases = ["حموشي", "عبد اللطيف حموشي"]

[[entity]]
id = "spain"
kind = "place"
name = "إسبانيا"
aliases = ["إسبانيا"]
"""
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def distinct_words(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(LETTERS, k=rng.randint(4, 9))) + str(n) for n in range(count)]


@pytest.fixture
def small_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fuzzymatch, "_CACHE_LIMIT", 300)


@pytest.mark.usefixtures("small_caches")
def test_a_text_keeps_its_spans_when_later_texts_empty_the_cache() -> None:
    first = Scanned(" ".join(distinct_words(200, seed=1)))
    for seed in range(2, 12):  # 2,000 more distinct words: the cache empties several times
        Scanned(" ".join(distinct_words(200, seed=seed)))
    words = first.words
    for index in range(len(words)):
        start, end = first.span(index)
        assert first.text[start:end].startswith(words[index][:4])


@pytest.mark.usefixtures("small_caches")
def test_a_stream_of_200000_distinct_words_matches_every_article() -> None:
    matcher = Matcher.compile(parse_rules(RULES))
    words = distinct_words(200_000)
    found = 0
    for n in range(0, len(words), 100):
        text = (
            " ".join(words[n : n + 50])
            + " حموشي يستقبل سفير إسبانيا "
            + " ".join(words[n + 50 : n + 100])
        )
        result = matcher.match(MatchInput(id=str(n), title="خبر", summary=text))
        assert set(result.entities) == {"hammouchi", "spain"}, n
        for hit in result.hits:
            assert text[hit.start : hit.end] in ("حموشي", "إسبانيا")
        found += 1
    assert found == 2_000


@pytest.mark.usefixtures("small_caches")
@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet=LETTERS + " ـَ", min_size=1, max_size=12), min_size=1, max_size=80))
def test_spans_always_cover_their_words_whatever_the_cache_did(chunks: list[str]) -> None:
    text = " ".join(chunks)
    scanned = Scanned(text)
    Scanned(" ".join(distinct_words(600, seed=len(text))))  # empties the cache in between
    for index, word in enumerate(scanned.words):
        start, end = scanned.span(index)
        assert normalise(text[start:end]) == word
