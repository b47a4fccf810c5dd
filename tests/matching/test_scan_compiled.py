"""The compiled tokeniser (`_scan.c`) and the pure-Python path cut every text the same way.

The compiled scanner is the fast path of `Scanned`; where it was not built (no C compiler at
install) the regular-expression path runs instead.  Whichever runs, a user must get the same
tokens, the same offsets back into the article (the highlighted surface of a hit) and the same
matches.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.matching import normalise
from marsad.matching.normalise import LONG_WORD, Scanned

needs_compiled = pytest.mark.skipif(
    not normalise.COMPILED,
    reason="the compiled tokeniser was not built here (no C compiler at install)",
)

# Every kind of character the tokeniser tells apart: Arabic letters of the main and extended
# blocks, harakat and tatweel (folded away), direction marks, Arabic-Indic and other decimal
# digits, Latin (upper case, accents), Cyrillic, CJK, a superscript digit, an Ethiopic numeral
# (a word character that is not a decimal), "_", Arabic and Latin punctuation, spaces, a presentation-form
# ligature (folds to several letters: the slow path), a character outside the BMP, and the
# characters the fold uses as placeholders.
ALPHABET = (
    "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةى"
    "ٱڭگپچژکیۀ"
    "ݐݑࢠࢡ"
    "\u064b\u064e\u0650\u0651\u0652\u0640\u0670"
    "\u200c\u200d\u200f\u061c"
    "٠١٢٣٤٥٦٧٨٩۴"
    "0123456789"
    "٣२३"
    "abcXYZéÉßñµ"  # µ folds to a Greek letter: a wider string than the text
    "жЖя中文²፩_"
    "،؛؟«».,:;!?()-\"'/"
    " \n\t\u00a0"
    "ﻻﷺ"
    "\U0001d400😀"
    "\x02\x03"  # the fold's own placeholders, typed into the input
)


def _same(text: str) -> None:
    fast = Scanned(text, long_words=True)
    slow = Scanned(text, long_words=True, compiled=False)
    assert fast.joined == slow.joined
    assert fast.words == slow.words
    assert fast.long_words == slow.long_words
    assert [fast.span(i) for i in range(len(fast.words))] == [
        slow.span(i) for i in range(len(slow.words))
    ]


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_the_compiled_and_python_paths_cut_any_text_alike(text: str) -> None:
    _same(text)


@needs_compiled
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("وزير الداخلية", ["وزير", "الداخليه"]),
        ("بـ2030", ["ب", "2030"]),  # a script change splits a word
        ("رؤية2030الجديدة", ["رءيه", "2030", "الجديده"]),
        ("المغـــرب", ["المغرب"]),  # tatweel is folded away inside the word
        ("مَرْصَد", ["مرصد"]),  # harakat too
        ("Interpol الإنتربول", ["interpol", "الانتربول"]),
        ("«الأمن»، و«التعاون»؛", ["الامن", "و", "التعاون"]),
        ("٢٠٢٦/١٢/٠٥", ["2026", "12", "05"]),
        ("snake_case", ["snake", "case"]),
        ("x² مرّة", ["x", "2", "مره"]),  # ² folds to 2
        ("፩፪ ب", ["፩፪", "ب"]),  # numerals that are word characters but not decimals
        ("", []),
        ("  ،،  ", []),
    ],
)
def test_a_table_of_texts_gives_the_same_words_both_ways(text: str, words: list[str]) -> None:
    assert Scanned(text).words == words
    assert Scanned(text, compiled=False).words == words
    _same(text)


def test_long_words_are_the_distinct_words_of_five_letters_or_more() -> None:
    scanned = Scanned("الأمن والأمن في المغرب المغرب", long_words=True)
    assert scanned.long_words == {"الامن", "والامن", "المغرب"}
    assert all(len(word) >= LONG_WORD for word in scanned.long_words)
