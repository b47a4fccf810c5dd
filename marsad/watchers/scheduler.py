"""Run the polls on a schedule inside ``marsad run`` (APScheduler 3, asyncio).

Each source has one interval job: never two runs at once (``max_instances=1``), missed runs
coalesced into one.  After every poll the job's next run is set to the time the store says
(the regular interval with jitter, a back-off, or a server's Retry-After), so the schedule
survives restarts and one place decides when a source is due.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.interval import IntervalTrigger

from marsad.watchers.poller import Poller, PollReport

log = logging.getLogger(__name__)

ReportHook = Callable[[PollReport], None]


class SourceScheduler:
    """One APScheduler job per configured source, driving a shared :class:`Poller`."""

    def __init__(
        self,
        poller: Poller,
        *,
        clock: Callable[[], datetime],
        on_report: ReportHook | None = None,
        start_spread: timedelta = timedelta(seconds=5),
    ) -> None:
        self.poller = poller
        self.clock = clock
        self.on_report = on_report
        self.start_spread = start_spread
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._in_flight: set[asyncio.Task[PollReport]] = set()

    def start(self) -> None:
        """Schedule every source (first run soon, or when its stored back-off ends) and start."""
        config = self.poller.config
        now = self.clock()
        for index, name in enumerate(self.poller.source_names):
            source_config = next(s for s in config.sources if s.name == name)
            interval = config.interval_of(source_config)
            spread = self.start_spread * (index / max(1, len(self.poller.source_names)))
            first = max(now + spread, self.poller.next_poll_at(name) or now)
            self.scheduler.add_job(
                self._run,
                trigger=IntervalTrigger(seconds=interval.total_seconds(), timezone="UTC"),
                args=[name],
                id=name,
                name=f"poll {name}",
                next_run_time=first,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self.scheduler.start()
        log.info("scheduled %d sources", len(self.poller.source_names))

    async def stop(self, grace: timedelta = timedelta(seconds=30)) -> None:
        """Start no new poll, let the polls in flight finish (each commits or records
        nothing), then stop scheduling. A poll still running after ``grace`` is cancelled: it
        stores nothing, and its source is polled again at the next start."""
        if self.scheduler.running:
            self.scheduler.pause()
        if self._in_flight:
            log.info("waiting for %d polls in flight", len(self._in_flight))
            _, late = await asyncio.wait(set(self._in_flight), timeout=grace.total_seconds())
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def _run(self, name: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            report = await self.poller.poll(name)
        except asyncio.CancelledError:
            # Only ``stop`` cancels a poll (after its grace period); the job ends quietly so
            # the scheduler does not report a failed job with a traceback.
            log.info("poll of %s cancelled at shutdown; nothing of it was stored", name)
            return
        finally:
            if task is not None:
                self._in_flight.discard(task)
        try:
            if self.on_report is not None:
                self.on_report(report)
            due = self.poller.next_poll_at(name)
            if due is not None and self.scheduler.running and self.scheduler.state == STATE_RUNNING:
                self.scheduler.modify_job(
                    name, next_run_time=max(due, self.clock() + timedelta(seconds=1))
                )
        except Exception:  # a report hook or the scheduler: never a job failure with a traceback
            log.exception("after the poll of %s", name)
