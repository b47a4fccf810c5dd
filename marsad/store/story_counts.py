"""Distinct stories about an entity or a rule, counted per window: what spikes and trend charts
are made of.

A story is counted once however many outlets reported it; an item not (yet) in a story counts as
a story of its own.  Items are placed in time by their publication date, so a source's backlog
fills the past it reports rather than the hour it was first polled.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from marsad.store.matches import ItemMatch, MatchKind
from marsad.store.tables import Item


@dataclass(frozen=True)
class TargetCount:
    """How many distinct stories a target had in a window, and which (story ids; a lone item is
    its negated item id)."""

    kind: MatchKind
    key: str
    stories: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.stories)


def _story_key() -> ColumnElement[int]:
    return func.coalesce(col(Item.story_id), -col(Item.id))


def story_counts(
    session: Session,
    kind: MatchKind,
    key: str,
    since: datetime,
    until: datetime,
    step: timedelta,
) -> list[int]:
    """Distinct stories of ``(kind, key)`` in each window ``[since + i·step, since + (i+1)·step)``
    up to ``until``; a story spanning two windows counts in each it was reported in."""
    bins = max(0, -(-(until - since) // step))
    counts: list[set[int]] = [set() for _ in range(bins)]
    rows = session.exec(
        select(col(Item.published_at), _story_key())
        .join(ItemMatch, col(ItemMatch.item_id) == col(Item.id))
        .where(
            ItemMatch.kind == kind.value,
            ItemMatch.key == key,
            col(Item.published_at) >= since,
            col(Item.published_at) < until,
        )
    ).all()
    for published, story in rows:
        index = (published - since) // step
        if 0 <= index < bins:
            counts[index].add(int(story))
    return [len(stories) for stories in counts]


def story_counts_in(
    session: Session,
    kind: MatchKind,
    key: str,
    windows: Sequence[tuple[datetime, datetime]],
) -> list[int]:
    """Distinct stories of ``(kind, key)`` in each of ``windows`` (``[start, end)``, in any
    order, overlapping or not), in their order: one query over the span they cover, counted
    here (a spike check's 36 baseline windows in one read instead of 36)."""
    if not windows:
        return []
    since = min(start for start, _ in windows)
    until = max(end for _, end in windows)
    rows = session.exec(
        select(col(Item.published_at), _story_key())
        .join(ItemMatch, col(ItemMatch.item_id) == col(Item.id))
        .where(
            ItemMatch.kind == kind.value,
            ItemMatch.key == key,
            col(Item.published_at) >= since,
            col(Item.published_at) < until,
        )
        .order_by(col(Item.published_at))
    ).all()
    times = [published for published, _ in rows]
    counts = []
    for start, end in windows:
        begin, stop = bisect_left(times, start), bisect_left(times, end)
        counts.append(len({int(story) for _, story in rows[begin:stop]}))
    return counts


def busy_targets(
    session: Session,
    since: datetime,
    until: datetime,
    min_stories: int,
    kinds: Sequence[MatchKind] = (MatchKind.ENTITY, MatchKind.RULE),
) -> list[TargetCount]:
    """The targets with at least ``min_stories`` distinct stories published in ``[since,
    until)``, with those stories: the only ones a spike check needs to look at."""
    rows = session.exec(
        select(col(ItemMatch.kind), col(ItemMatch.key), _story_key())
        .join(Item, col(ItemMatch.item_id) == col(Item.id))
        .where(
            col(ItemMatch.kind).in_([k.value for k in kinds]),
            col(Item.published_at) >= since,
            col(Item.published_at) < until,
        )
        .distinct()
    ).all()
    stories: dict[tuple[str, str], set[int]] = defaultdict(set)
    for kind, key, story in rows:
        stories[(kind, key)].add(int(story))
    return sorted(
        (
            TargetCount(MatchKind(kind), key, tuple(sorted(ids)))
            for (kind, key), ids in stories.items()
            if len(ids) >= min_stories
        ),
        key=lambda target: (-target.count, target.kind.value, target.key),
    )
