"""PostgreSQL advisory locks that coordinate several processes on one database.

Each is a fixed 64-bit key ("mars" in the high half), so an operator can find who holds what in
``pg_locks`` (``objid`` is the low half). SQLite needs none of them: one process owns its file.
"""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import Connection, text


class Lock(IntEnum):
    """What each advisory lock guards."""

    MIGRATION = 0x6D617273_00000001
    """Held while one process migrates the schema; the others wait for it."""
    STORIES = 0x6D617273_00000002
    """Held (per transaction) while new items are put in stories, so that two processes that
    store reports of one event at the same moment see each other's and make one story."""
    TELEGRAM_UPDATES = 0x6D617273_00000003
    """Held (per session) by the one process that long-polls Telegram for updates."""
    SOURCES = 0x6D617273_00000004
    """Held (per transaction) while a process brings the sources table in step with its
    configuration, so processes starting together do not insert one source twice."""


def lock_in_transaction(connection: Connection, lock: Lock) -> None:
    """Wait for ``lock`` and hold it until the current transaction ends (PostgreSQL only)."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(lock)})


def try_session_lock(connection: Connection, lock: Lock) -> bool:
    """Take ``lock`` for as long as ``connection`` lives, if nobody holds it (PostgreSQL only)."""
    taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": int(lock)})
    return bool(taken.scalar())
