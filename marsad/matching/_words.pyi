"""Types of the compiled proclitic cutter (`_words.c`)."""

from collections.abc import Iterable, Sequence

class WordCutter:
    """Tokens with their runs of proclitics cut off, for the archive index."""

    def __init__(self, prefixes: Sequence[str], max_word: int) -> None: ...
    def cut(self, tokens: Iterable[str], /) -> set[str]:
        """Each token (to `max_word` characters) and what follows each run of `prefixes`."""
