"""What several processes wrote to their shared PostgreSQL database, read by the test.

Plain SQL on the tables of marsad/store (the test checks the product, so it reads the rows as
an operator would), plus the chats and subscriptions set up through ``marsad.store.chats``, and
which process holds the Telegram-updates advisory lock (from ``pg_locks``, matched to a process
by its connection's port in /proc).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from marsad.store.chats import (
    DIGEST_OFF,
    ChatInfo,
    ChatType,
    Language,
    SubscriptionKind,
    add_subscription,
    register_chat,
)
from marsad.store.locks import Lock


@dataclass(frozen=True)
class SourceRow:
    name: str
    first_polled_at: datetime | None
    last_polled_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    consecutive_failures: int
    last_error: str | None


@dataclass(frozen=True)
class ItemRow:
    source: str
    key: str
    title: str
    backlog: bool
    story_id: int | None


@dataclass(frozen=True)
class OutboxRow:
    chat_id: int
    kind: str
    story_id: int | None
    state: str
    message_ids: tuple[int, ...]
    claimed_by: str | None


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


class Database:
    """The test's own connection to the processes' database (no pool: nothing left open)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, poolclass=NullPool)

    def rows(self, sql: str, **params: Any) -> Sequence[Any]:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).all()

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def has_table(self, name: str) -> bool:
        return bool(self.scalar("SELECT to_regclass(:name) IS NOT NULL", name=name))

    def now(self) -> datetime:
        value: datetime = self.scalar("SELECT now()")
        return value.astimezone(UTC)

    # -- processes -------------------------------------------------------------------------

    def worker_id(self, pid: int) -> str | None:
        """The id a process of this machine registered under (None: not registered yet)."""
        if not self.has_table("workers"):
            return None
        found: str | None = self.scalar(
            "SELECT id FROM workers WHERE pid = :pid AND host = :host "
            "ORDER BY started_at DESC LIMIT 1",
            pid=pid,
            host=socket.gethostname()[:255],
        )
        return found

    def workers(self) -> dict[str, tuple[str, datetime | None, datetime | None]]:
        """Every registered process: id → (roles, heartbeat_at, stopped_at)."""
        return {
            row.id: (row.roles, _utc(row.heartbeat_at), _utc(row.stopped_at))
            for row in self.rows("SELECT id, roles, heartbeat_at, stopped_at FROM workers")
        }

    def updates_lock_port(self) -> int | None:
        """The client port of the connection holding the Telegram-updates advisory lock."""
        key = int(Lock.TELEGRAM_UPDATES)
        port: int | None = self.scalar(
            "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :high "
            "AND l.objid = :low AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            high=key >> 32,
            low=key & 0xFFFFFFFF,
        )
        return port

    # -- sources and items -----------------------------------------------------------------

    def sources(self) -> dict[str, SourceRow]:
        return {
            row.name: SourceRow(
                row.name,
                _utc(row.first_polled_at),
                _utc(row.last_polled_at),
                row.lease_owner,
                _utc(row.lease_until),
                row.consecutive_failures,
                row.last_error,
            )
            for row in self.rows(
                "SELECT name, first_polled_at, last_polled_at, lease_owner, lease_until, "
                "consecutive_failures, last_error FROM sources"
            )
        }

    def items(self) -> list[ItemRow]:
        return [
            ItemRow(row.name, row.key, row.title, bool(row.backlog), row.story_id)
            for row in self.rows(
                "SELECT s.name, i.key, i.title, i.backlog, i.story_id "
                "FROM items i JOIN sources s ON s.id = i.source_id ORDER BY i.id"
            )
        ]

    def count_items(self) -> int:
        if not self.has_table("items"):
            return 0
        return int(self.scalar("SELECT count(*) FROM items"))

    # -- chats and the outbox --------------------------------------------------------------

    def subscribe(self, chats: Mapping[int, Iterable[str]]) -> None:
        """Register private chats, each following the given entities (as ``/subscribe @id``),
        with the daily digest off."""
        now = datetime.now(UTC)
        with Session(self.engine) as session:
            for chat_id, entities in chats.items():
                info = ChatInfo(chat_id, ChatType.PRIVATE, None, Language.AR)
                chat, _ = register_chat(session, info, now)
                chat.digest_time = DIGEST_OFF  # no daily digest among the alerts counted
                session.add(chat)
                for entity in entities:
                    add_subscription(session, chat, SubscriptionKind.ENTITY, entity, now)
            session.commit()

    def outbox(self, kind: str | None = None) -> list[OutboxRow]:
        rows = self.rows(
            "SELECT chat_id, kind, story_id, state, message_ids, claimed_by FROM outbox "
            "WHERE (CAST(:kind AS TEXT) IS NULL OR kind = :kind) ORDER BY id",
            kind=kind,
        )
        return [
            OutboxRow(
                row.chat_id,
                row.kind,
                row.story_id,
                row.state,
                tuple(row.message_ids or ()),
                row.claimed_by,
            )
            for row in rows
        ]

    def open_outbox(self) -> int:
        """Rows not yet sent (pending or being sent)."""
        if not self.has_table("outbox"):
            return 0
        return int(self.scalar("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"))


def process_with_port(port: int, pids: Iterable[int]) -> int | None:
    """Which of ``pids`` owns the TCP socket bound locally to ``port`` (Linux /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port:
                inodes.add(fields[9])
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in pids:
        folder = Path(f"/proc/{pid}/fd")
        try:
            links = {os.readlink(folder / fd) for fd in os.listdir(folder)}
        except OSError:
            continue
        if links & wanted:
            return pid
    return None
