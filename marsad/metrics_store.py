"""Database-wide numbers for /metrics, read at scrape time: the outbox, the sources, the processes.

Every process sees the same values (they describe the deployment, not the process), so an
operator reads them from any one target.  The reads are cheap (the outbox by its (state, due_at)
index; sources and workers are small tables), run in one helper thread with a deadline, and never
raise into a scrape: a database that does not answer in time shows as ``marsad_store_up 0``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, case, func, select, text
from sqlmodel import Session, col

from marsad.metrics import REGISTRY
from marsad.store.delivery import OutboxRow, OutboxState
from marsad.store.tables import Source, Worker
from marsad.store.workers import Role

log = logging.getLogger(__name__)

T = TypeVar("T")

READ_TIMEOUT = timedelta(seconds=2)
"""How long a scrape waits for the database before reporting it down."""

OPEN = (OutboxState.PENDING, OutboxState.SENDING)
"""The outbox states counted: the rows still to deliver (sent rows only ever grow)."""


_ROLE_NAMES = frozenset(role.value for role in Role)


class SourceState(StrEnum):
    """How ``marsad_sources`` splits the sources table."""

    ENABLED = "enabled"
    DISABLED = "disabled"
    LEASED = "leased"  # being polled right now (a subset of enabled)


@dataclass(frozen=True)
class StoreSnapshot:
    """The database-wide values of one scrape."""

    outbox: Mapping[OutboxState, int]
    oldest_pending: float
    """Seconds the longest-waiting due pending row has waited (0 when none is due)."""
    sources: Mapping[SourceState, int]
    last_success: float | None
    """Unix time of the newest successful poll of any source, None before the first."""
    workers: Mapping[Role, int]
    """Processes alive by role (a process with several roles counts in each)."""


def read_snapshot(session: Session, now: datetime, lease: timedelta) -> StoreSnapshot:
    """Read the values; each query is one indexed or small-table aggregate."""
    if session.get_bind().dialect.name == "postgresql":
        millis = int(READ_TIMEOUT.total_seconds() * 1000)
        session.connection().execute(text(f"SET LOCAL statement_timeout = {millis}"))
    state = col(OutboxRow.state)
    counted = session.connection().execute(
        select(state, func.count()).where(state.in_([s.value for s in OPEN])).group_by(state)
    )
    depth = {str(name): int(count) for name, count in counted}
    oldest = (
        session.connection()
        .execute(
            select(func.min(col(OutboxRow.due_at))).where(
                state == OutboxState.PENDING.value, col(OutboxRow.due_at) <= now
            )
        )
        .scalar_one_or_none()
    )
    disabled = col(Source.disabled_reason).is_not(None)
    leased = col(Source.lease_until) > now
    total, n_disabled, n_leased, newest = (
        session.connection()
        .execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((disabled, 1), else_=0)), 0),
                func.coalesce(func.sum(case((leased, 1), else_=0)), 0),
                func.max(col(Source.last_success_at)),
            ).select_from(Source)
        )
        .one()
    )
    roles: Tally[Role] = Tally()
    for (names,) in session.connection().execute(
        select(col(Worker.roles)).where(
            col(Worker.stopped_at).is_(None), col(Worker.heartbeat_at) > now - lease
        )
    ):
        for name in str(names).split(","):
            if name in _ROLE_NAMES:
                roles[Role(name)] += 1
    return StoreSnapshot(
        outbox=MappingProxyType({s: int(depth.get(s.value, 0)) for s in OPEN}),
        oldest_pending=max(0.0, (now - _aware(oldest, now)).total_seconds()) if oldest else 0.0,
        sources=MappingProxyType(
            {
                SourceState.ENABLED: int(total) - int(n_disabled),
                SourceState.DISABLED: int(n_disabled),
                SourceState.LEASED: int(n_leased),
            }
        ),
        last_success=_aware(newest, now).timestamp() if newest else None,
        workers=MappingProxyType({role: roles[role] for role in Role}),
    )


def _aware(value: datetime, now: datetime) -> datetime:
    """A stored time as an aware one (an aggregate may bypass the column's UTC type)."""
    if isinstance(value, str):  # SQLite's min()/max() of a text column
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=now.tzinfo)


class _Read(Generic[T]):
    """One database read on a daemon thread (a read stuck in connect must not hold up exit)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self.result: T | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="marsad-metrics-db", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as exc:  # handed to the waiting scrape, which logs it
            self.error = exc


class StoreWatch:
    """Runs database reads on a helper thread, each with a deadline; never raises.

    A read still running when the next one is asked for (a database hung rather than down) is not
    doubled: the next waits for it within its own deadline, then reports the database down.
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime],
        lease: timedelta,
        timeout: timedelta = READ_TIMEOUT,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.lease = lease
        self.timeout = timeout.total_seconds()
        self._busy: threading.Thread | None = None
        self._lock = threading.Lock()

    def _run(self, work: Callable[[], T]) -> T | None:
        deadline = time.monotonic() + self.timeout
        with self._lock:
            if self._busy is not None:
                # Another read (a scrape while /healthz asks) is running: wait for it within
                # our own deadline rather than report a database that answers as down.
                self._busy.join(timeout=self.timeout)
                if self._busy.is_alive():
                    return None
            read = _Read(work)
            self._busy = read.thread
        read.thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if read.thread.is_alive():
            log.warning("metrics: the database did not answer within %.1fs", self.timeout)
            return None
        if read.error is not None:  # a scrape must never fail because the database did
            log.warning("metrics: cannot read the database: %s", type(read.error).__name__)
            log.debug("metrics: database read failed", exc_info=read.error)
            return None
        return read.result

    def snapshot(self) -> StoreSnapshot | None:
        """The database-wide values, or None when the database did not answer in time."""

        def read() -> StoreSnapshot:
            with Session(self.engine) as session:
                return read_snapshot(session, self.clock(), self.lease)

        return self._run(read)

    def ping(self) -> bool:
        """Whether the database answers a trivial query in time."""

        def select_one() -> bool:
            with self.engine.connect() as connection:
                return bool(connection.execute(text("SELECT 1")).scalar_one() == 1)

        return bool(self._run(select_one))

    def close(self) -> None:
        """Nothing to release: a read in flight ends with its database call (daemon thread)."""


class StoreCollector(Collector):
    """The prometheus-client collector of the database-wide values (see ``watch_store``)."""

    def __init__(self, watch: StoreWatch) -> None:
        self.watch = watch

    def describe(self) -> list[Metric]:
        # Names only: the registry checks them at registration without touching the database.
        return list(self._families(None))

    def collect(self) -> Iterator[Metric]:
        yield from self._families(self.watch.snapshot())

    def _families(self, snap: StoreSnapshot | None) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "marsad_store_up", "1 when the database answered this scrape in time, else 0."
        )
        depth = GaugeMetricFamily(
            "marsad_outbox_depth", "Outbox rows still to deliver, by state.", labels=["state"]
        )
        oldest = GaugeMetricFamily(
            "marsad_outbox_oldest_pending_seconds",
            "How long the longest-waiting due pending outbox row has waited (0: none).",
        )
        sources = GaugeMetricFamily(
            "marsad_sources",
            "Sources in the database: enabled, disabled, leased (being polled now).",
            labels=["state"],
        )
        success = GaugeMetricFamily(
            "marsad_sources_last_success_timestamp_seconds",
            "Unix time of the newest successful poll of any source, by any process.",
        )
        workers = GaugeMetricFamily(
            "marsad_workers_alive",
            "Processes whose heartbeat is younger than the lease, by role.",
            labels=["role"],
        )
        up.add_metric([], 0.0 if snap is None else 1.0)
        yield up
        if snap is not None:
            for state, count in snap.outbox.items():
                depth.add_metric([state.value], count)
            oldest.add_metric([], snap.oldest_pending)
            for source_state, count in snap.sources.items():
                sources.add_metric([source_state.value], count)
            if snap.last_success is not None:
                success.add_metric([], snap.last_success)
            for role, count in snap.workers.items():
                workers.add_metric([role.value], count)
        yield from (depth, oldest, sources, success, workers)


def watch_store(
    engine: Engine,
    clock: Callable[[], datetime],
    lease: timedelta,
    registry: CollectorRegistry = REGISTRY,
) -> StoreCollector:
    """Register the database-wide values with ``registry``; ``unwatch_store`` undoes it."""
    collector = StoreCollector(StoreWatch(engine, clock, lease))
    registry.register(collector)
    return collector


def unwatch_store(collector: StoreCollector, registry: CollectorRegistry = REGISTRY) -> None:
    """Stop reading the database at scrapes (the process is stopping, or a test is done)."""
    registry.unregister(collector)
    collector.watch.close()
