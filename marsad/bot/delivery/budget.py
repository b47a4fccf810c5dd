"""Telegram's overall message budget (~30/s), shared by the senders of every process.

One row of ``send_budget`` is a token bucket: it fills at ``pacing.per_second`` up to
``pacing.burst`` tokens, and every message a sender claims takes one, in the claim's own
transaction.  The row is locked for that transaction (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite's ``BEGIN IMMEDIATE`` already serialises writers), so the senders of several processes
together never claim more than ``per_second + burst - 1`` messages in any one second.  Time is
the sender's injected clock; a budget last written by a clock more than a minute ahead (a clock
stepped back) is refilled from now rather than waited for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from marsad.bot.delivery.pacing import Pacing
from marsad.store.delivery import SendBudget

BUDGET_ID = 1
CLOCK_SLACK = timedelta(minutes=1)
"""A budget written further ahead than this was written by a clock that has since gone back."""


@dataclass(frozen=True)
class Tokens:
    """The bucket as this transaction found it, refilled to ``now``."""

    tokens: float
    now: datetime

    @property
    def available(self) -> int:
        """Whole messages that may be claimed now."""
        return max(0, int(self.tokens + 1e-9))


def open_budget(session: Session, pacing: Pacing, clock: Callable[[], datetime]) -> Tokens:
    """Lock the shared budget row (created full on first use) and refill it to ``clock()``.

    The clock is read once the row is locked, so the senders see it move forward in the order
    they take from the budget."""
    row = _locked(session)
    now = clock()
    if row is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(SendBudget)
            .values(id=BUDGET_ID, tokens=float(pacing.burst), updated_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = _locked(session)
        assert row is not None
    tokens, updated_at = float(row.tokens), row.updated_at
    if updated_at > now + CLOCK_SLACK:
        updated_at = now  # the clock stepped back: waiting for it to catch up would stall
    elapsed = max(0.0, (now - updated_at).total_seconds())
    refilled = min(float(pacing.burst), tokens + elapsed * pacing.per_second)
    return Tokens(refilled, max(now, updated_at))


def spend(session: Session, found: Tokens, count: int) -> float:
    """Take ``count`` tokens (in the caller's transaction); the tokens left."""
    left = found.tokens - count
    session.execute(
        update(SendBudget)
        .where(col(SendBudget.id) == BUDGET_ID)
        .values(tokens=left, updated_at=found.now)
    )
    return left


def wait_seconds(left: float, pacing: Pacing) -> float:
    """Seconds until one whole token is there again (0 when one is)."""
    return 0.0 if left >= 1.0 else (1.0 - left) / pacing.per_second


def _locked(session: Session) -> SendBudget | None:
    query = select(SendBudget).where(col(SendBudget.id) == BUDGET_ID)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


__all__ = ["BUDGET_ID", "Tokens", "open_budget", "spend", "wait_seconds"]
