"""Story fingerprints and the pairwise decision: does a new item tell the same event as an
indexed one?

Pure. A fingerprint is the folded title and lead reduced to content words (light clitic strip,
function words dropped), their 3-word shingles, the figures and weekdays named and the
headline's words. ``compare`` confirms a candidate by exact set overlap and vetoes it on the
details that tell two similar events apart; docs/stories.md gives each threshold's reason.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from marsad.matching.lexicon import zipf
from marsad.matching.normalise import normalise
from marsad.watchers.story_words import STOPWORDS, WEEKDAYS, stem

LEAD_WORDS = 60
"""Words of the lead (summary, else article text) read after the title: enough to tell
events apart, short enough that a long article and a short summary of it stay comparable."""
FREQUENT_ZIPF = 5.0
"""Words this frequent in Arabic at large (wordfreq: 100 per million words or more, about the
1,200 most common: المغرب, الأمن, العام) are left out of the LSH signature: every item shares
some, so with them two unrelated items look like candidates and the cost per item grows with
the history. They still count when a candidate is confirmed."""
MIN_SIGNATURE = 5


class Reason(StrEnum):
    """Why an item joined an earlier item's story."""

    URL = "same canonical URL"
    GUID = "same guid"
    TEXT = "identical title and lead"
    NEAR_COPY = "near copy"
    REWRITE = "rewrite"
    CONTAINED = "shorter version"
    ENTITIES = "same entities, overlapping wording"
    CROSS_LANGUAGE = "same entities, other language"


class Veto(StrEnum):
    """Why two similar items are nevertheless different events."""

    ENTITIES = "conflicting entities"
    WEEKDAY = "different weekdays"
    NUMBERS = "different figures"
    TITLE_SLOT = "same headline template, another name"


class Script(StrEnum):
    ARABIC = "arabic"
    LATIN = "latin"


@dataclass(frozen=True)
class Thresholds:
    """The confirmation thresholds (docs/stories.md explains each value)."""

    near_copy: float = 0.5
    """Jaccard of word 3-shingles, and of distinctive words: a copy with light edits (any outlet,
    anywhere in the window)."""
    rewrite: float = 0.45
    """Jaccard of content words: another outlet's rewrite (reordered, reworded in part)."""
    contained: float = 0.8
    """Share of the shorter text's content words found in the longer (dropped paragraphs)."""
    contained_jaccard: float = 0.25
    """...with at least this Jaccard, so that a short text made of boilerplate does not join."""
    entity_rewrite: float = 0.3
    """Content-word Jaccard enough when both items name exactly the same entities."""
    entity_count: int = 3
    entity_gap: timedelta = timedelta(hours=24)
    min_words: int = 8
    """Fewer content words than this: only an exact or near copy joins (titles are too short)."""
    min_shingles: int = 5
    rewrite_gap: timedelta = timedelta(hours=36)
    """Rewrites come within hours; beyond this only near copies join (a template a day later is
    usually another event)."""
    cross_language_gap: timedelta = timedelta(hours=18)
    cross_language_entities: int = 3

    @property
    def floor(self) -> float:
        """No same-language rule joins below this word Jaccard."""
        return min(self.near_copy, self.rewrite, self.contained_jaccard, self.entity_rewrite)


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class StoryItem:
    """What clustering needs to know about one stored item."""

    id: int
    source: int
    published: datetime
    title: str
    lead: str = ""
    canonical_url: str | None = None
    guid: str | None = None
    entities: frozenset[str] | None = None
    parties: frozenset[str] | None = None
    """The entities that name the parties (persons, places); two items that each name a party
    the other does not are different events. None: every entity counts as a party."""

    @property
    def party_set(self) -> frozenset[str] | None:
        return self.parties if self.parties is not None else self.entities


@dataclass(frozen=True)
class Fingerprint:
    """The comparable form of an item's title and lead."""

    words: frozenset[int]
    signature: frozenset[int]
    """The words the LSH index is keyed on: the content words without the most frequent ones."""
    shingles: frozenset[int]
    title: tuple[str, ...]
    numbers: frozenset[str]
    weekdays: frozenset[int]
    text_key: int | None
    script: Script


def _hash(token: str) -> int:
    return zlib.crc32(token.encode())


@lru_cache(maxsize=1 << 18)
def _word_info(token: str) -> tuple[int, bool] | None:
    """A folded token's content-word hash and whether it is frequent; None: a function word."""
    word = stem(token)
    if len(word) < 2 or word in STOPWORDS or word.isdigit():
        return None
    return _hash(word), zipf(token) >= FREQUENT_ZIPF


def _tokens(text: str) -> list[str]:
    return normalise(text).split()


def _drop_repeated_title(title: list[str], lead: list[str]) -> list[str]:
    if title and lead[: len(title)] == title:
        return lead[len(title) :]
    return lead


def _is_year(token: str) -> bool:
    return len(token) == 4 and 1900 <= int(token) <= 2100


def fingerprint(title: str, lead: str = "") -> Fingerprint:
    """Fingerprint of ``title`` and the first ``LEAD_WORDS`` words of ``lead``."""
    title_tokens = _tokens(title)
    lead_tokens = _drop_repeated_title(title_tokens, _tokens(lead))[:LEAD_WORDS]
    tokens = title_tokens + lead_tokens
    infos = [info for info in map(_word_info, tokens) if info is not None]
    hashes = [word_hash for word_hash, _ in infos]
    rare = frozenset(word_hash for word_hash, frequent in infos if not frequent)
    numbers = frozenset(t for t in tokens if t.isdigit() and not _is_year(t))
    weekdays = frozenset(WEEKDAYS[t] for t in tokens if t in WEEKDAYS)
    # A shingle is hashed from its words' hashes (int tuples hash the same in every process).
    triples = zip(hashes, hashes[1:], hashes[2:], strict=False)
    shingles = frozenset(hash(t) & 0xFFFFFFFF for t in triples)
    arabic = sum(1 for t in tokens if "\u0600" <= t[0] <= "\u06ff")
    text_key = _hash(" ".join(tokens)) if len(hashes) >= DEFAULT_THRESHOLDS.min_words else None
    return Fingerprint(
        words=frozenset(hashes),
        signature=rare if len(rare) >= MIN_SIGNATURE else frozenset(hashes),
        shingles=shingles,
        title=tuple(s for s in (stem(t) for t in title_tokens) if s not in STOPWORDS),
        numbers=numbers,
        weekdays=weekdays,
        text_key=text_key,
        script=Script.ARABIC if arabic * 2 >= len(tokens) else Script.LATIN,
    )


@dataclass(frozen=True, slots=True)
class Stored:
    """An indexed item: its fingerprint kept compact (arrays of hashes, not sets)."""

    id: int
    source: int
    published: datetime
    story: int
    words: array[int]
    shingles: array[int]
    title: tuple[str, ...]
    numbers: frozenset[str]
    weekdays: frozenset[int]
    script: Script
    entities: frozenset[str] | None
    parties: frozenset[str] | None
    keys: tuple[str, ...]

    @staticmethod
    def of(item: StoryItem, print_: Fingerprint, story: int, keys: tuple[str, ...]) -> Stored:
        return Stored(
            id=item.id,
            source=item.source,
            published=item.published,
            story=story,
            words=array("I", sorted(print_.words)),
            shingles=array("I", sorted(print_.shingles)),
            title=print_.title,
            numbers=print_.numbers,
            weekdays=print_.weekdays,
            script=print_.script,
            entities=item.entities,
            parties=item.party_set,
            keys=keys,
        )


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing a new item with one candidate."""

    same: bool
    score: float
    reason: Reason | None = None
    veto: Veto | None = None


def _overlap(query: frozenset[int], stored: Sequence[int]) -> tuple[float, float]:
    """Jaccard and containment (of the smaller set) between a query set and a stored array."""
    if not query or not stored:
        return 0.0, 0.0
    shared = len(query.intersection(stored))
    return shared / (len(query) + len(stored) - shared), shared / min(len(query), len(stored))


def _overlap_without(
    query: frozenset[int], stored: Sequence[int], common: frozenset[int]
) -> tuple[float, float, int]:
    """``_overlap`` ignoring ``common`` words (``query`` has none); also the stored size."""
    size = len(stored) - (len(common.intersection(stored)) if common else 0)
    if not query or not size:
        return 0.0, 0.0, size
    shared = len(query.intersection(stored))
    return shared / (len(query) + size - shared), shared / min(len(query), size), size


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    """True when one insertion, deletion, substitution or swap of neighbours turns a into b."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


def _spelling_variant(a: str, b: str) -> bool:
    """A typo or inflection of the same word, not another word in the same slot."""
    if len(a) >= 4 and len(b) >= 4 and _edit_distance_at_most_one(a, b):
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 2


def _title_slot_swap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same headline with one or two words replaced by unrelated ones (another partner, city)."""
    if len(a) != len(b) or len(a) < 3:
        return False
    swapped = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if not 1 <= len(swapped) <= 2:
        return False
    return any(not _spelling_variant(x, y) for x, y in swapped)


def _veto(new: StoryItem, print_: Fingerprint, old: Stored) -> Veto | None:
    mine, theirs = new.party_set, old.parties
    if mine and theirs and mine - theirs and theirs - mine:
        return Veto.ENTITIES
    if print_.weekdays and old.weekdays and not print_.weekdays & old.weekdays:
        return Veto.WEEKDAY
    if print_.numbers and old.numbers and not print_.numbers & old.numbers:
        return Veto.NUMBERS
    if _title_slot_swap(print_.title, old.title):
        return Veto.TITLE_SLOT
    return None


def compare(
    new: StoryItem,
    print_: Fingerprint,
    old: Stored,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    common: frozenset[int] = frozenset(),
) -> Verdict:
    """Whether ``new`` reports the same event as the indexed ``old`` (exact duplicates aside).

    Word overlap ignores the ``common`` words (see ``StoryIndex.common``)."""
    gap = abs(new.published - old.published)
    if print_.script is not old.script:
        return _cross_language(new, old, gap, thresholds)
    words = print_.words - common if common else print_.words
    jaccard, contained, old_size = _overlap_without(words, old.words, common)
    if jaccard < thresholds.floor:
        return Verdict(False, jaccard)  # most LSH candidates end here, cheaply
    near, _ = _overlap(print_.shingles, old.shingles)
    score = max(jaccard, near)
    veto = _veto(new, print_, old)
    if veto is not None:
        return Verdict(False, score, veto=veto)
    smaller_shingles = min(len(print_.shingles), len(old.shingles))
    if (
        near >= thresholds.near_copy
        and jaccard >= thresholds.near_copy
        and smaller_shingles >= thresholds.min_shingles
    ):
        return Verdict(True, score, Reason.NEAR_COPY)
    smaller = min(len(words), old_size)
    if new.source == old.source or gap > thresholds.rewrite_gap or smaller < thresholds.min_words:
        return Verdict(False, score)
    if jaccard >= thresholds.rewrite:
        return Verdict(True, score, Reason.REWRITE)
    if contained >= thresholds.contained and jaccard >= thresholds.contained_jaccard:
        return Verdict(True, score, Reason.CONTAINED)
    if (
        gap <= thresholds.entity_gap
        and _parties_agree(new.party_set, old.parties, thresholds.entity_count)
        and jaccard >= thresholds.entity_rewrite
    ):
        return Verdict(True, score, Reason.ENTITIES)
    return Verdict(False, score)


def _parties_agree(a: frozenset[str] | None, b: frozenset[str] | None, least: int) -> bool:
    """Both name the same parties (officials, countries, cities), and enough of them. Topics
    may differ: one outlet mentions terrorism, the other drug trafficking, in the same report."""
    return bool(a and a == b and len(a) >= least)


def _cross_language(new: StoryItem, old: Stored, gap: timedelta, limits: Thresholds) -> Verdict:
    """Arabic and French/English reports of one event share no words; only entities link them."""
    if new.source == old.source or gap > limits.cross_language_gap:
        return Verdict(False, 0.0)
    parties = new.party_set
    if not parties or parties != old.parties or not new.entities or not old.entities:
        return Verdict(False, 0.0)
    shared = new.entities & old.entities
    # Official + partner + topic: a shared topic or body too, when kinds tell parties apart.
    beyond_parties = bool(shared - parties) or new.parties is None
    if len(shared) >= limits.cross_language_entities and beyond_parties:
        return Verdict(True, 0.3, Reason.CROSS_LANGUAGE)
    return Verdict(False, 0.0)
