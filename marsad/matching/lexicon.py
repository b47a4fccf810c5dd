"""Common-word frequencies (wordfreq), folded like everything else, to veto false hits.

A fuzzy or derived form that is an ordinary word (الأماني "wishes" one letter from ألمانيا)
must not count as a name.  The Arabic list is folded once, lazily, summing the frequencies of
spellings that fold together.
"""

from __future__ import annotations

import math
from functools import lru_cache

import wordfreq

from marsad.matching.normalise import fold

_LATIN_LANGUAGES = ("en", "fr", "es")


@lru_cache(maxsize=1)
def _arabic() -> dict[str, float]:
    folded: dict[str, float] = {}
    # The packed list (buckets of words, one per centibel of frequency) rather than
    # get_frequency_dict: no second 620,000-entry dict alive while this one is built.
    for index, bucket in enumerate(wordfreq.get_frequency_list("ar")):
        freq = wordfreq.cB_to_freq(-index)
        for word in bucket:
            key = fold(word)
            folded[key] = folded.get(key, 0.0) + freq
    wordfreq.get_frequency_list.cache_clear()  # only the folded copy is read again
    return folded


def zipf(word: str) -> float:
    """Zipf frequency (0 = unseen, 3 = once per million words, 7 = "the") of a folded word."""
    if not word:
        return 0.0
    if "\u0600" <= word[0] <= "\u08ff":
        freq = _arabic().get(word, 0.0)
        return math.log10(freq) + 9.0 if freq > 0 else 0.0
    return _latin(word)


@lru_cache(maxsize=100_000)
def _latin(word: str) -> float:
    return float(max(wordfreq.zipf_frequency(word, lang) for lang in _LATIN_LANGUAGES))
