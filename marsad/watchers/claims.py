"""Drive the polls of ``marsad run``: claim due sources from the store, poll them, repeat.

Any number of processes may run this on one PostgreSQL database: each claims what is due and
not leased (``source_leases.claim_due``), so every source is polled on time by exactly one of
them; the store, not a process's memory, says when a source is due (its regular interval with
jitter, a back-off, or a server's Retry-After). While polls run, their leases are renewed every
third of the lease; a process that dies stops renewing, and the others take its sources over
once the lease runs out. On SQLite there is one process, and the same loop drives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from marsad import metrics
from marsad.store.engine import session as open_session
from marsad.store.source_leases import claim_due, release, renew
from marsad.store.tables import Source
from marsad.watchers.poller import Poller, PollReport

log = logging.getLogger(__name__)

ReportHook = Callable[[PollReport], None]
LeaseHook = Callable[[int], None]

IDLE_TICK = 1.0
"""Seconds between looks for due sources when nothing is due (a source is polled at most this
late); a poll that ends looks again at once."""


class ClaimingScheduler:
    """Claims and polls due sources for one process until stopped."""

    def __init__(
        self,
        poller: Poller,
        *,
        worker_id: str,
        lease: timedelta,
        clock: Callable[[], datetime],
        on_report: ReportHook | None = None,
        on_leases: LeaseHook | None = None,
        tick: float = IDLE_TICK,
    ) -> None:
        self.poller = poller
        self.worker_id = worker_id
        self.lease = lease
        self.clock = clock
        self.on_report = on_report
        self.on_leases = on_leases
        self.tick = tick
        self.capacity = poller.config.polling.concurrency
        self.window = poller.due_window()
        self.skip = set(poller.unpolled)
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.last_poll_at: datetime | None = None

    def start(self) -> None:
        """Start claiming in the background (``stop`` ends it)."""
        self._task = asyncio.create_task(self._run(), name="claims")
        log.info(
            "polling %d sources as worker %s (lease %s)",
            len(self.poller.source_names),
            self.worker_id[:8],
            self.lease,
        )

    async def stop(self, grace: timedelta = timedelta(seconds=30)) -> None:
        """Claim nothing more, let the polls in flight finish (each commits or records nothing),
        then give up every lease still held so another process need not wait for it. A poll
        still running after ``grace`` is cancelled: it stores nothing."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        running = set(self._in_flight.values())
        if running:
            log.info("waiting for %d polls in flight", len(running))
            _, late = await asyncio.wait(running, timeout=grace.total_seconds())
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        try:
            with open_session(self.poller.engine) as s:
                released = release(s, self.worker_id)
            if released:
                log.info("released %d source leases", released)
        except Exception:
            log.exception("could not release the source leases; they expire in %s", self.lease)

    async def _run(self) -> None:
        renewed = self.clock()
        failures = 0
        while not self._stopping:
            self._wake.clear()
            now = self.clock()
            try:
                if self._in_flight and now - renewed >= self.lease / 3:
                    await asyncio.to_thread(self._renew, now)
                    renewed = now
                claimed = await asyncio.to_thread(self._claim, now)
                failures = 0
            except Exception:  # the database went away: keep trying, say so
                failures += 1
                log.exception("claiming sources failed (%d in a row)", failures)
                await self._sleep(min(2.0**failures, 60.0))
                continue
            strangers = [row for row in claimed if not self.poller.adopt(row)]
            if strangers:  # stored since by another configuration: theirs to poll
                self.skip.update(row.name for row in strangers)
                await asyncio.to_thread(self._release, [row.id or 0 for row in strangers])
            for row in claimed:
                if row.name not in self.skip:
                    self._start_poll(row)
            if self.on_leases is not None:
                self.on_leases(len(self._in_flight))
            if len(claimed) == 0 or len(self._in_flight) >= self.capacity:
                await self._sleep(self.tick)

    def _claim(self, now: datetime) -> list[Source]:
        free = self.capacity - len(self._in_flight)
        with open_session(self.poller.engine) as s, metrics.CLAIM_SECONDS.time():
            claimed = claim_due(
                s,
                self.worker_id,
                now=now,
                lease=self.lease,
                limit=free,
                window=self.window,
                skip=self.skip,
            )
        metrics.CLAIMED.inc(len(claimed))
        return claimed

    def _release(self, source_ids: list[int]) -> None:
        with open_session(self.poller.engine) as s:
            release(s, self.worker_id, source_ids)

    def _renew(self, now: datetime) -> None:
        with open_session(self.poller.engine) as s:
            renew(s, self.worker_id, now + self.lease)

    def _start_poll(self, row: Source) -> None:
        source_id = row.id or 0
        task = asyncio.create_task(self._poll(row), name=f"poll {row.name}")
        self._in_flight[source_id] = task
        task.add_done_callback(lambda _: self._done(source_id))

    def _done(self, source_id: int) -> None:
        self._in_flight.pop(source_id, None)
        self._wake.set()

    async def _poll(self, row: Source) -> None:
        try:
            report = await self.poller.poll(row.name, force=True, claimed=row)
        except asyncio.CancelledError:
            # Only ``stop`` cancels a poll (after its grace period); its lease is released there.
            log.info("poll of %s cancelled at shutdown; nothing of it was stored", row.name)
            return
        self.last_poll_at = self.clock()
        try:
            if self.on_report is not None:
                self.on_report(report)
        except Exception:  # a report hook must never fail a poll
            log.exception("after the poll of %s", row.name)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
