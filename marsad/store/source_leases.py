"""Claim due sources for one process: a lease per source, so each is polled by one process.

A watcher claims the sources that are due and not leased (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL: two watchers claiming at the same moment take different rows, neither waits), polls
them, and clears the lease in the transaction that records the poll. While a poll runs its lease
is renewed; a process that dies stops renewing, and its sources are claimed again once the lease
runs out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlmodel import Session, col, select

from marsad.store.tables import Source


@dataclass(frozen=True)
class DueWindow:
    """When a stored next poll counts as due.

    ``healthy`` and ``failing``: a next poll further ahead than this, for a source without and
    with failures, was set by a clock that has since gone back; it is due now.
    """

    healthy: timedelta
    failing: timedelta


def _picks(now: datetime, window: DueWindow) -> list[ColumnElement[bool]]:
    """What makes a source due, as three conditions each a range of the ``next_poll_at``
    index: never polled; due now (most overdue first); set ahead by a clock that went back."""
    due = col(Source.next_poll_at)
    stepped = or_(
        and_(col(Source.consecutive_failures) == 0, due > now + window.healthy),
        due > now + window.failing,
    )
    return [
        due.is_(None),
        due <= now,
        and_(due > now + min(window.healthy, window.failing), stepped),
    ]


def _free(now: datetime, skip: Collection[str]) -> list[ColumnElement[bool]]:
    conditions = [
        col(Source.disabled_reason).is_(None),
        or_(col(Source.lease_until).is_(None), col(Source.lease_until) < now),
    ]
    if skip:
        conditions.append(col(Source.name).not_in(list(skip)))
    return conditions


def claim_due(
    session: Session,
    worker_id: str,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    window: DueWindow,
    skip: Collection[str] = (),
) -> list[Source]:
    """Lease up to ``limit`` due sources to ``worker_id``, most overdue first, and commit.

    ``skip``: names not to poll (rows of sources no longer configured). The rows come back
    detached, with the fetch state the poll needs.
    """
    if limit <= 0:
        return []
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    # Three small index scans rather than one OR, which read the whole table at every claim.
    ids: list[int] = []
    for due in _picks(now, window):
        pick = (
            select(Source.id)
            .where(due, *_free(now, skip))
            .order_by(col(Source.next_poll_at), col(Source.id))
            .limit(limit - len(ids))
        )
        if session.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        ids.extend(row_id for row_id in session.exec(pick).all() if row_id is not None)
        if len(ids) >= limit:
            break
    if not ids:
        session.commit()
        return []
    until = now + lease
    session.connection().execute(
        update(Source)
        .where(col(Source.id).in_(ids))
        .values(lease_owner=worker_id, lease_until=until)
    )
    rows = list(session.exec(select(Source).where(col(Source.id).in_(ids))).all())
    for row in rows:  # the UPDATE went round the ORM: make the copies say what was written
        row.lease_owner, row.lease_until = worker_id, until
    session.commit()
    for row in rows:
        session.expunge(row)
    rows.sort(key=lambda row: (row.next_poll_at is not None, row.next_poll_at, row.id))
    return rows


def claim_named(
    session: Session, worker_id: str, source_ids: Sequence[int], *, now: datetime, lease: timedelta
) -> dict[int, Source]:
    """Lease the given sources to ``worker_id`` whether due or not (``marsad poll``: every
    source now), except those another process is polling. Returns the leased rows by id, and
    the rows it could not lease with their current lease (``lease_owner`` another's)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    free = or_(col(Source.lease_until).is_(None), col(Source.lease_until) < now)
    pick = select(Source.id).where(col(Source.id).in_(list(source_ids)), free)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = [row_id for row_id in session.exec(pick).all() if row_id is not None]
    until = now + lease
    if ids:
        session.connection().execute(
            update(Source)
            .where(col(Source.id).in_(ids))
            .values(lease_owner=worker_id, lease_until=until)
        )
    rows = {
        row.id or 0: row
        for row in session.exec(select(Source).where(col(Source.id).in_(list(source_ids))))
    }
    for row_id in ids:
        rows[row_id].lease_owner, rows[row_id].lease_until = worker_id, until
    session.commit()
    for row in rows.values():
        session.expunge(row)
    return rows


def renew(session: Session, worker_id: str, until: datetime) -> int:
    """Extend every lease ``worker_id`` holds to ``until``; returns how many it holds."""
    result = session.connection().execute(
        update(Source).where(col(Source.lease_owner) == worker_id).values(lease_until=until)
    )
    session.commit()
    return int(result.rowcount or 0)


def release(session: Session, worker_id: str, source_ids: Sequence[int] | None = None) -> int:
    """Give up ``worker_id``'s leases (all of them, or those of ``source_ids``): at a clean
    stop, or after a poll that stored nothing. Commits; returns how many were released."""
    query = update(Source).where(col(Source.lease_owner) == worker_id)
    if source_ids is not None:
        query = query.where(col(Source.id).in_(list(source_ids)))
    result = session.connection().execute(query.values(lease_owner=None, lease_until=None))
    session.commit()
    return int(result.rowcount or 0)


def leases_held(session: Session, worker_id: str, now: datetime) -> int:
    """How many unexpired leases ``worker_id`` holds."""
    count = session.exec(
        select(func.count())
        .select_from(Source)
        .where(col(Source.lease_owner) == worker_id, col(Source.lease_until) >= now)
    ).one()
    return int(count)
