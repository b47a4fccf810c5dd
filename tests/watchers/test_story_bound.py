"""The cheap bound that lets the story index skip weighing candidates that cannot join: it is
never below the exact score, and the index decides the same with and without it."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import timedelta

import pytest

from marsad.watchers.stories import Assignment, StoryIndex, StoryItem
from marsad.watchers.story_bound import SIGNALS, cannot_join, upper_score
from marsad.watchers.story_compare import Newcomer, compare, fingerprint
from marsad.watchers.story_evidence import DEFAULT_WEIGHTS, Evidence, Weights
from tests.watchers.story_beat import beat
from tests.watchers.test_stories import (
    ARRESTS_NADOR,
    ARRESTS_TANGIER,
    BELGIUM_A,
    BELGIUM_DIACRITICS,
    BELGIUM_LONGER,
    BELGIUM_OTHER_TITLE,
    BELGIUM_REORDERED,
    BELGIUM_REWRITE,
    BELGIUM_SHORT,
    BELGIUM_TYPOS,
    BELGIUM_WIRE,
    CELL_A,
    CELL_ENTITIES,
    CELL_FOLLOW_UP,
    CELL_LOOSE,
    CELL_REWRITE,
    DENMARK_IN_RABAT,
    GERMANY_THU,
    GERMANY_TUE,
    GUARDIA_IN_RABAT,
    MADRID_VISIT,
    NETHERLANDS_TUE,
    T0,
    WINDOW,
    Report,
    bus_crash,
    seizure,
)

# The cases of the story tables, each at an hour (from T0) and from an outlet: rewrites, copies,
# the same template for other events, other days, other figures, other places and parties.
CASES: list[tuple[Report, float, int]] = [
    (BELGIUM_A, 0, 1),
    (BELGIUM_REWRITE, 1, 2),
    (GERMANY_TUE, 1.5, 3),
    (BELGIUM_REORDERED, 2, 3),
    (seizure("ثلاثة", "طنجة"), 2.5, 1),
    (BELGIUM_TYPOS, 3, 4),
    (NETHERLANDS_TUE, 3.5, 2),
    (seizure("خمسة", "طنجة"), 4, 2),
    (BELGIUM_LONGER, 5, 5),
    (CELL_A, 5.5, 1),
    (seizure("ثلاثة", "الناظور"), 6, 3),
    (BELGIUM_SHORT, 7, 6),
    (Report(CELL_LOOSE.title, CELL_LOOSE.lead, CELL_ENTITIES), 7.5, 2),
    (CELL_REWRITE, 8, 3),
    (BELGIUM_DIACRITICS, 9, 7),
    (ARRESTS_TANGIER, 10, 1),
    (ARRESTS_NADOR, 10.5, 2),
    (BELGIUM_OTHER_TITLE, 11, 8),
    (bus_crash("تارودانت", "أربعة"), 12, 4),
    (bus_crash("ورزازات", "أربعة"), 13, 5),
    (BELGIUM_WIRE, 14, 9),
    (MADRID_VISIT, 20, 1),
    (GUARDIA_IN_RABAT, 30, 2),
    (DENMARK_IN_RABAT, 33, 3),
    (CELL_FOLLOW_UP, 31, 4),
    (GERMANY_THU, 49.5, 3),
    (BELGIUM_A, 60, 2),  # the same text again, days later, from another outlet
    (BELGIUM_REWRITE, 80, 1),  # beyond the 72-hour window of the first report
]

WEIGHTS = [
    pytest.param(DEFAULT_WEIGHTS, id="shipped-weights"),
    pytest.param(
        replace(DEFAULT_WEIGHTS, threshold=-1.0, cosine=3.0, title_cover=0.2), id="low-threshold"
    ),
    pytest.param(
        replace(DEFAULT_WEIGHTS, novel_names=0.5, rare_shared=1.5, threshold=2.0),
        id="rewarding-novel-names",
    ),
]


def case_items() -> list[StoryItem]:
    return [
        StoryItem(
            id=n,
            source=source,
            published=T0 + timedelta(hours=hours),
            title=report.title,
            lead=report.lead,
            entities=report.entities,
        )
        for n, (report, hours, source) in enumerate(CASES, 1)
    ]


def stream() -> list[StoryItem]:
    """The beat's week, then the cases, in the order a poller would store them."""
    items = beat(T0) + case_items()
    return sorted(items, key=lambda item: (item.published, item.id))


def run(items: list[StoryItem], *, prune: bool, weights: Weights) -> list[Assignment]:
    index = StoryIndex(WINDOW, weights=weights, prune=prune)
    found = []
    for item in items:
        index.evict(item.kept_from - WINDOW)
        found.append(index.assign(item, new_story=item.id))
    return found


@pytest.mark.parametrize("weights", WEIGHTS)
def test_the_bound_is_never_below_the_exact_score(weights: Weights) -> None:
    """Every item of the stream weighed against every earlier one, as the index holds it."""
    index = StoryIndex(WINDOW, weights=weights, prune=False)
    seen: list[StoryItem] = []
    pairs = pruned = 0
    for item in stream():
        index.evict(item.kept_from - WINDOW)
        print_ = fingerprint(item.title, item.lead)
        newcomer = Newcomer.of(print_, index.rarity)
        for old in (index.stored(earlier.id) for earlier in seen):
            if old is None:  # evicted
                continue
            verdict = compare(item, print_, old, index.rarity, weights, newcomer)
            assert upper_score(item, print_, old, newcomer, weights) >= verdict.score - 1e-12
            if cannot_join(item, print_, old, newcomer, weights):
                assert not verdict.same, (item.title, old.id)
                pruned += 1
            pairs += 1
        index.assign(item, new_story=item.id)
        seen.append(item)
    assert pairs > 3_000
    assert pruned > pairs // 2  # the bound is worth having: most pairs are ruled out cheaply


@pytest.mark.parametrize("weights", WEIGHTS)
def test_the_index_decides_the_same_with_and_without_the_bound(weights: Weights) -> None:
    """Every assignment (story, matched item, reason, score, merges) is identical."""
    items = stream()
    plain = run(items, prune=False, weights=weights)
    pruned = run(items, prune=True, weights=weights)
    assert pruned == plain
    cases = {item.id for item in case_items()}
    joined = [a for item, a in zip(items, plain, strict=True) if item.id in cases and a.story]
    assert len(joined) >= 8  # the rewrites and copies did join: the equality is not vacuous


def test_the_bound_follows_every_signal_of_the_evidence() -> None:
    """A signal added to ``Evidence`` must be added to the bound too (or the bound may fall
    under the score it bounds)."""
    assert {f.name for f in fields(Evidence)} == SIGNALS
