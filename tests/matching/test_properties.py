"""Invariants of folding and recognition, checked on generated text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.matching.normalise import _FAST_TABLE, fold_same_length, normalise, scan_slow
from marsad.matching.tokens import tokenise
from tests.matching._entities import RECOGNISER

HARAKAT = [chr(c) for c in range(0x064B, 0x0653)] + ["\u0670", "\u0654", "\u0655"]
MARKS = [*HARAKAT, "\u0640", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u061c", "\u2066"]

# Words that hit, nearly hit, or carry clitics, mixed with ordinary words and punctuation.
VOCABULARY = [
    "حموشي", "الحموشي", "عبد", "اللطيف", "عبداللطيف", "بوريطة", "لفتيت", "لشكر", "كريم",
    "إسبانيا", "وبإسبانيا", "إسبانبا", "الإسبانية", "المغرب", "وللمغرب", "صلاة", "العربي",
    "تونس", "التونس", "العراق", "ألمانيا", "الأماني", "الشرطة", "للشرطة", "المخدرات",
    "الهجرة", "غير", "الشرعية", "مهاجرين", "شرعيين", "جريمتهم", "2030", "٢٠٣٠", "بـ2030",
    "Hammouchi", "España", "World", "Cup", "قال", "في", "مع", "الوزير", "،", "«", "»", "؟",
    ".", "-", "(", ")",
]  # fmt: skip

ARABIC_TEXT = st.text(
    alphabet=st.sampled_from(
        [chr(c) for c in range(0x0621, 0x0656)]
        + MARKS
        + list(" ،؛؟«».-\n\t0123456789٠١٢٣٤٥٦٧٨٩abcXYZéßﻷﻹﷺ\ufe8d\ufee0")
    ),
    max_size=60,
)

SENTENCES = st.lists(st.sampled_from(VOCABULARY), max_size=14).map(" ".join)


@given(st.one_of(ARABIC_TEXT, st.text(max_size=40)))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(
    st.one_of(ARABIC_TEXT, st.text(max_size=40), st.text(alphabet="\x02\x03ةأABzé ـ", max_size=20))
)
def test_the_fast_fold_is_the_per_character_table(text: str) -> None:
    """The C-speed replacements and the per-character table fold every text alike."""
    assert fold_same_length(text) == text.translate(_FAST_TABLE)


@given(st.one_of(ARABIC_TEXT, st.text(max_size=40)))
def test_whole_text_tokens_equal_the_character_walk(text: str) -> None:
    words, starts, ends = scan_slow(text)
    assert [(t.text, t.start, t.end) for t in tokenise(text)] == list(
        zip(words, starts, ends, strict=True)
    )


@st.composite
def with_marks(draw: st.DrawFn) -> tuple[str, str]:
    text = draw(SENTENCES)
    marked = list(text)
    for _ in range(draw(st.integers(0, 12))):
        position = draw(st.integers(0, len(marked)))
        marked.insert(position, draw(st.sampled_from(MARKS)))
    return text, "".join(marked)


def _matches(text: str) -> set[tuple[str, int, int, int]]:
    return {(h.key, h.token_start, h.token_end, h.distance) for h in RECOGNISER.find(text)}


@settings(max_examples=300, deadline=None)  # the first example loads the lexicon
@given(with_marks())
def test_marks_never_change_the_matches(pair: tuple[str, str]) -> None:
    plain, marked = pair
    assert _matches(marked) == _matches(plain)


@settings(max_examples=300, deadline=None)  # the first example loads the lexicon
@given(st.one_of(with_marks().map(lambda p: p[1]), ARABIC_TEXT))
def test_a_hit_span_is_its_surface(text: str) -> None:
    tokens = tokenise(text)
    for hit in RECOGNISER.find(text):
        assert text[hit.start : hit.end] == hit.surface
        assert hit.start == tokens[hit.token_start].start
        assert hit.end == tokens[hit.token_end - 1].end
        assert len(normalise(hit.surface).split()) == hit.token_end - hit.token_start
