"""Build the application's parts from a configuration: store, fetcher, poller."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from marsad.config import Config, load_config
from marsad.store.sqlite_guard import check_before_open, sqlite_path, write_marker

if TYPE_CHECKING:
    # The polling stack (httpx, the Telegram library through fan-out, the matcher) is imported
    # by the functions that build it: `marsad stories` and `marsad digest` need none of it.
    from sqlalchemy import Engine
    from sqlmodel import Session

    from marsad.matching.engine import Matcher
    from marsad.store.tables import Item, Source
    from marsad.watchers.fetch import Fetcher
    from marsad.watchers.ingest import Stage
    from marsad.watchers.poller import IngestHook, Poller


def utc_now() -> datetime:
    """The wall clock, aware UTC; the one place the application reads it."""
    return datetime.now(UTC)


def load_and_warn(path: str | None) -> Config:
    """Load the configuration and print its warnings on stderr."""
    config = load_config(path)
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return config


def make_fetcher(config: Config) -> Fetcher:
    """The one shared HTTP client, with the polling limits of the configuration.

    Internal addresses are refused except ``polling.allow_private`` and the exact address and
    port of each source URL written as an IP literal (docs/watchers.md).
    """
    from marsad.watchers.address_guard import literal_endpoints
    from marsad.watchers.fetch import Fetcher

    return Fetcher(
        timeout=config.polling.timeout,
        max_bytes=config.polling.max_bytes,
        per_host=config.polling.per_host,
        max_connections=config.polling.concurrency,
        user_agent=config.polling.user_agent or None,
        allow_private=config.polling.allow_private,
        allow_endpoints=literal_endpoints(source.url for source in config.sources),
    )


def make_matcher(config: Config, engine: Engine | None = None) -> Matcher:
    """The compiled matcher of the configured rule files (RuleError lists every problem),
    with every stored query subscription installed when ``engine`` is given."""
    from marsad.matching.engine import Matcher
    from marsad.matching.rulefile import load_rules

    matcher = Matcher.compile(load_rules(list(config.rules)))
    if engine is not None:
        from marsad.bot.app import install_subscriptions  # the Telegram stack, only when needed

        install_subscriptions(engine, matcher)
    return matcher


class QuerySync:
    """Installs in this process's matcher the query subscriptions other processes stored.

    With several processes, a `/subscribe QUERY` is answered by the bot's process; the watchers
    that match new items learn of it here, at their next ingest, before matching.
    """

    def __init__(self, matcher: Matcher, engine: Engine) -> None:
        from marsad.store.chats import query_subscriptions
        from marsad.store.engine import session as open_session

        self.matcher = matcher
        with open_session(engine) as s:
            self.known = {row.id for row in query_subscriptions(s)}

    def __call__(self, session: Session) -> int:
        """Install the ones not seen before; returns how many."""
        from marsad.bot.app import install_subscriptions_of
        from marsad.store.chats import query_subscriptions

        new = [row for row in query_subscriptions(session) if row.id not in self.known]
        self.known.update(row.id for row in new)
        return install_subscriptions_of(self.matcher, new)


def make_poller(
    config: Config,
    engine: Engine,
    fetcher: Fetcher,
    *,
    matcher: Matcher | None,
    stages: Sequence[Stage] = (),
    clock: Callable[[], datetime] = utc_now,
    executor: Executor | None = None,
) -> Poller:
    """A poller whose new items are matched, put in stories, fanned out to the chats whose
    subscriptions they fire (the outbox, in the same transaction), then passed to ``stages``.

    Fan-out runs on every path that stores items (``marsad poll`` too), so no alert is lost:
    what a poll enqueues, the next ``marsad run`` sends.  Without chats it enqueues nothing.
    """
    from marsad.bot.fanout import FanOut
    from marsad.watchers.ingest import Ingest
    from marsad.watchers.poller import Poller
    from marsad.watchers.stories_ingest import StoryAssigner

    kinds = {e.id: str(e.kind) for e in matcher.entities.values()} if matcher else None
    first: list[Stage] = [StoryAssigner.for_config(config, kinds)]
    if matcher is not None:
        first.append(FanOut(config, matcher, clock))
    ingest = Ingest(config, matcher, [*first, *stages])
    hook: IngestHook = ingest if matcher is None else _synced(ingest, QuerySync(matcher, engine))
    return Poller(config, engine, fetcher, clock=clock, on_ingest=hook, executor=executor)


def _synced(ingest: IngestHook, sync: QuerySync) -> IngestHook:
    def hook(session: Session, source: Source, items: list[Item]) -> None:
        sync(session)
        ingest(session, source, items)

    return hook


def open_configured_store(
    config: Config,
    *,
    allow_new_database: bool = False,
    integrity: bool = False,
    migrate_apart: bool = False,
) -> Engine:
    """The configured store; a SQLite file that was used here before must still be there
    (``sqlite_guard``) unless ``allow_new_database``, sound when ``integrity`` (the service's
    start), and a new one is marked as used. ``migrate_apart``: migrate in a child process, so
    the service never holds Alembic's code."""
    database = sqlite_path(config.database.url)
    if database is not None:
        check_before_open(database, allow_new=allow_new_database, integrity=integrity)
    from marsad.store.engine import open_store

    engine = open_store(config.database.url, migrate_apart=migrate_apart)
    if database is not None:
        write_marker(database)
    return engine
