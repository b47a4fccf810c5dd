"""Word-sequence keys found in token-joined folded text, with keys added incrementally.

Keys are word sequences followed by a space, searched in `" " + " ".join(tokens) + " "`, so a
key always ends on a token boundary; it may start up to `max_prefix` characters into its first
token, and what precedes it there is checked by the caller (proclitics).

Two searchers give the same occurrences in the same order.  The compiled one (`_keys.c`)
hashes each token's few possible stems and reads on only where a first word is known, so its
cost does not grow with the number of keys; an Aho-Corasick automaton (pyahocorasick) stands
in where the extension was not built.  New keys go to a small delta table rebuilt on the next
search; the delta is merged into the main one only when it has grown large, so adding one
query term never rebuilds everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ahocorasick

from marsad.matching.extensions import compiled
from marsad.matching.patterns import Target

_DELTA_MIN = 20_000


_KeyTable = compiled("_keys", "KeyTable")
COMPILED = _KeyTable is not None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A key found in a joined text: its first token, where that token and the key begin."""

    token: int
    token_begin: int
    start: int
    targets: list[Target]


class _Searcher:
    """One immutable batch of keys, searched by the compiled table or an automaton."""

    def __init__(self, entries: dict[str, list[Target]], keys: list[str], compiled: bool) -> None:
        # The targets are the keys' live lists: targets added later to an existing key need
        # no rebuild.
        self._targets = [entries[key] for key in keys]
        self._lengths = [len(key) for key in keys]
        self._table: Any = None
        self._automaton: Any = None
        if compiled and _KeyTable is not None:
            self._table = _KeyTable(keys)
        else:
            self._automaton = ahocorasick.Automaton()
            for number, key in enumerate(keys):
                self._automaton.add_word(key, number)
            self._automaton.make_automaton()

    def occurrences(self, joined: str, max_prefix: int) -> Iterator[Occurrence]:
        """Occurrences by the end of the key, longest first at one end (the automaton's order)."""
        if self._table is not None:
            found = memoryview(self._table.find(joined, max_prefix)).cast("i")
            targets = self._targets
            for i in range(0, len(found), 4):
                yield Occurrence(found[i + 3], found[i + 1], found[i + 2], targets[found[i]])
            return
        yield from self._automaton_occurrences(joined, max_prefix)

    def _automaton_occurrences(self, joined: str, max_prefix: int) -> Iterator[Occurrence]:
        # Token numbers count the spaces before a hit: from the previous hit onwards, since
        # hits come by end offset (and a later one rarely begins before an earlier one).
        counted_to, tokens_before = 0, -1
        for end, number in self._automaton.iter(joined):
            start = end - self._lengths[number] + 1
            token_begin = joined.rfind(" ", max(0, start - max_prefix - 1), start) + 1
            if not token_begin:
                continue  # inside a word, behind more than any run of proclitics
            if token_begin < counted_to:
                counted_to, tokens_before = 0, -1
            tokens_before += joined.count(" ", counted_to, token_begin)
            counted_to = token_begin
            yield Occurrence(tokens_before, token_begin, start, self._targets[number])


class KeyIndex:
    """Keys → targets, searchable in one pass over a text."""

    def __init__(self, *, compiled: bool = True) -> None:
        self._compiled = compiled
        self._targets: dict[str, list[Target]] = {}
        self._main: _Searcher | None = None
        self._main_size = 0
        self._delta_keys: list[str] = []
        self._delta: _Searcher | None = None
        self._dirty = False

    def __len__(self) -> int:
        return len(self._targets)

    def add(self, key: str, target: Target) -> None:
        """Register `target` under `key` (a new key becomes searchable at the next search)."""
        targets = self._targets.get(key)
        if targets is None:
            self._targets[key] = [target]
            self._delta_keys.append(key)
            self._dirty = True
        elif target not in targets:
            targets.append(target)

    def targets(self, key: str) -> list[Target]:
        """The targets registered under a key."""
        return self._targets[key]

    def has(self, key: str) -> bool:
        """Whether a key is registered."""
        return key in self._targets

    def _refresh(self) -> None:
        if not self._dirty:
            return
        if self._main is None or len(self._delta_keys) > max(_DELTA_MIN, self._main_size // 4):
            self._main = _Searcher(self._targets, list(self._targets), self._compiled)
            self._main_size = len(self._targets)
            self._delta_keys = []
            self._delta = None
        elif self._delta_keys:
            self._delta = _Searcher(self._targets, self._delta_keys, self._compiled)
        self._dirty = False

    def occurrences(self, joined: str, max_prefix: int) -> Iterator[Occurrence]:
        """Every key in `joined` (" " + tokens joined by spaces + " ") starting at most
        `max_prefix` characters into its first token: the main keys', then the newest."""
        self._refresh()
        for searcher in (self._main, self._delta):
            if searcher is not None:
                yield from searcher.occurrences(joined, max_prefix)
