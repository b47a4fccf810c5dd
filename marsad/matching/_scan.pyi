"""Types of the compiled tokeniser (`_scan.c`)."""

from collections.abc import Callable, Mapping

def scan(folded: str, min_long: int, /) -> tuple[str, bytes, set[str]]:
    """The tokens of folded text: joined by spaces, int32 [start, end) pairs, long words."""

def set_fold(table: Mapping[int, str], whole: Callable[[str], str], /) -> None:
    """Each character's same-length fold and whole fold, for `fold_scan` (set at import)."""

def fold_scan(text: str, min_long: int, /) -> tuple[str, bytes, set[str]]:
    """`scan` of `text` folded, with bounds in `text` even where a character expands."""
