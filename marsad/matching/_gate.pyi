"""Types of the compiled fuzzy gate (`_gate.c`)."""

from collections.abc import Iterable, Mapping, Sequence, Set

class FuzzyGate:
    """Which words can have a fuzzy reading: FuzzyIndex.candidates' tests at C speed."""

    def __init__(
        self,
        prefixes: Sequence[str],
        known: Sequence[str],
        variants: Sequence[str],
        heads: Mapping[str, Set[int]],
        tails: Mapping[str, Set[int]],
        pieces: Mapping[str, Sequence[tuple[int, int, int]]],
        deletions: Sequence[str],
        min_stem: int,
        min_length: int,
        max_length: int,
    ) -> None: ...
    def passing(self, words: Iterable[str], /) -> list[str]:
        """The words some stem of which has a candidate in the index."""
