"""The spike model: data tables of (count, history) → verdict, invariants over random inputs,
and the baseline windows a window is compared with."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.trends import (
    DEFAULT_PARAMS,
    Reason,
    SpikeParams,
    assess,
    baseline_windows,
    cooled_down,
)
from marsad.trends.negbin import upper_tail

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
NOW = datetime(2026, 12, 5, 10, tzinfo=UTC)  # a Saturday, 10:00 UTC
LONG_AGO = NOW - 60 * DAY

QUIET = [0] * 12
STEADY_TWO = [2, 3, 1, 2, 4, 2, 1, 3, 2, 2, 3, 2]
BUSY = [20, 25, 18, 30, 22, 19, 24, 27, 21, 23, 26, 20]
CLUSTERED = [0, 0, 9, 0, 1, 0, 0, 12, 0, 0, 1, 0]  # a target that is either silent or swamped


@pytest.mark.parametrize(
    ("count", "history", "spike", "reason"),
    [
        # a target never seen in four weeks: three stories in an hour are unlikely (p ~1e-4) but
        # not below an hour's share of the daily budget (~1e-5); four are
        (3, QUIET, False, Reason.LIKELY),
        (4, QUIET, True, Reason.SPIKE),
        (2, QUIET, False, Reason.FEW_STORIES),
        # no history at all (the store's first hour) or one window: three stories prove nothing
        (3, [], False, Reason.LIKELY),
        (3, [0], False, Reason.LIKELY),
        (3, [0, 0], False, Reason.LIKELY),
        # a steady ~2 an hour: 4 is not twice that, 6 is but is common, 10 is rare (p ~5e-4)
        # but happens once in ~100 days of 24 hours; 13 is just short of an hour's share of
        # the budget with the hour's dispersion floor of 0.06 (p 1.3e-5 > 1.04e-5); 14 is not
        (4, STEADY_TWO, False, Reason.LOW_RATIO),
        (6, STEADY_TWO, False, Reason.LIKELY),
        (10, STEADY_TWO, False, Reason.LIKELY),
        (13, STEADY_TWO, False, Reason.LIKELY),
        (14, STEADY_TWO, True, Reason.SPIKE),
        # a busy target: 40 is less than twice 22.9, 70 is a spike
        (40, BUSY, False, Reason.LOW_RATIO),
        (70, BUSY, True, Reason.SPIKE),
        # a clustered target: its history has seen a dozen, so a dozen is no surprise
        (12, CLUSTERED, False, Reason.LIKELY),
        # one story in four weeks: three in an hour are not enough, five are
        (3, [1] + [0] * 11, False, Reason.LIKELY),
        (5, [1] + [0] * 11, True, Reason.SPIKE),
        # count equal to a flat history's mean
        (5, [5] * 12, False, Reason.LOW_RATIO),
        (1, [1] * 12, False, Reason.FEW_STORIES),
    ],
)
def test_verdicts(count: int, history: list[int], spike: bool, reason: Reason) -> None:
    verdict = assess(count, history)
    assert (verdict.spike, verdict.reason) == (spike, reason), verdict
    assert verdict.count == count
    assert 0.0 <= verdict.p_value <= 1.0


def test_the_verdict_reports_the_baseline_mean_and_tail() -> None:
    verdict = assess(14, STEADY_TWO)
    # (27 stories + 0.5 prior) / (12 windows + 1 prior window)
    assert verdict.expected == pytest.approx(27.5 / 13)
    assert verdict.p_value < DEFAULT_PARAMS.threshold(HOUR)
    assert str(verdict.reason) == "spike"


def test_thresholds_are_the_params() -> None:
    strict = SpikeParams(min_stories=15)
    assert assess(14, STEADY_TWO, strict).reason is Reason.FEW_STORIES
    assert assess(14, STEADY_TWO, SpikeParams(min_ratio=7.0)).reason is Reason.LOW_RATIO
    assert assess(14, STEADY_TWO, SpikeParams(p_threshold=1e-7)).reason is Reason.LIKELY
    # the floor under the spread is a parameter: at the flat model's 0.05, 13 passes
    assert assess(13, STEADY_TWO, SpikeParams(dispersion_floor=0.05)).reason is Reason.SPIKE
    # a looser daily budget lets the hour of 10 through
    loose = SpikeParams(daily_false_alarms=0.05)
    assert assess(10, STEADY_TWO, loose).reason is Reason.SPIKE


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        assess(-1, QUIET)
    with pytest.raises(ValueError, match="negative"):
        assess(3, [1, -2, 0])


@pytest.mark.parametrize(
    ("k", "mean", "size", "expected"),
    [
        # size 1 is the geometric distribution: P(X >= k) = (m / (1 + m))^k
        (1, 3.0, 1.0, 0.75),
        (5, 3.0, 1.0, 0.75**5),
        (200, 3.0, 1.0, 0.75**200),  # a tiny tail keeps its digits
        (0, 3.0, 1.0, 1.0),
        # a huge size is Poisson: P(X >= 3 | 1) = 1 - e^-1 (1 + 1 + 1/2)
        (3, 1.0, 1e9, 1 - math.exp(-1) * 2.5),
    ],
)
def test_negative_binomial_tail(k: int, mean: float, size: float, expected: float) -> None:
    assert upper_tail(k, mean, size) == pytest.approx(expected, rel=1e-6)


histories = st.lists(st.integers(min_value=0, max_value=300), max_size=40)


@settings(max_examples=300, deadline=None)
@given(count=st.integers(min_value=0, max_value=600), history=histories)
def test_p_is_a_probability_and_thresholds_hold(count: int, history: list[int]) -> None:
    verdict = assess(count, history)
    assert 0.0 <= verdict.p_value <= 1.0
    if count < DEFAULT_PARAMS.min_stories:
        assert not verdict.spike
    if verdict.spike:
        assert verdict.p_value < DEFAULT_PARAMS.threshold(HOUR) <= DEFAULT_PARAMS.p_threshold
        assert count >= DEFAULT_PARAMS.min_ratio * verdict.expected


@settings(max_examples=200, deadline=None)
@given(count=st.integers(min_value=0, max_value=400), history=histories)
def test_a_larger_count_never_has_a_larger_p(count: int, history: list[int]) -> None:
    assert assess(count + 1, history).p_value <= assess(count, history).p_value


@settings(max_examples=200, deadline=None)
@given(
    value=st.integers(min_value=0, max_value=1000), windows=st.integers(min_value=1, max_value=40)
)
def test_a_flat_history_never_spikes_at_its_mean(value: int, windows: int) -> None:
    assert not assess(value, [value] * windows).spike


def _hours(windows: list[tuple[datetime, datetime]]) -> list[timedelta]:
    return [NOW - begin for begin, _ in windows]


def test_an_hour_is_compared_with_the_same_hours_of_four_weeks() -> None:
    windows = baseline_windows(NOW, HOUR, LONG_AGO)
    assert all(end - begin == HOUR for begin, end in windows)
    # the same hour of the same weekday, the hour before and after, on that day and the days
    # around it, in each of four weeks
    assert _hours(windows) == [
        week * WEEK + day + hour
        for week in (4, 3, 2, 1)
        for day in (DAY, 0 * DAY, -DAY)
        for hour in (HOUR, 0 * HOUR, -HOUR)
    ]
    assert len(windows) == 36


def test_a_day_is_compared_with_the_same_weekday_and_its_neighbours() -> None:
    midnight = NOW.replace(hour=0)
    windows = baseline_windows(midnight, DAY, LONG_AGO)
    assert len(windows) == 12
    assert [begin.strftime("%a") for begin, _ in windows] == ["Fri", "Sat", "Sun"] * 4
    assert windows[-1] == (midnight - 6 * DAY, midnight - 5 * DAY)


def test_a_day_in_a_young_store_is_compared_with_the_past_week() -> None:
    midnight = NOW.replace(hour=0)
    windows = baseline_windows(midnight, DAY, midnight - 9 * DAY)
    # last week's Fri, Sat, Sun (the week before is older than the store) and the past 7 days
    assert [midnight - begin for begin, _ in windows] == [
        8 * DAY,
        *(d * DAY for d in range(7, 0, -1)),
    ]
    assert baseline_windows(midnight, DAY, midnight - 2 * DAY) == [
        (midnight - 2 * DAY, midnight - DAY),
        (midnight - DAY, midnight),
    ]


def _cold(hours: timedelta) -> set[timedelta]:
    """The same hour ± 1 of the days within ``hours`` of NOW."""
    return {
        day * DAY + hour
        for day in range(1, 8)
        for hour in (HOUR, 0 * HOUR, -HOUR)
        if day * DAY + hour <= hours
    }


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        # two weeks of history: the seasonal windows of the two weeks that exist (not the day
        # before two weeks ago, nor the hour before), and the past 7 days' same hours
        (
            14 * DAY,
            sorted(
                {
                    week * WEEK + day + hour
                    for week in (1, 2)
                    for day in (DAY, 0 * DAY, -DAY)
                    for hour in (HOUR, 0 * HOUR, -HOUR)
                    if week * WEEK + day + hour <= 14 * DAY
                }
                | _cold(14 * DAY),
                reverse=True,
            ),
        ),
        # 30 hours: yesterday's hour and its neighbours
        (30 * HOUR, [25 * HOUR, 24 * HOUR, 23 * HOUR]),
        # 24 hours: only yesterday's hour and the one after exist: the hours before this one
        (
            24 * HOUR,
            sorted({24 * HOUR, 23 * HOUR} | {h * HOUR for h in range(1, 25)}, reverse=True),
        ),
        # the store's first hours: the hours before this one
        (3 * HOUR, [3 * HOUR, 2 * HOUR, HOUR]),
        (HOUR, [HOUR]),
        (30 * timedelta(minutes=1), []),
    ],
)
def test_cold_start_uses_the_recent_past_that_exists(
    history: timedelta, expected: list[timedelta]
) -> None:
    windows = baseline_windows(NOW, HOUR, NOW - history)
    assert _hours(windows) == expected
    assert all(begin >= NOW - history and end <= NOW for begin, end in windows)


@settings(max_examples=200, deadline=None)
@given(
    start_hours=st.integers(min_value=0, max_value=24 * 400),
    history_hours=st.integers(min_value=0, max_value=24 * 60),
    day=st.booleans(),
)
def test_no_window_before_the_history_or_after_the_start(
    start_hours: int, history_hours: int, day: bool
) -> None:
    length = DAY if day else HOUR
    start = datetime(2025, 1, 1, tzinfo=UTC) + start_hours * HOUR
    since = start - history_hours * HOUR
    windows = baseline_windows(start, length, since)
    assert windows == sorted(set(windows))
    assert all(since <= begin and end <= start and end - begin == length for begin, end in windows)
    # A full history gives the full seasonal baseline, whatever the date (UTC has no DST).
    if history_hours >= 24 * 29 + 1:
        assert len(windows) == (3 if day else 9) * DEFAULT_PARAMS.weeks


def test_windows_must_be_sane() -> None:
    with pytest.raises(ValueError, match="positive"):
        baseline_windows(NOW, timedelta(0), LONG_AGO)
    with pytest.raises(ValueError, match="at most a day"):
        baseline_windows(NOW, 2 * DAY, LONG_AGO)
    with pytest.raises(ValueError, match="UTC"):
        baseline_windows(NOW.replace(tzinfo=None), HOUR, LONG_AGO)


@pytest.mark.parametrize(
    ("last_end", "now", "ok"),
    [
        (None, NOW, True),
        (NOW - 23 * HOUR, NOW, False),
        (NOW - 24 * HOUR, NOW, True),
        (NOW - 30 * HOUR, NOW, True),
    ],
)
def test_cooldown(last_end: datetime | None, now: datetime, ok: bool) -> None:
    assert cooled_down(last_end, now, DEFAULT_PARAMS) is ok
    assert cooled_down(last_end, now, SpikeParams(cooldown=timedelta(hours=1))) is (
        last_end is None or now - last_end >= HOUR
    )


@pytest.mark.parametrize(
    ("params", "length", "threshold"),
    [
        # the daily 1e-3 budget: a share for each of the 1, 3 and 6 h scales and the day window,
        # and within a scale 24 tests a day (one window ends at each hour)
        (DEFAULT_PARAMS, HOUR, 1e-3 / 4 / 24),
        (DEFAULT_PARAMS, 3 * HOUR, 1e-3 / 4 / 24),
        (DEFAULT_PARAMS, 6 * HOUR, 1e-3 / 4 / 24),
        (DEFAULT_PARAMS, DAY, 1e-3 / 4),
        # one scale: half the budget for the hour, half for the day
        (SpikeParams(scales=(1,)), HOUR, 1e-3 / 2 / 24),
        # never looser than p_threshold, however big the budget
        (SpikeParams(daily_false_alarms=1.0), DAY, 1e-3),
        (SpikeParams(daily_false_alarms=1.0, p_threshold=0.01), HOUR, 0.01),
    ],
)
def test_each_window_length_gets_its_share_of_the_daily_budget(
    params: SpikeParams, length: timedelta, threshold: float
) -> None:
    assert params.threshold(length) == pytest.approx(threshold)


def test_bad_scales_and_budgets_are_refused() -> None:
    with pytest.raises(ValueError, match="scales"):
        SpikeParams(scales=())
    with pytest.raises(ValueError, match="scales"):
        SpikeParams(scales=(1, 24))
    with pytest.raises(ValueError, match="probabilities"):
        SpikeParams(daily_false_alarms=0.0)
    with pytest.raises(ValueError, match="at most a day"):
        DEFAULT_PARAMS.threshold(2 * DAY)
    assert SpikeParams(scales=(6, 1, 3, 3)).lengths == (HOUR, 3 * HOUR, 6 * HOUR)


def _calm(hours: int) -> list[int]:
    """A target with 2 stories an hour, more by day, fewer at night: 1..4, deterministic."""
    return [(1, 2, 2, 3, 2, 4, 2, 1)[(hour * 5 + hour // 24) % 8] for hour in range(hours)]


ORIGIN = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
EVALUATED = 5 * 7 * 24  # the hour index after 5 weeks of history


def _verdicts(series: list[int], end: int) -> dict[int, bool]:
    """Each scale's verdict on its window ending at hour ``end``, against its baseline windows
    taken from the same series (as the service does)."""
    found = {}
    for length in DEFAULT_PARAMS.lengths:
        hours = length // HOUR
        start = ORIGIN + (end - hours) * HOUR
        windows = baseline_windows(start, length, ORIGIN)
        history = [sum(series[(b - ORIGIN) // HOUR : (e - ORIGIN) // HOUR]) for b, e in windows]
        assert len(history) == 36
        found[hours] = assess(sum(series[end - hours : end]), history, length=length).spike
    return found


def test_a_sustained_burst_no_single_hour_flags_is_found_by_the_six_hour_window() -> None:
    series = _calm(EVALUATED + 24)
    burst = range(EVALUATED + 8, EVALUATED + 14)
    for hour in burst:
        series[hour] += 5  # about 3x the usual 2, for 6 hours
    ends = [hour + 1 for hour in burst]
    # no hour of it is a spike on its own, the 6 hours are
    assert not any(_verdicts(series, end)[1] for end in ends)
    assert _verdicts(series, ends[-1])[6]


def test_a_quiet_day_with_one_noisy_hour_is_not_a_spike_at_any_scale() -> None:
    series = _calm(EVALUATED + 24)
    series[EVALUATED + 10] = 7  # one busy hour: 7 where 1 to 4 are usual
    for end in range(EVALUATED + 1, EVALUATED + 24):
        assert not any(_verdicts(series, end).values()), end
