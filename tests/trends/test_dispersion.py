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
