"""Is a count of distinct stories a spike?  The pure decision: no I/O, no clock.

A target's (entity's or rule's) count in a window is compared with its counts in past windows
(:func:`marsad.trends.windows.baseline_windows` says which).  Those counts are fitted with a
negative binomial, the overdispersed count model: news comes in clusters, so the spread of a
target's counts is wider than a Poisson's of the same mean.  The fit is the method of moments,
with three guards that matter when the history is short, flat or empty:

- the mean has a gamma prior worth ``prior_windows`` windows holding ``prior_stories`` stories,
  so a target that never had a story is expected to have a few now and then, and a history of
  one or two windows says little;
- the variance is at least ``mean + dispersion_floor·mean²`` (never thinner than that much
  overdispersion, however calm the history looked);
- the uncertainty of the fitted mean itself (its variance, ``variance / (windows + prior)``) is
  added to the spread, so a short history gives a wide model.

A window is a spike when all hold: ``P(X >= count) < params.threshold(length)`` under that
model (the window length's share of the daily false-alarm budget, never looser than
``p_threshold``), at least ``min_stories`` distinct stories, and ``count >= min_ratio ·
max(expected, expected_floor)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from marsad.trends.dispersion import Dispersion
from marsad.trends.negbin import upper_tail
from marsad.trends.params import DEFAULT_PARAMS, HOUR, FactorSpread, SpikeParams
from marsad.trends.windows import Cell, baseline_windows, cells_of

__all__ = [
    "Cell",
    "Fit",
    "Reason",
    "SpikeParams",
    "Verdict",
    "assess",
    "baseline_windows",
    "cells_of",
    "cooled_down",
    "fit",
]


class Reason(StrEnum):
    """Why a window is, or is not, a spike (for logs and docs)."""

    SPIKE = "spike"
    FEW_STORIES = "below min stories"
    LOW_RATIO = "below min ratio"
    LIKELY = "p not below threshold"


@dataclass(frozen=True)
class Verdict:
    """The decision on one window, with what it rests on."""

    spike: bool
    count: int
    expected: float  # the baseline mean
    p_value: float
    reason: Reason


@dataclass(frozen=True)
class Fit:
    """A negative binomial fitted to a history: its mean and size (variance mean + mean²/size)."""

    mean: float
    size: float

    @property
    def variance(self) -> float:
        return self.mean + self.mean * self.mean / self.size


def fit(
    history: Sequence[int],
    params: SpikeParams = DEFAULT_PARAMS,
    length: timedelta = HOUR,
    cells: Sequence[Cell] | None = None,
    dispersion: Dispersion | None = None,
) -> Fit:
    """The negative binomial the next window's count of ``length`` is judged against; the
    dispersion floor is an hour's, so a window of ``h`` hours (the sum of ``h`` hours' counts)
    has ``dispersion_floor / h`` (at least a day's: ``/ 24``).  With ``cells`` (each history
    window's weekday and hour offset from the judged window, :func:`cells_of`), the mean is
    the level of all windows times a weekday and an hour-of-day factor (see the module)."""
    if any(count < 0 for count in history):
        raise ValueError("a history of story counts cannot hold a negative count")
    if cells is not None and len(cells) != len(history):
        raise ValueError("cells must name one (weekday, hour) offset per history window")
    windows = len(history)
    total = sum(history)
    floor = params.dispersion_floor / min(max(length / HOUR, 1.0), 24.0)
    level = (total + params.prior_stories) / (windows + params.prior_windows)
    seasonal = cells is not None and params.seasonal
    if windows >= 2:
        observed, freedom = (
            _within(history, cells)
            if cells and seasonal
            else (_scatter(history) / (windows - 1), windows - 1)
        )
        # the sample variance is itself uncertain (relative sd sqrt(2 / freedom)): raise it
        observed *= 1.0 + params.spread_confidence * math.sqrt(2.0 / freedom)
        spread = max(observed, level)
    else:
        spread = level
    factor, extra = (
        _seasonal(history, cells, params, spread / (level * level))
        if cells and seasonal
        else (1.0, 0.0)
    )
    mean = level * factor
    # the spread's overdispersion (spread - level) / level², at the judged window's mean
    overdispersion = (spread - level) / (level * level)
    if dispersion is not None and params.pooled_dispersion:
        overdispersion = max(dispersion.k, overdispersion * params.local_dispersion)
    spread = mean + overdispersion * mean * mean
    uncertainty = spread / (windows + params.prior_windows) + extra * mean * mean
    variance = max(spread, mean) + floor * mean * mean + uncertainty
    return Fit(mean=mean, size=mean * mean / (variance - mean))


def _scatter(counts: Sequence[int]) -> float:
    """The sum of squared deviations of ``counts`` from their mean."""
    total = sum(counts)
    return sum(count * count for count in counts) - total * total / len(counts) if counts else 0.0


def _within(history: Sequence[int], cells: Sequence[Cell]) -> tuple[float, int]:
    """The variance of the history within its cells (the same weekday and hour in different
    weeks), pooled, and its degrees of freedom: the spread the weekly and daily rhythm leaves;
    the plain variance when no cell has two windows."""
    groups: dict[Cell, list[int]] = {}
    for count, cell in zip(history, cells, strict=True):
        groups.setdefault(cell, []).append(count)
    freedom = len(history) - len(groups)
    if freedom < 2:
        return _scatter(history) / (len(history) - 1), len(history) - 1
    return sum(_scatter(counts) for counts in groups.values()) / freedom, freedom


def _seasonal(
    history: Sequence[int], cells: Sequence[Cell], params: SpikeParams, relative: float
) -> tuple[float, float]:
    """The judged window's weekday factor times its hour factor (each the mean of the history
    windows on its weekday, or at its hour, over the mean of all, shrunk toward 1 by
    ``factor_prior_windows`` windows of the overall mean), and the relative variance those
    estimates add (``relative``: one window's variance over its squared mean)."""
    total = sum(history)
    if total == 0:
        return 1.0, 0.0
    overall = total / len(history)
    # the prior: factor_prior_windows windows of the overall mean, at least factor_prior_stories
    weight = max(params.factor_prior_windows * overall, params.factor_prior_stories)
    factor = 1.0
    extra = 0.0
    for axis in (0, 1):
        chosen = [
            (count, cell) for count, cell in zip(history, cells, strict=True) if cell[axis] == 0
        ]
        same = [count for count, _ in chosen]
        if len(same) == len(history):
            continue
        stories = sum(same) + weight
        expected = len(same) * overall + weight
        factor *= stories / expected
        if params.factor_spread is FactorSpread.POISSON:
            extra += 1.0 / stories
            continue
        units = len(same)
        if params.factor_spread is FactorSpread.DAYS and axis == 0 and same:
            # the windows of one weekday in one week share that day's news: one unit a day
            units = max(1, round(len(same) / len({cell[1] for _, cell in chosen})))
        # the variance of the shrunk factor: (len(same) · overall)² · relative / units over
        # expected², relative to a factor of about 1
        extra += (len(same) * overall) ** 2 * relative / units / (expected * expected)
    return factor, extra


def assess(
    count: int,
    history: Sequence[int],
    params: SpikeParams = DEFAULT_PARAMS,
    length: timedelta = HOUR,
    cells: Sequence[Cell] | None = None,
    dispersion: Dispersion | None = None,
) -> Verdict:
    """Is ``count`` distinct stories in a window of ``length`` a spike, given the counts of its
    baseline windows (``history``, in any order)?"""
    if count < 0:
        raise ValueError(f"a story count cannot be negative, not {count}")
    model = fit(history, params, length, cells, dispersion)
    p_value = upper_tail(count, model.mean, model.size)
    if count < params.min_stories:
        reason = Reason.FEW_STORIES
    elif count < params.min_ratio * max(model.mean, params.expected_floor):
        reason = Reason.LOW_RATIO
    elif not p_value < params.threshold(length):
        reason = Reason.LIKELY
    else:
        reason = Reason.SPIKE
    return Verdict(
        spike=reason is Reason.SPIKE,
        count=count,
        expected=model.mean,
        p_value=p_value,
        reason=reason,
    )


def cooled_down(last_spike_end: datetime | None, now: datetime, params: SpikeParams) -> bool:
    """May a target spike again at ``now``?  Not until ``params.cooldown`` has passed since the
    end of its last spike's window."""
    return last_spike_end is None or now - last_spike_end >= params.cooldown
