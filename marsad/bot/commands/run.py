"""``marsad run``: the service — scheduled watchers, and alerts (console when there is no token)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from datetime import timedelta

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
from marsad.errors import StoreError
from marsad.store.sqlite_guard import FileWatch, sqlite_path
from marsad.watchers.scheduler import SourceScheduler

HELP = "the service: scheduled watchers + Telegram bot (console alerts without a token)"
DESCRIPTION = """\
Run the service until SIGINT/SIGTERM: every configured source is polled on its own interval
(with jitter, back-off after failures, never two polls of one source at once), new items are
stored, and alerts go to Telegram, or to the console when the token variable named by
telegram.token_env is unset. A source's first poll stores its backlog without alerting.
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


async def serve(config: Config, stop: asyncio.Event, *, allow_new_database: bool = False) -> None:
    """Run the watchers (and the bot, with a token) until ``stop`` is set."""
    database = sqlite_path(config.database.url)
    engine = open_configured_store(config, allow_new_database=allow_new_database, integrity=True)
    lost: list[str] = []
    watching = None
    if database is not None:
        watching = asyncio.create_task(watch_file(FileWatch(database), stop, lost))
    token = config.telegram.token()
    console = None if token else ConsoleAlerts(config, engine, sys.stdout)
    try:
        matcher = make_matcher(config, engine)
        async with make_fetcher(config) as fetcher:
            poller = make_poller(config, engine, fetcher, matcher=matcher)
            # With a token the admins hear in Telegram when a source stops or recovers;
            # without one, the console says so with every failed poll.
            hook = (
                console.report
                if console
                else SourceNotices(engine, config.telegram.admins, utc_now)
            )
            scheduler = SourceScheduler(poller, clock=utc_now, on_report=hook)
            scheduler.start()
            if not config.sources:
                log.warning("no sources configured: add [[sources]] to the configuration")
            bot = None
            if token:
                bot = asyncio.create_task(run_bot(config, engine, matcher, stop), name="bot")
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait({bot, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if bot.done() and not stop.is_set():
                    stop.set()  # the bot failed (e.g. token refused): stop the service too
            await stop.wait()
            log.info("stopping: waiting for polls in flight")
            await scheduler.stop(grace=max(timedelta(seconds=30), config.polling.timeout * 2))
            if bot is not None:
                await bot  # re-raises a bot failure (shown as a clear error)
    finally:
        if watching is not None:
            watching.cancel()
        engine.dispose()
    if lost:
        raise StoreError(f"{lost[0]}; restore it from a backup before starting again")


async def _main(config: Config, allow_new_database: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(config, stop, allow_new_database=allow_new_database)


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
    asyncio.run(_main(config, args.allow_new_database))
    log.info("stopped")
    return 0
