"""Benchmark: false alarms and burst detection of the spike model (marsad.trends) on simulated
overdispersed story counts, against a Poisson z-score detector in the same run, same data.

    python3 bench/spikes.py [--entities 60] [--weeks 4] [--seed 12] [--hour-shape 10]
                            [--day-shape 0] [--set NAME=VALUE ...]

Each simulated entity has a size (its mean distinct stories per hour: 0.05, 0.2, 0.5, 1, 2, 5,
and 10 and 20 to show where the detection targets start to hold) and an hourly series of story
counts over 4 warm-up weeks (the baseline's history) and ``--weeks`` evaluation weeks.  An
hour's count is Poisson with rate ``size · daily(hour) · weekly(weekday) · D · E``: ``daily`` a
24-hour cycle (peak at 11:00 UTC, 3.4 times the 23:00 trough), ``weekly`` quieter Fridays and
Saturdays (0.7 and 0.8 of the mean, the other days 1.1), ``E`` a per-hour gamma factor of
mean 1 and shape ``--hour-shape`` (so the hour's count is negative binomial with that size:
variance ``m + m²/10`` by default, well above a Poisson's), and ``D`` an optional per-day
factor shared by the day's hours (gamma, shape ``--day-shape``; 0, the default, is none): busy
and calm news days.  ``--set`` changes a ``SpikeParams`` field (``--set p_threshold=4e-5``).

Detection runs as the service does: every hour, when it ends, the windows of each length in
``scales`` (1, 3 and 6 hours by default) that end then are assessed, shortest first, and every
day at midnight UTC the day window, each against ``baseline_windows`` with 4 weeks of history
and its share of the daily false-alarm budget (``SpikeParams.threshold``), only for counts of
at least ``min_stories`` (the service only looks at ``busy_targets``), with a 24-hour cooldown
per entity across all window lengths: a window starting before the last spike's end + the
cooldown is not assessed (``--set scales=1,3`` and the like compare other scales).

- false alarms: on the series as simulated (no spikes in it), the share of entity-days of the
  evaluation weeks with at least one spike, and the spikes by window length;
- bursts: one per entity-week (6 hours from a random hour of the week, the burst's extra
  stories Poisson with twice each hour's mean, so 3x the baseline), each injected alone into
  the same series and assessed from its first hour, after the cooldown of any false alarm
  before it; detected if a spike's window overlaps the burst and is assessed by the burst's
  end + 1 hour; the delay is from the burst start to the end of the first such window (1 h is
  the least possible: the first hour, when it ends);
- the Poisson z-score detector: ``(count - m) / sqrt(m) > 3`` with ``m`` the mean of the same
  baseline windows (at least 0.1), with the same ``min_stories`` and cooldown, on the same
  series;
- the oracle: the same thresholds (p, ratio, stories, cooldown) against the true model of each
  window (the simulation's own mean and variance), i.e. the best any fit of the history could
  do with these thresholds.

Fixed seeds; no I/O but the printout; no timing in it.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marsad.trends import (
    DEFAULT_PARAMS,
    Cell,
    SpikeParams,
    assess,
    baseline_windows,
    cells_of,
    cooled_down,
)
from marsad.trends.dispersion import Dispersion, pooled, tiles
from marsad.trends.negbin import upper_tail

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK_HOURS = 168
WARMUP_WEEKS = 4
SIZES = (0.05, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
BURST_HOURS = 6
BURST_FACTOR = 3.0
DAY_SHAPE = 0.0  # gamma shape of the per-day factor (0: none)
HOUR_SHAPE = 10.0  # gamma shape of the per-hour factor: the NB size of an hour's count
Z_THRESHOLD = 3.0
Z_MEAN_FLOOR = 0.1
# Monday 2026-01-05 00:00 UTC: the simulation's first hour (any date would do: UTC has no DST).
ORIGIN = datetime(2026, 1, 5, tzinfo=UTC)
# Mon..Sun, Friday and Saturday quieter (the weekend of much of the Arab world).
WEEKLY = (1.1, 1.1, 1.1, 1.1, 0.7, 0.8, 1.1)


def _daily(hour: int) -> float:
    return 1.0 + 0.55 * math.cos(2 * math.pi * (hour - 11) / 24)


_WEEKLY_MEAN = sum(WEEKLY) / 7


def season(hour_index: int) -> float:
    """The mean-1 seasonal factor of an hour counted from ORIGIN (a Monday, 00:00)."""
    weekday = (hour_index // 24) % 7
    return _daily(hour_index % 24) * WEEKLY[weekday] / _WEEKLY_MEAN


def poisson(rng: random.Random, rate: float) -> int:
    """A Poisson draw (Knuth's product method, in chunks so exp() never underflows)."""
    count = 0
    while rate > 0:
        chunk = min(rate, 30.0)
        rate -= chunk
        limit = math.exp(-chunk)
        product = rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
    return count


@dataclass(frozen=True)
class Series:
    rates: list[float]  # the hourly rate each count was drawn from
    counts: list[int]
    means: list[float]  # the true mean of each hour's count (rate before its gamma factors)
    variances: list[float]  # and its true variance (with the hour's gamma factor)

    @cached_property
    def mean_sums(self) -> list[float]:
        return _prefix(self.means)

    @cached_property
    def variance_sums(self) -> list[float]:
        return _prefix(self.variances)


def simulate(
    rng: random.Random, size: float, hours: int, day_shape: float, hour_shape: float
) -> Series:
    rates: list[float] = []
    means: list[float] = []
    variances: list[float] = []
    day_factor = 1.0
    for hour in range(hours):
        if hour % 24 == 0:
            day_factor = rng.gammavariate(day_shape, 1 / day_shape) if day_shape else 1.0
        hour_factor = rng.gammavariate(hour_shape, 1 / hour_shape)
        rates.append(size * season(hour) * day_factor * hour_factor)
        # The oracle knows the day's factor (a news day is not a spike to it) and the spread of
        # the hour's: its count is NB(mean, size=hour_shape).
        means.append(size * season(hour) * day_factor)
        variances.append(means[-1] + means[-1] ** 2 / hour_shape)
    return Series(rates, [poisson(rng, rate) for rate in rates], means, variances)


def bursts(rng: random.Random, series: Series, first_hour: int) -> list[tuple[int, list[int]]]:
    """One burst per evaluation week: its start hour and the stories it adds in each hour
    (Poisson with twice the hour's mean, so the burst's hours have three times their mean)."""
    found: list[tuple[int, list[int]]] = []
    for week_start in range(first_hour, len(series.counts), WEEK_HOURS):
        start = week_start + rng.randrange(WEEK_HOURS - BURST_HOURS)
        extra = [
            poisson(rng, (BURST_FACTOR - 1) * series.means[hour])
            for hour in range(start, start + BURST_HOURS)
        ]
        found.append((start, extra))
    return found


# (count, baseline counts, their cells (weekday and hour offsets, or None: one flat level), the
# true mean and variance of the window without a burst, window length, the pooled dispersion of
# the past weeks' windows or None) → spike?
Detector = Callable[
    [int, Sequence[int], Sequence[Cell] | None, float, float, timedelta, Dispersion | None], bool
]


def nb_detector(params: SpikeParams) -> Detector:
    def spike(
        count: int,
        history: Sequence[int],
        cells: Sequence[Cell] | None,
        _mean: float,
        _variance: float,
        length: timedelta,
        dispersion: Dispersion | None,
    ) -> bool:
        return assess(count, history, params, length, cells, dispersion).spike

    return spike


def z_detector(params: SpikeParams) -> Detector:
    def spike(
        count: int,
        history: Sequence[int],
        _cells: Sequence[Cell] | None,
        _mean: float,
        _variance: float,
        _length: timedelta,
        _dispersion: Dispersion | None,
    ) -> bool:
        mean = max(statistics.fmean(history) if history else 0.0, Z_MEAN_FLOOR)
        return (count - mean) / math.sqrt(mean) > Z_THRESHOLD

    return spike


def oracle_detector(params: SpikeParams) -> Detector:
    """The same thresholds against the true model (the simulation's own mean and spread, a
    negative binomial of that mean and variance): the best any fit of the history could do."""

    def spike(
        count: int,
        _history: Sequence[int],
        _cells: Sequence[Cell] | None,
        mean: float,
        variance: float,
        length: timedelta,
        _dispersion: Dispersion | None,
    ) -> bool:
        if count < params.min_ratio * max(mean, params.expected_floor):
            return False
        size = mean * mean / (variance - mean) if variance > mean else 1e9
        return upper_tail(count, mean, size) < params.threshold(length)

    return spike


class Baselines:
    """Start hours of ``baseline_windows`` per assessed window and length, computed once."""

    def __init__(self, params: SpikeParams, hours: int, history_hours: int) -> None:
        since = ORIGIN + (WARMUP_WEEKS * WEEK_HOURS - history_hours) * HOUR
        self.lengths = [length // HOUR for length in params.lengths]
        # (length in hours, the window's end hour) → the baseline windows' start hours
        self.windows: dict[tuple[int, int], list[int]] = {}
        # and their (weekday, hour) offsets from the assessed window
        self.cells: dict[tuple[int, int], list[Cell]] = {}
        # and the past weeks' windows of its length (trends.dispersion.tiles), with their cells
        self.tiles: dict[tuple[int, int], list[int]] = {}
        self.tile_cells: dict[tuple[int, int], list[Cell]] = {}
        pooled = params.pooled_dispersion
        for end in range(WARMUP_WEEKS * WEEK_HOURS + 1, hours + 1):
            for length in self.lengths:
                start = ORIGIN + (end - length) * HOUR
                windows = baseline_windows(start, length * HOUR, since, params)
                self.windows[(length, end)] = [(begin - ORIGIN) // HOUR for begin, _ in windows]
                self.cells[(length, end)] = cells_of(start, windows)
                if pooled:
                    self._tiles(params, length, end, since)
        for end in range(WARMUP_WEEKS * WEEK_HOURS + 24, hours + 1, 24):
            windows = baseline_windows(ORIGIN + (end - 24) * HOUR, DAY, since, params)
            self.windows[(24, end)] = [(begin - ORIGIN) // HOUR for begin, _ in windows]
            self.cells[(24, end)] = cells_of(ORIGIN + (end - 24) * HOUR, windows)
            if pooled:
                self._tiles(params, 24, end, since)

    def _tiles(self, params: SpikeParams, length: int, end: int, since: datetime) -> None:
        start = ORIGIN + (end - length) * HOUR
        found = tiles(start, length * HOUR, since, params.weeks)
        self.tiles[(length, end)] = [(begin - ORIGIN) // HOUR for begin, _ in found]
        self.tile_cells[(length, end)] = cells_of(start, found)


@dataclass(frozen=True)
class Alarm:
    window_start: int  # hour index
    window_end: int  # hour index: when it was assessed


def _prefix(values: Sequence[float]) -> list[float]:
    sums = [0.0]
    for value in values:
        sums.append(sums[-1] + value)
    return sums


def run(
    counts: Sequence[int],
    series: Series,
    baselines: Baselines,
    detector: Detector,
    params: SpikeParams,
    span: range | None = None,
    last_end: datetime | None = None,
    past: Sequence[Alarm] = (),
) -> list[Alarm]:
    """Detection as the service runs it, over the evaluation weeks (or the hours of ``span``,
    after a spike that ended at ``last_end``): when each hour ends, the windows of each length
    in ``params.scales`` ending then, shortest first, and at midnight the day; a window is held
    while it starts within the cooldown of the last spike's end (so windows overlapping a spike
    are held too: one surge, one alarm).  The pooled dispersion leaves out the tiles of earlier
    spikes (``past`` and this run's) and their cooldowns, as the watcher does."""
    total = _prefix(counts)
    cooldown = params.cooldown // HOUR
    held = [(alarm.window_start, alarm.window_end + cooldown) for alarm in past]
    means, variances = series.mean_sums, series.variance_sums
    alarms: list[Alarm] = []
    for hour in span or range(WARMUP_WEEKS * WEEK_HOURS, len(counts)):
        end = hour + 1
        lengths = baselines.lengths + ([24] if end % 24 == 0 else [])
        for length in lengths:
            start = end - length
            count = int(total[end] - total[start])
            if count < params.min_stories:
                continue
            if not cooled_down(last_end, ORIGIN + start * HOUR, params):
                continue
            history = [int(total[b + length] - total[b]) for b in baselines.windows[(length, end)]]
            mean = means[end] - means[start]
            variance = variances[end] - variances[start]
            cells = baselines.cells[(length, end)]
            dispersion = None
            if params.pooled_dispersion:
                starts, tile_cells = (
                    baselines.tiles[(length, end)],
                    baselines.tile_cells[(length, end)],
                )
                if held:
                    kept = [
                        i
                        for i, b in enumerate(starts)
                        if not any(b < e and s < b + length for s, e in held)
                    ]
                    starts, tile_cells = [starts[i] for i in kept], [tile_cells[i] for i in kept]
                tiled = [int(total[b + length] - total[b]) for b in starts]
                dispersion = pooled(tiled, tile_cells)
            if detector(count, history, cells, mean, variance, length * HOUR, dispersion):
                alarms.append(Alarm(start, end))
                held.append((start, end + cooldown))
                last_end = ORIGIN + end * HOUR
    return alarms


@dataclass
class Tally:
    entity_days: int = 0
    alarm_days: int = 0
    alarms: Counter[int] = field(default_factory=Counter)  # false alarms per window length
    bursts: int = 0
    detected: int = 0
    within_hour: int = 0
    delays: list[int] = field(default_factory=list)

    def false_alarms(self, alarms: list[Alarm], first_hour: int, hours: int) -> None:
        self.entity_days += (hours - first_hour) // 24
        self.alarm_days += len({alarm.window_end // 24 for alarm in alarms})
        self.alarms.update(alarm.window_end - alarm.window_start for alarm in alarms)

    def detections(self, alarms: list[Alarm], starts: list[int]) -> None:
        for start in starts:
            self.bursts += 1
            ends = [
                alarm.window_end
                for alarm in alarms
                if alarm.window_start < start + BURST_HOURS
                and start < alarm.window_end <= start + BURST_HOURS + 1
            ]
            if ends:
                self.detected += 1
                self.within_hour += min(ends) - start <= 1
                self.delays.append(min(ends) - start)

    def add(self, other: Tally) -> None:
        self.alarms.update(other.alarms)
        for name in ("entity_days", "alarm_days"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("bursts", "detected", "within_hour"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.delays += other.delays


DETECTORS = {"nb": nb_detector, "z": z_detector, "oracle": oracle_detector}


def measure(
    args: argparse.Namespace,
    params: SpikeParams,
    index: int,
    size: float,
    detectors: Mapping[str, Callable[[SpikeParams], Detector]] = DETECTORS,
) -> dict[str, Tally]:
    hours = (WARMUP_WEEKS + args.weeks) * WEEK_HOURS
    first = WARMUP_WEEKS * WEEK_HOURS
    baselines = _baselines(params, hours, first)
    tallies = {name: Tally() for name in detectors}
    for entity in range(args.entities):
        rng = random.Random(args.seed * 1_000_003 + index * 10_007 + entity)
        series = simulate(rng, size, hours, args.day_shape, args.hour_shape)
        injected = bursts(rng, series, first)
        for name, make in detectors.items():
            detector = make(params)
            alarms = run(series.counts, series, baselines, detector, params)
            tallies[name].false_alarms(alarms, first, hours)
            # Each burst alone in the series (so no burst sits in another's baseline), from its
            # first hour on, with the cooldown of any false alarm of the day before.
            for start, extra in injected:
                counts = list(series.counts)
                for offset, added in enumerate(extra):
                    counts[start + offset] += added
                past = [alarm for alarm in alarms if alarm.window_end <= start]
                last_end = ORIGIN + max(a.window_end for a in past) * HOUR if past else None
                span = range(start, start + BURST_HOURS + 1)
                found = run(counts, series, baselines, detector, params, span, last_end, past)
                tallies[name].detections(found, [start])
    return tallies


_BASELINES: dict[tuple[SpikeParams, int, int], Baselines] = {}


def _baselines(params: SpikeParams, hours: int, history_hours: int) -> Baselines:
    key = (params, hours, history_hours)
    if key not in _BASELINES:
        _BASELINES[key] = Baselines(params, hours, history_hours)
    return _BASELINES[key]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=60, help="entities per size")
    parser.add_argument("--weeks", type=int, default=4, help="evaluation weeks per entity")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--day-shape", type=float, default=DAY_SHAPE, help="gamma shape of the day factor (0: none)"
    )
    parser.add_argument("--hour-shape", type=float, default=HOUR_SHAPE)
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a SpikeParams field"
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL:NAME=VALUE ...",
        help="compare the NB model with these settings (space-separated) on the same series",
    )
    parser.add_argument(
        "--bound",
        action="store_true",
        help="print what the true model can detect in a burst's first hour, and stop",
    )
    args = parser.parse_args(argv)

    params = _with(DEFAULT_PARAMS, args.set)
    print("params: " + ", ".join(f"{f.name}={getattr(params, f.name)}" for f in fields(params)))
    print(
        f"simulation: {args.entities} entities per size x {args.weeks} evaluation weeks "
        f"(after {WARMUP_WEEKS} warm-up weeks), seed {args.seed}; day factor gamma shape "
        f"{args.day_shape or 'none'}, hour factor gamma shape {args.hour_shape}; "
        f"bursts {BURST_FACTOR:g}x for {BURST_HOURS} h; z-score > {Z_THRESHOLD:g}"
    )
    if args.bound:
        bound(args, params)
        return
    if args.variant:
        compare(args, params)
        return
    results = [
        (f"{size:g}", measure(args, params, index, size)) for index, size in enumerate(SIZES)
    ]
    totals = {name: Tally() for name in DETECTORS}
    for _, tallies in results:
        for name, tally in tallies.items():
            totals[name].add(tally)
    results.append(("all", totals))

    print()
    print("False alarms on spike-free series (entity-days with at least one spike):")
    print()
    print("| stories/hour | entity-days | NB model | z-score | oracle NB (true model) |")
    print("|---|---|---|---|---|")
    for label, tallies in results:
        nb, z, oracle = tallies["nb"], tallies["z"], tallies["oracle"]
        print(
            f"| {label} | {nb.entity_days} | {_share(nb.alarm_days, nb.entity_days, 2)} "
            f"| {_share(z.alarm_days, z.entity_days, 2)} "
            f"| {_share(oracle.alarm_days, oracle.entity_days, 2)} |"
        )
    print()
    print(
        f"Bursts ({BURST_FACTOR:g}x for {BURST_HOURS} h): detected by the end of the burst's "
        "last hour + 1 h, and within 1 h (the burst's first hour, assessed when it ends):"
    )
    print()
    print(
        "| stories/hour | bursts | NB detected | NB within 1 h | NB median delay h "
        "| z-score detected | z-score within 1 h | oracle detected | oracle within 1 h |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, tallies in results:
        nb, z, oracle = tallies["nb"], tallies["z"], tallies["oracle"]
        delay = f"{statistics.median(nb.delays):g}" if nb.delays else "-"
        print(
            f"| {label} | {nb.bursts} | {_share(nb.detected, nb.bursts)} "
            f"| {_share(nb.within_hour, nb.bursts)} | {delay} "
            f"| {_share(z.detected, z.bursts)} | {_share(z.within_hour, z.bursts)} "
            f"| {_share(oracle.detected, oracle.bursts)} "
            f"| {_share(oracle.within_hour, oracle.bursts)} |"
        )
    print()
    by_length = ", ".join(
        f"{totals['nb'].alarms[length]} of {length} h" for length in sorted(totals["nb"].alarms)
    )
    thresholds = ", ".join(
        f"{hours} h: {params.threshold(hours * HOUR):.1e}"
        for hours in [length // HOUR for length in params.lengths] + [24]
    )
    print(
        f"NB alarms on spike-free series by window length: {by_length or 'none'} over "
        f"{totals['nb'].entity_days} entity-days; per-test p thresholds: {thresholds}"
    )


def _with(params: SpikeParams, settings: Sequence[str]) -> SpikeParams:
    """``params`` with each ``NAME=VALUE`` setting applied (a tuple's VALUE is 1,3,6)."""
    for setting in settings:
        name, _, value = setting.partition("=")
        current = getattr(params, name)
        parsed: Any = (
            tuple(int(part) for part in value.split(","))
            if isinstance(current, tuple)
            else value.lower() in ("1", "true", "yes")
            if isinstance(current, bool)
            else type(current)(value)
        )
        params = replace(params, **{name: parsed})
    return params


def compare(args: argparse.Namespace, params: SpikeParams) -> None:
    """The NB model with each ``--variant`` against ``params`` (the default unless
    ``--set`` changes it), on the same series: one row each."""
    variants = [("base", params)] + [
        (label, _with(params, settings.split()))
        for label, _, settings in (variant.partition(":") for variant in args.variant)
    ]
    print()
    print(
        "| variant | NB false alarms per entity-day | NB detected (all; 5 / 10 / 20 per h) "
        "| within 1 h (all; 5 / 10 / 20 per h) | median delay h |"
    )
    print("|---|---|---|---|---|")
    for label, variant in variants:
        per_size = {
            size: measure(args, variant, index, size, {"nb": nb_detector})["nb"]
            for index, size in enumerate(SIZES)
        }
        total = Tally()
        for tally in per_size.values():
            total.add(tally)
        big = [per_size[size] for size in (5.0, 10.0, 20.0)]
        detected = " / ".join(f"{100 * t.detected / t.bursts:.1f}" for t in big)
        within = " / ".join(f"{100 * t.within_hour / t.bursts:.1f}" for t in big)
        delay = f"{statistics.median(total.delays):g}" if total.delays else "-"
        print(
            f"| {label} | {_share(total.alarm_days, total.entity_days, 2)} "
            f"| {100 * total.detected / total.bursts:.1f} %; {detected} % "
            f"| {100 * total.within_hour / total.bursts:.1f} %; {within} % | {delay} |",
            flush=True,
        )


def _first_hour_tail(k: int, mean: float, shape: float, factor: float) -> float:
    """``P(X >= k)`` for the first hour of a burst: ``X`` Poisson with rate ``mean · (E +
    factor - 1)``, ``E`` the hour's gamma factor (mean 1, shape ``shape``), integrated over E
    by the midpoint rule on its quantiles' range."""
    steps = 400
    top = 1.0 + 12.0 / math.sqrt(shape)
    total = 0.0
    log_norm = shape * math.log(shape) - math.lgamma(shape)
    for step in range(steps):
        e = (step + 0.5) * top / steps
        density = math.exp(log_norm + (shape - 1) * math.log(e) - shape * e)
        rate = mean * (e + factor - 1)
        below = sum(math.exp(j * math.log(rate) - rate - math.lgamma(j + 1)) for j in range(k))
        total += max(0.0, 1.0 - below) * density * top / steps
    return min(1.0, total)


def bound(args: argparse.Namespace, params: SpikeParams) -> None:
    """The best any detector of the first hour's count can do when it knows the true model:
    the hour judged alone at p < 1e-3 / 24 (the whole daily budget on its 24 tests), or at
    its share as the service splits it (``params.threshold``), with ``min_stories`` and
    ``min_ratio``; the burst's first hour detected with that probability, averaged over the
    168 hours of the week a burst may start in."""
    alone = params.daily_false_alarms / 24
    share = params.threshold(HOUR)
    sizes = sorted({*SIZES, 50.0, 100.0})
    print()
    print(
        f"The first hour of a {BURST_FACTOR:g}x burst judged by the true model (hours NB, size "
        f"{args.hour_shape:g}): detected within 1 h, on average over the hour of the week:"
    )
    print()
    print(
        f"| stories/hour | hour alone, p < {alone:.2e} | hour's share, p < {share:.2e} "
        f"| first-hour stories (mean) | 10x burst, p < {alone:.2e} |"
    )
    print("|---|---|---|---|---|")
    for size in sizes:
        found = {alone: 0.0, share: 0.0}
        tenfold = 0.0
        for hour in range(WEEK_HOURS):
            mean = size * season(hour)
            for threshold in found:
                k = _critical(mean, args.hour_shape, params, threshold)
                found[threshold] += _first_hour_tail(k, mean, args.hour_shape, BURST_FACTOR)
            k = _critical(mean, args.hour_shape, params, alone)
            tenfold += _first_hour_tail(k, mean, args.hour_shape, 10.0)
        print(
            f"| {size:g} | {100 * found[alone] / WEEK_HOURS:.1f} % "
            f"| {100 * found[share] / WEEK_HOURS:.1f} % | {BURST_FACTOR * size:g} "
            f"| {100 * tenfold / WEEK_HOURS:.1f} % |",
            flush=True,
        )


def _critical(mean: float, shape: float, params: SpikeParams, threshold: float) -> int:
    """The least count a detector with the true model NB(mean, shape) calls a spike."""
    k = max(params.min_stories, math.ceil(params.min_ratio * max(mean, params.expected_floor)))
    while upper_tail(k, mean, shape) >= threshold:
        k += 1
    return k


def _share(part: int, whole: int, digits: int = 1) -> str:
    return f"{100 * part / whole:.{digits}f} % ({part}/{whole})" if whole else "-"


if __name__ == "__main__":
    main()
