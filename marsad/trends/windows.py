"""Which past windows a window's count is compared with: the same hours of past weeks, and a
cold start while the store is younger than that.  Pure: the caller gives the times (UTC).

For a window ``[start, start + length)``:

- seasonal: the window at the same time of each of the past ``weeks`` weeks, and its two
  neighbours of the same length (the hour before and after for an hour window, the day before
  and after for a day window): 3 · ``weeks`` windows, 12 by default.  Same hour-of-week keeps
  the daily and weekly rhythm of news out of the comparison; the neighbours give the fit enough
  samples to measure the spread.
- cold start, when the store holds less than ``weeks`` weeks of history (``history_since``, the
  oldest item time, is later than the first seasonal window): the seasonal windows that exist,
  plus the same time of each of the past 7 days and its neighbours (up to 21 windows; for a day
  window, the 7 previous days), plus, if fewer than 3 windows exist even then (the store's first
  day), the contiguous windows before ``start`` back to ``history_since`` (at most a day of them).

No window ever starts before ``history_since``: before it the store knows nothing, and a zero
there would be made up.  No window ends after ``start``.  All times are UTC, so there are no
daylight-saving jumps: a week is always 168 hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from marsad.trends.params import DEFAULT_PARAMS, SpikeParams

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
_COLD_DAYS = 7
_MIN_WINDOWS = 3


def _around(centre: datetime, length: timedelta) -> list[datetime]:
    return [centre - length, centre, centre + length]


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
    if length > WEEK / 3:
        raise ValueError(f"a window longer than {WEEK / 3} has no neighbours in a week")
    if start.utcoffset() != history_since.utcoffset():
        raise ValueError("the window start and history_since must both be UTC (or both naive)")

    def usable(begin: datetime) -> bool:
        return begin >= history_since and begin + length <= start

    starts = [
        begin
        for week in range(1, params.weeks + 1)
        for begin in _around(start - week * WEEK, length)
        if usable(begin)
    ]
    if history_since > start - params.weeks * WEEK - length:
        if length < DAY:
            recent = [
                begin
                for day in range(1, _COLD_DAYS + 1)
                for begin in _around(start - day * DAY, length)
            ]
        else:
            recent = [start - day * length for day in range(1, _COLD_DAYS + 1)]
        starts += [begin for begin in recent if usable(begin)]
        if len(set(starts)) < _MIN_WINDOWS:
            back = min((start - history_since) // length, DAY // length if length < DAY else 1)
            starts += [start - step * length for step in range(1, back + 1)]
    return [(begin, begin + length) for begin in sorted(set(starts))]
