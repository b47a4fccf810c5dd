"""Types of the compiled fuzzy gate (`_gate.c`)."""

from collections.abc import Iterable, Mapping, Sequence, Set

class FuzzyGate:
    """Which words can have a fuzzy reading: FuzzyIndex.candidates' tests at C speed."""

    def __init__(
        self,
        prefixes: Sequence[str],
        known: Sequence[str],
        forms: Sequence[str],
        allowed: Sequence[int],
        variants: Mapping[str, Sequence[int]],
        heads: Mapping[str, Set[int]],
        tails: Mapping[str, Set[int]],
        pieces: Mapping[str, Sequence[tuple[int, int, int]]],
        deletions: Mapping[str, Sequence[int]],
        min_stem: int,
        min_length: int,
        max_length: int,
    ) -> None: ...
    def passing(self, words: Iterable[str], /) -> list[str]:
        """The words some stem of which has a candidate within its budget."""
