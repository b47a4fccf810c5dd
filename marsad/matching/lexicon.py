"""Common-word frequencies (wordfreq), folded like everything else, to veto false hits.

A fuzzy or derived form that is an ordinary word (الأماني "wishes" one letter from ألمانيا)
must not count as a name.  The frequencies ship pre-built in ``data/lexicon.bin`` (Arabic
spellings that fold together summed, en/fr/es words as wordfreq gives them; docs/lexicon.md),
read on first use in ~10 ms (~11 MB) instead of folding wordfreq's 620,000 Arabic words
(~1.5 s, ~140 MB).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from marsad.matching.lexicon_file import read

DATA = Path(__file__).with_name("data") / "lexicon.bin"


class Frequencies(Protocol):
    """Anything that gives the Zipf frequency of a folded word."""

    def zipf(self, word: str) -> float:
        """Zipf frequency (0 = unseen, 3 = once per million words) of a folded word."""
        ...


@lru_cache(maxsize=1)
def frequencies() -> Frequencies:
    """The shipped lexicon, read once per process."""
    return read(DATA)


def zipf(word: str) -> float:
    """Zipf frequency (0 = unseen, 3 = once per million words, 7 = "the") of a folded word."""
    global _zipf
    if _zipf is None:
        _zipf = frequencies().zipf  # compiling 20,000 entities asks ~1.2 million times
    return _zipf(word)


_zipf: Callable[[str], float] | None = None
