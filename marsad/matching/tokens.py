"""Tokens: folded words with the span of the original text they come from."""

from __future__ import annotations

from dataclasses import dataclass

from marsad.matching.normalise import scan


@dataclass(frozen=True, slots=True)
class Token:
    """One word: its folded text and its [start, end) offsets in the original text."""

    text: str
    start: int
    end: int


def tokenise(text: str) -> list[Token]:
    """The folded tokens of `text`, in order, each with its original span."""
    words, starts, ends = scan(text)
    return [Token(w, s, e) for w, s, e in zip(words, starts, ends, strict=True)]
