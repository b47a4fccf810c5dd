"""Exactly one process answers Telegram updates: the holder of an advisory lock.

Telegram gives updates to one long poll at a time (a second ``getUpdates`` ends the first with
409 Conflict), so of the processes run with the bot role one leads: the one holding the
PostgreSQL advisory lock ``Lock.TELEGRAM_UPDATES`` on a connection of its own.  The others try
again every ``retry`` seconds.  The leader checks every ``check`` seconds that its connection
still holds the lock; when it does not (the connection broke, the server restarted) it stops
polling at once, since another process may take the lock from then on.

A new leader waits before its first ``getUpdates`` while another process with the bot role may
still have a long poll open at Telegram (it was killed, or lost its connection and has not
noticed yet): ``poll_timeout`` plus the time that process needs to notice.  Processes that
retired or have not said they were alive for that long are not waited for.  On SQLite one
process owns the file, so it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session, col, select

from marsad.store.locks import Lock, try_session_lock
from marsad.store.tables import Worker
from marsad.store.workers import Role

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[None]]
Clock = Callable[[], datetime]

_HOLDS = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid::bigint = :high AND objid::bigint = :low"
    " AND objsubid = 1)"
)


@dataclass(frozen=True)
class Timing:
    """How often a candidate tries, the leader checks, and how long a new leader waits."""

    retry: float
    """Seconds between a non-leader's attempts to take the lock."""
    check: float
    """Seconds between the leader's checks that it still holds the lock (also their timeout)."""
    takeover: float
    """Seconds a new leader waits before its first getUpdates when another may still poll."""

    @classmethod
    def of(cls, lease: timedelta, poll_timeout: float) -> Timing:
        """From the lease: a non-leader retries every lease/24 (5 s for 2 minutes)."""
        seconds = lease.total_seconds()
        retry = min(max(seconds / 24, 0.2), 10.0)
        check = min(max(seconds / 60, 0.5), 2.0)
        return cls(retry=retry, check=check, takeover=poll_timeout + 2 * check + 1.0)


class Leadership:
    """Competes for the updates lock and runs ``start``/``stop`` as leadership comes and goes."""

    def __init__(
        self,
        engine: Engine,
        *,
        worker_id: str | None,
        lease: timedelta,
        poll_timeout: float,
        clock: Clock,
        timing: Timing | None = None,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self.engine, self.worker_id, self.lease, self.clock = engine, worker_id, lease, clock
        self.timing = timing or Timing.of(lease, poll_timeout)
        self.on_change = on_change
        self.leading = False
        self.terms = 0  # how many times this process became leader
        self._checks: ThreadPoolExecutor | None = None

    async def run(self, stop: asyncio.Event, start: Step, stop_leading: Step) -> None:
        """Until ``stop``: lead when the lock is ours (``start``), step down when it is lost."""
        alone = self.engine.dialect.name != "postgresql"  # one process owns a SQLite file
        while not stop.is_set():
            held = None
            if not alone:
                try:
                    held = await asyncio.to_thread(self._take)
                except Exception as error:  # the database is unreachable: keep trying
                    log.warning("could not try for the Telegram updates lock: %s", error)
            if alone or held is not None:
                # The checks get a thread of their own: a busy default pool must not make them
                # late (a late check steps down).
                self._checks = ThreadPoolExecutor(1, thread_name_prefix="updates-lock")
                try:
                    await self._lead(stop, start, stop_leading, held)
                finally:
                    self._checks.shutdown(wait=False)
            await _sleep(stop, self.timing.retry)

    async def _lead(
        self, stop: asyncio.Event, start: Step, stop_leading: Step, held: Connection | None
    ) -> None:
        self._set(True)
        try:
            if held is not None and not await self._wait_out_polls(stop, held):
                return
            if stop.is_set():
                return
            log.info("this process answers Telegram updates")
            try:
                await start()
            except Exception:
                log.exception("could not start answering Telegram updates; trying again")
                return
            while not stop.is_set():
                await _sleep(stop, self.timing.check)
                if held is not None and not stop.is_set() and not await self._holds(held):
                    log.warning("lost the Telegram updates lock: stopping polling")
                    return
        finally:
            try:
                await stop_leading()
            except Exception:
                log.exception("stopping the Telegram updates failed")
            if held is not None:
                await asyncio.to_thread(_release, held)
            self._set(False)

    async def _wait_out_polls(self, stop: asyncio.Event, held: Connection) -> bool:
        """Wait while another process may still long-poll; False when the lock was lost."""
        try:
            others = await asyncio.to_thread(self._others_may_poll)
        except Exception as error:
            log.warning("could not read the other processes: %s", error)
            others = True
        if not others:
            return True
        log.info(
            "waiting %.0f s for a long poll another process may have left at Telegram",
            self.timing.takeover,
        )
        loop = asyncio.get_running_loop()
        until = loop.time() + self.timing.takeover
        while not stop.is_set() and (left := until - loop.time()) > 0:
            await _sleep(stop, min(left, self.timing.check))
            if not await self._holds(held):
                log.warning("lost the Telegram updates lock while waiting to poll")
                return False
        return True

    def _set(self, leading: bool) -> None:
        self.leading = leading
        self.terms += 1 if leading else 0
        if self.on_change is not None:
            self.on_change(leading)

    # ------------------------------------------------------------------ database
    def _take(self) -> Connection | None:
        """A connection holding the lock, or None when another process holds it."""
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            if try_session_lock(connection, Lock.TELEGRAM_UPDATES):
                return connection
        except Exception:
            _release(connection)
            raise
        connection.close()
        return None

    async def _holds(self, held: Connection) -> bool:
        """Whether ``held`` still holds the lock; a check that fails or hangs says no."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self._checks, _still_held, held), timeout=self.timing.check
            )
        except Exception as error:
            log.warning("the Telegram updates lock's connection failed: %s", error or "timeout")
            return False

    def _others_may_poll(self) -> bool:
        """Whether another process with the bot role may still have a long poll open."""
        since = self.clock() - self.lease - timedelta(seconds=self.timing.takeover)
        with Session(self.engine) as session:
            workers = session.exec(
                select(Worker).where(
                    col(Worker.stopped_at).is_(None), col(Worker.heartbeat_at) > since
                )
            ).all()
        return any(w.id != self.worker_id and Role.BOT.value in w.roles.split(",") for w in workers)


def _still_held(connection: Connection) -> bool:
    key = int(Lock.TELEGRAM_UPDATES)
    found = connection.execute(_HOLDS, {"high": key >> 32, "low": key & 0xFFFFFFFF})
    return bool(found.scalar())


def _release(connection: Connection) -> None:
    """Close the connection for good: the server drops the session's lock with it."""
    with contextlib.suppress(Exception):
        connection.invalidate()
    with contextlib.suppress(Exception):
        connection.close()


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0.0))


__all__ = ["Leadership", "Timing"]
