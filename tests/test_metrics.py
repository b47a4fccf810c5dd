"""The operator's view: /metrics and /healthz served for real, scraped and parsed as Prometheus
does, with counts that move when a real poll stores, matches and queues, and database-wide values
read from a real SQLite file and a real PostgreSQL database (down or hung ones included)."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlmodel import select

from marsad import metrics
from marsad.bot.delivery import outbox
from marsad.bot.wiring import make_fetcher, make_matcher, make_poller
from marsad.config import Config, DatabaseConfig, PollingConfig, SourceConfig
from marsad.metrics_server import (
    Health,
    MetricsAddressError,
    MetricsServer,
    OperatorView,
    serve_operator_view,
)
from marsad.metrics_store import StoreWatch, unwatch_store, watch_store
from marsad.store import workers
from marsad.store.chats import (
    ChatInfo,
    ChatType,
    Language,
    SubscriptionKind,
    add_subscription,
    register_chat,
)
from marsad.store.delivery import OutboxKind, OutboxRow, OutboxState
from marsad.store.engine import create_store_engine, open_store, session
from marsad.store.tables import Source
from marsad.store.workers import Role
from marsad.watchers.ingest import on_commit
from marsad.watchers.poller import PollStatus
from tests.conftest import POSTGRES_ADMIN
from tests.httpserver import HTTPTestServer, Response

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
WORKER = "0123456789abcdef0123456789abcdef"
FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}
ANALYST = 777

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def parse(text: str) -> Samples:
    """Every sample of a Prometheus text exposition, by (name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(view: OperatorView) -> Samples:
    response = httpx.get(f"http://{view.server.address}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def healthz(address: str) -> tuple[int, dict[str, object]]:
    response = httpx.get(f"http://{address}/healthz", timeout=10)
    assert response.headers["content-type"] == "application/json"
    return response.status_code, json.loads(response.text)


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = open_store(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def operator_view(sqlite_engine: Engine) -> Iterator[OperatorView]:
    view = serve_operator_view(
        f"127.0.0.1:{free_port()}",
        engine=sqlite_engine,
        clock=lambda: NOW,
        lease=timedelta(minutes=2),
        worker_id=WORKER,
        roles=["watcher", "sender"],
    )
    yield view
    view.stop()


def test_metrics_healthz_and_nothing_else_are_served(operator_view: OperatorView) -> None:
    address = operator_view.server.address
    samples = scrape(operator_view)
    info = dict(next(labels for name, labels in samples if name == "marsad_worker_info"))
    assert info["id"] == WORKER and info["roles"] == "watcher,sender" and int(info["pid"]) > 0
    assert value(samples, "process_resident_memory_bytes") > 0
    assert ("process_cpu_seconds_total", frozenset()) in samples
    assert value(samples, "marsad_store_up") == 1.0
    # every outcome is there from the start, so a rate is 0 rather than absent
    for outcome in PollStatus:
        assert ("marsad_polls_total", frozenset({("outcome", outcome.value)})) in samples

    metrics.LEADER.set(1)
    try:
        status, body = healthz(address)
    finally:
        metrics.LEADER.set(0)
    assert status == 200
    assert body["worker_id"] == WORKER and body["roles"] == ["watcher", "sender"]
    assert body["healthy"] is True and body["database"] is True and body["leader"] is True
    assert set(body) >= {"since_poll", "since_send"}

    assert httpx.get(f"http://{address}/", timeout=10).status_code == 404
    assert httpx.get(f"http://{address}/metrics/x", timeout=10).status_code == 404
    assert httpx.post(f"http://{address}/healthz", timeout=10).status_code == 405

    operator_view.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://{address}/metrics", timeout=10)


def test_a_port_in_use_or_a_bad_address_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        server = MetricsServer(address, lambda: pytest.fail("never asked"))
        with pytest.raises(MetricsAddressError) as caught:
            server.start()
    assert address in caught.value.show() and "already in use" in caught.value.show()
    for bad in ("9100", "localhost:", "127.0.0.1:http", "127.0.0.1:70000"):
        with pytest.raises(MetricsAddressError, match="metrics address"):
            MetricsServer(bad, lambda: pytest.fail("never asked"))


def test_a_broken_health_check_is_unhealthy_not_a_dropped_connection() -> None:
    def broken() -> Health:
        raise RuntimeError("bug")

    with MetricsServer(f"127.0.0.1:{free_port()}", broken) as server:
        status, body = healthz(server.address)
    assert status == 503 and body == {"healthy": False}


def rss(*entries: tuple[str, str]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example/{guid}</link>"
        f"<guid isPermaLink='false'>{guid}</guid><pubDate>Sun, 22 Nov 2026 07:00:00 +0000"
        f"</pubDate><description>{title}</description></item>"
        for guid, title in entries
    )
    return f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode()


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


OLD = ("g-1", "الدرك الملكي يحجز شحنة مخدرات")
NEW = ("g-2", "عبد اللطيف حموشي يستقبل وفدا أمنيا من إسبانيا لبحث مكافحة الإرهاب")


async def test_a_real_poll_moves_the_counts(
    http_server: HTTPTestServer, tmp_path: Path, operator_view: OperatorView
) -> None:
    http_server.route("/feed", Response(body=rss(OLD), etag='"v1"', headers=FEED))
    config = Config(
        base_dir=tmp_path,
        database=DatabaseConfig(url=f"sqlite:///{tmp_path / 'marsad.db'}"),
        polling=PollingConfig(timeout=timedelta(seconds=3), interval=timedelta(minutes=5)),
        sources=(SourceConfig("Hespress", http_server.url("/feed")),),
    )
    engine = operator_view.collector.watch.engine  # the same SQLite file
    clock = Clock()
    operator_view.collector.watch.clock = clock
    with session(engine) as s:
        info = ChatInfo(ANALYST, ChatType.PRIVATE, None, Language.AR)
        chat, _ = register_chat(s, info, NOW - timedelta(days=1))
        add_subscription(s, chat, SubscriptionKind.ENTITY, "hammouchi", NOW)
        s.commit()

    before = scrape(operator_view)
    async with make_fetcher(config) as fetcher:
        poller = make_poller(config, engine, fetcher, matcher=make_matcher(config), clock=clock)
        [first] = await poller.poll_all()  # the backlog: stored, never alerted
        clock.now += timedelta(minutes=5)
        [second] = await poller.poll_all()  # 304
        http_server.route("/feed", Response(body=rss(NEW, OLD), etag='"v2"', headers=FEED))
        clock.now += timedelta(minutes=5)
        [third] = await poller.poll_all()
    assert (first.status, second.status, third.status) == (
        PollStatus.NEW,
        PollStatus.NOT_MODIFIED,
        PollStatus.NEW,
    )
    after = scrape(operator_view)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("marsad_fetches_total", outcome="ok") == 2
    assert moved("marsad_fetches_total", outcome="not-modified") == 1
    assert moved("marsad_fetch_seconds_count") == 3
    assert moved("marsad_fetch_seconds_sum") > 0
    assert moved("marsad_items_stored_total") == 2
    assert moved("marsad_stories_total", how="new") == 2  # two different events
    assert moved("marsad_stories_total", how="joined") == 0
    assert moved("marsad_matches_total", kind="entity") >= 1  # Hammouchi, Spain...
    assert moved("marsad_matches_total", kind="rule") >= 1
    assert moved("marsad_alerts_queued_total") == 1  # the new item, not the backlog
    # database-wide, at scrape time: the alert waits in the outbox, the source is enabled
    assert value(after, "marsad_outbox_depth", state="pending") == 1
    assert value(after, "marsad_outbox_oldest_pending_seconds") == 0
    assert value(after, "marsad_sources", state="enabled") == 1
    assert value(after, "marsad_sources_last_success_timestamp_seconds") == clock.now.timestamp()


def test_counts_move_only_when_the_transaction_commits(sqlite_engine: Engine) -> None:
    counted: list[str] = []
    with session(sqlite_engine) as s:
        on_commit(s, lambda: counted.append("rolled back"))
        s.rollback()
        on_commit(s, lambda: counted.append("committed"))
        s.commit()
        s.commit()  # a later commit does not run it again
    with session(sqlite_engine) as s:
        on_commit(s, lambda: counted.append("closed without a commit"))
    assert counted == ["committed"]


def fill(engine: Engine) -> None:
    """An outbox, sources and processes in known states at NOW."""
    with session(engine) as s:
        for minutes, chat in ((5, 1), (1, 2), (-10, 3)):  # due 5 and 1 min ago, in 10 min
            outbox.enqueue(
                s,
                chat,
                OutboxKind.NOTICE,
                "x",
                "x",
                now=NOW,
                due_at=NOW - timedelta(minutes=minutes),
            )
        s.add(
            OutboxRow(
                chat_id=4,
                kind=OutboxKind.ALERT.value,
                text_html="x",
                text_plain="x",
                state=OutboxState.SENT.value,
                created_at=NOW - timedelta(hours=1),
                due_at=NOW - timedelta(hours=1),
            )
        )
        s.add(
            OutboxRow(
                chat_id=5,
                kind=OutboxKind.ALERT.value,
                text_html="x",
                text_plain="x",
                state=OutboxState.SENDING.value,
                created_at=NOW,
                due_at=NOW,
                claimed_by=WORKER,
            )
        )
        s.add(Source(name="a", config_url="u", url="u", kind="feed"))
        s.add(
            Source(
                name="b",
                config_url="u",
                url="u",
                kind="feed",
                lease_owner=WORKER,
                lease_until=NOW + timedelta(minutes=1),
                last_success_at=NOW - timedelta(minutes=3),
            )
        )
        s.add(Source(name="c", config_url="u", url="u", kind="feed", disabled_reason="HTTP 410"))
        s.commit()
    lease = timedelta(minutes=2)
    workers.register(engine, "a" * 32, [Role.WATCHER, Role.BOT], NOW - timedelta(seconds=30))
    workers.register(engine, "b" * 32, [Role.SENDER], NOW - lease - timedelta(seconds=1))  # dead
    workers.register(engine, "c" * 32, [Role.SENDER, Role.WATCHER], NOW)
    workers.retire(engine, "c" * 32, NOW)


def test_the_store_collector_reads_the_deployment(store_url: str) -> None:
    engine = open_store(store_url)
    registry = CollectorRegistry()
    try:
        fill(engine)
        collector = watch_store(engine, lambda: NOW, timedelta(minutes=2), registry=registry)
        samples = parse(generate_latest(registry).decode())
        unwatch_store(collector, registry=registry)
    finally:
        engine.dispose()
    assert value(samples, "marsad_store_up") == 1
    assert value(samples, "marsad_outbox_depth", state="pending") == 3
    assert value(samples, "marsad_outbox_depth", state="sending") == 1
    assert value(samples, "marsad_outbox_oldest_pending_seconds") == 300
    assert value(samples, "marsad_sources", state="enabled") == 2
    assert value(samples, "marsad_sources", state="disabled") == 1
    assert value(samples, "marsad_sources", state="leased") == 1
    last = (NOW - timedelta(minutes=3)).timestamp()
    assert value(samples, "marsad_sources_last_success_timestamp_seconds") == last
    assert value(samples, "marsad_workers_alive", role="watcher") == 1
    assert value(samples, "marsad_workers_alive", role="bot") == 1
    assert value(samples, "marsad_workers_alive", role="sender") == 0


@pytest.mark.postgres
def test_healthz_turns_503_when_postgresql_is_gone(postgres_url: str) -> None:
    engine = open_store(postgres_url)
    address = f"127.0.0.1:{free_port()}"
    view = serve_operator_view(
        address,
        engine=engine,
        clock=lambda: NOW,
        lease=timedelta(minutes=2),
        worker_id=WORKER,
        roles=["bot"],
    )
    try:
        assert healthz(address)[0] == 200
        name = postgres_url.rsplit("/", 1)[1]
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        status, body = healthz(address)
        assert status == 503 and body["database"] is False and body["healthy"] is False
        samples = scrape(view)  # the scrape itself still answers
        assert value(samples, "marsad_store_up") == 0
        assert ("marsad_outbox_depth", frozenset({("state", "pending")})) not in samples
    finally:
        view.stop()
        engine.dispose()


def test_healthz_turns_503_when_the_sqlite_file_is_gone(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    engine = open_store(f"sqlite:///{folder / 'marsad.db'}")
    address = f"127.0.0.1:{free_port()}"
    view = serve_operator_view(
        address,
        engine=engine,
        clock=lambda: NOW,
        lease=timedelta(minutes=2),
        worker_id=WORKER,
        roles=["watcher"],
    )
    try:
        assert healthz(address)[0] == 200
        shutil.rmtree(folder)
        engine.dispose()  # the pooled connection would still read the unlinked file
        status, body = healthz(address)
        assert status == 503 and body["database"] is False
    finally:
        view.stop()
        engine.dispose()


def test_a_hung_database_is_store_up_0_not_a_hung_scrape() -> None:
    """A server that accepts connections and never answers: the read gives up at its deadline."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        engine = create_store_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/marsad")
        watch = StoreWatch(
            engine, lambda: NOW, timedelta(minutes=2), timeout=timedelta(seconds=0.3)
        )
        assert watch.snapshot() is None
        assert watch.ping() is False  # the first read is still stuck: not doubled, still down
        registry = CollectorRegistry()
        from marsad.metrics_store import StoreCollector

        registry.register(StoreCollector(watch))
        assert value(parse(generate_latest(registry).decode()), "marsad_store_up") == 0
    engine.dispose()


def test_outbox_rows_are_counted_by_state_only_while_open(sqlite_engine: Engine) -> None:
    fill(sqlite_engine)
    with session(sqlite_engine) as s:
        states = sorted(row.state for row in s.exec(select(OutboxRow)).all())
    assert states.count("sent") == 1  # in the table, but not in marsad_outbox_depth
    registry = CollectorRegistry()
    collector = watch_store(sqlite_engine, lambda: NOW, timedelta(minutes=2), registry=registry)
    samples = parse(generate_latest(registry).decode())
    unwatch_store(collector, registry=registry)
    assert {labels for name, labels in samples if name == "marsad_outbox_depth"} == {
        frozenset({("state", "pending")}),
        frozenset({("state", "sending")}),
    }


def test_only_a_poll_that_fetched_moves_the_last_poll_time() -> None:
    metrics.LAST_POLL.set(0)
    waiting = value(
        parse(generate_latest(metrics.REGISTRY).decode()), "marsad_polls_total", outcome="waiting"
    )
    metrics.observe_poll(PollStatus.WAITING.value)
    metrics.observe_poll(PollStatus.DISABLED.value)
    assert metrics.last_poll_age() is None
    metrics.observe_poll(PollStatus.FAILED.value)
    age = metrics.last_poll_age()
    assert age is not None and age >= 0
    samples = parse(generate_latest(metrics.REGISTRY).decode())
    assert value(samples, "marsad_polls_total", outcome="waiting") == waiting + 1
    with pytest.raises(ValueError, match="sideways"):
        metrics.observe_poll("sideways")
