"""Source leases on a real SQLite file and the real PostgreSQL: each due source goes to one
process, a dead process's claims come back when their lease ends, nothing else is claimed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from marsad.config import SourceConfig
from marsad.store.engine import open_store, session
from marsad.store.source_leases import DueWindow, claim_due, leases_held, release, renew
from marsad.store.sources import sync_sources
from marsad.store.tables import Source

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
WINDOW = DueWindow(healthy=timedelta(minutes=7), failing=timedelta(days=1, minutes=1))


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = open_store(store_url)
    with session(engine) as s:
        sync_sources(
            s, [SourceConfig(f"feed-{n:02d}", f"https://x.example/{n}") for n in range(20)]
        )
    yield engine
    engine.dispose()


def claim(
    engine: Engine, worker: str, limit: int = 50, now: datetime = NOW, **kw: object
) -> list[str]:
    with session(engine) as s:
        rows = claim_due(s, worker, now=now, lease=LEASE, limit=limit, window=WINDOW, **kw)  # type: ignore[arg-type]
    return [row.name for row in rows]


def set_state(engine: Engine, name: str, **values: object) -> None:
    with session(engine) as s:
        row = s.exec(select(Source).where(Source.name == name)).one()
        for key, value in values.items():
            setattr(row, key, value)
        s.add(row)
        s.commit()


def test_a_due_source_is_claimed_once_and_the_claim_says_by_whom(engine: Engine) -> None:
    first = claim(engine, "a" * 32, limit=8)
    second = claim(engine, "b" * 32)
    assert len(first) == 8 and len(second) == 12
    assert not set(first) & set(second)
    assert claim(engine, "c" * 32) == []  # everything is leased
    with session(engine) as s:
        assert leases_held(s, "a" * 32, NOW) == 8
        owners = {row.name: row.lease_owner for row in s.exec(select(Source))}
    assert {owners[name] for name in first} == {"a" * 32}


def test_sources_not_due_disabled_or_skipped_are_not_claimed(engine: Engine) -> None:
    set_state(engine, "feed-00", next_poll_at=NOW + timedelta(minutes=3))
    set_state(engine, "feed-01", disabled_reason="HTTP 410", disabled_at=NOW)
    set_state(engine, "feed-02", next_poll_at=NOW - timedelta(seconds=1))
    claimed = claim(engine, "a" * 32, skip={"feed-03"})
    assert "feed-00" not in claimed and "feed-01" not in claimed and "feed-03" not in claimed
    assert "feed-02" in claimed and len(claimed) == 17


def test_the_most_overdue_come_first(engine: Engine) -> None:
    for n in range(20):
        set_state(engine, f"feed-{n:02d}", next_poll_at=NOW - timedelta(minutes=n))
    assert claim(engine, "a" * 32, limit=3) == ["feed-19", "feed-18", "feed-17"]


def test_a_next_poll_set_by_a_clock_that_went_back_is_due_now(engine: Engine) -> None:
    set_state(engine, "feed-00", next_poll_at=NOW + timedelta(hours=5))  # healthy: > 7 min
    set_state(engine, "feed-01", next_poll_at=NOW + timedelta(hours=5), consecutive_failures=3)
    set_state(engine, "feed-02", next_poll_at=NOW + timedelta(days=2), consecutive_failures=3)
    claimed = set(claim(engine, "a" * 32))
    assert "feed-00" in claimed  # a healthy source is never five hours away
    assert "feed-01" not in claimed  # a failing one may back off that long
    assert "feed-02" in claimed  # but never two days


def test_an_expired_lease_is_taken_over_and_a_renewed_one_is_not(engine: Engine) -> None:
    dead, live, other = "d" * 32, "e" * 32, "f" * 32
    dead_ones = claim(engine, dead, limit=5)
    live_ones = claim(engine, live, limit=5)
    later = NOW + LEASE + timedelta(seconds=1)
    with session(engine) as s:
        assert renew(s, live, later + LEASE) == 5
    taken = claim(engine, other, now=later)
    assert set(dead_ones) <= set(taken)  # the dead process's, and the ten nobody claimed
    assert len(taken) == 15 and not set(live_ones) & set(taken)
    with session(engine) as s:
        assert leases_held(s, live, later) == 5
        assert leases_held(s, dead, later) == 0


def test_release_gives_back_only_the_releasers_leases(engine: Engine) -> None:
    mine = claim(engine, "a" * 32, limit=4)
    claim(engine, "b" * 32, limit=4)
    with session(engine) as s:
        assert release(s, "a" * 32, None) == 4
    assert sorted(claim(engine, "c" * 32, limit=50)) == sorted(
        [*mine, *[f"feed-{n:02d}" for n in range(8, 20)]]
    )


@pytest.mark.postgres
def test_processes_claiming_at_the_same_moment_never_share_a_source(postgres_url: str) -> None:
    engines = [open_store(postgres_url) for _ in range(4)]
    with session(engines[0]) as s:
        sync_sources(
            s, [SourceConfig(f"feed-{n:03d}", f"https://x.example/{n}") for n in range(200)]
        )
    results: dict[str, list[str]] = {}
    start = threading.Barrier(len(engines))

    def run(index: int, engine: Engine) -> None:
        worker = f"{index:032d}"
        start.wait()
        names: list[str] = []
        while batch := claim(engine, worker, limit=7):
            names.extend(batch)
        results[worker] = names

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    claimed = [name for names in results.values() for name in names]
    assert len(claimed) == 200 and len(set(claimed)) == 200
    assert sum(1 for names in results.values() if names) >= 2  # they did share the work
