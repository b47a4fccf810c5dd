"""The overdispersion pooled over a target's past weeks (marsad.trends.dispersion): the tiles it
is measured on, and that it recovers how clustered a target's news is, whatever its rhythm."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from marsad.trends import SpikeParams, fit
from marsad.trends.dispersion import Dispersion, pooled, tiles
from marsad.trends.windows import cells_of

HOUR = timedelta(hours=1)
NOW = datetime(2026, 12, 5, 10, tzinfo=UTC)


def _negbin(rng: random.Random, mean: float, size: float) -> int:
    rate = mean * rng.gammavariate(size, 1 / size)
    count, limit, product = 0, pow(2.718281828459045, -rate), rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def test_the_tiles_are_the_past_weeks_cut_into_windows_of_the_judged_length() -> None:
    found = tiles(NOW, 3 * HOUR, NOW - 60 * 24 * HOUR, weeks=4)
    assert len(found) == 4 * 7 * 8
    assert found[0] == (NOW - 3 * HOUR, NOW)
    assert all(end - start == 3 * HOUR for start, end in found)
    # never before the first stored item
    assert len(tiles(NOW, HOUR, NOW - 10 * HOUR, weeks=4)) == 10


@pytest.mark.parametrize("size", [2.0, 10.0])
def test_it_recovers_the_clustering_of_a_rhythmic_target(size: float) -> None:
    rng = random.Random(7)
    windows = tiles(NOW, HOUR, NOW - 60 * 24 * HOUR, weeks=4)
    cells = cells_of(NOW, windows)
    # a daily rhythm (3x between day and night) and a quiet weekday
    counts = [
        _negbin(rng, 6.0 * (1.5 if abs(hour) < 6 else 0.5) * (0.6 if day == 2 else 1.0), size)
        for day, hour in cells
    ]
    found = pooled(counts, cells)
    assert found is not None and found.tiles == 672
    assert found.k == pytest.approx(1 / size, rel=0.35)


def test_no_history_says_nothing() -> None:
    cells = cells_of(NOW, tiles(NOW, HOUR, NOW - 60 * 24 * HOUR, weeks=4))
    assert pooled([0] * len(cells), cells) is None
    assert pooled([1, 2], cells[:2]) is None


def test_a_clustered_target_s_pooled_spread_widens_the_fit() -> None:
    params = SpikeParams(pooled_dispersion=True)
    history = [5] * 36
    narrow, wide = fit(history, params), fit(history, params, dispersion=Dispersion(0.5, 672))
    assert wide.mean == narrow.mean
    assert wide.variance > narrow.variance + 0.4 * 5 * 5


def test_the_target_s_past_spikes_and_their_cooldowns_are_left_out_of_the_tiles() -> None:
    since = NOW - 60 * 24 * HOUR
    spike = (NOW - 30 * HOUR, NOW - 29 * HOUR)  # yesterday's spike, held for 24 h after it
    held = [(spike[0], spike[1] + 24 * HOUR)]
    kept = tiles(NOW, 3 * HOUR, since, weeks=4, held=held)
    every = tiles(NOW, 3 * HOUR, since, weeks=4)
    # a tile touching the spike or its cooldown is out; one ending where it starts is in
    assert all(end <= held[0][0] or start >= held[0][1] for start, end in kept)
    assert [t for t in every if t not in kept] == [
        t for t in every if t[0] < held[0][1] and held[0][0] < t[1]
    ]
    assert (NOW - 33 * HOUR, NOW - 30 * HOUR) in kept and len(every) - len(kept) == 9


def test_one_reported_burst_does_not_make_a_quiet_target_look_clustered() -> None:
    # a target with one story at the same hour each week, then a 7-story spike yesterday
    since = NOW - 60 * 24 * HOUR
    burst = NOW - 26 * HOUR
    weekly = {NOW - week * 168 * HOUR + 4 * HOUR for week in range(1, 5)}

    def counts(windows: list[tuple[datetime, datetime]]) -> list[int]:
        return [(7 if start == burst else 0) + (start in weekly) for start, _ in windows]

    every = tiles(NOW, HOUR, since, weeks=4)
    found = pooled(counts(every), cells_of(NOW, every))
    assert found is not None and found.k > 1  # the burst alone makes it look swamped
    kept = tiles(NOW, HOUR, since, weeks=4, held=[(burst, burst + 25 * HOUR)])
    calm = pooled(counts(kept), cells_of(NOW, kept))
    assert calm is not None and calm.k == 0.0 and calm.tiles == 672 - 25
