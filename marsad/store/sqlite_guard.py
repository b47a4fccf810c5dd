"""Guard the SQLite file of a store: damaged at start, missing after use, deleted while running.

A deleted file is not an error to SQLite: the open connection keeps writing to the unlinked
file, and the next start creates an empty one that silently drops every chat and subscription.
A damaged file fails later, deep in a poll. So: ``PRAGMA quick_check`` before the service
starts; a marker file beside the database (``marsad.db.store``) that says a database was
created here, so a missing one is refused rather than replaced (``--allow-new-database``
overrides); and a watch on the file's identity (device and inode) while the service runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from marsad.errors import StoreError

log = logging.getLogger(__name__)

MARKER_SUFFIX = ".store"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None: another database, or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def marker_of(database: Path) -> Path:
    return database.with_name(database.name + MARKER_SUFFIX)


@dataclass(frozen=True)
class FileIdentity:
    device: int
    inode: int

    @staticmethod
    def of(path: Path) -> FileIdentity | None:
        try:
            found = path.stat()
        except FileNotFoundError:
            return None
        return FileIdentity(found.st_dev, found.st_ino)


def check_before_open(database: Path, *, allow_new: bool = False, integrity: bool = True) -> None:
    """Refuse a database that is missing where one was used before, or (``integrity``: the
    service's start, not every command) damaged."""
    marker = marker_of(database)
    exists = database.exists() and database.stat().st_size > 0
    if not exists and marker.exists() and not allow_new:
        created = _marker_created(marker)
        raise StoreError(
            f"the database {database} is missing, but one was used here before "
            f"(created {created}, see {marker.name}). Restore it from a backup; or, to start "
            "afresh without its chats and subscriptions, run `marsad run --allow-new-database`"
        )
    if exists and integrity:
        problem = quick_check(database)
        if problem is not None:
            raise StoreError(
                f"the database {database} is damaged ({problem}). Restore it from a backup, or "
                "move it away to start afresh (`sqlite3 FILE .recover` may save its data)"
            )


def quick_check(database: Path) -> str | None:
    """None when SQLite's ``PRAGMA quick_check`` finds the file sound, else what it found."""
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
        try:
            rows = connection.execute("PRAGMA quick_check(5)").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    found = [str(row[0]) for row in rows]
    return None if found == ["ok"] else "; ".join(found)


def write_marker(database: Path) -> None:
    """Record that a database lives here (kept when it exists)."""
    marker = marker_of(database)
    if marker.exists():
        return
    payload = {
        "database": database.name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    marker.write_text(json.dumps(payload) + "\n", encoding="utf-8")


def _marker_created(marker: Path) -> str:
    try:
        return str(json.loads(marker.read_text(encoding="utf-8")).get("created", "earlier"))
    except (OSError, ValueError):
        return "earlier"


class FileWatch:
    """Tells whether the database file is still the one the service opened."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.identity = FileIdentity.of(database)

    def problem(self) -> str | None:
        """What happened to the file (None: it is the same file)."""
        now = FileIdentity.of(self.database)
        if now is None:
            return f"the database file {self.database} was deleted while Marsad was running"
        if self.identity is not None and now != self.identity:
            return f"the database file {self.database} was replaced while Marsad was running"
        return None


LOCK_SUFFIX = ".run.lock"


class ProcessLock:
    """One `marsad run` per SQLite file: an exclusive lock on ``FILE.run.lock`` for as long as
    the service runs. The kernel lets it go when the process ends, however it ends, so a crash
    leaves nothing to clean up. Several processes need PostgreSQL (docs/deploy.md)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + LOCK_SUFFIX)
        self._handle: IO[str] | None = None

    def acquire(self, now: datetime) -> None:
        """Take the lock, or raise StoreError naming the file and the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _holder(handle.read())
            handle.close()
            raise StoreError(
                f"the database {self.database} is in use by another `marsad run` ({holder}). "
                "One process per SQLite file: stop that one first, or use PostgreSQL "
                "(database.url) to run several (docs/deploy.md)"
            ) from None
        handle.seek(0)
        handle.truncate()
        payload = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": now.isoformat(timespec="seconds"),
        }
        handle.write(json.dumps(payload) + "\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let the lock go (a clean stop)."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _holder(text: str) -> str:
    try:
        found = json.loads(text)
        return f"pid {found['pid']} on {found['host']}, since {found['started']}"
    except (ValueError, KeyError, TypeError):
        return "a process that is still running"
