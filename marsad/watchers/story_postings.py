"""Candidate retrieval for stories: an inverted index from rare words to the items using them.

Pure. A new item's candidates are the indexed items that share the most weight of rare words
with it (names, places, figures, the event's own vocabulary), as a search engine ranks
documents. Words shared by many items are skipped: they cost the most to scan and say the least.
Posting lists are compact arrays; an evicted item is only counted as dead in its words' lists,
and a list is compacted when half of it is dead, so eviction stays cheap.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Collection, Iterable
from operator import itemgetter

POSTING_CAP = 300
"""A word used by more items of the window than this is not scanned for candidates."""
TOP_CANDIDATES = 24
"""How many of the best-sharing items are weighed in full."""


class Postings:
    """Word hash -> ids of the live items using it (plus some dead ids, compacted lazily)."""

    def __init__(self) -> None:
        self._lists: dict[int, array[int]] = {}
        self._dead: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._lists)

    def add(self, item: int, words: Iterable[int]) -> None:
        lists = self._lists
        for word in words:
            found = lists.get(word)
            if found is None:
                lists[word] = array("I", (item,))
            else:
                found.append(item)

    def remove(self, words: Iterable[int], alive: Collection[int]) -> None:
        """Note that an item using ``words`` left; ``alive`` holds the ids still indexed."""
        for word in words:
            found = self._lists.get(word)
            if found is None:
                continue
            dead = self._dead.get(word, 0) + 1
            if dead * 2 >= len(found):
                kept = array("I", (i for i in found if i in alive))
                if kept:
                    self._lists[word] = kept
                else:
                    del self._lists[word]
                self._dead.pop(word, None)
            else:
                self._dead[word] = dead

    def candidates(
        self,
        words: Iterable[tuple[int, float]],
        alive: Collection[int],
        weight: Callable[[int, float], float],
        limit: int = TOP_CANDIDATES,
    ) -> list[int]:
        """The ``limit`` live items sharing the most weight of ``words`` ((hash, prior) pairs)."""
        shared: dict[int, float] = {}
        lists = self._lists
        for word, prior in words:
            found = lists.get(word)
            if found is None or len(found) > POSTING_CAP:
                continue
            gain = weight(word, prior)
            for item in found:
                shared[item] = shared.get(item, 0.0) + gain
        best = heapq.nlargest(limit + 8, shared.items(), key=itemgetter(1))
        return [item for item, _ in best if item in alive][:limit]
