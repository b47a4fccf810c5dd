"""One Aho-Corasick automaton over token-joined folded text, grown incrementally.

Keys are word sequences followed by a space, searched in `" " + " ".join(tokens) + " "`, so a
key always ends on a token boundary; what precedes it inside the first token is checked by
the caller (proclitics).  New keys go to a small delta automaton rebuilt on the next search;
the delta is merged into the main one only when it has grown large, so adding one query term
never rebuilds everything.
"""

from __future__ import annotations

from typing import Any

import ahocorasick

from marsad.matching.patterns import Target

_DELTA_MIN = 20_000


def _build(entries: dict[str, list[Target]], keys: list[str]) -> Any:
    automaton = ahocorasick.Automaton()
    for key in keys:
        # The value is the key's live target list: targets added later to an existing key
        # need no rebuild.
        automaton.add_word(key, (len(key), entries[key]))
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
        if self._main is None or len(self._delta_keys) > max(_DELTA_MIN, self._main_size // 4):
            self._main = _build(self._targets, list(self._targets))
            self._main_size = len(self._targets)
            self._delta_keys = []
            self._delta = None
        elif self._delta_keys:
            self._delta = _build(self._targets, self._delta_keys)
        self._dirty = False

    def automata(self) -> list[Any]:
        """The automata to run over a token-joined text; values are (key length, targets)."""
        self._refresh()
        return [a for a in (self._main, self._delta) if a is not None]
