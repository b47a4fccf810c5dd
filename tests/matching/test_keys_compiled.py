"""The compiled key table (`_keys.c`) and the automaton find the same keys, in the same order.

The table is the fast path of exact matching; where it was not built (no C compiler at
install) an Aho-Corasick automaton runs instead.  Whichever runs, a user must get the same
hits: the same keys at the same tokens, behind the same proclitics, in the same order (the
order decides which of two equal hits a reply shows).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.matching import automaton
from marsad.matching.automaton import KeyIndex, Occurrence
from marsad.matching.patterns import Source, Target

needs_compiled = pytest.mark.skipif(
    not automaton.COMPILED,
    reason="the compiled key table was not built here (no C compiler at install)",
)

# A small alphabet makes keys overlap, share first words and stand inside each other.
WORD = st.text(alphabet="ابلوكت", min_size=1, max_size=5)
KEY = st.lists(WORD, min_size=1, max_size=3).map(lambda words: " ".join(words) + " ")
TEXT = st.lists(WORD, max_size=40).map(lambda words: " " + " ".join(words) + " ")


def _target(key: str, *, is_entity: bool = False) -> Target:
    words = key.split()
    return Target(
        key=key.strip(),
        is_entity=is_entity,
        alias=key.strip(),
        prefixes=frozenset({""}),
        words=len(words),
        source=Source.TERM,
    )


def _index(keys: list[str], *, compiled: bool, batches: int = 1) -> KeyIndex:
    index = KeyIndex(compiled=compiled)
    size = max(1, len(keys) // batches)
    for first in range(0, len(keys), size):
        for key in keys[first : first + size]:
            index.add(key, _target(key))
        list(index.occurrences(" ", 4))  # one batch per search: a main table, then deltas
    return index


def _found(index: KeyIndex, text: str, max_prefix: int) -> list[tuple[int, int, int, str]]:
    return [
        (o.token, o.token_begin, o.start, o.targets[0].key)
        for o in index.occurrences(text, max_prefix)
    ]


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(
    keys=st.lists(KEY, min_size=1, max_size=30, unique=True),
    text=TEXT,
    max_prefix=st.integers(0, 4),
    batches=st.integers(1, 3),
)
def test_the_table_and_the_automaton_find_the_same_keys_in_the_same_order(
    keys: list[str], text: str, max_prefix: int, batches: int
) -> None:
    fast = _found(_index(keys, compiled=True, batches=batches), text, max_prefix)
    slow = _found(_index(keys, compiled=False, batches=batches), text, max_prefix)
    assert fast == slow


@pytest.mark.parametrize("compiled", [pytest.param(True, marks=needs_compiled), False])
@pytest.mark.parametrize(
    ("keys", "text", "max_prefix", "expected"),
    [
        # a key behind proclitics, up to max_prefix letters of them, and no further
        (["امن "], " والامن ", 4, [(0, 1, 4, "امن")]),
        (["امن "], " والامن ", 2, []),
        # a key must end where its token ends: الامنيه does not hold امن
        (["امن "], " الامنيه ", 4, []),
        # a phrase: the later words are whole tokens, the first may carry proclitics
        (["وزير الداخليه "], " قال لوزير الداخليه امس ", 4, [(1, 5, 6, "وزير الداخليه")]),
        (["وزير الداخليه "], " وزير الداخليهم ", 4, []),
        # longest first at one end, then by where they end
        (
            ["كتاب ", "الكتاب ", "ب "],
            " الكتاب ب ",
            4,
            [(0, 1, 1, "الكتاب"), (0, 1, 3, "كتاب"), (1, 8, 8, "ب")],
        ),
    ],
)
def test_a_table_of_keys_and_texts(
    compiled: bool,
    keys: list[str],
    text: str,
    max_prefix: int,
    expected: list[tuple[int, int, int, str]],
) -> None:
    assert _found(_index(keys, compiled=compiled), text, max_prefix) == expected


@needs_compiled
def test_occurrences_carry_the_keys_live_targets() -> None:
    """A target added to a known key later is found without a rebuild, on either path."""
    index = KeyIndex()
    index.add("امن ", _target("امن "))
    assert len(list(index.occurrences(" امن ", 0))) == 1
    extra = _target("امن ", is_entity=True)
    index.add("امن ", extra)
    (found,) = index.occurrences(" امن ", 0)
    assert isinstance(found, Occurrence)
    assert found.targets[-1] == extra


def test_a_key_not_closed_by_a_space_is_refused() -> None:
    if not automaton.COMPILED:
        pytest.skip("the compiled key table was not built here")
    from marsad.matching._keys import KeyTable

    with pytest.raises(ValueError, match="closed by a space"):
        KeyTable(["امن"])
