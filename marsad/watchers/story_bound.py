"""A cheap test that a candidate cannot join a new item's story, before weighing it in full.

Pure. ``story_compare.weigh`` spends most of its time weighing every word of the candidate
(``Rarity.weights``). The score can be bounded from above without those weights: the words
both items share are weighed the new item's way in both (``Newcomer.weights``), so the dot
product of the cosine is the sum of their squared weights ``S`` and the candidate's norm is at
least ``S``, hence cosine <= sqrt(S / the new item's norm); the smaller title cover is at most
the new headline's cover, which needs only which words the candidate has; every other signal
is cheap and taken as it is, but the "novel names" penalty, taken at its best. A candidate
whose bound stays under the threshold (or that is too short, or too far apart in time) is not
"the same" whatever its exact score; ``StoryIndex.find`` then weighs it only if its score is
still read (its story is a match through another item). So the decisions are the same, with
and without this test.
"""

from __future__ import annotations

import math

from marsad.watchers.story_compare import (
    MIN_WORDS,
    Fingerprint,
    Newcomer,
    Stored,
    StoryItem,
    title_slot_swap,
)
from marsad.watchers.story_evidence import Evidence, Weights

SLACK = 1e-9
"""Kept between the bound and the threshold, for floating-point rounding in the exact score
(its sums run in another order; their error is ~1e-15)."""


def cannot_join(
    new: StoryItem, print_: Fingerprint, old: Stored, newcomer: Newcomer, weights: Weights
) -> bool:
    """True when ``compare(new, print_, old, ...)`` certainly says "not the same".

    False means only "maybe": the pair is weighed in full. Items of two scripts (the
    cross-language test, cheap already) and weights of unexpected signs are never pruned.
    """
    if print_.script is not old.script or weights.title_cover < 0:
        return False
    hours = abs(new.published - old.published).total_seconds() / 3600
    if hours > weights.window_hours:
        return True
    if min(len(print_.words), len(old.words)) < MIN_WORDS:
        return True  # too short: never decides
    return upper_score(new, print_, old, newcomer, weights) + SLACK < weights.threshold


def upper_score(
    new: StoryItem, print_: Fingerprint, old: Stored, newcomer: Newcomer, weights: Weights
) -> float:
    """An upper bound of the score ``compare`` gives a pair of one script, for weights of the
    usual signs (``cosine`` and ``title_cover`` >= 0; see the module's docstring)."""
    mine = newcomer.weights
    shared = [w for w in old.words if w in mine]
    theirs = set(shared)  # of the new item's words, those the candidate has
    overlap = sum([mine[w] * mine[w] for w in shared])
    norm2 = newcomer.norm2
    cosine = math.sqrt(overlap / norm2) if norm2 > 0 and overlap > 0 else 0.0
    rare = sum([mine[w] for w in shared if w in newcomer.rare])
    values = [mine.get(w, 0.0) for w in print_.title]
    total = sum(values)
    cover = 0.0
    if total > 0:
        cover = sum([v for w, v in zip(print_.title, values, strict=True) if w in theirs]) / total
    parties_a, parties_b = new.party_set, old.parties
    shared_entities = (new.entities or frozenset()) & (old.entities or frozenset())
    optimistic = Evidence(
        cosine=cosine if weights.cosine >= 0 else 0.0,  # the exact cosine is >= 0
        title_cover=cover,
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
        novel_names=weights.novel_names > 0,
        short=False,
    )
    return optimistic.score(weights)
