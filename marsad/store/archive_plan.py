"""What to ask the archive index for a query: a plan whose items are a superset of its matches.

A query holds for an item only through its positive leaves (``engine.trigger_keys``): a word or
phrase needs each of its words among the item's index words (``archive_words``), an entity an
item stored with that entity's match at ingest.  An AND needs every operand it can narrow, an
OR any operand, NEAR both sides; NOT narrows nothing.  The parser refuses a query that can be
true without any of its words (``a OR NOT b``), so every query it accepts narrows; ``EVERY``
(match every item again) is the plan of a tree that does not.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from marsad.matching.forms import ARTICLE
from marsad.matching.query import And, EntityRef, Node, Not, Or, Term
from marsad.store.archive_words import lookup_word

if TYPE_CHECKING:  # the patterns (and the word list they load) only when a query is planned
    from marsad.matching.patterns import Pattern


class Every(Enum):
    """No narrowing: every item of the period is a candidate."""

    EVERY = "every"


EVERY = Every.EVERY


@dataclass(frozen=True)
class AnyWord:
    """Items with at least one of these index words."""

    words: frozenset[str]


@dataclass(frozen=True)
class Entity:
    """Items stored with a match of this entity."""

    id: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Plan, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Plan, ...]


Plan = AnyWord | Entity | AllOf | AnyOf
PatternsOf = Callable[[str], Sequence["Pattern"]]


def term_spellings(text: str) -> list[str]:
    """The term as typed and a spelling of its key read with and without the article.

    Hits of a word carry its folded text as key, and whether a first word written ال… is read
    as the article is the one thing the patterns take from the raw text (``ألمعرض`` and
    ``المعرض`` fold alike): another query or rule may have installed the other reading under
    the same key, so the plan covers both."""
    from marsad.matching.patterns import term_key

    key = term_key(text)
    spellings = [text, key]
    if key.startswith(ARTICLE):
        spellings.append("أ" + key[1:])
    return spellings


def all_term_patterns(text: str) -> list[Pattern]:
    """Every pattern whose hits carry the key of ``text`` (``term_spellings``)."""
    from marsad.matching.patterns import term_patterns

    return [pattern for spelling in term_spellings(text) for pattern in term_patterns(spelling)]


def term_plan(patterns: Iterable[Pattern]) -> Plan | Every:
    """Items that may contain one of ``patterns``: per pattern length, each word position's
    forms (any of them), all positions needed."""
    by_length: dict[int, list[set[str]]] = {}
    for pattern in patterns:
        slots = by_length.setdefault(len(pattern.words), [set() for _ in pattern.words])
        for slot, word in zip(slots, pattern.words, strict=True):
            slot.add(lookup_word(word))
    if not by_length:
        return EVERY  # no pattern: the parser refuses such a term, so never reached
    options = [
        _all([AnyWord(frozenset(slot)) for slot in slots]) for _, slots in sorted(by_length.items())
    ]
    return _any(options)


def query_plan(node: Node, patterns_of: PatternsOf = all_term_patterns) -> Plan | Every:
    """The plan of a parsed query (``EVERY`` when the index cannot narrow it)."""
    if isinstance(node, Term):
        return term_plan(patterns_of(node.text))
    if isinstance(node, EntityRef):
        return Entity(node.id)
    if isinstance(node, Not):
        return EVERY
    if isinstance(node, Or):
        parts = [query_plan(child, patterns_of) for child in node.operands]
        return _any(parts)
    children = node.operands if isinstance(node, And) else (node.left, node.right)
    narrowing: list[Plan] = []
    for child in children:
        plan = query_plan(child, patterns_of)
        if not isinstance(plan, Every):
            narrowing.append(plan)
    return _all(narrowing) if narrowing else EVERY


def either(plans: Iterable[Plan | Every]) -> Plan | Every:
    """Items any of several plans may match (several query selectors of one digest)."""
    return _any(list(plans))


def _any(parts: Sequence[Plan | Every]) -> Plan | Every:
    if not parts or any(part == EVERY for part in parts):
        return EVERY
    flat: list[Plan] = []
    for part in parts:
        assert not isinstance(part, Every)
        flat.extend(part.parts if isinstance(part, AnyOf) else (part,))
    words = [part for part in flat if isinstance(part, AnyWord)]
    others = [part for part in flat if not isinstance(part, AnyWord)]
    if len(words) > 1:
        flat = [AnyWord(frozenset(word for part in words for word in part.words)), *others]
    return flat[0] if len(flat) == 1 else AnyOf(tuple(flat))


def _all(parts: Sequence[Plan]) -> Plan:
    flat: list[Plan] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, AllOf) else (part,))
    unique = list(dict.fromkeys(flat))
    return unique[0] if len(unique) == 1 else AllOf(tuple(unique))


def leaf_words(plan: Plan) -> set[str]:
    """Every index word a plan asks about (for reports and tests)."""
    if isinstance(plan, AnyWord):
        return set(plan.words)
    if isinstance(plan, Entity):
        return set()
    return {word for part in plan.parts for word in leaf_words(part)}
