"""The recogniser: every entity and query-term hit in a text, in one pass, with explanations.

Exact matching runs one Aho-Corasick automaton over the folded tokens; proclitics in front of
a key are checked against what the pattern allows (the article rule).  Tokens left unmatched
go through the fuzzy index, with vetoes: a word that is another known name, an ordinary word,
or (for people) a name with a letter more or less at an end is not a hit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from marsad.matching.automaton import KeyIndex
from marsad.matching.entities import Entity
from marsad.matching.forms import ALL_PREFIXES, ARTICLE, PREFIXES_ANY
from marsad.matching.fuzzy import FuzzyIndex, end_trimmed
from marsad.matching.lexicon import zipf
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

# A fuzzy candidate is an ordinary word, not a misspelt name, when it is common.  Typos are
# rare (إسبانبا: Zipf 1.5), so a typo-like candidate is vetoed from Zipf TYPO_FLOOR; a
# spelling variant (a long vowel, a doubled letter, a confusable letter: الدنمرك, 2.2) only
# from VARIANT_FLOOR (الأماني "wishes", 3.4, one alef from الألماني).
TYPO_FLOOR = 2.0
VARIANT_FLOOR = 3.0
# ... or when it is this close (in Zipf points) to the name form's own frequency.
# (Rarer candidates than GAP_MIN are too rare for the comparison to mean anything.)
TYPO_GAP = 2.5
VARIANT_GAP = 1.0
GAP_MIN = 1.5
# Neither the name form nor the candidate may be shorter than this for a fuzzy hit.
FUZZY_MIN_LENGTH = 5
_FUZZY_CACHE_LIMIT = 200_000
# A token this common, and CLITIC_MARGIN Zipf points more common than the stem a clitic
# reading would leave, is a word of its own.
CLITIC_COMMON = 3.5
CLITIC_MARGIN = 0.5


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
        self._fuzzy = FuzzyIndex()
        self._stems: set[str] = set()
        self._aliases: dict[str, str] = {}
        self._entities: dict[str, Entity] = {}
        # Fuzzy analyses per token text: news vocabulary repeats, so most tokens are seen.
        self._fuzzy_seen: set[str] = set()
        self._fuzzy_results: dict[str, tuple[_Found, ...]] = {}
        for entity in entities:
            self.add_entity(entity)
        for term in terms:
            self.add_term(term)

    # -- building ---------------------------------------------------------------------

    def _add(self, pattern: Pattern) -> None:
        self._index.add(pattern.key, pattern.target)
        if len(pattern.words) == 1 and pattern.target.source is not Source.EXCLUDE:
            self._stems.add(pattern.words[0])
        if pattern.fuzzy and len(pattern.words) == 1:
            self._fuzzy.add(pattern.words[0], pattern.target)

    def add_entity(self, entity: Entity) -> None:
        """Add (or extend) an entity; takes effect at the next `find`."""
        self._entities[entity.id] = entity
        for pattern in entity_patterns(entity):
            self._add(pattern)
        for key in alias_keys(entity):
            self._aliases.setdefault(key, entity.id)
        self._clear_fuzzy_cache()

    def add_term(self, term: str) -> None:
        """Add a bare query word or phrase; its hits carry its normalised text as key."""
        for pattern in term_patterns(term):
            self._add(pattern)
        # New words can only veto fuzzy hits (a fuzzy hit that spells a known word), so only
        # the tokens that had fuzzy hits need a second look.
        self._fuzzy_seen.difference_update(self._fuzzy_results)
        self._fuzzy_results.clear()

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
        scanned = Scanned(text)
        words = scanned.words
        if not words:
            return []
        joined = " " + " ".join(words) + " "
        found = _prefer_whole_tokens(self._exact(joined))
        covered = {
            i
            for f in found
            if f.target.source is not Source.EXCLUDE
            for i in range(f.token_start, f.token_end)
        }
        found.extend(self._fuzzy_hits(words, covered))
        if any(f.target.cased for f in found):
            found = [f for f in found if not f.target.cased or _upper_case(scanned, f)]
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
                )
            )
        hits.sort(key=lambda h: (h.start, -h.end, h.key))
        return hits

    def _exact(self, joined: str) -> list[_Found]:
        found: list[_Found] = []
        for automaton in self._index.automata():
            for end, (length, targets) in automaton.iter(joined):
                start = end - length + 1
                token_begin = joined.rfind(" ", 0, start) + 1
                prefix = joined[token_begin:start]
                if prefix and not _clitic_reading(joined, token_begin, start):
                    continue
                token = -1
                for target in targets:
                    if prefix in target.prefixes:
                        if token < 0:
                            token = joined.count(" ", 0, token_begin) - 1
                        found.append(_Found(token, token + target.words, len(prefix), target, 0))
        return found

    def _fuzzy_hits(self, words: list[str], covered: set[int]) -> list[_Found]:
        if not len(self._fuzzy):
            return []
        vocabulary = set(words)
        unseen = vocabulary - self._fuzzy_seen
        if unseen:
            if len(self._fuzzy_seen) > _FUZZY_CACHE_LIMIT:
                self._clear_fuzzy_cache()
            for word in unseen:
                results = self._fuzzy_word(word) if len(word) >= 4 else ()
                if results:
                    self._fuzzy_results[word] = results
                self._fuzzy_seen.add(word)
        positive = vocabulary & self._fuzzy_results.keys()
        if not positive:
            return []
        out: list[_Found] = []
        for i, word in enumerate(words):
            if word in positive and i not in covered:
                out.extend(
                    _Found(i, i + 1, r.prefix, r.target, r.distance)
                    for r in self._fuzzy_results[word]
                )
        return out

    def _clear_fuzzy_cache(self) -> None:
        self._fuzzy_seen.clear()
        self._fuzzy_results.clear()

    def _fuzzy_word(self, word: str) -> tuple[_Found, ...]:
        """Fuzzy analyses of one token (cached per token text): shortest proclitics first."""
        best: dict[str, _Found] = {}
        for prefix in reversed(ALL_PREFIXES):
            if not word.startswith(prefix):
                continue
            stem = word[len(prefix) :]
            if len(stem) < FUZZY_MIN_LENGTH or stem in self._stems:
                continue
            for match in self._fuzzy.lookup(stem):
                target = match.form.payload
                assert isinstance(target, Target)
                if prefix not in target.prefixes or target.key in best:
                    continue
                form = match.form.form
                if _first_letter(stem) != _first_letter(form):
                    continue  # a changed first letter is another word (بولندي is not ب+هولندي)
                if target.person and end_trimmed(stem, form):
                    continue
                if _is_ordinary(word, stem, form, variant=match.cheap):
                    continue
                best[target.key] = _Found(0, 1, len(prefix), target, match.distance)
        return tuple(best.values())


def _upper_case(scanned: Scanned, found: _Found) -> bool:
    start = scanned.span(found.token_start)[0]
    end = scanned.span(found.token_end - 1)[1]
    return scanned.text[start:end].isupper()


def _clitic_reading(joined: str, token_begin: int, stem_begin: int) -> bool:
    """Whether a token may be read as proclitics + a stem (the stem starting at stem_begin).

    Not when the whole token is a common word far more frequent than that reading
    predicts: كريم is a word of its own, not ك + ريم; فقط is not ف + قط.
    """
    token_end = joined.index(" ", stem_begin)
    return _clitic_reading_of(joined[token_begin:token_end], token_end - stem_begin)


@lru_cache(maxsize=100_000)
def _clitic_reading_of(token: str, stem_length: int) -> bool:
    stem = token[len(token) - stem_length :]
    reading = max(zipf(stem), zipf(ARTICLE + stem))
    cut = len(token) - stem_length
    # The whole token, or what a shorter run of proclitics leaves (و + لبنان, not ول + بنان).
    for k in range(cut):
        if k and token[:k] not in PREFIXES_ANY:
            continue
        rest = zipf(token[k:])
        if rest >= CLITIC_COMMON and rest > reading + CLITIC_MARGIN:
            return False
    return True


def _first_letter(word: str) -> str:
    """The first letter, after ال when the word has one (اليمانية is not ألمانية)."""
    return word[2] if word.startswith(ARTICLE) and len(word) > 2 else word[0]


@lru_cache(maxsize=100_000)
def _is_ordinary(word: str, stem: str, form: str, *, variant: bool) -> bool:
    """Whether a fuzzy candidate is an ordinary word rather than a misspelt name.

    It is when the token, or what is left of it after proclitics (الموانئ is ال + موانئ,
    "ports"), is common; or when the candidate is nearly as common as the name form itself:
    misspellings are a small fraction of a name's uses, real words are not.
    """
    floor, gap = (VARIANT_FLOOR, VARIANT_GAP) if variant else (TYPO_FLOOR, TYPO_GAP)
    readings = (
        word[len(p) :] for p in ALL_PREFIXES if word.startswith(p) and len(word) > len(p) + 1
    )
    if max(map(zipf, readings)) >= floor:
        return True
    candidate = max(zipf(word), zipf(stem))
    own = max(zipf(form), zipf(ARTICLE + form))
    return candidate >= GAP_MIN and candidate >= own - gap


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
    taken: dict[str, list[tuple[int, int]]] = {}
    out: list[_Found] = []
    for f in ranked:
        spans = taken.setdefault(f.target.key, [])
        if any(f.token_start < e and s < f.token_end for s, e in spans):
            continue
        spans.append((f.token_start, f.token_end))
        out.append(f)
    return out
