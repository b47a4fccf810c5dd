"""The processes of one deployment: each `marsad run` registers, says it is alive, and retires.

A process is alive while its heartbeat is younger than the lease (``service.lease``). What a
dead process held (source leases, outbox rows it was sending) is taken over by the others once
its heartbeat is that old; a process that stops cleanly retires at once.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from marsad.store.tables import Worker


class Role(StrEnum):
    """What a `marsad run` process does (``--role``)."""

    WATCHER = "watcher"
    """Polls its share of the sources, stores, matches, groups stories, queues alerts."""
    BOT = "bot"
    """Answers Telegram commands (one leader at a time) and queues the daily digests."""
    SENDER = "sender"
    """Drains the outbox to Telegram within the shared limits."""

    @classmethod
    def parse(cls, text: str) -> frozenset[Role]:
        """``all`` or a comma-separated list (``bot,sender``); ValueError names a wrong one."""
        names = [part.strip() for part in text.split(",") if part.strip()]
        if not names:
            raise ValueError("no role given")
        roles: set[Role] = set()
        for name in names:
            if name == "all":
                roles.update(cls)
                continue
            try:
                roles.add(cls(name))
            except ValueError:
                choices = ", ".join(["all", *(role.value for role in cls)])
                raise ValueError(f"unknown role {name!r}; choose from {choices}") from None
        return frozenset(roles)


def roles_text(roles: Iterable[Role]) -> str:
    """Roles in a stable order, comma-separated."""
    return ",".join(role.value for role in Role if role in set(roles))


def new_worker_id() -> str:
    """A process's id: unique across machines and restarts (32 hex digits)."""
    return uuid.uuid4().hex


def register(engine: Engine, worker_id: str, roles: Iterable[Role], now: datetime) -> Worker:
    """Record this process as alive with ``roles``."""
    worker = Worker(
        id=worker_id,
        host=socket.gethostname()[:255],
        pid=os.getpid(),
        roles=roles_text(roles),
        started_at=now,
        heartbeat_at=now,
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(worker)
        session.commit()
    return worker


def heartbeat(engine: Engine, worker_id: str, now: datetime) -> None:
    """Say this process is still alive."""
    with Session(engine) as session:
        session.connection().execute(
            update(Worker).where(col(Worker.id) == worker_id).values(heartbeat_at=now)
        )
        session.commit()


def retire(engine: Engine, worker_id: str, now: datetime) -> None:
    """This process stops cleanly: the others need not wait for its lease to run out."""
    with Session(engine) as session:
        session.connection().execute(
            update(Worker).where(col(Worker.id) == worker_id).values(stopped_at=now)
        )
        session.commit()


def alive(session: Session, now: datetime, lease: timedelta) -> list[Worker]:
    """The processes whose heartbeat is younger than ``lease`` and that have not retired."""
    return list(
        session.exec(
            select(Worker)
            .where(col(Worker.stopped_at).is_(None), col(Worker.heartbeat_at) > now - lease)
            .order_by(col(Worker.started_at))
        ).all()
    )


def is_alive(session: Session, worker_id: str, now: datetime, lease: timedelta) -> bool:
    """Whether the process ``worker_id`` is alive (see ``alive``)."""
    worker = session.get(Worker, worker_id)
    return worker is not None and worker.stopped_at is None and worker.heartbeat_at > now - lease
