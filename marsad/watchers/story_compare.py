"""Story fingerprints and the pairwise decision: does a new item tell the same event as an
indexed one?

Pure. A fingerprint is the folded title and lead reduced to content words (light clitic strip,
function words dropped), each with its prior rarity, plus the figures and weekdays named and the
headline's words. ``compare`` weighs the evidence (``story_evidence``) of a pair: shared words by
rarity, the headline's words found in the other report, figures, weekdays, entities, the time
apart and the outlet. docs/stories.md gives each weight's reason and how they were calibrated.
"""

from __future__ import annotations

import math
import operator
import zlib
from array import array
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from marsad.matching.lexicon import zipf
from marsad.matching.normalise import normalise
from marsad.watchers.story_evidence import DEFAULT_WEIGHTS, Evidence, Veto, Weights
from marsad.watchers.story_places import places_in
from marsad.watchers.story_rarity import Rarity, prior_rate
from marsad.watchers.story_words import STOPWORDS, WEEKDAYS, stem

LEAD_WORDS = 60
"""Words of the lead (summary, else article text) read after the title: enough to tell
events apart, short enough that a long article and a short summary of it stay comparable."""
FREQUENT_ZIPF = 5.0
"""Words this frequent in the language at large (wordfreq: 100 per million words or more, about
the 1,200 most common Arabic words) are not used to find candidates; they still count, by their
weight, when a candidate is weighed."""
NOVEL_WEIGHT = 4.0
"""A headline word this rare (in fewer than about 1 item in 400) that the other report lacks
names something the other report does not: another partner, another city."""
MIN_WORDS = 6
"""Fewer content words than this (a bare headline): only a near copy joins."""


class Reason(StrEnum):
    """Why an item joined an earlier item's story."""

    URL = "same canonical URL"
    GUID = "same guid"
    TEXT = "identical title and lead"
    EVIDENCE = "the weighed evidence"
    CROSS_LANGUAGE = "same entities, other language"


class Script(StrEnum):
    ARABIC = "arabic"
    LATIN = "latin"


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
    the other does not are likely different events. None: every entity counts as a party."""
    arrived: datetime | None = None
    """When the item was stored (None: when published). An item stays in the index for the
    window after it arrived, so two outlets' backlogs of last week still meet."""

    @property
    def party_set(self) -> frozenset[str] | None:
        return self.parties if self.parties is not None else self.entities

    @property
    def kept_from(self) -> datetime:
        """The time the window is counted from for this item."""
        return max(self.published, self.arrived) if self.arrived else self.published


@dataclass(frozen=True)
class Fingerprint:
    """The comparable form of an item's title and lead."""

    words: tuple[int, ...]
    """Distinct content-word hashes, sorted."""
    priors: tuple[float, ...]
    """Each word's prior share of items (``story_rarity.prior_rate``), in the same order."""
    title: frozenset[int]
    """The headline's content-word hashes."""
    searchable: frozenset[int]
    """The words candidates are looked up by: the content words that are not very frequent."""
    headline: tuple[str, ...]
    """The headline's content words in order (for the same-template test)."""
    numbers: frozenset[str]
    weekdays: frozenset[int]
    places: frozenset[str]
    """The places named (``story_places``): two reports of one template in two towns."""
    text_key: int | None
    script: Script


def _hash(token: str) -> int:
    return zlib.crc32(token.encode())


@lru_cache(maxsize=1 << 14)  # ~350 B an entry: 2**18 of them grew to ~90 MB in a service
def _word_info(token: str) -> tuple[int, str, float] | None:
    """A folded token's content-word hash, stem and Zipf frequency; None: a function word."""
    word = stem(token)
    if len(word) < 2 or word in STOPWORDS or word.isdigit():
        return None
    return _hash(word), word, zipf(token)


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
    infos = list(map(_word_info, tokens))
    zipfs: dict[int, float] = {}
    for info in infos:
        if info is not None:
            word, _, frequency = info
            zipfs[word] = max(frequency, zipfs.get(word, 0.0))
    words = tuple(sorted(zipfs))
    title_pairs = list(zip(title_tokens, infos, strict=False))  # the title's tokens come first
    title_infos = [info for _, info in title_pairs if info is not None]
    # The headline in order keeps its figures: "3 tonnes" and "7 tonnes" fill one slot.
    headline = tuple(
        t if info is None else info[1] for t, info in title_pairs if info is not None or t.isdigit()
    )
    numbers = frozenset(t for t in tokens if t.isdigit() and not _is_year(t))
    arabic = sum(1 for t in tokens if "\u0600" <= t[0] <= "\u06ff")
    text_key = _hash(" ".join(tokens)) if len(words) >= MIN_WORDS + 2 else None
    return Fingerprint(
        words=words,
        priors=tuple(prior_rate(zipfs[w]) for w in words),
        title=frozenset(info[0] for info in title_infos),
        searchable=frozenset(w for w, z in zipfs.items() if z < FREQUENT_ZIPF),
        headline=headline,
        numbers=numbers,
        weekdays=frozenset(WEEKDAYS[t] for t in tokens if t in WEEKDAYS),
        places=places_in(tokens),
        text_key=text_key,
        script=Script.ARABIC if arabic * 2 >= len(tokens) else Script.LATIN,
    )


@dataclass(frozen=True, slots=True)
class Stored:
    """An indexed item: its fingerprint kept compact (arrays, not sets)."""

    id: int
    source: int
    published: datetime
    story: int
    words: array[int]
    priors: array[float]
    title: frozenset[int]
    searchable: tuple[int, ...]
    headline: tuple[str, ...]
    numbers: frozenset[str]
    weekdays: frozenset[int]
    places: frozenset[str]
    script: Script
    entities: frozenset[str] | None
    parties: frozenset[str] | None
    keys: tuple[str, ...]
    counted: array[int] | None = None
    """The words this item added to the story frequencies (None: all of them, as it opened
    its story)."""

    @staticmethod
    def of(
        item: StoryItem,
        print_: Fingerprint,
        story: int,
        keys: tuple[str, ...],
        counted: array[int] | None = None,
    ) -> Stored:
        return Stored(
            id=item.id,
            source=item.source,
            published=item.published,
            story=story,
            words=array("I", print_.words),
            priors=array("f", print_.priors),
            title=print_.title,
            searchable=tuple(print_.searchable),
            headline=print_.headline,
            numbers=print_.numbers,
            weekdays=print_.weekdays,
            places=print_.places,
            script=print_.script,
            entities=item.entities,
            parties=item.party_set,
            keys=keys,
            counted=counted,
        )


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing a new item with one candidate."""

    same: bool
    score: float
    reason: Reason | None = None
    veto: Veto | None = None
    evidence: Evidence | None = None


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


def title_slot_swap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same headline with one or two words replaced by unrelated ones (another partner, city)."""
    if len(a) != len(b) or len(a) < 3:
        return False
    swapped = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if not 1 <= len(swapped) <= 2:
        return False
    return any(not _spelling_variant(x, y) for x, y in swapped)


def _covered(title: frozenset[int], weights: dict[int, float], other: dict[int, float]) -> float:
    """The share of a headline's word weight found anywhere in the other report."""
    values = [weights.get(w, 0.0) for w in title]
    total = sum(values)
    if total <= 0:
        return 0.0
    return sum([v for w, v in zip(title, values, strict=True) if w in other]) / total


def _novel(title: frozenset[int], weights: dict[int, float], other: dict[int, float]) -> bool:
    return any(weights.get(w, 0.0) >= NOVEL_WEIGHT and w not in other for w in title)


@dataclass(frozen=True)
class Newcomer:
    """What weighing a new item against any candidate needs of it, computed once per item."""

    weights: dict[int, float]
    """Each word's weight, as if the new item were indexed too: otherwise its own words,
    counted nowhere yet, would outweigh the ones it shares with the candidate."""
    rare: frozenset[int]
    norm2: float

    @staticmethod
    def of(print_: Fingerprint, rarity: Rarity) -> Newcomer:
        pairs = list(zip(print_.words, print_.priors, strict=True))
        weights = {w: rarity.weight_with(w, p) for w, p in pairs}
        return Newcomer(
            weights=weights,
            rare=frozenset(w for w, p in pairs if rarity.rare_with(w, p)),
            norm2=sum(v * v for v in weights.values()),
        )


def weigh(
    new: StoryItem,
    print_: Fingerprint,
    old: Stored,
    rarity: Rarity,
    newcomer: Newcomer | None = None,
) -> Evidence:
    """The evidence for and against ``new`` and ``old`` telling one event."""
    newcomer = newcomer or Newcomer.of(print_, rarity)
    mine = newcomer.weights
    theirs = rarity.weights(old.words, old.priors, mine)
    # Lists and map() rather than generators: the same sums in the same order, cheaper.
    shared = [w for w in mine if w in theirs]
    dot = sum([mine[w] * theirs[w] for w in shared])
    norms = newcomer.norm2 * sum(map(operator.mul, theirs.values(), theirs.values()))
    cosine = dot / norms**0.5 if norms > 0 else 0.0
    rare = sum([mine[w] for w in shared if w in newcomer.rare])
    covers = (_covered(print_.title, mine, theirs), _covered(old.title, theirs, mine))
    parties_a, parties_b = new.party_set, old.parties
    shared_entities = (new.entities or frozenset()) & (old.entities or frozenset())
    return Evidence(
        cosine=cosine,
        title_cover=min(covers),
        rare_shared=math.log1p(rare),
        hours_apart=abs(new.published - old.published).total_seconds() / 3600,
        same_outlet=new.source == old.source,
        figures_shared=len(print_.numbers & old.numbers),
        figures_conflict=bool(print_.numbers and old.numbers and not print_.numbers & old.numbers),
        weekdays_conflict=bool(
            print_.weekdays and old.weekdays and not print_.weekdays & old.weekdays
        ),
        places_conflict=bool(print_.places and old.places and not print_.places & old.places),
        parties_conflict=bool(
            parties_a and parties_b and parties_a - parties_b and parties_b - parties_a
        ),
        entities_shared=len(shared_entities),
        headline_swap=title_slot_swap(print_.headline, old.headline),
        novel_names=_novel(print_.title, mine, theirs) and _novel(old.title, theirs, mine),
        short=min(len(print_.words), len(old.words)) < MIN_WORDS,
    )


def compare(
    new: StoryItem,
    print_: Fingerprint,
    old: Stored,
    rarity: Rarity,
    weights: Weights = DEFAULT_WEIGHTS,
    newcomer: Newcomer | None = None,
) -> Verdict:
    """Whether ``new`` reports the same event as the indexed ``old`` (exact duplicates aside).
    ``newcomer``: ``Newcomer.of(print_, rarity)``, when weighing one item against many."""
    if print_.script is not old.script:
        return _cross_language(new, old, weights)
    evidence = weigh(new, print_, old, rarity, newcomer)
    score = evidence.score(weights)
    if evidence.hours_apart > weights.window_hours:
        return Verdict(False, score, evidence=evidence)
    if evidence.decides(weights):
        return Verdict(True, score, Reason.EVIDENCE, evidence=evidence)
    return Verdict(False, score, veto=evidence.strongest_veto(weights), evidence=evidence)


def _cross_language(new: StoryItem, old: Stored, limits: Weights) -> Verdict:
    """Arabic and French/English reports of one event share no words; only entities link them:
    the same parties (persons, places) and a shared topic or body, on the same day."""
    gap = abs(new.published - old.published)
    if new.source == old.source or gap > timedelta(hours=limits.cross_language_hours):
        return Verdict(False, 0.0)
    parties = new.party_set
    if not parties or parties != old.parties or not new.entities or not old.entities:
        return Verdict(False, 0.0)
    shared = new.entities & old.entities
    beyond_parties = bool(shared - parties) or new.parties is None
    if len(shared) >= limits.cross_language_entities and beyond_parties:
        return Verdict(True, limits.threshold, Reason.CROSS_LANGUAGE)
    return Verdict(False, 0.0)
