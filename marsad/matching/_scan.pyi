"""Types of the compiled tokeniser (`_scan.c`)."""

from collections.abc import Mapping

def scan(folded: str, min_long: int, /) -> tuple[str, bytes, set[str]]:
    """The tokens of folded text: joined by spaces, int32 [start, end) pairs, long words."""

def set_fold(table: Mapping[int, str], /) -> None:
    """The same-length fold of each character, for `fold_scan` (set at import)."""

def fold_scan(text: str, min_long: int, /) -> tuple[str, bytes, set[str]] | None:
    """`scan` of `text` folded by the table; None where a character folds to several."""
