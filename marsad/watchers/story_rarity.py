"""How rare a word is among the stories of the window, for weighing story evidence.

Pure. Two reports of one event share its names, places, figures and rare words; two reports of
different events share the common words of the beat. A word's weight is its inverse document
frequency over the window, smoothed towards its frequency in the language at large (wordfreq),
so that the first items after a start are weighed sensibly too (a cold start): with an empty
window the prior alone decides, with a full one the window does.

Frequencies count stories, not items: an event told by ten outlets uses its names ten times,
and they must stay rare for its eleventh report to join. The index adds to the counts only the
words an item brings to its story.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

DOC_WORDS = 80
"""About how many words a title and lead hold: turns a word's frequency in running text into
the share of items expected to contain it."""
PRIOR_ITEMS = 200.0
"""How many items of the window the prior weighs as: after a few hundred items the window's own
counts dominate (an official's name is rare in Arabic at large but common on this beat)."""
UNSEEN_RATE = DOC_WORDS * 1e-9
"""The prior for a word wordfreq does not list (a name, a rare spelling): rarer than any listed."""


def prior_rate(zipf: float) -> float:
    """The share of items expected to contain a word of this Zipf frequency (0: unlisted)."""
    if zipf <= 0:
        return UNSEEN_RATE
    return min(1.0, DOC_WORDS * math.pow(10.0, zipf - 9.0))


RARE_SHARE = 1 / 150
"""A word used by at most this share of the stories of the window is rare: a name, a place, the
event's own terms..."""
RARE_COUNT = 5.0
"""...or by at most this many stories, so that in a small window the words of an event told by
a few outlets stay rare."""


class Rarity:
    """Story frequencies of word hashes over the window, and the weights they give."""

    __slots__ = ("_counts", "size")

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}
        self.size = 0

    def add(self, words: Iterable[int], *, new_story: bool = True) -> None:
        """Count ``words`` once more; ``new_story``: they open a story (the size grows)."""
        counts = self._counts
        for word in words:
            counts[word] = counts.get(word, 0) + 1
        if new_story:
            self.size += 1

    def remove(self, words: Iterable[int], *, new_story: bool = True) -> None:
        counts = self._counts
        for word in words:
            left = counts.get(word, 0) - 1
            if left > 0:
                counts[word] = left
            else:
                counts.pop(word, None)
        if new_story:
            self.size = max(0, self.size - 1)

    def count(self, word: int) -> int:
        """How many stories of the window use the word."""
        return self._counts.get(word, 0)

    def weight(self, word: int, prior: float) -> float:
        """The word's inverse story frequency (natural log), smoothed towards ``prior``."""
        seen = self._counts.get(word, 0)
        return -math.log((seen + PRIOR_ITEMS * prior) / (self.size + PRIOR_ITEMS))

    def weights(
        self, words: Iterable[int], priors: Iterable[float], known: Mapping[int, float]
    ) -> dict[int, float]:
        """Each word's ``weight``, or its value in ``known`` where it has one: the words of an
        indexed item as weighed against a new one (the hot loop of story comparison)."""
        seen = self._counts.get
        total = self.size + PRIOR_ITEMS
        log = math.log
        return {
            w: known[w] if w in known else -log((seen(w, 0) + PRIOR_ITEMS * p) / total)
            for w, p in zip(words, priors, strict=True)
        }

    def weight_with(self, word: int, prior: float) -> float:
        """The weight as if one more story (the new item being weighed) used the word: its
        own words then count as they will once it is indexed, like the candidate's."""
        seen = self._counts.get(word, 0) + 1
        return -math.log((seen + PRIOR_ITEMS * prior) / (self.size + 1 + PRIOR_ITEMS))

    def rare_with(self, word: int, prior: float) -> bool:
        """Whether the word is rare, counting the new item being weighed (``weight_with``)."""
        seen = self._counts.get(word, 0) + 1 + PRIOR_ITEMS * prior
        return seen <= max(RARE_COUNT, (self.size + 1 + PRIOR_ITEMS) * RARE_SHARE)
