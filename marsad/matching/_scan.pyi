"""Types of the compiled tokeniser (`_scan.c`)."""

def scan(folded: str, min_long: int, /) -> tuple[str, bytes, set[str]]:
    """The tokens of folded text: joined by spaces, int32 [start, end) pairs, long words."""
