"""The recogniser: every entity and query-term hit in a text, in one pass, with explanations.

Exact matching runs one Aho-Corasick automaton over the folded tokens; proclitics in front of
a key are checked against what the pattern allows (the article rule).  Tokens left unmatched
go through the fuzzy index, with vetoes: a word that is another known name, an ordinary word,
or (for people) a name with a letter more or less at an end is not a hit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from marsad.matching.automaton import KeyIndex
from marsad.matching.entities import Entity
from marsad.matching.forms import ALL_PREFIXES
from marsad.matching.fuzzymatch import FuzzyReader
from marsad.matching.names import FATHER_MARKERS, GIVEN_NAMES
from marsad.matching.normalise import Scanned, normalise
from marsad.matching.patterns import (
    Pattern,
    Source,
    Target,
    alias_keys,
    entity_patterns,
    term_key,
    term_patterns,
)
from marsad.matching.vetoes import clitic_reading

_LONGEST_PREFIX = max(map(len, ALL_PREFIXES))


@dataclass(frozen=True)
class Hit:
    """One recognised mention and why it matched.

    Offsets are into the original field text: `text[start:end] == surface`; tokens index
    the field's token list (for NEAR/n and phrases).
    """

    key: str
    is_entity: bool
    field: str
    start: int
    end: int
    token_start: int
    token_end: int
    surface: str
    alias: str
    fuzzy: bool
    distance: int
    guarded: bool = False  # an ambiguous name: counts only with its entity's context


@dataclass(frozen=True, slots=True)
class _Found:
    token_start: int
    token_end: int
    prefix: int
    target: Target
    distance: int


class Recogniser:
    """Recognises entities and query terms in texts; entities and terms can be added live."""

    def __init__(self, entities: Sequence[Entity] = (), terms: Iterable[str] = ()) -> None:
        self._index = KeyIndex()
        self._fuzzy = FuzzyReader()
        self._aliases: dict[str, str] = {}
        self._entities: dict[str, Entity] = {}
        for entity in entities:
            self.add_entity(entity)
        for term in terms:
            self.add_term(term)

    # -- building ---------------------------------------------------------------------

    def _add(self, pattern: Pattern) -> None:
        self._index.add(pattern.key, pattern.target)
        if len(pattern.words) == 1 and pattern.target.source is not Source.EXCLUDE:
            self._fuzzy.known.add(pattern.words[0])
        if pattern.fuzzy:
            self._fuzzy.add(pattern.words, pattern.target)

    def add_entity(self, entity: Entity) -> None:
        """Add (or extend) an entity; takes effect at the next `find`."""
        self._entities[entity.id] = entity
        for pattern in entity_patterns(entity):
            self._add(pattern)
        for key in alias_keys(entity):
            self._aliases.setdefault(key, entity.id)
        self._fuzzy.forget()

    def add_term(self, term: str) -> None:
        """Add a bare query word or phrase; its hits carry its normalised text as key."""
        for pattern in term_patterns(term):
            self._add(pattern)
        # New words can only veto fuzzy hits (a fuzzy hit that spells a known word), so only
        # the tokens that had fuzzy hits need a second look.
        self._fuzzy.forget(only_hits=True)

    def entity_for_alias(self, text: str) -> str | None:
        """The id of the entity one of whose aliases `text` is (after normalisation), if any."""
        return self._aliases.get(normalise(text))

    @staticmethod
    def term_key(term: str) -> str:
        """The key that hits of `term` carry (its normalised text)."""
        return term_key(term)

    # -- finding ----------------------------------------------------------------------

    def find(self, text: str, field: str = "text") -> list[Hit]:
        """Every entity and term hit in `text`, sorted by start offset."""
        scanned = Scanned(text, long_words=True)
        if not scanned.joined:
            return []
        joined = " " + scanned.joined + " "
        found = _prefer_whole_tokens(self._exact(joined))
        covered = {
            i
            for f in found
            if f.target.source is not Source.EXCLUDE
            for i in range(f.token_start, f.token_end)
        }
        found.extend(
            _Found(p.token_start, p.token_end, p.prefix, p.target, p.distance)
            for p in self._fuzzy.place(scanned, covered)
        )
        if any(f.target.cased for f in found):
            found = [f for f in found if not f.target.cased or _upper_case(scanned, f)]
        if any(f.target.family_name and f.token_start for f in found):
            words = scanned.words
            found = [f for f in found if not _in_a_persons_name(words, f)]
        hits = []
        for f in _one_per_span(_apply_excludes(found)):
            start = scanned.span(f.token_start)[0]
            end = scanned.span(f.token_end - 1)[1]
            hits.append(
                Hit(
                    key=f.target.key,
                    is_entity=f.target.is_entity,
                    field=field,
                    start=start,
                    end=end,
                    token_start=f.token_start,
                    token_end=f.token_end,
                    surface=text[start:end],
                    alias=f.target.alias,
                    fuzzy=f.distance > 0,
                    distance=f.distance,
                    guarded=f.target.guarded,
                )
            )
        hits.sort(key=lambda h: (h.start, -h.end, h.key))
        return hits

    def _exact(self, joined: str) -> list[_Found]:
        found: list[_Found] = []
        for hit in self._index.occurrences(joined, _LONGEST_PREFIX):
            prefix = joined[hit.token_begin : hit.start]
            accepted = [t for t in hit.targets if prefix in t.prefixes]
            if not accepted or (prefix and not _clitic_reading(joined, hit.token_begin, hit.start)):
                continue
            token = hit.token
            found.extend(_Found(token, token + t.words, len(prefix), t, 0) for t in accepted)
        return found


def _in_a_persons_name(words: list[str], found: _Found) -> bool:
    """Whether a family-name-like hit follows another person's given name, or بن/ابن.

    أحمد المصري is a man, not Egypt; هشام مرسي is not Mohamed Morsi; ابن عباس is a father's
    name.  Not after a conjunction or preposition (وأحمد والمصري are two things).
    """
    target = found.target
    if not target.family_name or not found.token_start:
        return False
    token = words[found.token_start]
    if found.prefix and token[: found.prefix] not in ("ال", ""):
        return False
    before = words[found.token_start - 1]
    if before in FATHER_MARKERS:
        return True
    return before in GIVEN_NAMES and before not in target.own


def _upper_case(scanned: Scanned, found: _Found) -> bool:
    start = scanned.span(found.token_start)[0]
    end = scanned.span(found.token_end - 1)[1]
    return scanned.text[start:end].isupper()


def _clitic_reading(joined: str, token_begin: int, stem_begin: int) -> bool:
    """Whether the token at token_begin may be read as proclitics + what starts at stem_begin."""
    token_end = joined.index(" ", stem_begin)
    return clitic_reading(joined[token_begin:token_end], token_end - stem_begin)


def _prefer_whole_tokens(found: list[_Found]) -> list[_Found]:
    """Where analyses of one token disagree, the one cutting fewer proclitics wins.

    A token equal to a name is that name (لشكر), not a clitic + another word.
    """
    shortest: dict[int, int] = {}
    for f in found:
        if f.target.source is not Source.EXCLUDE:
            current = shortest.get(f.token_start)
            if current is None or f.prefix < current:
                shortest[f.token_start] = f.prefix
    return [
        f
        for f in found
        if f.target.source is Source.EXCLUDE or f.prefix == shortest.get(f.token_start)
    ]


def _apply_excludes(found: list[_Found]) -> list[_Found]:
    """Drop an entity's hits that lie inside one of its `exclude` phrases."""
    vetoes = [f for f in found if f.target.source is Source.EXCLUDE]
    if not vetoes:
        return found
    return [
        f
        for f in found
        if f.target.source is not Source.EXCLUDE
        and not any(
            v.target.key == f.target.key
            and f.target.is_entity
            and v.token_start <= f.token_start
            and f.token_end <= v.token_end
            for v in vetoes
        )
    ]


def _one_per_span(found: list[_Found]) -> list[_Found]:
    """For each key, the longest non-overlapping hits, exact before fuzzy, aliases first."""
    ranked = sorted(
        found,
        key=lambda f: (
            f.token_start - f.token_end,
            f.distance,
            f.target.source.value,
            f.token_start,
        ),
    )
    taken: dict[tuple[bool, str], list[tuple[int, int]]] = {}
    out: list[_Found] = []
    for f in ranked:
        spans = taken.setdefault((f.target.is_entity, f.target.key), [])
        if any(f.token_start < e and s < f.token_end for s, e in spans):
            continue
        spans.append((f.token_start, f.token_end))
        out.append(f)
    return out
