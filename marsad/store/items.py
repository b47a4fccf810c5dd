"""Queries on items: insert only what is new (by identity key), in one statement per batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from marsad.store.archive import index_items
from marsad.store.tables import Item


@dataclass(frozen=True)
class NewItem:
    """What the store needs to add an item; mirrors the watchers' item draft."""

    key: str
    guid: str | None
    url: str
    canonical_url: str | None
    title: str
    summary: str
    text: str
    published: datetime
    date_missing: bool


def _insert(session: Session) -> type[Insert]:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert  # type: ignore[return-value]
    return sqlite.insert  # type: ignore[return-value]


def add_items(
    session: Session,
    source_id: int,
    drafts: Sequence[NewItem],
    *,
    fetched_at: datetime,
    backlog: bool,
) -> list[Item]:
    """Insert the drafts whose key is not stored yet; return the newly stored items in order.

    Keys already present (from this or any other source, or earlier in the same batch) are
    skipped, so repeated polls, restarts and concurrent pollers never duplicate an item. The
    new items' words go into the archive index in the same transaction.
    """
    unique: dict[str, NewItem] = {}
    for draft in drafts:
        unique.setdefault(draft.key, draft)
    if not unique:
        return []
    rows = [
        {
            "key": draft.key,
            "source_id": source_id,
            "guid": draft.guid,
            "url": draft.url,
            "canonical_url": draft.canonical_url,
            "title": draft.title,
            "summary": draft.summary,
            "text": draft.text,
            "published_at": draft.published,
            "date_missing": draft.date_missing,
            "fetched_at": fetched_at,
            "backlog": backlog,
        }
        for draft in unique.values()
    ]
    insert = _insert(session)
    # One cached statement run for the whole batch (insertmanyvalues), returning the ORM
    # objects of the rows actually inserted; skipped duplicates return nothing.
    # (sort_by_parameter_order would make SQLite insert one row per statement; the batch's
    # order is restored from the keys instead.)
    statement = (
        insert(Item)
        .on_conflict_do_nothing(index_elements=["key"])  # type: ignore[attr-defined]
        .returning(Item)
    )
    by_key = {item.key: item for item in session.scalars(statement, rows).all()}
    stored = [by_key[key] for key in unique if key in by_key]
    index_items(session, stored)
    return stored


def known_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are stored already (used to fetch each page article only once)."""
    wanted = list(dict.fromkeys(keys))
    known: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        known.update(session.exec(select(Item.key).where(col(Item.key).in_(chunk))).all())
    return known
