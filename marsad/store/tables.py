"""The tables of the store (SQLModel).  Migrations in ``migrations/`` create and upgrade them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from marsad.store.timeutil import UTCDateTime


class SourceOrigin(StrEnum):
    """Where a source row came from."""

    CONFIG = "config"
    """A ``[[sources]]`` entry of the configuration."""
    OPML = "opml"
    """Added by ``marsad sources import``; polled with the ``[polling]`` defaults."""
    TELEGRAM = "telegram"
    """Added by an admin with ``/addsource``; polled with the ``[polling]`` defaults."""


ADDED_IN_STORE = frozenset({SourceOrigin.OPML, SourceOrigin.TELEGRAM})
"""The origins of sources the store holds without the configuration: polled unless the
configuration names one the same."""


class Source(SQLModel, table=True):
    """A configured news source and its fetch state (survives restarts)."""

    __tablename__ = "sources"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    config_url: str = Field(max_length=2000, description="the URL as written in the configuration")
    url: str = Field(max_length=2000, description="current URL; updated by permanent redirects")
    kind: str = Field(max_length=16)
    etag: str | None = Field(default=None, max_length=1000)
    last_modified: str | None = Field(default=None, max_length=200)
    first_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_poll_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    consecutive_failures: int = Field(default=0)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    disabled_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    items_seen: int = Field(default=0)
    origin: str = Field(
        default="config",
        max_length=16,
        description="config, opml (`sources import`) or telegram (/addsource)",
    )
    lease_owner: str | None = Field(default=None, max_length=32, description="worker polling it")
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notified_health: str | None = Field(
        default=None, max_length=16, description="what the admins were last told (None: ok)"
    )
    message_cursor: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, nullable=True),
        description="telegram channels: every message up to this id has been read",
    )


class Item(SQLModel, table=True):
    """One news item, stored once whatever source or poll it was seen in."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("key", name="uq_items_key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=600, description="identity: guid:..., url:... or hash:...")
    source_id: int = Field(foreign_key="sources.id", index=True, ondelete="CASCADE")
    guid: str | None = Field(default=None, max_length=2000)
    url: str = Field(max_length=4000)
    canonical_url: str | None = Field(default=None, max_length=4000, index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    published_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    date_missing: bool = Field(default=False)
    fetched_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    backlog: bool = Field(default=False, description="found by the first poll of its source")
    story_id: int | None = Field(
        default=None, foreign_key="stories.id", index=True, ondelete="SET NULL"
    )
    story_seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, nullable=True, index=True),
        description="order in which items were put in stories, across processes",
    )


class Worker(SQLModel, table=True):
    """One running `marsad run` process: what it does and when it last said it was alive."""

    __tablename__ = "workers"

    id: str = Field(primary_key=True, max_length=32)
    host: str = Field(max_length=255)
    pid: int
    roles: str = Field(max_length=64, description="comma-separated Role values")
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    heartbeat_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Counter(SQLModel, table=True):
    """A named counter, advanced in the transaction that uses it (e.g. the story order)."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=64)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


__all__ = ["Counter", "Item", "SQLModel", "Source", "SourceOrigin", "Worker"]
