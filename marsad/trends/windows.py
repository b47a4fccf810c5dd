"""Which past windows a window's count is compared with: the same hours of past weeks, and a
cold start while the store is younger than that.  Pure: the caller gives the times (UTC).

For a window ``[start, start + length)`` shorter than a day (an hour):

- the same hour of the same weekday in each of the past ``weeks`` weeks, with its neighbours:
  the hour before and after, on that day and on the days before and after it: 9 windows a week,
  36 by default.  The same hour-of-week keeps the daily and weekly rhythm of news (night against
  midday, a quiet Friday) out of the comparison; the neighbours give the fit enough samples to
  measure the spread (with the 12 windows of the same hour ± 1 alone, the fitted spread was too
  often too thin: four times the false alarms in ``bench/spikes.py``).

For a window of a day or longer: the same weekday and the days before and after it in each of
the past ``weeks`` weeks (12 windows by default).

Cold start, while the store holds less than ``weeks`` weeks of history (``history_since``, the
oldest item time, is later than the first of those windows): the ones that exist, plus the same
hour (and its neighbours) of each of the past 7 days (for a day window, the past 7 days); if
even that gives fewer than 3 windows (the store's first day), the contiguous windows before
``start`` back to ``history_since`` (at most a day of hours).  With none at all the fit falls
back on its prior, and nothing short of a flood is a spike.

No window ever starts before ``history_since``: before it the store knows nothing, and a zero
there would be made up.  No window ends after ``start``.  All times are UTC, so there are no
daylight-saving jumps: a week is always 168 hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from marsad.trends.params import DEFAULT_PARAMS, SpikeParams

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
_COLD_DAYS = 7
_MIN_WINDOWS = 3
_NEIGHBOURS = (-1, 0, 1)
# Neighbouring windows are an hour apart, whatever their length: a 6-hour window's neighbours
# 6 hours away would mix night and midday into its spread.
_STEP = timedelta(hours=1)


def baseline_windows(
    start: datetime,
    length: timedelta,
    history_since: datetime,
    params: SpikeParams = DEFAULT_PARAMS,
) -> list[tuple[datetime, datetime]]:
    """The past windows ``[start, start + length)`` is compared with, oldest first, each as
    ``(start, end)``."""
    if length <= timedelta(0):
        raise ValueError(f"a window must have a positive length, not {length}")
    if length > DAY:
        raise ValueError(f"a window is at most a day long, not {length}")
    if start.utcoffset() != history_since.utcoffset():
        raise ValueError("the window start and history_since must both be UTC (or both naive)")

    def usable(begin: datetime) -> bool:
        return begin >= history_since and begin + length <= start

    hours = _NEIGHBOURS if length < DAY else (0,)
    weeks = range(1, params.weeks + 1)
    seasonal = [
        start - week * WEEK + day * DAY + hour * _STEP
        for week in weeks
        for day in range(-params.neighbour_days, params.neighbour_days + 1)
        for hour in hours
    ]
    starts = {begin for begin in seasonal if usable(begin)}
    if len(starts) < len(set(seasonal)):
        starts.update(
            begin
            for day in range(1, _COLD_DAYS + 1)
            for hour in hours
            if usable(begin := start - day * DAY + hour * _STEP)
        )
    if len(starts) < _MIN_WINDOWS:
        back = min((start - history_since) // length, DAY // length)
        starts.update(start - step * length for step in range(1, back + 1))
    return [(begin, begin + length) for begin in sorted(starts)]


# A history window's place relative to the judged window: (weekday offset, hour offset), each
# 0 when it is the same (weekday offsets -3..3, hour offsets -11..12).
Cell = tuple[int, int]


def cells_of(start: datetime, windows: Sequence[tuple[datetime, datetime]]) -> list[Cell]:
    """Each baseline window's weekday and hour-of-day offset from the window at ``start``."""
    found: list[Cell] = []
    for begin, _ in windows:
        hours = (begin - start) // _STEP
        days, hour = divmod(hours + 12, 24)
        found.append(((days + 3) % 7 - 3, hour - 12))
    return found
