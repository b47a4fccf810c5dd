"""Chats an admin allowed or denied from Telegram (``/allow``, ``/deny``), and a cache of them.

One row per chat: its latest decision, who made it and when.  The access policy
(``bot/handlers/access.py``) reads these decisions beside the configuration's ``access`` and
``allow``.  ``DecisionCache`` keeps them in memory so that an update costs no query: the process
that writes a decision forgets its copy at once, and every process reloads its copy when it is
older than ``REFRESH`` (several ``marsad run`` processes can share a PostgreSQL database).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Engine
from sqlmodel import Field, Session, SQLModel, col, select

from marsad.store.engine import session as open_session
from marsad.store.timeutil import UTCDateTime

log = logging.getLogger(__name__)

REFRESH = 15.0
"""Seconds a process trusts its copy of the decisions another process may have changed."""


class AccessState(StrEnum):
    """An admin's decision about a chat."""

    ALLOWED = "allowed"
    DENIED = "denied"


class ChatAccess(SQLModel, table=True):
    """The latest ``/allow`` or ``/deny`` of one chat."""

    __tablename__ = "chat_access"

    chat_id: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False),
        description="Telegram's chat id",
    )
    state: str = Field(max_length=8, description="allowed or denied")
    decided_by: int = Field(
        sa_column=Column(BigInteger, nullable=False), description="the admin's user id"
    )
    decided_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))

    @property
    def access(self) -> AccessState:
        return AccessState(self.state)


@dataclass(frozen=True)
class Decisions:
    """The chats allowed and denied from Telegram, as the access policy reads them."""

    allowed: frozenset[int] = frozenset()
    denied: frozenset[int] = frozenset()

    def current(self) -> Decisions:
        """Itself: a fixed set of decisions is its own source (see ``DecisionCache``)."""
        return self


def decisions(session: Session) -> Decisions:
    """Every decision stored now."""
    allowed: set[int] = set()
    denied: set[int] = set()
    for chat_id, state in session.exec(select(ChatAccess.chat_id, ChatAccess.state)).all():
        (denied if state == AccessState.DENIED.value else allowed).add(chat_id)
    return Decisions(frozenset(allowed), frozenset(denied))


def decided(session: Session) -> Sequence[ChatAccess]:
    """The stored decisions, the latest first."""
    query = select(ChatAccess).order_by(col(ChatAccess.decided_at).desc(), col(ChatAccess.chat_id))
    return session.exec(query).all()


def decide(
    session: Session, chat_id: int, state: AccessState, by: int, now: datetime
) -> AccessState | None:
    """Record ``state`` for ``chat_id`` (replacing any earlier decision); the earlier state.

    The caller commits."""
    row = session.get(ChatAccess, chat_id)
    before = row.access if row is not None else None
    if row is None:
        row = ChatAccess(chat_id=chat_id, state=state.value, decided_by=by, decided_at=now)
    else:
        row.state, row.decided_by, row.decided_at = state.value, by, now
    session.add(row)
    return before


class DecisionCache:
    """This process's copy of the decisions, reloaded when older than ``refresh`` seconds.

    Thread-safe (fan-out and handlers may read it from worker threads).  A reload that fails
    (the database is away) keeps the last copy and is tried again at the next read.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        refresh: float = REFRESH,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.refresh = refresh
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._value: Decisions | None = None
        self._loaded = 0.0
        self.loads = 0
        """How many times the decisions were read from the database (tests and metrics)."""

    def current(self) -> Decisions:
        with self._lock:
            now = self._monotonic()
            if self._value is not None and now - self._loaded < self.refresh:
                return self._value
            try:
                with open_session(self.engine) as s:
                    self._value = decisions(s)
                self.loads += 1
            except Exception:
                log.exception("could not read the chat access decisions; keeping the last ones")
                if self._value is None:
                    return Decisions()
            self._loaded = now
            return self._value

    def invalidate(self) -> None:
        """Forget the copy: the next read loads the decisions (after this process wrote one)."""
        with self._lock:
            self._value = None
