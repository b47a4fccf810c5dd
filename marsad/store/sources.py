"""Queries on sources: keep the table in step with the configuration, record fetch outcomes,
and the operator's list, switches and imports (``marsad sources``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from marsad.config import SourceConfig, SourceKind
from marsad.errors import MarsadError
from marsad.store.locks import Lock, lock_in_transaction
from marsad.store.tables import Source, SourceOrigin, Worker

OPERATOR_DISABLED = "disabled by the operator"
"""How ``disabled_reason`` starts when ``marsad sources disable`` wrote it."""


def sync_sources(session: Session, configured: Iterable[SourceConfig]) -> dict[str, Source]:
    """Insert new configured sources and follow URL edits; return the configured ones by name.

    A source whose configured URL changed starts afresh: new URL, no validators, no failures,
    re-enabled (the user fixed it), and a new first poll: what the new URL shows first is its
    backlog, stored and never alerted (another feed's whole history is not news).  Sources no
    longer configured stay in the table, unpolled.  Imported sources (origin opml) are left
    alone, except one the configuration names: the configuration takes it over.
    """
    rows = {row.name: row for row in session.exec(select(Source)).all()}
    result: dict[str, Source] = {}
    for config in configured:
        row = rows.get(config.name)
        if row is None:
            row = Source(name=config.name, config_url=config.url, url=config.url, kind=config.kind)
            session.add(row)
        elif row.config_url != config.url:
            row.config_url = row.url = config.url
            row.etag = row.last_modified = None
            row.consecutive_failures = 0
            row.last_error = row.disabled_reason = None
            row.disabled_at = None
            row.next_poll_at = None
            row.first_polled_at = None
        row.kind = config.kind
        row.origin = SourceOrigin.CONFIG.value
        result[config.name] = row
    session.commit()
    return result


def enable_source(session: Session, source: Source) -> None:
    """Clear a source's disabled state and failure count so it is polled again."""
    source.disabled_reason = None
    source.disabled_at = None
    source.consecutive_failures = 0
    source.next_poll_at = None
    session.add(source)


def record_success(
    session: Session,
    source: Source,
    *,
    now: datetime,
    next_poll_at: datetime,
    etag: str | None,
    last_modified: str | None,
    new_url: str | None,
    salvage_error: str | None,
    new_items: int,
) -> None:
    """A fetch that answered (200 or 304): reset failures, keep validators, follow moves."""
    if source.first_polled_at is None:
        source.first_polled_at = now
    source.last_polled_at = now
    source.last_success_at = now
    source.next_poll_at = next_poll_at
    source.consecutive_failures = 0
    source.last_error = salvage_error
    if etag is not None or last_modified is not None:
        source.etag, source.last_modified = etag, last_modified
    if new_url and new_url != source.url:
        source.url = new_url
    source.items_seen += new_items
    session.add(source)


_FRESH_COLUMNS = (
    "first_polled_at",
    "last_polled_at",
    "last_success_at",
    "next_poll_at",
    "consecutive_failures",
    "last_error",
    "etag",
    "last_modified",
    "url",
    "lease_owner",
    "lease_until",
)
_NOT_MODIFIED = (
    update(Source)
    .where(col(Source.id) == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in _FRESH_COLUMNS})
)
"""One statement for every 304, compiled once (a statement built per call costs more than
the rest of the poll)."""


def record_not_modified(
    session: Session,
    source: Source,
    *,
    now: datetime,
    next_poll_at: datetime,
    etag: str | None,
    last_modified: str | None,
    new_url: str | None,
    delivered: bool = True,
) -> None:
    """A 304 for a ``source`` row known to be current: one UPDATE, no row read.

    ``source`` (a detached copy the caller keeps) is updated to match. ``delivered`` False (an
    empty 200): the source has not yet shown its feed, so its first poll is still to come and
    what it shows then is its backlog.
    """
    if delivered:
        source.first_polled_at = source.first_polled_at or now
    source.last_polled_at = source.last_success_at = now
    source.next_poll_at = next_poll_at
    source.consecutive_failures = 0
    source.last_error = None
    if etag is not None or last_modified is not None:
        source.etag, source.last_modified = etag, last_modified
    if new_url:
        source.url = new_url
    params = {f"b_{name}": getattr(source, name) for name in _FRESH_COLUMNS}
    # Core execution: the ORM would try to synchronise a session that holds no such row.
    session.connection().execute(_NOT_MODIFIED, {"b_id": source.id, **params})


def record_failure(
    session: Session,
    source: Source,
    *,
    now: datetime,
    error: str,
    next_poll_at: datetime,
    disable_reason: str | None,
) -> None:
    """A failed fetch: count it, keep the reason, schedule the backed-off retry or disable."""
    source.last_polled_at = now
    source.consecutive_failures += 1
    source.last_error = error
    source.next_poll_at = next_poll_at
    if disable_reason is not None:
        source.disabled_reason = disable_reason
        source.disabled_at = now
    session.add(source)


class UnknownSourceError(MarsadError):
    """A source name the store does not hold; says which stored name was probably meant."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.meant = closest_name(name, known)
        """The stored name probably meant, if one is close enough."""
        hint = f"did you mean {self.meant!r}?" if self.meant else "`marsad sources` lists them"
        super().__init__(f"no source named {name!r} ({hint})")


def closest_name(name: str, known: Iterable[str]) -> str | None:
    """The name in ``known`` most like ``name`` (case aside), if one is close enough."""
    names = sorted(set(known))
    by_folded = {known_name.casefold(): known_name for known_name in reversed(names)}
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=1, cutoff=0.6)
    return by_folded[close[0]] if close else None


@dataclass(frozen=True)
class LeaseHolder:
    """The process polling a source now: its worker id, host and pid (unknown if unregistered)."""

    worker_id: str
    until: datetime
    host: str | None
    pid: int | None


@dataclass(frozen=True)
class SourceListing:
    """A stored source with the process that holds its lease, if a lease is current."""

    source: Source
    holder: LeaseHolder | None


def list_sources(session: Session, now: datetime) -> list[SourceListing]:
    """Every stored source by name, each with the live holder of its lease (joined ``workers``)."""
    query = (
        select(Source, Worker)
        .outerjoin(Worker, col(Worker.id) == col(Source.lease_owner))
        .order_by(col(Source.name))
    )
    listings: list[SourceListing] = []
    for source, worker in session.exec(query).all():
        holder = None
        if source.lease_owner and source.lease_until is not None and source.lease_until > now:
            holder = LeaseHolder(
                source.lease_owner,
                source.lease_until,
                worker.host if worker else None,
                worker.pid if worker else None,
            )
        listings.append(SourceListing(source, holder))
    return listings


def find_source(session: Session, name: str) -> Source:
    """The stored source called ``name``; UnknownSourceError with the closest name otherwise."""
    source = session.exec(select(Source).where(col(Source.name) == name)).first()
    if source is None:
        raise UnknownSourceError(name, session.exec(select(Source.name)).all())
    return source


def disable_by_operator(session: Session, source: Source, reason: str, now: datetime) -> None:
    """Stop polling ``source`` until it is enabled again; a poll in flight still finishes."""
    source.disabled_reason = f"{OPERATOR_DISABLED}: {reason}" if reason else OPERATOR_DISABLED
    source.disabled_at = now
    session.add(source)


def add_imported(session: Session, name: str, url: str) -> Source:
    """A new feed source from an OPML file (origin opml), polled with the [polling] defaults."""
    source = Source(name=name, config_url=url, url=url, kind="feed", origin=SourceOrigin.OPML.value)
    session.add(source)
    return source


def add_from_telegram(session: Session, name: str, url: str, kind: SourceKind) -> Source:
    """A source an admin added with ``/addsource`` (origin telegram), polled with the
    [polling] defaults; its first poll is its backlog, as for any new source."""
    source = Source(
        name=name, config_url=url, url=url, kind=kind.value, origin=SourceOrigin.TELEGRAM.value
    )
    session.add(source)
    return source


def sync_sources_locked(session: Session, configured: Iterable[SourceConfig]) -> dict[str, Source]:
    """``sync_sources`` holding the SOURCES advisory lock on PostgreSQL, so a command run while
    processes start does not insert a new configured source a second time."""
    if session.get_bind().dialect.name == "postgresql":
        lock_in_transaction(session.connection(), Lock.SOURCES)
    return sync_sources(session, configured)
