"""Fuzzy readings of tokens, cached per token text, and their placement in a text.

A single-word name form is a hit on one token; a word of a multi-word name (عبد الوافي
لفتيت) is a hit only where the other words of the name stand, exactly, around it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from marsad.matching.extensions import compiled
from marsad.matching.forms import ALL_PREFIXES
from marsad.matching.fuzzy import FuzzyIndex
from marsad.matching.normalise import LONG_WORD, Scanned
from marsad.matching.patterns import Target
from marsad.matching.vetoes import fuzzy_vetoed, too_common_for_fuzzy

# Neither the name form nor the candidate may be shorter than this for a fuzzy hit.
FUZZY_MIN_LENGTH = LONG_WORD
_CACHE_LIMIT = 200_000
# Proclitic runs by first letter, shortest first ("" first: whole-token analysis first).
_NO_PREFIX = ("",)
_PREFIXES_BY_LETTER = {
    letter: ("", *sorted((p for p in ALL_PREFIXES if p.startswith(letter)), key=len))
    for letter in {p[0] for p in ALL_PREFIXES if p}
}


_FuzzyGate = compiled("_gate", "FuzzyGate")
COMPILED = _FuzzyGate is not None


@dataclass(frozen=True, slots=True)
class NameWord:
    """What a fuzzy-indexed form stands for: word `index` of a name's `words`."""

    target: Target
    words: tuple[str, ...]
    index: int


@dataclass(frozen=True, slots=True)
class Reading:
    """A fuzzy reading of one token: proclitics cut, the name word it misspells, how far."""

    prefix: int
    word: NameWord
    distance: int


@dataclass(frozen=True, slots=True)
class Placed:
    """A fuzzy hit placed in a text: token range, proclitics of its first token, target."""

    token_start: int
    token_end: int
    prefix: int
    target: Target
    distance: int


class FuzzyReader:
    """Fuzzy readings of tokens against an index, remembered per token text."""

    def __init__(self, *, compiled: bool = True) -> None:
        self.index = FuzzyIndex()
        self.known: set[str] = set()  # every exact single-word form: never a fuzzy hit
        self._seen: set[str] = set()
        self._readings: dict[str, tuple[Reading, ...]] = {}
        self._compiled = compiled
        self._gate: Any = None  # built on the first read after a change

    def add(self, words: tuple[str, ...], target: Target) -> None:
        """Index a name's words for fuzzy lookup."""
        for i, word in enumerate(words):
            self.index.add(word, NameWord(target, words, i))
        self.forget()

    def forget(self, only_hits: bool = False) -> None:
        """Drop remembered readings (only the tokens that had some, when words were added)."""
        self._gate = None  # the index or the known words changed
        if only_hits:
            self._seen.difference_update(self._readings)
        else:
            self._seen.clear()
        self._readings.clear()

    def place(self, scanned: Scanned, covered: set[int]) -> list[Placed]:
        """Fuzzy hits in a scanned text, skipping tokens already covered by exact hits."""
        if not len(self.index):
            return []
        vocabulary = scanned.long_words  # only words this long are ever read
        unseen = vocabulary - self._seen
        if unseen:
            if len(self._seen) > _CACHE_LIMIT:
                self.forget()
                unseen = vocabulary  # this text's words read before were forgotten too
            for word in self._worth_reading(unseen):
                readings = self._read(word)
                if readings:
                    self._readings[word] = readings
            self._seen |= unseen
        positive = vocabulary & self._readings.keys()
        if not positive:
            return []
        words = scanned.words
        out: list[Placed] = []
        for i, word in enumerate(words):
            if word in positive and i not in covered:
                for reading in self._readings[word]:
                    placed = _placed(words, i, reading)
                    if placed is not None:
                        out.append(placed)
        return out

    def _worth_reading(self, words: Iterable[str]) -> Iterable[str]:
        """The words that can have a reading: a stem within budget of some indexed form, and
        not too common.

        Nearly every new word of a stream has none; the compiled gate (`_gate.c`) says so
        with `FuzzyIndex.candidates`' own tests and the edit distance at C speed.  Without it
        every word is read.
        """
        if not self._compiled or _FuzzyGate is None:
            return words
        if self._gate is None:
            tables = self.index.gate_tables()
            self._gate = _FuzzyGate(
                prefixes=[p for p in ALL_PREFIXES if p],
                known=list(self.known),
                forms=tables.forms,
                allowed=tables.allowed,
                variants=tables.variants,
                heads=tables.heads,
                tails=tables.tails,
                pieces=tables.pieces,
                deletions=tables.deletions,
                min_stem=FUZZY_MIN_LENGTH,
                min_length=tables.min_length,
                max_length=tables.max_length,
            )
        # Every word through the gate has a stem to read, so the other cheap test that ends
        # `_read` at once comes next: a word too common to be a misspelt name.
        return [word for word in self._gate.passing(words) if not too_common_for_fuzzy(word)]

    def _read(self, token: str) -> tuple[Reading, ...]:
        """Fuzzy readings of one token, fewest proclitics first, one per name word."""
        stems = []
        for prefix in _PREFIXES_BY_LETTER.get(token[0], _NO_PREFIX):
            if not token.startswith(prefix):
                continue
            stem = token[len(prefix) :]
            if len(stem) < FUZZY_MIN_LENGTH or stem in self.known:
                continue
            candidates = self.index.candidates(stem)
            if candidates:
                stems.append((prefix, stem, candidates))
        # Cheap tests first: most tokens have no stem near any form; of the rest, those too
        # common to be a misspelt name are vetoed whatever they are near.
        if not stems or too_common_for_fuzzy(token):
            return ()
        best: dict[NameWord, Reading] = {}
        taken: set[str] = set()
        for prefix, stem, candidates in stems:
            for match in self.index.matches(stem, candidates):
                name = match.form.payload
                assert isinstance(name, NameWord)
                target = name.target
                allowed = target.prefixes if name.index == 0 else frozenset({""})
                if prefix not in allowed or name in best:
                    continue
                if len(name.words) == 1 and target.key in taken:
                    continue
                if fuzzy_vetoed(
                    token, stem, match.form.form, person=target.person, variant=match.cheap
                ):
                    continue
                best[name] = Reading(len(prefix), name, match.distance)
                if len(name.words) == 1:
                    taken.add(target.key)
        return tuple(best.values())


def _placed(words: list[str], at: int, reading: Reading) -> Placed | None:
    """The hit a reading makes at token `at`, if the rest of its name stands around it."""
    name = reading.word
    start = at - name.index
    end = start + len(name.words)
    if start < 0 or end > len(words):
        return None
    prefix = reading.prefix
    for j, expected in enumerate(name.words):
        if j == name.index:
            continue
        token = words[start + j]
        if j == 0:
            cut = len(token) - len(expected)
            if not token.endswith(expected) or token[:cut] not in name.target.prefixes:
                return None
            prefix = cut
        elif token != expected:
            return None
    return Placed(start, end, prefix, name.target, reading.distance)
