"""Open the store: SQLite (WAL, busy timeout, foreign keys) or PostgreSQL, migrated to head."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session

from marsad.errors import StoreError
from marsad.store.archive import refresh
from marsad.store.migrate import upgrade_to_head

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` with the connection settings Marsad relies on (no schema changes)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"database.url: {url!r} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # A server that drops packets must not hold a connect (a poll, a scrape) for minutes.
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    raise StoreError(
        f"database.url: unsupported database {parsed.get_backend_name()!r}; "
        "use sqlite:///FILE or postgresql+psycopg://..."
    )


def open_store(url: str, *, migrate_apart: bool = False) -> Engine:
    """Create the engine and migrate the schema to the newest version (old databases still work);
    an archive index made under another scheme is rebuilt (``archive.refresh``).
    ``migrate_apart``: migrations run in a child process (the service: ``migrate_apart``)."""
    engine = create_store_engine(url)
    try:
        upgrade_to_head(engine, apart=migrate_apart)
        refresh(engine)
    except OperationalError as exc:
        safe = make_url(url).render_as_string(hide_password=True)
        raise StoreError(f"cannot open the database {safe}: {exc.orig}") from None
    return engine


def session(engine: Engine) -> Session:
    """A session that keeps loaded objects usable after commit (the poller reads them after)."""
    return Session(engine, expire_on_commit=False)
