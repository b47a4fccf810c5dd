"""Build the application's parts from a configuration: store, fetcher, poller."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from marsad.config import Config, load_config
from marsad.store.engine import open_store
from marsad.watchers.fetch import Fetcher
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
    """The one shared HTTP client, with the polling limits of the configuration."""
    return Fetcher(
        timeout=config.polling.timeout,
        max_bytes=config.polling.max_bytes,
        per_host=config.polling.per_host,
        user_agent=config.polling.user_agent or None,
    )


def make_poller(
    config: Config,
    engine: Engine,
    fetcher: Fetcher,
    *,
    clock: Callable[[], datetime] = utc_now,
    on_ingest: IngestHook | None = None,
) -> Poller:
    return Poller(config, engine, fetcher, clock=clock, on_ingest=on_ingest)


def open_configured_store(config: Config) -> Engine:
    return open_store(config.database.url)
