"""Distinct stories per window on a real SQLite file and the real PostgreSQL: two outlets of one
event are one story, an item's publication time places it, other targets do not count."""

from __future__ import annotations

from datetime import timedelta

from marsad.store.engine import session
from marsad.store.matches import MatchKind
from marsad.store.story_counts import busy_targets, story_counts, story_counts_in
from tests.store.test_stories import FIRE, NOW, VISIT, VISIT_COPY, assigner, draft, ingest, setup

HAMMOUCHI = frozenset({"hammouchi"})
FIRE_ONLY = frozenset({"chefchaouen"})


def test_stories_are_counted_once_per_window_and_only_for_their_target(store_url: str) -> None:
    engine, sources = setup(store_url)
    stories = assigner()
    keys = {"a": HAMMOUCHI, "b": HAMMOUCHI, "c": FIRE_ONLY, "d": HAMMOUCHI}
    # one event from two outlets 2.5 h ago; a fire 2.5 h ago; the same visit retold 26 h ago
    ingest(engine, stories, sources["Wire"], draft("a", VISIT, 2.5), entities=keys)
    ingest(engine, stories, sources["Daily"], draft("b", VISIT_COPY, 2.4), entities=keys)
    ingest(engine, stories, sources["Daily"], draft("c", FIRE, 2.5), entities=keys)
    ingest(engine, stories, sources["Weekly"], draft("d", VISIT, 26), entities=keys)
    with session(engine) as s:
        hourly = story_counts(
            s, MatchKind.ENTITY, "hammouchi", NOW - timedelta(hours=4), NOW, timedelta(hours=1)
        )
        assert hourly == [0, 1, 0, 0]  # the two outlets' reports: one story, 02:30 ago
        daily = story_counts(
            s, MatchKind.ENTITY, "hammouchi", NOW - timedelta(days=2), NOW, timedelta(days=1)
        )
        assert daily == [1, 1]  # one story, reported in both days: counted in each
        assert story_counts(
            s, MatchKind.RULE, "hammouchi", NOW - timedelta(days=2), NOW, timedelta(days=1)
        ) == [0, 0]
        busy = busy_targets(s, NOW - timedelta(hours=4), NOW, min_stories=1)
        assert [(t.kind, t.key, t.count) for t in busy] == [
            (MatchKind.ENTITY, "chefchaouen", 1),
            (MatchKind.ENTITY, "hammouchi", 1),
        ]
        two_days = busy_targets(s, NOW - timedelta(days=2), NOW, min_stories=1)
        assert [(t.key, t.count) for t in two_days] == [("chefchaouen", 1), ("hammouchi", 1)]
        assert busy_targets(s, NOW - timedelta(days=2), NOW, min_stories=2) == []
        assert busy_targets(s, NOW - timedelta(hours=4), NOW, min_stories=2) == []


def test_counts_in_many_windows_are_read_at_once_and_match_one_window_at_a_time(
    store_url: str,
) -> None:
    engine, sources = setup(store_url)
    stories = assigner()
    keys = {"a": HAMMOUCHI, "b": HAMMOUCHI, "c": FIRE_ONLY, "d": HAMMOUCHI}
    ingest(engine, stories, sources["Wire"], draft("a", VISIT, 2.5), entities=keys)
    ingest(engine, stories, sources["Daily"], draft("b", VISIT_COPY, 2.4), entities=keys)
    ingest(engine, stories, sources["Daily"], draft("c", FIRE, 2.5), entities=keys)
    ingest(engine, stories, sources["Weekly"], draft("d", VISIT, 26), entities=keys)
    hour = timedelta(hours=1)
    # out of order, overlapping, an empty one, a 6 h one and a day one
    windows = [
        (NOW - 3 * hour, NOW - 2 * hour),
        (NOW - 27 * hour, NOW - 21 * hour),
        (NOW - 4 * hour, NOW - 3 * hour),
        (NOW - 6 * hour, NOW),
        (NOW - 30 * hour, NOW - 26 * hour),
        (NOW - 48 * hour, NOW),
    ]
    with session(engine) as s:
        counts = story_counts_in(s, MatchKind.ENTITY, "hammouchi", windows)
        one_by_one = [
            story_counts(s, MatchKind.ENTITY, "hammouchi", start, end, end - start)[0]
            for start, end in windows
        ]
        assert counts == one_by_one == [1, 1, 0, 1, 0, 1]
        assert story_counts_in(s, MatchKind.ENTITY, "chefchaouen", windows) == [1, 0, 0, 1, 0, 1]
        assert story_counts_in(s, MatchKind.RULE, "hammouchi", windows) == [0] * 6
        assert story_counts_in(s, MatchKind.ENTITY, "hammouchi", []) == []
