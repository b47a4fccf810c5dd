"""Word-level vetoes: when a reading of a token is really another, ordinary word.

Frequencies come from wordfreq (lexicon.py).  A clitic reading is vetoed when the whole token
is a common word of its own (كريم is not ك + ريم); a fuzzy reading when the candidate is an
ordinary word (الأماني "wishes" is not a misspelt ألمانيا).
"""

from __future__ import annotations

from functools import lru_cache

from marsad.matching.forms import ALL_PREFIXES, ARTICLE, PREFIXES_ANY
from marsad.matching.fuzzy import end_trimmed
from marsad.matching.lexicon import zipf

# A token this common, and CLITIC_MARGIN Zipf points more common than the stem a clitic
# reading would leave, is a word of its own.
CLITIC_COMMON = 3.5
CLITIC_MARGIN = 0.5
# A fuzzy candidate is an ordinary word, not a misspelt name, when it is common.  Typos are
# rare (إسبانبا: Zipf 1.5), so a typo-like candidate is vetoed from Zipf TYPO_FLOOR; a
# spelling variant (a long vowel, a doubled letter, a confusable letter: الدنمرك, 2.2) only
# from VARIANT_FLOOR (المغاربي "Maghrebi", 2.9, one alef from المغربي; الأماني "wishes",
# 3.4).  A variant as common as that is an established spelling: list it as an alias.
TYPO_FLOOR = 2.0
VARIANT_FLOOR = 2.5
# ... or when it is this close (in Zipf points) to the name form's own frequency.
# (Rarer candidates than GAP_MIN are too rare for the comparison to mean anything.)
TYPO_GAP = 2.5
VARIANT_GAP = 1.0
GAP_MIN = 1.5


@lru_cache(maxsize=100_000)
def clitic_reading(token: str, stem_length: int) -> bool:
    """Whether `token` may be read as proclitics + its last `stem_length` letters.

    Not when the whole token, or what a shorter run of proclitics leaves (و + لبنان, not
    ول + بنان), is a common word far more frequent than that reading predicts.
    """
    stem = token[len(token) - stem_length :]
    reading = max(zipf(stem), zipf(ARTICLE + stem))
    for k in range(len(token) - stem_length):
        if k and token[:k] not in PREFIXES_ANY:
            continue
        rest = zipf(token[k:])
        if rest >= CLITIC_COMMON and rest > reading + CLITIC_MARGIN:
            return False
    return True


def first_letter(word: str) -> str:
    """The first letter, after ال when the word has one (اليمانية is not ألمانية)."""
    return word[2] if word.startswith(ARTICLE) and len(word) > 2 else word[0]


def fuzzy_vetoed(token: str, stem: str, form: str, *, person: bool, variant: bool) -> bool:
    """Whether a fuzzy reading (stem ≈ form, stem = token minus proclitics) is not a hit."""
    if first_letter(stem) != first_letter(form):
        return True  # a changed first letter is another word (بولندي is not ب + هولندي)
    if person and end_trimmed(stem, form):
        return True  # a family name one letter shorter or longer is another person
    return is_ordinary(token, stem, form, variant=variant)


def too_common_for_fuzzy(token: str) -> bool:
    """Whether every fuzzy reading of `token` would be vetoed as an ordinary word.

    `is_ordinary` vetoes any reading of a token this common (the whole token is one of its
    readings), so such a token needs no fuzzy lookup at all: half of a stream's new words.
    """
    return zipf(token) >= max(TYPO_FLOOR, VARIANT_FLOOR)


@lru_cache(maxsize=100_000)
def is_ordinary(token: str, stem: str, form: str, *, variant: bool) -> bool:
    """Whether a fuzzy candidate is an ordinary word rather than a misspelt name.

    It is when the token, or what is left of it after proclitics (الموانئ is ال + موانئ,
    "ports"), is common; or when the candidate is nearly as common as the name form itself:
    misspellings are a small fraction of a name's uses, real words are not.
    """
    floor, gap = (VARIANT_FLOOR, VARIANT_GAP) if variant else (TYPO_FLOOR, TYPO_GAP)
    readings = (
        token[len(p) :] for p in ALL_PREFIXES if token.startswith(p) and len(token) > len(p) + 1
    )
    if max(map(zipf, readings), default=0.0) >= floor:
        return True
    candidate = max(zipf(token), zipf(stem))
    own = max(zipf(form), zipf(ARTICLE + form))
    return candidate >= GAP_MIN and candidate >= own - gap
