"""Spikes and trends of story counts: pure statistics (no I/O, no clock, no store)."""

from marsad.trends.model import Fit, Reason, Verdict, assess, cooled_down, fit
from marsad.trends.params import DEFAULT_PARAMS, SpikeParams
from marsad.trends.windows import baseline_windows

__all__ = [
    "DEFAULT_PARAMS",
    "Fit",
    "Reason",
    "SpikeParams",
    "Verdict",
    "assess",
    "baseline_windows",
    "cooled_down",
    "fit",
]
