"""Spikes and trends of story counts: pure statistics (no I/O, no clock, no store)."""

from marsad.trends.model import Fit, Reason, Verdict, assess, cooled_down, fit
from marsad.trends.params import DEFAULT_PARAMS, SpikeParams
from marsad.trends.windows import Cell, baseline_windows, cells_of

__all__ = [
    "DEFAULT_PARAMS",
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
