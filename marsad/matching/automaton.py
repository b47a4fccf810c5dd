"""One Aho-Corasick automaton over token-joined folded text, grown incrementally.

Keys are word sequences followed by a space, searched in `" " + " ".join(tokens) + " "`, so a
key always ends on a token boundary; what precedes it inside the first token is checked by
the caller (proclitics).  New keys go to a small delta automaton rebuilt on the next search;
the delta is merged into the main one only when it has grown large, so adding one query term
never rebuilds everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ahocorasick

from marsad.matching.patterns import Target

_DELTA_MIN = 20_000


def _build(keys: list[str]) -> Any:
    automaton = ahocorasick.Automaton()
    for key in keys:
        automaton.add_word(key, key)
    automaton.make_automaton()
    return automaton


class KeyIndex:
    """Keys → targets, searchable in one pass over a text."""

    def __init__(self) -> None:
        self._targets: dict[str, list[Target]] = {}
        self._main: Any = None
        self._main_size = 0
        self._delta_keys: list[str] = []
        self._delta: Any = None
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
        if len(self._delta_keys) > max(_DELTA_MIN, self._main_size // 4):
            self._main = _build(list(self._targets))
            self._main_size = len(self._targets)
            self._delta_keys = []
            self._delta = None
        elif self._delta_keys:
            self._delta = _build(self._delta_keys)
        self._dirty = False

    def search(self, joined: str) -> Iterator[tuple[int, str]]:
        """(end index, key) of every key occurrence in the token-joined text."""
        self._refresh()
        if self._main is not None:
            yield from self._main.iter(joined)
        if self._delta is not None:
            yield from self._delta.iter(joined)
