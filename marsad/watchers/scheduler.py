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

    async def stop(self) -> None:
        """Stop scheduling and let polls in flight finish (they commit or record nothing)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _run(self, name: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            report = await self.poller.poll(name)
            if self.on_report is not None:
                self.on_report(report)
            due = self.poller.next_poll_at(name)
            if due is not None and self.scheduler.running:
                self.scheduler.modify_job(
                    name, next_run_time=max(due, self.clock() + timedelta(seconds=1))
                )
        finally:
            if task is not None:
                self._in_flight.discard(task)
