"""The words the archive index keeps for an item: its folded tokens and their de-cliticised stems.

A bare query word matches a token made of allowed proclitics (و ف ب ك ل ال …) followed by one
of the word's forms (``matching.patterns.term_patterns``); a phrase's later words are whole
tokens.  So an item can only match a word whose form is one of its tokens with at most one run
of proclitics cut off the front: those are exactly the words indexed here (each item once, no
positions).  Asking the index for the forms of a query's words therefore finds every item the
exact matcher can accept, and more (a cut that the matcher's clitic rules refuse); the exact
matcher then decides.  Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from marsad.matching.extensions import compiled
from marsad.matching.forms import ALL_PREFIXES
from marsad.matching.normalise import Scanned, normalise

MAX_WORD = 64
"""Characters of a word kept in the index (both sides are cut alike, so a longer word still
finds its items; PostgreSQL refuses lexemes over 2 KB)."""
MAX_ITEM_BYTES = 400_000
"""An item whose distinct words exceed this (UTF-8) is indexed as ``UNINDEXED`` instead:
PostgreSQL keeps a tsvector under 1 MB, and such an item (a multi-megabyte page) is rare."""
UNINDEXED = "ـ"
"""The word of an item too large to index: every index question also asks for it, so such an
item is always a candidate.  A lone tatweel, which folding deletes from every real token."""
_PREFIXES = frozenset(prefix for prefix in ALL_PREFIXES if prefix)
_LONGEST = max(map(len, _PREFIXES))
_PROBE = (
    "أإآٱ ؤئ ى ة ھ ک گ ڭ ڤ پ چ ژ ـ ۥ َُِّْ ٠١٢٣٤٥٦٧٨٩ ۰۱۲ ﻻ ﷲ ﷺ é ß Ǆ ｆｕｌｌ \u200b\u200f"
    " والمغرب وبالعاصمة للرباط Straße MAROC 2030م"
)
_BY_SIZE = tuple(
    frozenset(prefix for prefix in _PREFIXES if len(prefix) == size) for size in range(_LONGEST + 1)
)
_STARTS = frozenset(prefix[0] for prefix in _PREFIXES)


_WordCutter = compiled("_words", "WordCutter")
_cutter = _WordCutter(sorted(_PREFIXES), MAX_WORD) if _WordCutter is not None else None


def scheme() -> str:
    """What the stored words depend on besides the items: the proclitics cut, the word length
    and the folding (seen through a probe text).  A store indexed under another scheme is
    indexed again when it is opened (``archive.refresh``)."""
    basis = "\n".join(["1", str(MAX_WORD), " ".join(sorted(_PREFIXES)), normalise(_PROBE)])
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def variants(token: str) -> tuple[str, ...]:
    """The token, and what remains of it after each run of proclitics it starts with."""
    cuts = [
        token[size : size + MAX_WORD]
        for size in range(1, min(_LONGEST, len(token) - 1) + 1)
        if token[:size] in _BY_SIZE[size]
    ]
    return (token[:MAX_WORD], *cuts)


def item_words(fields: Iterable[str]) -> list[str]:
    """The distinct index words of an item's fields (title, summary, text), or ``[UNINDEXED]``
    when there are too many to keep.  In no particular order.

    No cache of tokens (one held ~24 MB): the item's distinct tokens are cut in one C pass
    (`matching/_words.c`), or in one Python pass per proclitic length without it."""
    tokens: set[str] = set()
    for value in fields:
        if value:
            tokens.update(Scanned(value).joined.split())
    words = _cutter.cut(tokens) if _cutter is not None else _cut(tokens)
    if len(" ".join(words).encode("utf-8")) > MAX_ITEM_BYTES:
        return [UNINDEXED]
    return list(words)


def _cut(tokens: set[str]) -> set[str]:
    """Each token and what follows each run of proclitics it starts with (the compiled
    cutter's pure-Python twin)."""
    words = {token[:MAX_WORD] for token in tokens}
    clitic = [token for token in tokens if token[0] in _STARTS]
    for size in range(1, _LONGEST + 1):
        prefixes = _BY_SIZE[size]
        words.update(
            token[size : size + MAX_WORD]
            for token in clitic
            if len(token) > size and token[:size] in prefixes
        )
    return words


def lookup_word(form: str) -> str:
    """The index word that stands for a folded word form in a question."""
    return form[:MAX_WORD]
