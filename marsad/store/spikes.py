"""Spikes: a jump in the number of distinct stories about an entity or a rule in a window of 1,
3 or 6 hours or a day.

One row per (target, window, start): the detector writes a spike once, with the count, the
baseline it was compared with, the tail probability and the stories behind it; alerts, ``marsad
spikes`` and the trend charts read them.  The detection itself is not here (it is pure, with no
I/O and no clock); this module only keeps what was found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from marsad.store.timeutil import UTCDateTime


class SpikeTarget(StrEnum):
    """What a spike counts stories of."""

    ENTITY = "entity"
    RULE = "rule"


class SpikeWindow(StrEnum):
    """The length of the counted window: windows of 1, 3 and 6 hours end at each hour (UTC), a
    day at each midnight (in the configured time zone)."""

    HOUR = "hour"
    HOURS_3 = "3h"
    HOURS_6 = "6h"
    DAY = "day"


class Spike(SQLModel, table=True):
    """A window in which an entity or a rule had unusually many distinct stories."""

    __tablename__ = "spikes"
    __table_args__ = (
        UniqueConstraint(
            "target_kind", "target", "window", "window_start", name="uq_spikes_window"
        ),
        Index("ix_spikes_target_start", "target_kind", "target", "window_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    target_kind: str = Field(max_length=16, description="SpikeTarget")
    target: str = Field(sa_column=Column(Text, nullable=False), description="entity or rule id")
    window: str = Field(max_length=8, description="SpikeWindow")
    window_start: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    window_end: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    count: int = Field(description="distinct stories in the window")
    baseline: float = Field(description="the expected count the window was compared with")
    p_value: float = Field(description="tail probability of at least `count` under the model")
    story_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    detected_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


def record_spike(session: Session, spike: Spike) -> Spike | None:
    """Store ``spike`` unless its window is already recorded; the stored row, or None if it was
    there (another process found it first).  The caller commits."""
    existing = session.exec(
        select(Spike).where(
            Spike.target_kind == spike.target_kind,
            Spike.target == spike.target,
            Spike.window == spike.window,
            Spike.window_start == spike.window_start,
        )
    ).first()
    if existing is not None:
        return None
    session.add(spike)
    session.flush()
    return spike


def last_spike(
    session: Session, target_kind: SpikeTarget, target: str, window: SpikeWindow | None = None
) -> Spike | None:
    """The latest spike of a target (of one window length, or any): for the cooldown."""
    query = select(Spike).where(Spike.target_kind == target_kind.value, Spike.target == target)
    if window is not None:
        query = query.where(Spike.window == window.value)
    return session.exec(query.order_by(col(Spike.window_start).desc()).limit(1)).first()


def spikes_between(
    session: Session,
    since: datetime,
    until: datetime,
    target_kind: SpikeTarget | None = None,
    target: str | None = None,
) -> Sequence[Spike]:
    """Spikes whose window starts in ``[since, until)``, oldest first; of one target if given."""
    query = select(Spike).where(col(Spike.window_start) >= since, col(Spike.window_start) < until)
    if target_kind is not None:
        query = query.where(Spike.target_kind == target_kind.value)
    if target is not None:
        query = query.where(Spike.target == target)
    return session.exec(query.order_by(col(Spike.window_start), col(Spike.id))).all()
