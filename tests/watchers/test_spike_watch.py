"""Spike detection over a store filled by the real poller: weeks of quiet coverage, then a burst of
distinct stories about one entity in one hour is one spike, recorded once; not again within the
cooldown (another hour, or the day around it), again after it; a target as busy as usual is not a
spike; two detectors on one store record one row."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from marsad.bot.wiring import make_poller
from marsad.config import Config, parse_config
from marsad.errors import ConfigError
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
from marsad.store.engine import open_store, session
from marsad.store.spikes import Spike, SpikeWindow
from marsad.store.stories import Story
from marsad.store.tables import Item
from marsad.trends import SpikeParams
from marsad.watchers.fetch import Fetcher
from marsad.watchers.poller import Poller
from marsad.watchers.spike_watch import (
    SpikeDetector,
    Window,
    ended_windows,
    params_of,
    watch_spikes,
)
from tests.bot.conftest import until
from tests.httpserver import HTTPTestServer
from tests.watchers.spike_feed import (
    BURST,
    LATER_BURST,
    SECOND_BURST,
    SUNDAY,
    Outlet,
    write_config,
)

CASABLANCA = ZoneInfo("Africa/Casablanca")


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    """The store, the poller of the outlet's feed and the clock they share."""

    config: Config
    engine: Engine
    poller: Poller
    outlet: Outlet
    clock: Clock

    async def poll_at(self, moment: datetime) -> None:
        self.clock.now = moment
        await self.poller.poll_all()

    def spikes(self) -> list[Spike]:
        with session(self.engine) as s:
            return list(s.exec(select(Spike).order_by(Spike.window_start)).all())  # type: ignore[arg-type]


@asynccontextmanager
async def desk(folder: Path, http: HTTPTestServer, database: str = "") -> AsyncIterator[Desk]:
    outlet = Outlet(http)
    outlet.history()
    path = write_config(folder, outlet, database=database)
    config = parse_config(path.read_text(encoding="utf-8"), path)
    engine = open_store(config.database.url)
    matcher = Matcher.compile(load_rules(list(config.rules)))
    clock = Clock(SUNDAY)
    try:
        async with Fetcher(
            timeout=timedelta(seconds=5), max_bytes=2_000_000, allow_private=["127.0.0.1"]
        ) as fetcher:
            poller = make_poller(config, engine, fetcher, matcher=matcher, clock=clock)
            yield Desk(config, engine, poller, outlet, clock)
    finally:
        engine.dispose()


def detector(engine: Engine, found: list[int] | None = None) -> SpikeDetector:
    """A detector with the default thresholds; ``found`` collects the ids it hands on."""

    def hook(_session: Session, spike: Spike) -> None:
        if found is not None:
            found.append(spike.id or 0)

    return SpikeDetector(engine, SpikeParams(), CASABLANCA, on_spike=hook)


def titles_of(engine: Engine, spike: Spike) -> set[str]:
    with session(engine) as s:
        stories = [s.get(Story, ident) for ident in spike.story_ids if ident > 0]
        items = [s.get(Item, -ident) for ident in spike.story_ids if ident < 0]
    return {row.title for row in [*stories, *items] if row is not None}


async def test_a_burst_after_quiet_weeks_is_one_spike_and_the_cooldown_holds(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    async with desk(tmp_path, http_server) as d:
        d.outlet.burst(BURST, SUNDAY)  # seven distinct stories between 08:03 and 08:45
        await d.poll_at(SUNDAY + timedelta(minutes=50))  # the first poll: history and burst
        handed: list[int] = []
        watch = detector(d.engine, handed)

        assert watch.check(SUNDAY + timedelta(minutes=65)) == []  # the hour ended, grace not
        [spike] = watch.check(SUNDAY + timedelta(minutes=70))
        assert (spike.target_kind, spike.target, spike.window) == ("entity", "hammouchi", "hour")
        assert (spike.window_start, spike.window_end) == (SUNDAY, SUNDAY + timedelta(hours=1))
        assert spike.count == len(BURST)
        assert titles_of(d.engine, spike) == set(BURST)  # distinct stories, named
        assert 0 < spike.baseline < 1 and spike.p_value < 1e-3
        assert handed == [spike.id]  # handed on once, in its transaction
        assert [s.id for s in d.spikes()] == [spike.id]  # @spain's usual three are no spike

        # another burst three hours later, within the cooldown: no second spike
        d.outlet.burst(SECOND_BURST, SUNDAY + timedelta(hours=3))
        await d.poll_at(SUNDAY + timedelta(hours=3, minutes=55))
        assert watch.check(SUNDAY + timedelta(hours=4, minutes=10)) == []
        # nor the day around both bursts (the cooldown spans hours and days)
        day_checked = SUNDAY + timedelta(hours=15, minutes=10)  # Casablanca's midnight + 10 min
        assert watch.check(day_checked) == []
        day_start = SUNDAY - timedelta(hours=9)  # 22 Nov 00:00 in Casablanca
        assert (SpikeWindow.DAY, day_start) in watch.checked

        # a second process checking the same windows (after a restart) finds them recorded
        again: list[int] = []
        assert detector(d.engine, again).check(day_checked) == []
        assert again == [] and len(d.spikes()) == 1

        # a burst more than a day after the first spike's window: the cooldown is over.  Its
        # hour (Monday 14:00) has the weekly story in its baseline, so it is judged against a
        # real mean: the first spike and the burst it held must not count in the target's
        # pooled spread (they did, and hid this one: p 7e-5)
        later = SUNDAY + timedelta(hours=30)  # at an hour of the day the others were not
        d.outlet.burst(LATER_BURST, later)
        await d.poll_at(later + timedelta(minutes=50))
        [second] = watch.check(later + timedelta(minutes=70))
        assert (second.target, second.window_start) == ("hammouchi", later)
        assert second.count == len(LATER_BURST)
        assert handed == [spike.id, second.id]
        assert titles_of(d.engine, second) == set(LATER_BURST)

        # what the cooldown held back was a spike of its own: without one, it is recorded
        eager = SpikeDetector(
            d.engine, SpikeParams(cooldown=timedelta(0)), CASABLANCA, catch_up=timedelta(days=2)
        )
        held = {s.window_start for s in eager.check(later + timedelta(minutes=70))}
        assert SUNDAY + timedelta(hours=3) in held


async def test_the_pooled_dispersion_candidate_still_finds_the_burst(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    # the default since 2026-12-05, spelt out (docs/spikes.md): the seasonal fit with the
    # overdispersion pooled over the target's past weeks (counted from the same read of its items)
    params = SpikeParams(
        seasonal=True, dispersion_floor=0.06, pooled_dispersion=True, local_dispersion=1.0
    )
    async with desk(tmp_path, http_server) as d:
        d.outlet.burst(BURST, SUNDAY)
        await d.poll_at(SUNDAY + timedelta(minutes=50))
        watch = SpikeDetector(d.engine, params, CASABLANCA)
        [spike] = watch.check(SUNDAY + timedelta(minutes=70))
        assert (spike.target, spike.window, spike.count) == ("hammouchi", "hour", len(BURST))
        assert [s.target for s in d.spikes()] == ["hammouchi"]  # @spain's usual three: none


def test_ended_windows_are_whole_utc_hours_and_local_days_within_the_catch_up() -> None:
    now = datetime(2026, 11, 22, 9, 5, tzinfo=UTC)  # 10:05 in Casablanca
    windows = ended_windows(now, CASABLANCA, grace=timedelta(minutes=10))
    hours = [w for w in windows if w.length.value == "hour"]
    days = [w for w in windows if w.length.value == "day"]
    # 08:00-09:00 has not had its grace yet; back to the first that ended in the last 24 hours
    assert hours[-1].end == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert hours[0].end == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    assert len(hours) == 23 and all(w.end - w.start == timedelta(hours=1) for w in hours)
    # the day that ended at midnight in Casablanca (23:00 UTC)
    [day] = days
    assert day == Window(
        day.length,
        datetime(2026, 11, 20, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 21, 23, 0, tzinfo=UTC),
    )
    assert [w.end for w in windows] == sorted(w.end for w in windows)


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_two_detectors_on_one_store_record_one_spike(
    tmp_path: Path, http_server: HTTPTestServer, request: pytest.FixtureRequest, database: str
) -> None:
    url = str(request.getfixturevalue("postgres_url")) if database == "postgresql" else ""
    async with desk(tmp_path, http_server, url) as d:
        d.outlet.burst(BURST[:5], SUNDAY)
        await d.poll_at(SUNDAY + timedelta(minutes=50))
        handed: list[int] = []
        watches = [detector(open_store(d.config.database.url), handed) for _ in range(2)]
        at = SUNDAY + timedelta(minutes=70)
        results: list[list[Spike]] = []
        if database == "postgresql":  # two processes at the same moment
            threads = [_thread(watch, at, results) for watch in watches]
            for thread in threads:
                thread.join()
        else:  # SQLite serves one process: one after the other
            results = [w.check(at) for w in watches]
        for watch in watches:
            watch.engine.dispose()
        assert sorted(len(found) for found in results) == [0, 1]
        [spike] = d.spikes()
        assert spike.count == 5 and handed == [spike.id]


async def test_a_surge_no_hour_shows_is_one_spike_of_its_three_hours(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    async with desk(tmp_path, http_server) as d:
        # two stories an hour from 08:00 for three hours: no hour reaches three
        for hour in range(2):
            d.outlet.burst(BURST[2 * hour : 2 * hour + 2], SUNDAY + timedelta(hours=hour))
        await d.poll_at(SUNDAY + timedelta(hours=1, minutes=50))
        handed: list[int] = []
        watch = detector(d.engine, handed)
        # the first 3 hours that hold it (07:00-10:00, four stories) say so when they end
        [spike] = watch.check(SUNDAY + timedelta(hours=2, minutes=10))
        assert (spike.window, spike.count) == ("3h", 4)
        start = SUNDAY - timedelta(hours=1)
        assert (spike.window_start, spike.window_end) == (start, start + timedelta(hours=3))
        assert titles_of(d.engine, spike) == set(BURST[:4])
        # its third hour, the 3 and 6 hours and the day around it hold the same surge: no
        # second spike
        d.outlet.burst(BURST[4:6], SUNDAY + timedelta(hours=2))
        await d.poll_at(SUNDAY + timedelta(hours=2, minutes=50))
        assert watch.check(SUNDAY + timedelta(hours=3, minutes=10)) == []
        assert watch.check(SUNDAY + timedelta(hours=30)) == []
        assert [s.window for s in d.spikes()] == ["3h"] and handed == [spike.id]


def _thread(watch: SpikeDetector, at: datetime, results: list[list[Spike]]) -> threading.Thread:
    """``watch.check(at)`` started in a thread of its own, its spikes put in ``results``."""
    thread = threading.Thread(target=lambda: results.append(watch.check(at)))
    thread.start()
    return thread


async def test_the_service_ticker_checks_each_window_once_it_has_ended(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    async with desk(tmp_path, http_server) as d:
        d.outlet.burst(BURST[:5], SUNDAY)
        await d.poll_at(SUNDAY + timedelta(minutes=50))
        handed: list[int] = []
        watch = detector(d.engine, handed)
        clock = Clock(SUNDAY + timedelta(minutes=55))  # the burst's hour has not ended
        stop = asyncio.Event()
        ticker = asyncio.create_task(
            watch_spikes(watch, clock, stop, tick=timedelta(milliseconds=10))
        )
        await until(lambda: (SpikeWindow.HOUR, SUNDAY - timedelta(hours=1)) in watch.checked)
        assert handed == []
        clock.now = SUNDAY + timedelta(minutes=71)
        await until(lambda: handed != [])
        stop.set()
        await ticker
        assert [s.id for s in d.spikes()] == handed


def test_spikes_configuration_errors_name_the_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = '[spikes]\nenabled = "yes"\np = 2\nmin_ratio = 0.5\ncooldown = "soon"\nmin_storys = 3\n'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        parse_config(text, path)
    shown = raised.value.show()
    for line, key in ((2, "enabled"), (3, "p"), (4, "min_ratio"), (5, "cooldown")):
        assert f"{path}:{line}: spikes.{key}: " in shown
    assert f"{path}:6: spikes.min_storys: unknown key (did you mean 'min_stories'?)" in shown
    spikes = parse_config("[spikes]\nenabled = false\ncooldown = '6h'\np = 1e-4\n").spikes
    assert (spikes.enabled, spikes.cooldown, spikes.p) == (False, timedelta(hours=6), 1e-4)
    assert params_of(spikes) == SpikeParams(p_threshold=1e-4, cooldown=timedelta(hours=6))
