"""The baseline's weekday and hour-of-day factors: where each baseline window sits relative to
the judged one (cells_of), and how a weekly or daily rhythm in the history moves the expected
count of the judged window, shrunk toward the flat level when history is short."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.trends import (
    DEFAULT_PARAMS,
    Cell,
    Reason,
    SpikeParams,
    assess,
    baseline_windows,
    cells_of,
    fit,
)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
NOW = datetime(2026, 12, 5, 10, tzinfo=UTC)  # a Saturday, 10:00 UTC
LONG_AGO = NOW - 60 * DAY

WINDOWS = baseline_windows(NOW, HOUR, LONG_AGO)
CELLS = cells_of(NOW, WINDOWS)
# the seasonal fit (the default since 2026-12-05; spelt out so these tests say what they test)
SEASONAL = SpikeParams(seasonal=True, dispersion_floor=0.06)
FLAT = replace(SEASONAL, seasonal=False)


def _rhythm(same_day: int, other_days: int, same_hour: int = 0) -> list[int]:
    """Four identical weeks: ``same_day`` stories an hour on the judged weekday, ``other_days``
    on the days around it, ``same_hour`` more at the judged hour than at its neighbours."""
    return [
        (same_day if day == 0 else other_days) + (same_hour if hour == 0 else 0)
        for day, hour in CELLS
    ]


@pytest.mark.parametrize(
    ("begin", "cell"),
    [
        (NOW - WEEK, (0, 0)),  # last Saturday 10:00: the same weekday and hour
        (NOW - WEEK - DAY - HOUR, (-1, -1)),  # the Friday before it, 09:00
        (NOW - 4 * WEEK + DAY + HOUR, (1, 1)),  # a Sunday 11:00
        (NOW - DAY, (-1, 0)),  # yesterday (cold start)
        (NOW - 3 * DAY, (-3, 0)),  # Wednesday
        (NOW - 4 * DAY, (3, 0)),  # Tuesday is three weekdays after Saturday
        # offsets are rounded to the nearest day: 23:00 yesterday is 11 hours before,
        # 21:00 a day back and 11 hours on
        (NOW - 11 * HOUR, (0, -11)),
        (NOW - 13 * HOUR, (-1, 11)),
    ],
)
def test_a_window_s_cell_is_its_weekday_and_hour_offset(begin: datetime, cell: Cell) -> None:
    assert cells_of(NOW, [(begin, begin + HOUR)]) == [cell]


def test_four_weeks_of_neighbours_make_nine_cells_of_four_windows() -> None:
    assert len(CELLS) == 36
    assert {cell: CELLS.count(cell) for cell in set(CELLS)} == {
        (day, hour): 4 for day in (-1, 0, 1) for hour in (-1, 0, 1)
    }


def test_a_burst_on_a_quiet_weekday_is_measured_against_that_weekday() -> None:
    # Saturday has 7 stories an hour, Friday and Sunday 11: 31 on a Saturday is a spike, but
    # against the flat mean of the three days (9.4) it is not
    history = _rhythm(same_day=7, other_days=11)
    seasonal = assess(31, history, SEASONAL, cells=CELLS)
    flat = assess(31, history, SEASONAL)
    assert seasonal.spike, seasonal
    assert (flat.spike, flat.reason) == (False, Reason.LIKELY)
    # off, the cells are ignored
    assert assess(31, history, FLAT, cells=CELLS) == assess(31, history, FLAT)
    # on by default
    assert assess(31, history, cells=CELLS) == seasonal
    # shrunk toward the flat level: between the weekday's 7 and the mean of all windows
    assert 7 < seasonal.expected < flat.expected


def test_the_judged_hour_at_a_daily_peak_expects_more() -> None:
    # the judged hour has 6 stories more than the hours around it: what is a spike against
    # the flat mean is not against the peak hour
    history = _rhythm(same_day=8, other_days=8, same_hour=6)
    flat = assess(34, history, SEASONAL)
    seasonal = assess(34, history, SEASONAL, cells=CELLS)
    assert flat.spike, flat
    assert not seasonal.spike, seasonal
    assert seasonal.expected > flat.expected


def test_a_history_without_rhythm_fits_as_without_cells() -> None:
    # the same mean; the spread a little wider, for the uncertainty of the two factors
    flat, seasonal = fit([5] * 36, SEASONAL), fit([5] * 36, SEASONAL, cells=CELLS)
    assert seasonal.mean == pytest.approx(flat.mean)
    assert flat.variance < seasonal.variance < 1.1 * flat.variance
    # no story at all: nothing to estimate a factor from
    assert fit([0] * 36, SEASONAL, cells=CELLS) == fit([0] * 36, SEASONAL)


def test_a_short_history_on_the_weekday_is_shrunk_toward_the_level() -> None:
    # one silent Saturday hour among busy Fridays: the weekday's zero is one window of evidence
    cells = [(0, 0), (-1, 0), (-1, 0), (-1, 0)]
    model = fit([0, 10, 10, 10], SEASONAL, cells=cells)
    assert 3 < model.mean < 10
    # more prior windows shrink it more
    stronger = fit([0, 10, 10, 10], replace(SEASONAL, factor_prior_windows=48), cells=cells)
    assert model.mean < stronger.mean


def test_cells_must_match_the_history() -> None:
    with pytest.raises(ValueError, match="cells"):
        assess(3, [1, 2, 3], SEASONAL, cells=CELLS[:2])


@settings(max_examples=200, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=400),
    history=st.lists(st.integers(min_value=0, max_value=200), min_size=36, max_size=36),
)
def test_with_cells_p_is_a_probability_and_the_thresholds_hold(
    count: int, history: list[int]
) -> None:
    verdict = assess(count, history, SEASONAL, cells=CELLS)
    assert 0.0 <= verdict.p_value <= 1.0
    assert verdict.expected > 0
    if verdict.spike:
        assert count >= DEFAULT_PARAMS.min_stories
        assert verdict.p_value < DEFAULT_PARAMS.threshold(HOUR)
        assert count >= DEFAULT_PARAMS.min_ratio * verdict.expected
    assert assess(count + 1, history, SEASONAL, cells=CELLS).p_value <= verdict.p_value
