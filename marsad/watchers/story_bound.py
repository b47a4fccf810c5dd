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
from marsad.watchers.story_evidence import Weights

SIGNALS = frozenset(
    {
        "cosine",
        "title_cover",
        "rare_shared",
        "hours_apart",
        "same_outlet",
        "figures_shared",
        "figures_conflict",
        "weekdays_conflict",
        "places_conflict",
        "parties_conflict",
        "entities_shared",
        "headline_swap",
        "novel_names",
        "short",
    }
)
"""The fields of ``story_evidence.Evidence`` that ``upper_score`` follows, term by term as
``Evidence.terms`` weighs them; a test fails when a signal is added there and not here."""
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
    # Of the new item's words, those the candidate has: one C-level pass over its array.
    theirs = mine.keys() & old.words
    overlap = sum([mine[w] * mine[w] for w in theirs])
    norm2 = newcomer.norm2
    cosine = math.sqrt(overlap / norm2) if norm2 > 0 and overlap > 0 else 0.0
    rare = sum([mine[w] for w in theirs & newcomer.rare])
    values = [mine.get(w, 0.0) for w in print_.title]
    total = sum(values)
    cover = 0.0
    if total > 0:
        cover = sum([v for w, v in zip(print_.title, values, strict=True) if w in theirs]) / total
    w = weights
    score = (
        w.bias
        + (w.cosine * cosine if w.cosine >= 0 else 0.0)  # the exact cosine is >= 0
        + w.title_cover * cover
        + w.rare_shared * math.log1p(rare)
    )
    hours = abs(new.published - old.published).total_seconds() / 3600
    score += (
        (w.within_hour if hours <= 1 else 0.0)
        + (w.beyond_day if hours > 24 else 0.0)
        + (w.beyond_two_days if hours > 48 else 0.0)
        + (w.same_outlet if new.source == old.source else 0.0)
        + max(w.novel_names, 0.0)
    )
    figures = print_.numbers & old.numbers
    score += w.figure_shared * min(len(figures), w.figures_counted)
    if not figures and print_.numbers and old.numbers:
        score += w.figures_conflict
    if print_.weekdays and old.weekdays and not print_.weekdays & old.weekdays:
        score += w.weekdays_conflict
    if print_.places and old.places and not print_.places & old.places:
        score += w.places_conflict
    parties_a, parties_b = new.party_set, old.parties
    if parties_a and parties_b and parties_a - parties_b and parties_b - parties_a:
        score += w.parties_conflict
    if new.entities and old.entities:
        score += w.entity_shared * min(len(new.entities & old.entities), w.entities_counted)
    if title_slot_swap(print_.headline, old.headline):
        score += w.headline_swap
    return score
