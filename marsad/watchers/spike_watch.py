"""Spike detection in the service: once an hour (and a day) has ended, which entities and rules
had unusually many distinct stories in the 1, 3 and 6 hours that end with it (the model's
``scales``: a sustained surge piles up evidence over hours) or in the day.

A watcher process checks each window once it has ended plus ``GRACE`` (for polls that report
it late): only the targets with at least ``min_stories`` distinct stories in the window can
spike (``busy_targets``); each is judged against its counts in the same window of past weeks
(``trends.model``, with its window length's share of the daily false-alarm budget), not within
the cooldown of its last spike of any length (so a surge seen by the hour, then by the 3 and 6
hours around it, is one spike), and recorded.  The spikes table's
unique key makes several processes safe: whoever records a window first does, the others find
it there.  A recorded spike is handed to ``on_spike`` in the same transaction (the bot queues its
alerts there), so a spike is never stored without its alerts.

Hours are whole UTC hours; days run from midnight to midnight in the configured time zone.  After
downtime the windows that ended in the last ``CATCH_UP`` are checked; older ones are not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from marsad.config import SpikesConfig
from marsad.store.engine import session as open_session
from marsad.store.matches import MatchKind
from marsad.store.spike_stories import earliest_publication
from marsad.store.spikes import Spike, SpikeTarget, SpikeWindow, record_spike, spikes_between
from marsad.store.story_counts import TargetCount, busy_targets, story_counts_in
from marsad.trends import Cell, SpikeParams, assess, baseline_windows, cells_of, cooled_down
from marsad.trends.dispersion import Dispersion, pooled, tiles

log = logging.getLogger(__name__)

GRACE = timedelta(minutes=10)
"""A window is checked this long after it ends: polls that report it a little late count."""
CATCH_UP = timedelta(hours=24)
"""After downtime, the windows that ended this long ago at most are still checked."""
TICK = timedelta(minutes=1)
"""How often the service looks for ended windows (no query when none has ended)."""
LENGTHS = {
    SpikeWindow.HOUR: timedelta(hours=1),
    SpikeWindow.HOURS_3: timedelta(hours=3),
    SpikeWindow.HOURS_6: timedelta(hours=6),
    SpikeWindow.DAY: timedelta(days=1),
}
_ORDER = {window: index for index, window in enumerate(LENGTHS)}  # shortest first
HOURLY = (SpikeWindow.HOUR,)
"""The hour-boundary windows ``ended_windows`` gives unless told (``windows_of`` for a model's)."""

SpikeHook = Callable[[Session, Spike], object]
"""Called with each newly recorded spike, in the transaction that records it."""


@dataclass(frozen=True)
class Window:
    """One counted window: hours or a day, ``[start, end)``."""

    length: SpikeWindow
    start: datetime
    end: datetime


def params_of(config: SpikesConfig) -> SpikeParams:
    """The model's thresholds from the ``[spikes]`` configuration."""
    return SpikeParams(
        p_threshold=config.p,
        min_stories=config.min_stories,
        min_ratio=config.min_ratio,
        cooldown=config.cooldown,
    )


def windows_of(params: SpikeParams) -> tuple[SpikeWindow, ...]:
    """The hour-boundary windows of the model's ``scales``, shortest first."""
    by_length = {length: window for window, length in LENGTHS.items()}
    unknown = [length for length in params.lengths if length not in by_length]
    if unknown:
        raise ValueError(f"no spike window of {unknown[0]}: the windows are 1, 3 and 6 hours")
    return tuple(by_length[length] for length in params.lengths)


def ended_windows(
    now: datetime,
    tz: tzinfo,
    *,
    grace: timedelta = GRACE,
    catch_up: timedelta = CATCH_UP,
    hourly: tuple[SpikeWindow, ...] = HOURLY,
) -> list[Window]:
    """The windows of ``hourly`` lengths ending at each hour, and the days, that ended at least
    ``grace`` before ``now`` and at most ``catch_up`` before it, oldest first (at one end,
    shortest first: an hour before the 3 and 6 hours and the day that end with it)."""
    latest = now - grace
    oldest = now - catch_up
    found: list[Window] = []
    hour = latest.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    while hour > oldest:
        found += [Window(length, hour - LENGTHS[length], hour) for length in hourly]
        hour -= LENGTHS[SpikeWindow.HOUR]
    day = latest.astimezone(tz).date()
    while True:
        end = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        if end <= oldest:
            break
        start = datetime.combine(day - timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        found.append(Window(SpikeWindow.DAY, start, end))
        day -= timedelta(days=1)
    return sorted(found, key=lambda w: (w.end, _ORDER[w.length]))


class SpikeDetector:
    """Checks ended windows for spikes and records them (``check``, blocking: run it off the
    event loop).  Remembers the windows it checked, so each is checked once per process."""

    def __init__(
        self,
        engine: Engine,
        params: SpikeParams,
        tz: tzinfo,
        *,
        on_spike: SpikeHook | None = None,
        grace: timedelta = GRACE,
        catch_up: timedelta = CATCH_UP,
    ) -> None:
        self.engine = engine
        self.params = params
        self.tz = tz
        self.on_spike = on_spike
        self.grace = grace
        self.catch_up = catch_up
        self.hourly = windows_of(params)
        self.checked: set[tuple[SpikeWindow, datetime]] = set()

    def due(self, now: datetime) -> list[Window]:
        """The ended windows not checked yet."""
        windows = ended_windows(
            now, self.tz, grace=self.grace, catch_up=self.catch_up, hourly=self.hourly
        )
        return [w for w in windows if (w.length, w.start) not in self.checked]

    def check(self, now: datetime) -> list[Spike]:
        """Check every window that has ended and was not checked; the spikes this process
        recorded (a window another process recorded first is not among them)."""
        found: list[Spike] = []
        for window in self.due(now):
            found += self.check_window(window, now)
            self.checked.add((window.length, window.start))
        oldest = now - self.catch_up - LENGTHS[SpikeWindow.DAY]
        self.checked = {key for key in self.checked if key[1] >= oldest}
        return found

    def check_window(self, window: Window, now: datetime) -> list[Spike]:
        """Record the spikes of one window; each target in its own transaction."""
        with open_session(self.engine) as s:
            since = earliest_publication(s)
            busy = busy_targets(s, window.start, window.end, self.params.min_stories)
        found = []
        for target in busy:
            spike = self._target(window, target, since, now)
            if spike is not None:
                found.append(spike)
        return found

    def _target(
        self, window: Window, target: TargetCount, since: datetime | None, now: datetime
    ) -> Spike | None:
        kind = SpikeTarget(target.kind.value)
        length = LENGTHS[window.length]
        with open_session(self.engine) as s:
            last = _last_before(s, kind, target.key, window.end)
            if not cooled_down(last.window_end if last else None, window.start, self.params):
                return None
            history, cells, dispersion = _history(
                s, kind, target, window, length, since or window.start, self.params
            )
            verdict = assess(target.count, history, self.params, length, cells, dispersion)
            log.debug(
                "spikes: %s %s %s from %s: %d stories, expected %.2f, p=%.2g (%s)",
                kind.value, target.key, window.length.value, window.start.isoformat(),
                target.count, verdict.expected, verdict.p_value, verdict.reason.value,
            )  # fmt: skip
            if not verdict.spike:
                return None
            spike = Spike(
                target_kind=kind.value,
                target=target.key,
                window=window.length.value,
                window_start=window.start,
                window_end=window.end,
                count=target.count,
                baseline=verdict.expected,
                p_value=verdict.p_value,
                story_ids=list(target.stories),
                detected_at=now,
            )
            try:
                recorded = record_spike(s, spike)
                if recorded is not None and self.on_spike is not None:
                    self.on_spike(s, recorded)
                s.commit()
            except IntegrityError:  # another process recorded the window at the same moment
                s.rollback()
                return None
            if recorded is None:
                return None
            log.info(
                "spike: %s %s, %d stories in the %s from %s (expected %.1f, p=%.1e)",
                kind.value, target.key, target.count, window.length.value,
                window.start.isoformat(), verdict.expected, verdict.p_value,
            )  # fmt: skip
            return recorded


def _last_before(session: Session, kind: SpikeTarget, target: str, end: datetime) -> Spike | None:
    """The target's spike (of any length) that began before ``end`` and ended last: a window
    is held while it overlaps it or falls within its cooldown, whichever order windows are
    checked in (an hour's spike holds the day around it back, and a day's its hours)."""
    return session.exec(
        select(Spike)
        .where(
            Spike.target_kind == kind.value,
            Spike.target == target,
            col(Spike.window_start) < end,
        )
        .order_by(col(Spike.window_end).desc())
        .limit(1)
    ).first()


def _history(
    session: Session,
    kind: SpikeTarget,
    target: TargetCount,
    window: Window,
    length: timedelta,
    since: datetime,
    params: SpikeParams,
) -> tuple[list[int], list[Cell], Dispersion | None]:
    """The target's counts in the baseline windows of ``window`` (one read of its items over
    their span, counted per window), each window's weekday and hour offset from it, and, with
    ``params.pooled_dispersion``, the overdispersion of the past weeks' windows of its length
    (counted from the same read), without its past spikes and their cooldowns."""
    windows = baseline_windows(window.start, length, since, params)
    tiled = (
        tiles(
            window.start, length, since, params.weeks, _held(session, kind, target, window, params)
        )
        if params.pooled_dispersion
        else []
    )
    counts = story_counts_in(session, MatchKind(target.kind.value), target.key, windows + tiled)
    dispersion = pooled(counts[len(windows) :], cells_of(window.start, tiled)) if tiled else None
    return counts[: len(windows)], cells_of(window.start, windows), dispersion


def _held(
    session: Session, kind: SpikeTarget, target: TargetCount, window: Window, params: SpikeParams
) -> list[tuple[datetime, datetime]]:
    """The target's spikes that may overlap the pooled dispersion's weeks before ``window``,
    each from its window's start to the end of its cooldown."""
    oldest = (
        window.start - timedelta(weeks=params.weeks) - LENGTHS[SpikeWindow.DAY] - params.cooldown
    )
    return [
        (spike.window_start, spike.window_end + params.cooldown)
        for spike in spikes_between(session, oldest, window.start, kind, target.key)
    ]


async def watch_spikes(
    detector: SpikeDetector,
    clock: Callable[[], datetime],
    stop: asyncio.Event,
    *,
    tick: timedelta = TICK,
) -> None:
    """The service's ticker: check for ended windows every ``tick`` until ``stop`` is set; the
    database work runs in a thread, never on the event loop.  The first check waits a tick, so
    the polls a start begins (what was published during the downtime) count in the windows it
    catches up."""
    failures = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=tick.total_seconds())
        if stop.is_set() or not detector.due(clock()):
            continue
        try:
            await asyncio.to_thread(detector.check, clock())
            failures = 0
        except Exception as error:  # the database is away: the polls say so too; retry
            failures += 1
            log.warning("spike check failed (%d in a row): %s", failures, error)
