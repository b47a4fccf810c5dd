"""The thresholds of spike detection, shared by the fit and the choice of baseline windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SpikeParams:
    """The thresholds of spike detection; the defaults are the ones docs/spikes.md measures."""

    p_threshold: float = 1e-3  # negative-binomial upper tail P(X >= count) below this
    min_stories: int = 3  # at least this many distinct stories in the window
    min_ratio: float = 2.0  # count >= min_ratio * expected
    cooldown: timedelta = timedelta(hours=24)
    weeks: int = 4  # past weeks for the same-hour baseline
    # The fit's guards (see the module's text).
    prior_stories: float = 0.5
    prior_windows: float = 1.0
    dispersion_floor: float = 0.05
    expected_floor: float = 1.0  # the ratio is taken against at least this many stories


DEFAULT_PARAMS = SpikeParams()
