"""``marsad run``: the service — scheduled watchers, and alerts (console when there is no token)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from marsad import metrics
from marsad.bot.app import run_bot
from marsad.bot.console import ConsoleAlerts
from marsad.bot.delivery.redact import install_redaction
from marsad.bot.source_notices import SourceNotices
from marsad.bot.wiring import (
    load_and_warn,
    make_fetcher,
    make_matcher,
    make_poller,
    open_configured_store,
    utc_now,
)
from marsad.config import Config
from marsad.config_values import listen_address
from marsad.errors import ConfigError, Problem, StoreError
from marsad.store.sqlite_guard import FileWatch, ProcessLock, sqlite_path
from marsad.store.workers import Role, heartbeat, new_worker_id, register, retire, roles_text
from marsad.watchers.claims import ClaimingScheduler

if TYPE_CHECKING:
    from marsad.matching.engine import Matcher
    from marsad.watchers.fetch import Fetcher
    from marsad.watchers.poller import PollReport

HELP = "the service: scheduled watchers + Telegram bot (console alerts without a token)"
DESCRIPTION = """\
Run the service until SIGINT/SIGTERM: every configured source is polled on its own interval
(with jitter, back-off after failures, never two polls of one source at once), new items are
stored, and alerts go to Telegram, or to the console when the token variable named by
telegram.token_env is unset. A source's first poll stores its backlog without alerting.
Each hour and day, once ended, is checked for spikes ([spikes]; `marsad spikes` lists them).
Stops cleanly: polls in flight finish and are committed before exit."""

log = logging.getLogger(__name__)


FILE_WATCH_SECONDS = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-new-database",
        action="store_true",
        help="start with a new, empty SQLite database where one was used before (its chats "
        "and subscriptions are lost); without it a missing database is refused",
    )
    parser.add_argument(
        "--role",
        type=_roles,
        default=frozenset(Role),
        metavar="ROLES",
        help="what this process does: all (the default), or a comma-separated list of watcher "
        "(polls its share of the sources), bot (answers Telegram; one process at a time) and "
        "sender (sends the queued messages). Several processes need PostgreSQL",
    )
    parser.add_argument(
        "--metrics",
        metavar="HOST:PORT",
        default=None,
        help="serve /metrics and /healthz there (overrides [service] metrics)",
    )


def _roles(text: str) -> frozenset[Role]:
    try:
        return Role.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


async def watch_file(watch: FileWatch, stop: asyncio.Event, lost: list[str]) -> None:
    """Stop the service when the database file is deleted or replaced under it: what it would
    write from then on is lost at exit, and the next start would begin empty."""
    while not stop.is_set():
        problem = watch.problem()
        if problem is not None:
            log.error("%s: stopping. Restore the file from a backup before starting again", problem)
            lost.append(problem)
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=FILE_WATCH_SECONDS)


def long_poll(lease: timedelta) -> float:
    """Seconds a getUpdates may wait at Telegram. A new leader waits out its predecessor's
    (``bot/leader.py``), so it is a quarter of the lease at most: commands are answered again
    within the lease after a leader dies."""
    return min(10.0, lease.total_seconds() / 4)


async def keep_alive(engine: Engine, worker_id: str, lease: timedelta, stop: asyncio.Event) -> None:
    """Say this process is alive every third of the lease, until stopped."""
    failures = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=lease.total_seconds() / 3)
        if stop.is_set():
            return
        try:
            await asyncio.to_thread(heartbeat, engine, worker_id, utc_now())
            failures = 0
        except Exception as error:  # the database is away: the polls say so too; keep trying
            failures += 1
            log.warning("heartbeat failed (%d in a row): %s", failures, error)


async def serve(
    config: Config,
    stop: asyncio.Event,
    *,
    allow_new_database: bool = False,
    roles: frozenset[Role] = frozenset(Role),
) -> None:
    """Run this process's roles (watchers, and the bot with a token) until ``stop`` is set."""
    database = sqlite_path(config.database.url)
    claimed = None
    if database is not None:
        claimed = ProcessLock(database)
        claimed.acquire(utc_now())
    try:
        await _serve(config, stop, allow_new_database, roles, database)
    finally:
        if claimed is not None:
            claimed.release()


async def _serve(
    config: Config,
    stop: asyncio.Event,
    allow_new_database: bool,
    roles: frozenset[Role],
    database: Path | None,
) -> None:
    engine = open_configured_store(
        config, allow_new_database=allow_new_database, integrity=True, migrate_apart=True
    )
    lost: list[str] = []
    tasks: list[asyncio.Task[None]] = []
    if database is not None:
        tasks.append(asyncio.create_task(watch_file(FileWatch(database), stop, lost)))
    worker_id = new_worker_id()
    view = None
    if config.service.metrics:
        from marsad.metrics_server import serve_operator_view

        view = serve_operator_view(
            config.service.metrics,
            engine=engine,
            clock=utc_now,
            lease=config.service.lease,
            worker_id=worker_id,
            roles=[role.value for role in Role if role in roles],
        )
        log.info("metrics on http://%s/metrics and /healthz", config.service.metrics)
    register(engine, worker_id, roles, utc_now())
    log.info("worker %s: %s", worker_id[:8], roles_text(roles))
    tasks.append(asyncio.create_task(keep_alive(engine, worker_id, config.service.lease, stop)))
    token = config.telegram.token()
    try:
        matcher = make_matcher(config, engine)
        async with make_fetcher(config) as fetcher:
            scheduler = spikes = None
            if Role.WATCHER in roles:
                scheduler = _watch(config, engine, fetcher, matcher, worker_id, token)
                scheduler.start()
                if not scheduler.poller.source_names:
                    log.warning(
                        "no sources configured: add [[sources]] to the configuration, "
                        "or import an OPML file with `marsad sources import FILE`"
                    )
                spikes = _spikes(config, engine, matcher, stop)
                if spikes is not None:
                    tasks.append(spikes)  # cancelled if the service fails before stopping
            bot = None
            if not token and roles & {Role.BOT, Role.SENDER}:
                log.warning(
                    "no Telegram token in $%s: the bot and sender roles have nothing to do",
                    config.telegram.token_env,
                )
            if token and roles & {Role.BOT, Role.SENDER}:
                bot = asyncio.create_task(
                    run_bot(
                        config,
                        engine,
                        matcher,
                        stop,
                        worker_id=worker_id,
                        lease=config.service.lease,
                        updates=Role.BOT in roles,
                        sending=Role.SENDER in roles,
                        poll_timeout=long_poll(config.service.lease),
                    ),
                    name="bot",
                )
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait({bot, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if bot.done() and not stop.is_set():
                    stop.set()  # the bot failed (e.g. token refused): stop the service too
            await stop.wait()
            if scheduler is not None:
                log.info("stopping: waiting for polls in flight")
                await scheduler.stop(grace=max(timedelta(seconds=30), config.polling.timeout * 2))
            if spikes is not None:
                await spikes  # a check in flight finishes (and commits) first
            if bot is not None:
                await bot  # re-raises a bot failure (shown as a clear error)
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            retire(engine, worker_id, utc_now())
        if view is not None:
            view.stop()
        engine.dispose()
    if lost:
        raise StoreError(f"{lost[0]}; restore it from a backup before starting again")


def _watch(
    config: Config,
    engine: Engine,
    fetcher: Fetcher,
    matcher: Matcher,
    worker_id: str,
    token: str | None,
) -> ClaimingScheduler:
    """The watcher role: claim due sources and poll them."""
    poller = make_poller(config, engine, fetcher, matcher=matcher)
    # With a token the admins hear in Telegram when a source stops or recovers; without one,
    # the console says so with every failed poll.
    notify = (
        SourceNotices(engine, config.telegram.admins, utc_now)
        if token
        else ConsoleAlerts(config, engine, sys.stdout).report
    )

    def on_report(report: PollReport) -> None:
        metrics.observe_poll(report.status.value)
        notify(report)

    return ClaimingScheduler(
        poller,
        worker_id=worker_id,
        lease=config.service.lease,
        clock=utc_now,
        on_report=on_report,
        on_leases=metrics.LEASES_HELD.set,
    )


def _spikes(
    config: Config, engine: Engine, matcher: Matcher, stop: asyncio.Event
) -> asyncio.Task[None] | None:
    """The watcher role's spike checks (each ended hour and day), alerting the chats that
    follow a spiking entity or rule; None when ``[spikes] enabled = false``."""
    if not config.spikes.enabled:
        return None
    from marsad.bot.spike_alerts import SpikeAlerts
    from marsad.watchers.spike_watch import SpikeDetector, params_of, watch_spikes

    detector = SpikeDetector(
        engine, params_of(config.spikes), config.tz, on_spike=SpikeAlerts(config, matcher)
    )
    return asyncio.create_task(watch_spikes(detector, utc_now, stop), name="spikes")


async def _main(config: Config, allow_new_database: bool, roles: frozenset[Role]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(config, stop, allow_new_database=allow_new_database, roles=roles)


def run(args: argparse.Namespace) -> int:
    config = load_and_warn(args.config)
    token = config.telegram.token()
    if token is not None:
        # Every log record from here on has the token masked: URL-logging libraries,
        # tracebacks and handlers added later included.
        install_redaction(token)
    if token is None:
        log.info(
            "no Telegram token in $%s: alerts are printed on the console", config.telegram.token_env
        )
    if args.metrics is not None:
        try:
            address = listen_address(args.metrics)
        except ValueError as error:
            raise ConfigError([Problem("--metrics", str(error))]) from None
        config = replace(config, service=replace(config.service, metrics=address))
    asyncio.run(_main(config, args.allow_new_database, args.role))
    log.info("stopped")
    return 0
