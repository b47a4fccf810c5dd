"""The overdispersion of a target's counts, pooled over its whole recent history.

The 36 baseline windows of a judged window say where its mean is, but they are few, overlapping
and correlated for measuring the spread: with clustered news (a heavy-tailed count) their
sample variance is most often well below the truth, and at the spike test's p < 1e-5 half the
variance is a false alarm.  How clustered a target's news is, though, is a property of the
target, not of the hour: it can be measured on all of its past windows of the same length
(``tiles``: the weeks before the judged window cut into windows of its length, 672 hours, 224
3-hour windows, 28 days), each against a mean of the target's level times its weekday's and
its hour-of-day's factor (from the same tiles).

The target's own past spikes and the cooldowns after them are left out of the tiles: they are
the surges the service already reported, not the target's calm clustering, and one of them in
a sparse target's 672 hours would otherwise widen every later window's spread for 4 weeks and
silence its next burst after the cooldown (docs/spikes.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from marsad.trends.windows import Cell


@dataclass(frozen=True)
class Dispersion:
    """The pooled overdispersion ``k`` (a window's variance is ``mean + k·mean²``) and the
    number of tiles it rests on."""

    k: float
    tiles: int


def tiles(
    start: datetime,
    length: timedelta,
    history_since: datetime,
    weeks: int,
    held: Sequence[tuple[datetime, datetime]] = (),
) -> list[tuple[datetime, datetime]]:
    """The windows of ``length`` before ``start``, back to ``weeks`` weeks or to
    ``history_since``, newest first, but those overlapping a span of ``held`` (the target's past
    spikes, each from its window's start to the end of its cooldown): the history the
    dispersion is measured on."""
    span = timedelta(weeks=weeks)
    found: list[tuple[datetime, datetime]] = []
    begin = start - length
    while begin >= history_since and start - begin <= span:
        end = begin + length
        if not any(begin < held_end and held_start < end for held_start, held_end in held):
            found.append((begin, end))
        begin -= length
    return found


def pooled(counts: Sequence[int], cells: Sequence[Cell]) -> Dispersion | None:
    """The moment estimate of ``k`` from ``counts`` of windows at ``cells`` (their weekday and
    hour offsets): ``Σ((x − μ)² − μ) / Σ μ²`` with ``μ`` the level times the cell's weekday and
    hour factors, corrected for the factors fitted on the same counts; None when there are
    too few windows or no story at all to say anything."""
    if len(counts) != len(cells):
        raise ValueError("cells must name one (weekday, hour) offset per count")
    total = sum(counts)
    if total == 0 or len(counts) < 8:
        return None
    level = total / len(counts)
    factors: list[dict[int, float]] = []
    for axis in (0, 1):
        sums: dict[int, list[int]] = {}
        for count, cell in zip(counts, cells, strict=True):
            sums.setdefault(cell[axis], []).append(count)
        factors.append({key: sum(group) / len(group) / level for key, group in sums.items()})
    means = [level * factors[0][cell[0]] * factors[1][cell[1]] for cell in cells]
    fitted = len(factors[0]) + len(factors[1]) - 1
    if len(counts) - fitted < 4:
        return None
    excess = sum((count - mean) ** 2 - mean for count, mean in zip(counts, means, strict=True))
    squares = sum(mean * mean for mean in means)
    if squares <= 0:
        return None
    k = max(0.0, excess / squares * len(counts) / (len(counts) - fitted))
    return Dispersion(k=k, tiles=len(counts))
