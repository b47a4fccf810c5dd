"""Stories: the items that report one event, how many outlets carried it, and when.

The clustering decision is made in ``marsad.watchers.stories``; this module only records it
(``start_story``, ``join_story``) and reads stories back (``recent_stories``, ``window_items``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Text, func, insert, update
from sqlmodel import Field, Session, SQLModel, col, select

from marsad.store.delivery import OutboxRow
from marsad.store.tables import Counter, Item, Source
from marsad.store.timeutil import UTCDateTime


class Story(SQLModel, table=True):
    """One event as reported by one or more outlets.

    ``first_item_id`` and ``representative_item_id`` are plain columns, not foreign keys: items
    point at their story, and a cycle of keys would make every insert a two-step dance.
    ``first_seen``/``last_seen`` are the publication times of its earliest and latest items.
    """

    __tablename__ = "stories"

    id: int | None = Field(default=None, primary_key=True)
    first_item_id: int
    representative_item_id: int
    representative_priority: int = Field(default=0)
    title: str = Field(sa_column=Column(Text, nullable=False))
    url: str = Field(max_length=4000)
    items: int = Field(default=1)
    outlets: int = Field(default=1)
    first_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    merged_into: int | None = Field(default=None)
    """Set when a later item showed this story to be the same event as another: its items
    moved there, and links to this story (an alert's "other sources" button) follow it."""


_STORIES = Story.__table__  # type: ignore[attr-defined]
_NEW_STORY = insert(_STORIES).returning(_STORIES.c.id)
"""Built once: building a statement costs more than running it on SQLite."""


def start_story(session: Session, item: Item, priority: int = 0) -> int:
    """A new story whose first (and representative) item is ``item``; sets ``item.story_id``
    and returns the story's id. One INSERT ... RETURNING, no flush of the whole session: most
    items start a story, so this is the hot path of ingest."""
    values = {
        "first_item_id": item.id or 0,
        "representative_item_id": item.id or 0,
        "representative_priority": priority,
        "title": item.title,
        "url": item.url,
        "items": 1,
        "outlets": 1,
        "first_seen": item.published_at,
        "last_seen": item.published_at,
    }
    story_id = int(session.connection().execute(_NEW_STORY, values).scalar_one())
    item.story_id = story_id
    session.add(item)
    return story_id


def _represents_better(item: Item, priority: int, story: Story, current: Item | None) -> bool:
    """The most authoritative source wins; among equals, the earliest publication."""
    if current is None:
        return True
    if priority != story.representative_priority:
        return priority > story.representative_priority
    return item.published_at < current.published_at


def join_story(session: Session, item: Item, story_id: int, priority: int = 0) -> int:
    """Add ``item`` to the story: counts, outlets, first/last seen and representative."""
    session.flush()  # earlier items of the batch count as outlets of the story
    story = session.get(Story, story_id, with_for_update=True)
    if story is None:
        raise LookupError(f"story {story_id} does not exist")
    same_outlet = session.exec(
        select(func.count())
        .select_from(Item)
        .where(Item.story_id == story_id, Item.source_id == item.source_id, Item.id != item.id)
    ).one()
    item.story_id = story_id
    session.add(item)
    story.items += 1
    if not same_outlet:
        story.outlets += 1
    story.first_seen = min(story.first_seen, item.published_at)
    story.last_seen = max(story.last_seen, item.published_at)
    current = session.get(Item, story.representative_item_id)
    if _represents_better(item, priority, story, current):
        story.representative_item_id = item.id or 0
        story.representative_priority = priority
        story.title, story.url = item.title, item.url
    session.add(story)
    return story_id


def resolve_story(session: Session, story_id: int) -> int:
    """The story ``story_id`` now is (itself, or the story it was merged into)."""
    seen = {story_id}
    while True:
        story = session.get(Story, story_id)
        if story is None or story.merged_into is None or story.merged_into in seen:
            return story_id
        story_id = story.merged_into
        seen.add(story_id)


def merge_stories(
    session: Session, keep: int, gone: int, priorities: dict[int, int] | None = None
) -> None:
    """Fold story ``gone`` into ``keep``: its items and its alerts move, the counts, times and
    representative are recomputed, and ``gone`` points at ``keep``.

    Alerts move with the story, so a chat that had an alert for either is not alerted again
    and the next "+N sources" edit covers both. ``priorities``: source id -> priority.
    """
    if keep == gone:
        return
    session.flush()
    session.execute(
        update(Item).where(col(Item.story_id) == gone).values(story_id=keep)
        .execution_options(synchronize_session="fetch")
    )  # fmt: skip
    session.execute(
        update(OutboxRow).where(col(OutboxRow.story_id) == gone).values(story_id=keep)
        .execution_options(synchronize_session="fetch")
    )  # fmt: skip
    old = session.get(Story, gone, with_for_update=True)
    story = session.get(Story, keep, with_for_update=True)
    if story is None:
        raise LookupError(f"story {keep} does not exist")
    if old is not None:
        old.merged_into, old.items, old.outlets = keep, 0, 0
        session.add(old)
    recount_story(session, story, priorities or {})


def recount_story(session: Session, story: Story, priorities: dict[int, int]) -> None:
    """Counts, first/last seen and representative of ``story`` from its items."""
    members = session.exec(
        select(Item).where(Item.story_id == story.id).order_by(col(Item.published_at), col(Item.id))
    ).all()
    if not members:
        return
    story.items = len(members)
    story.outlets = len({item.source_id for item in members})
    story.first_seen = members[0].published_at
    story.last_seen = max(item.published_at for item in members)
    # The most authoritative source wins; among equals, the earliest publication.
    _, _, best = max(
        (priorities.get(item.source_id, 0), -n, item) for n, item in enumerate(members)
    )
    story.representative_item_id = best.id or 0
    story.representative_priority = priorities.get(best.source_id, 0)
    story.title, story.url = best.title, best.url
    session.add(story)


@dataclass(frozen=True)
class StoryRow:
    """A story as listed by ``marsad stories``."""

    id: int
    title: str
    url: str
    items: int
    outlets: int
    first_seen: datetime
    last_seen: datetime
    sources: tuple[str, ...]


def recent_stories(
    session: Session, since: datetime, *, min_outlets: int = 1, limit: int = 200
) -> list[StoryRow]:
    """Stories with an item published since ``since``: widest coverage first, then newest."""
    stories = session.exec(
        select(Story)
        .where(
            Story.last_seen >= since,
            Story.outlets >= min_outlets,
            col(Story.merged_into).is_(None),
        )
        .order_by(col(Story.outlets).desc(), col(Story.last_seen).desc(), col(Story.id).desc())
        .limit(limit)
    ).all()
    ids = [story.id for story in stories]
    names: dict[int, set[str]] = {}
    if ids:
        pairs = session.exec(
            select(Item.story_id, Source.name)
            .join(Source, col(Source.id) == col(Item.source_id))
            .where(col(Item.story_id).in_(ids))
            .distinct()
        ).all()
        for story_id, name in pairs:
            names.setdefault(story_id or 0, set()).add(name)
    return [
        StoryRow(
            id=story.id or 0,
            title=story.title,
            url=story.url,
            items=story.items,
            outlets=story.outlets,
            first_seen=story.first_seen,
            last_seen=story.last_seen,
            sources=tuple(sorted(names.get(story.id or 0, ()))),
        )
        for story in stories
    ]


def window_items(
    session: Session, since: datetime, *, after_id: int = 0, batch: int = 2000
) -> Iterator[Item]:
    """Items with a story published or stored since ``since`` (and id above ``after_id``),
    oldest id first: what rebuilds the clustering index after a restart."""
    last = after_id
    while True:
        rows = session.exec(
            select(Item)
            .where(
                col(Item.id) > last,
                col(Item.story_id).is_not(None),
                (col(Item.published_at) >= since) | (col(Item.fetched_at) >= since),
            )
            .order_by(col(Item.id))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id or last


def stories_since(session: Session, after_seq: int, *, batch: int = 2000) -> Iterator[Item]:
    """Items put in stories after ``after_seq`` in the story order (``Item.story_seq``),
    that order first: what other processes added since this one last looked."""
    last = after_seq
    while True:
        rows = session.exec(
            select(Item)
            .where(col(Item.story_seq) > last, col(Item.story_id).is_not(None))
            .order_by(col(Item.story_seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].story_seq or last


STORY_ORDER = "story_seq"
"""The counter (``counters`` table) that numbers items as they are put in stories."""


def take_story_numbers(session: Session, count: int) -> int:
    """Reserve ``count`` numbers of the story order; returns the first. Call under the
    stories lock (PostgreSQL) or SQLite's write lock, so numbers commit in order."""
    current = session.get(Counter, STORY_ORDER)
    if current is None:
        current = Counter(name=STORY_ORDER, value=0)
    first = current.value + 1
    current.value += count
    session.add(current)
    return first


def story_order(session: Session) -> int:
    """The last number of the story order given out (0: none yet)."""
    current = session.get(Counter, STORY_ORDER)
    return current.value if current is not None else 0


def max_item_id(session: Session) -> int:
    return int(session.exec(select(func.max(Item.id))).one() or 0)


def story_of_items(session: Session, items: Sequence[Item]) -> dict[int, int]:
    """Item id -> story id (an item stored before stories existed stands for itself)."""
    return {item.id or 0: item.story_id or item.id or 0 for item in items}


def story_members(session: Session, story_id: int) -> list[tuple[Item, str]]:
    """The items of a story with their source names, first published first."""
    rows = session.exec(
        select(Item, Source.name)
        .join(Source, col(Source.id) == col(Item.source_id))
        .where(Item.story_id == story_id)
        .order_by(col(Item.published_at), col(Item.id))
    ).all()
    return [(item, name) for item, name in rows]
