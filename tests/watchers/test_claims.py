"""Several watchers on one store (the real PostgreSQL, and a SQLite file): every source polled
on time by one of them, never two at once; a dead watcher's sources taken over after its lease;
each item stored once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from marsad import metrics
from marsad.config import Config, DatabaseConfig, PollingConfig, SourceConfig
from marsad.store.engine import open_store, session
from marsad.store.source_leases import claim_due
from marsad.store.tables import Item, Source
from marsad.watchers.claims import ClaimingScheduler
from marsad.watchers.fetch import Fetcher
from marsad.watchers.poller import Poller, PollReport, PollStatus
from tests.httpserver import HTTPTestServer, Request, Response

FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}
FEEDS = 12
INTERVAL = timedelta(seconds=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


def rss(feed: int, items: int) -> bytes:
    body = "".join(
        f"<item><title>خبر {feed}-{n} عن التعاون الأمني</title>"
        f"<link>https://news.example/{feed}/{n}</link><guid>{feed}-{n}</guid>"
        "<pubDate>Fri, 04 Dec 2026 09:00:00 +0100</pubDate></item>"
        for n in range(items)
    )
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()


def config_for(url: str, server: HTTPTestServer) -> Config:
    return Config(
        database=DatabaseConfig(url=url),
        polling=PollingConfig(interval=INTERVAL, timeout=timedelta(seconds=5), jitter=0.1),
        sources=tuple(SourceConfig(f"feed-{n:02d}", server.url(f"/f/{n}")) for n in range(FEEDS)),
    )


class Watchers:
    """Watchers with their own engines and worker ids, as separate processes would have."""

    def __init__(self, config: Config, fetcher: Fetcher, lease: timedelta) -> None:
        self.config, self.fetcher, self.lease = config, fetcher, lease
        self.engines: list[Engine] = []
        self.reports: dict[str, list[PollReport]] = defaultdict(list)

    def start(self, worker: str) -> ClaimingScheduler:
        engine = open_store(self.config.database.url)
        self.engines.append(engine)
        poller = Poller(self.config, engine, self.fetcher, clock=utc_now)
        scheduler = ClaimingScheduler(
            poller,
            worker_id=worker,
            lease=self.lease,
            clock=utc_now,
            on_report=self.reports[worker].append,
            tick=0.1,
        )
        scheduler.start()
        return scheduler

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(
        timeout=timedelta(seconds=5),
        max_bytes=1_000_000,
        per_host=2 * FEEDS,
        allow_private=["127.0.0.1"],
    ) as client:
        yield client


def serve_feeds(server: HTTPTestServer, delay: float = 0.0) -> dict[str, list[float]]:
    """Each feed gains an item at every request; returns the arrival times by path."""
    arrivals: dict[str, list[float]] = defaultdict(list)

    def answer(request: Request) -> Response:
        times = arrivals[request.route]
        times.append(time.monotonic())
        feed = int(request.route.rsplit("/", 1)[1])
        return Response(body=rss(feed, len(times)), headers=FEED, delay=delay)

    for n in range(FEEDS):
        server.route(f"/f/{n}", answer)
    return arrivals


async def test_two_watchers_share_the_sources_each_polled_on_time_by_one(
    store_url: str, http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    url = store_url
    arrivals = serve_feeds(http_server, delay=0.3)
    watchers = Watchers(config_for(url, http_server), fetcher, lease=timedelta(seconds=10))
    claimed_before = metrics.REGISTRY.get_sample_value("marsad_sources_claimed_total") or 0.0
    first, second = watchers.start("a" * 32), watchers.start("b" * 32)
    await asyncio.sleep(4.0)
    await asyncio.gather(first.stop(), second.stop())
    watchers.close()

    polls = {worker: len(reports) for worker, reports in watchers.reports.items()}
    claimed = metrics.REGISTRY.get_sample_value("marsad_sources_claimed_total") or 0.0
    assert claimed - claimed_before == sum(polls.values())  # one claim per poll
    assert all(polls.get(worker, 0) > 0 for worker in ("a" * 32, "b" * 32)), polls
    for path, times in arrivals.items():
        # polled again and again, and never twice at once: the server holds each answer
        # 0.3 s, so a second request within 0.3 s of the first would be a second poll in flight
        assert len(times) >= 3, (path, len(times))
        gaps = [b - a for a, b in pairwise(times)]
        assert min(gaps) >= 0.3, (path, gaps)
    engine = open_store(url)
    with session(engine) as s:
        items = s.exec(select(Item.key)).all()
        leased = s.exec(select(func.count()).where(Source.lease_owner.is_not(None))).one()  # type: ignore[union-attr]
    engine.dispose()
    expected = sum(len(times) for times in arrivals.values())  # one new item per request
    assert len(items) == len(set(items)) == expected
    assert leased == 0  # a clean stop gives every lease back


@pytest.mark.postgres
async def test_a_dead_watchers_sources_are_polled_by_another_after_its_lease(
    postgres_url: str, http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    arrivals = serve_feeds(http_server)
    config = config_for(postgres_url, http_server)
    lease = timedelta(seconds=2)
    watchers = Watchers(config, fetcher, lease=lease)
    engine = open_store(postgres_url)
    watchers.engines.append(engine)
    with session(engine) as s:  # a watcher claims half the sources, then dies (kill -9)
        dead = claim_due(
            s,
            "d" * 32,
            now=utc_now(),
            lease=lease,
            limit=FEEDS // 2,
            window=Poller(config, engine, fetcher, clock=utc_now).due_window(),
        )
    started = time.monotonic()
    survivor = watchers.start("s" * 32)
    dead_paths = {f"/f/{int(row.name.split('-')[1])}" for row in dead}
    while not all(arrivals.get(path) for path in dead_paths):
        assert time.monotonic() - started < 10, "the dead watcher's sources were never polled"
        await asyncio.sleep(0.1)
    await survivor.stop()
    watchers.close()
    first_poll = min(arrivals[path][0] for path in dead_paths)
    # not before the dead one's lease ran out, and within a tick of it
    assert first_poll - started >= lease.total_seconds() - 0.5
    assert first_poll - started < lease.total_seconds() + 3
    others = [path for path in arrivals if path not in dead_paths]
    assert min(arrivals[path][0] for path in others) - started < 1.5  # the rest at once
    assert Counter(report.source for report in watchers.reports["s" * 32])


async def test_a_one_off_poll_leaves_what_a_running_watcher_is_polling(
    store_url: str, http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    """`marsad poll` beside a running service: every source once, now, except those a watcher
    holds; it leaves no lease behind and does not touch the watcher's."""
    arrivals = serve_feeds(http_server)
    config = config_for(store_url, http_server)
    engine = open_store(store_url)
    poller = Poller(config, engine, fetcher, clock=utc_now)
    lease = timedelta(minutes=2)
    with session(engine) as s:
        busy = claim_due(
            s, "w" * 32, now=utc_now(), lease=lease, limit=3, window=poller.due_window()
        )
    reports = await poller.poll_all(worker_id="p" * 32, lease=lease)
    with session(engine) as s:
        owners = {row.name: row.lease_owner for row in s.exec(select(Source))}
    engine.dispose()
    waiting = {r.source for r in reports if r.status is PollStatus.WAITING}
    assert waiting == {row.name for row in busy}
    assert all(r.summary().endswith("waiting (being polled by another process)") for r in reports
               if r.source in waiting)  # fmt: skip
    assert len(arrivals) == FEEDS - 3  # the others were fetched, once each
    assert all(len(times) == 1 for times in arrivals.values())
    assert {name for name, owner in owners.items() if owner} == waiting
    assert {owner for owner in owners.values() if owner} == {"w" * 32}
