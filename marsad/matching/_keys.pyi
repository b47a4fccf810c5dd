"""Types of the compiled exact-key table (`_keys.c`)."""

from collections.abc import Sequence

class KeyTable:
    """Word-sequence keys ("w1 w2 ... wn ") found by token in token-joined folded text."""

    def __init__(self, keys: Sequence[str]) -> None: ...
    def find(self, haystack: str, max_prefix: int, /) -> bytes:
        """int32 rows (key, token begin, start, token), one per occurrence."""
