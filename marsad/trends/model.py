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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from marsad.trends.negbin import upper_tail
from marsad.trends.params import DEFAULT_PARAMS, HOUR, SpikeParams
from marsad.trends.windows import baseline_windows

__all__ = [
    "Fit",
    "Reason",
    "SpikeParams",
    "Verdict",
    "assess",
    "baseline_windows",
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
    history: Sequence[int], params: SpikeParams = DEFAULT_PARAMS, length: timedelta = HOUR
) -> Fit:
    """The negative binomial the next window's count of ``length`` is judged against; the
    dispersion floor is an hour's, so a window of ``h`` hours (the sum of ``h`` hours' counts)
    has ``dispersion_floor / h`` (at least a day's: ``/ 24``)."""
    if any(count < 0 for count in history):
        raise ValueError("a history of story counts cannot hold a negative count")
    windows = len(history)
    total = sum(history)
    floor = params.dispersion_floor / min(max(length / HOUR, 1.0), 24.0)
    mean = (total + params.prior_stories) / (windows + params.prior_windows)
    if windows >= 2:
        observed = sum(count * count for count in history) - total * total / windows
        spread = max(observed / (windows - 1), mean)
    else:
        spread = mean
    variance = spread + floor * mean * mean + spread / (windows + params.prior_windows)
    return Fit(mean=mean, size=mean * mean / (variance - mean))


def assess(
    count: int,
    history: Sequence[int],
    params: SpikeParams = DEFAULT_PARAMS,
    length: timedelta = HOUR,
) -> Verdict:
    """Is ``count`` distinct stories in a window of ``length`` a spike, given the counts of its
    baseline windows (``history``, in any order)?"""
    if count < 0:
        raise ValueError(f"a story count cannot be negative, not {count}")
    model = fit(history, params, length)
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
