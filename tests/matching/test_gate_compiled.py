"""The compiled fuzzy gate (`_gate.c`) lets through exactly the words Python would read.

The gate answers, for each new word of a text, whether any of its stems has a candidate in
the fuzzy index within that candidate's edit budget; only those words are read.  Letting a word through that has none only costs
time, but stopping one that has one would lose a misspelt name, so the gate is held to the
Python index's own `candidates` on generated names and words.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from marsad.matching import fuzzymatch
from marsad.matching.fuzzymatch import (
    _NO_PREFIX,
    _PREFIXES_BY_LETTER,
    FUZZY_MIN_LENGTH,
    FuzzyReader,
)
from marsad.matching.patterns import Source, Target
from marsad.matching.vetoes import too_common_for_fuzzy

needs_compiled = pytest.mark.skipif(
    not fuzzymatch.COMPILED,
    reason="the compiled fuzzy gate was not built here (no C compiler at install)",
)

# Proclitic letters, long vowels, dotted families and a digit: names close to each other and
# to words, short forms (variants only), one-edit forms (heads, tails, deletions) and two-edit
# forms (pieces) all come up; so do common words (والمغرب), which are never read.
LETTERS = "وفبلكالسيتثنمرزدذهع"
FORM = st.text(alphabet=LETTERS, min_size=4, max_size=13)
WORD = st.one_of(
    st.text(alphabet=LETTERS + "3", min_size=1, max_size=16),
    st.sampled_from(["والمغرب", "الدولية", "المتحدة", "بالتعاون", "والسلام"]),
    # a form with a proclitic in front and a letter changed, dropped or doubled
    st.tuples(st.sampled_from(["", "و", "ال", "بال", "ول"]), FORM, st.integers(0, 12)).map(
        lambda t: t[0] + t[1][: t[2]] + t[1][t[2] + 1 :]
    ),
    st.tuples(FORM, st.integers(0, 12), st.sampled_from(LETTERS)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
    ),
    # two neighbours swapped, or a letter replaced
    st.tuples(FORM, st.integers(0, 11)).map(
        lambda t: (
            t[0][: t[1]] + t[0][t[1] + 1 : t[1] + 2] + t[0][t[1] : t[1] + 1] + t[0][t[1] + 2 :]
        )
    ),
    st.tuples(FORM, st.integers(0, 12), st.sampled_from(LETTERS)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
    ),
)


def _target(form: str) -> Target:
    return Target(
        key=form,
        is_entity=True,
        alias=form,
        prefixes=frozenset({""}),
        words=1,
        source=Source.ALIAS,
    )


def _reader(forms: list[str], known: list[str]) -> FuzzyReader:
    reader = FuzzyReader()
    for form in forms:
        reader.add((form,), _target(form))
    reader.known.update(known)
    reader.forget()
    return reader


def _python_would_read(reader: FuzzyReader, word: str) -> bool:
    """Whether `FuzzyReader._read` finds a stem of `word` (its own loop) with a candidate
    within the candidate's budget, in a word not too common to be a misspelt name."""
    if too_common_for_fuzzy(word):
        return False
    tables = reader.index.gate_tables()
    for prefix in _PREFIXES_BY_LETTER.get(word[0], _NO_PREFIX):
        if not word.startswith(prefix):
            continue
        stem = word[len(prefix) :]
        if len(stem) < FUZZY_MIN_LENGTH or stem in reader.known:
            continue
        for form in reader.index.candidates(stem):
            if 0 < OSA.distance(stem, tables.forms[form]) <= tables.allowed[form]:
                return True
    return False


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(
    forms=st.lists(FORM, min_size=1, max_size=12),
    known=st.lists(FORM, max_size=4),
    words=st.lists(WORD, min_size=1, max_size=40),
)
def test_the_gate_passes_exactly_the_words_with_candidates(
    forms: list[str], known: list[str], words: list[str]
) -> None:
    reader = _reader(forms, known)
    passing = set(reader._worth_reading(words))
    assert passing == {word for word in words if _python_would_read(reader, word)}


@needs_compiled
def test_the_gate_is_rebuilt_when_names_are_added() -> None:
    reader = _reader(["بوريطه"], [])
    assert list(reader._worth_reading(["والحموشي"])) == []
    reader.add(("الحموشي",), _target("الحموشي"))
    assert list(reader._worth_reading(["والحموشى", "وبوريطا"])) == ["والحموشى", "وبوريطا"]


@pytest.mark.parametrize("compiled", [pytest.param(True, marks=needs_compiled), False])
def test_a_word_with_a_digit_or_too_long_is_never_read_but_a_misspelling_is(
    compiled: bool,
) -> None:
    reader = _reader(["بوريطه", "عبداللطيف", "بوريطهالمغرب"], [])
    reader._compiled = compiled
    # عبدالرحمن keeps the head of عبداللطيف and its length, but is two letters off;
    # بوريككككككك holds a piece of بوريطهالمغرب in its place, but is eight letters off
    words = ["بوريطا", "بوريط3", "ب" * 40, "عبداللطبف", "عبدالرحمن", "بوريكككككككك", "الرباط"]
    assert set(reader._worth_reading(words)) >= {"بوريطا", "عبداللطبف"}
    if compiled:
        assert set(reader._worth_reading(words)) == {"بوريطا", "عبداللطبف"}
