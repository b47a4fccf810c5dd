"""The thresholds of spike detection, shared by the fit and the choice of baseline windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class FactorSpread(StrEnum):
    """How the uncertainty of the seasonal fit's weekday and hour factors is estimated."""

    POISSON = "poisson"  # as if the windows' counts were Poisson: 1 / stories
    OBSERVED = "observed"  # from the windows' observed spread, each window independent
    DAYS = "days"  # the same, counting a weekday's windows of one week as one (a news day)


@dataclass(frozen=True)
class SpikeParams:
    """The thresholds of spike detection; the defaults are the ones docs/spikes.md measures.

    A target is tested many times a day: a window of each of ``scales`` hours ends at every
    hour boundary (24 tests a day each), and a day window once a day.  The daily false-alarm
    budget ``daily_false_alarms`` is shared equally by the window lengths and, within one, by
    its tests a day (:meth:`threshold`), so the chance that a calm target spikes on a given day
    stays near the budget however many windows are looked at.  ``p_threshold`` is the loosest
    any single test may be (the issue's p < 1e-3)."""

    p_threshold: float = 1e-3  # no test looser than this negative-binomial tail P(X >= count)
    daily_false_alarms: float = 1e-3  # the share of calm entity-days allowed a spike
    scales: tuple[int, ...] = (1, 3, 6)  # window lengths in hours, each ending at every hour
    min_stories: int = 3  # at least this many distinct stories in the window
    min_ratio: float = 2.0  # count >= min_ratio * expected
    cooldown: timedelta = timedelta(hours=24)
    weeks: int = 4  # past weeks for the same-hour baseline
    neighbour_days: int = 1  # the same hours this many days before and after, in those weeks
    # The fit's guards (see marsad.trends.model).
    prior_stories: float = 0.5
    prior_windows: float = 1.0
    dispersion_floor: float = 0.06
    # Fit the judged window's weekday and hour-of-day factors from the history's cells (the
    # default since 2026-12-05, with dispersion_floor 0.06 and the pooled dispersion, see
    # docs/spikes.md)
    seasonal: bool = True
    # the weekday and hour factors shrink toward 1 by this many windows of the overall mean,
    # worth at least factor_prior_stories stories (a sparse target's factors stay near 1)
    factor_prior_windows: float = 12.0
    factor_prior_stories: float = 4.0
    factor_spread: FactorSpread = FactorSpread.POISSON
    # the sample variance is raised by this many of its standard errors (sqrt(2 / freedom))
    spread_confidence: float = 0.0
    # the overdispersion from all of the past weeks' windows of the judged length
    # (marsad.trends.dispersion, without the target's past spikes and their cooldowns), at
    # least local_dispersion times the baseline windows' own
    pooled_dispersion: bool = True
    local_dispersion: float = 1.0
    expected_floor: float = 1.0  # the ratio is taken against at least this many stories

    def __post_init__(self) -> None:
        if not self.scales or any(hours < 1 or hours >= 24 for hours in self.scales):
            raise ValueError(f"window scales are 1 to 23 hours, not {self.scales}")
        if not 0 < self.daily_false_alarms <= 1 or not 0 < self.p_threshold <= 1:
            raise ValueError("p_threshold and daily_false_alarms are probabilities in (0, 1]")

    @property
    def lengths(self) -> tuple[timedelta, ...]:
        """The hour-boundary window lengths, shortest first."""
        return tuple(sorted(hours * HOUR for hours in set(self.scales)))

    def threshold(self, length: timedelta) -> float:
        """The p-value a window of ``length`` must fall below: its length's share of the daily
        budget (one share per scale and one for the day window) over its tests a day (24 for
        windows ending at each hour, 1 for a day), never looser than ``p_threshold``."""
        if length <= timedelta(0) or length > DAY:
            raise ValueError(f"a window is longer than 0 and at most a day, not {length}")
        share = self.daily_false_alarms / (len(set(self.scales)) + 1)
        tests = 1 if length >= DAY else 24
        return min(self.p_threshold, share / tests)


DEFAULT_PARAMS = SpikeParams()
