"""Put every newly stored item in a story, inside the transaction that stores it.

``StoryAssigner`` keeps the clustering index of ``marsad.watchers.stories`` in memory: built
from the store on first use (the items of the last window, with the entities recorded for them),
topped up on every call with items other processes put in stories since, trimmed to the window,
and rebuilt from the store if a transaction it took part in was not committed.

Several processes: on PostgreSQL each transaction that assigns stories first takes the stories
advisory lock, then tops up, then numbers the items it assigns in the story order
(``Item.story_seq``). The lock is held to the commit, so numbers commit in order and "after the
last number I saw" misses nothing; and two reports of one event stored by two processes at the
same moment meet in one index, and become one story.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlmodel import Session, select

from marsad import metrics
from marsad.config import Config
from marsad.store.locks import Lock, lock_in_transaction
from marsad.store.matches import MatchKind, matches_of
from marsad.store.stories import (
    join_story,
    merge_stories,
    start_story,
    stories_since,
    story_order,
    take_story_numbers,
    window_items,
)
from marsad.store.tables import Item, Source
from marsad.watchers.ingest import Ingested, on_commit
from marsad.watchers.stories import StoryIndex, StoryItem, fingerprint

log = logging.getLogger(__name__)

PARTY_KINDS = frozenset({"person", "place"})
"""Entity kinds that name the parties of an event (see ``StoryItem.parties``)."""


def story_item(
    item: Item, entities: frozenset[str] | None, kinds: Mapping[str, str] | None = None
) -> StoryItem:
    """What clustering reads of a stored item: title, lead (summary, else article text), ids."""
    parties = None
    if entities is not None and kinds is not None:
        parties = frozenset(e for e in entities if kinds.get(e) in PARTY_KINDS)
    return StoryItem(
        id=item.id or 0,
        source=item.source_id,
        published=item.published_at,
        title=item.title,
        lead=item.summary or item.text,
        canonical_url=item.canonical_url,
        guid=item.guid,
        entities=entities or None,
        parties=parties,
        arrived=item.fetched_at,
    )


class StoryAssigner:
    """The stories stage of ingest; also callable directly with ``assign_stories``.

    ``priorities``: source name -> priority (the highest names a story's representative item);
    ``kinds``: entity id -> kind, so that only persons and places can veto a merge.
    """

    def __init__(
        self,
        window: timedelta,
        priorities: Mapping[str, int] | None = None,
        kinds: Mapping[str, str] | None = None,
    ) -> None:
        self.window = window
        self.priorities = dict(priorities or {})
        self.kinds = dict(kinds) if kinds is not None else None
        self.index = StoryIndex(window)
        self._built = False
        self._last_seq = 0
        self._open: Session | None = None
        self._source_priority: dict[int, int] = {}

    @classmethod
    def for_config(cls, config: Config, kinds: Mapping[str, str] | None = None) -> StoryAssigner:
        return cls(config.stories.window, {s.name: s.priority for s in config.sources}, kinds=kinds)

    def __call__(self, session: Session, ingested: Sequence[Ingested]) -> None:
        """The ingest stage: entities come from each item's match result when there is one."""
        entities: dict[int, frozenset[str]] = {}
        for arrival in ingested:
            if arrival.result is not None and arrival.item.id is not None:
                entities[arrival.item.id] = frozenset(arrival.result.entities)
        matched = any(arrival.result is not None for arrival in ingested)
        now = max((arrival.item.fetched_at for arrival in ingested), default=None)
        if now is not None:
            items = [arrival.item for arrival in ingested]
            self.assign_stories(session, items, entities if matched else None, now)

    def assign_stories(
        self,
        session: Session,
        items: Sequence[Item],
        entities_by_item: Mapping[int, frozenset[str]] | None,
        now: datetime,
    ) -> dict[int, int]:
        """Give each item a story (setting ``item.story_id``); returns item id -> story id.

        ``entities_by_item``: the entity ids each item matched (None: not matched at all).
        """
        self._prepare(session, now)
        with session.no_autoflush:  # one flush at the end, not one per new story
            assigned = self._assign(session, items, entities_by_item)
        session.flush()
        return assigned

    def _assign(
        self,
        session: Session,
        items: Sequence[Item],
        entities_by_item: Mapping[int, frozenset[str]] | None,
    ) -> dict[int, int]:
        assigned: dict[int, int] = {}
        todo = [item for item in items if item.id is not None and item.id not in self.index]
        joined = started = 0
        number = take_story_numbers(session, len(todo)) if todo else 0
        for item in sorted(items, key=lambda it: (it.published_at, it.id or 0)):
            if item.id is None or item.id in self.index:
                if item.id is not None and item.story_id is not None:
                    assigned[item.id] = item.story_id
                continue
            item.story_seq = number
            self._last_seq = number
            number += 1
            entities = entities_by_item.get(item.id) if entities_by_item is not None else None
            candidate = story_item(item, entities, self.kinds)
            print_ = fingerprint(candidate.title, candidate.lead)
            found = self.index.find(candidate, print_)
            priority = self._priority(session, item.source_id)
            if found.story is not None:
                story_id = join_story(session, item, found.story, priority)
                joined += 1
            else:
                story_id = start_story(session, item, priority)
                started += 1
            for gone in found.merged:
                self._merge(session, story_id, gone)
            self.index.add(candidate, story_id, print_)
            assigned[item.id] = story_id
        if joined or started:
            on_commit(session, functools.partial(metrics.observe_stories, started, joined))
        return assigned

    def index_at(self, session: Session, now: datetime) -> StoryIndex:
        """The index as it stands for an item arriving at ``now`` (built from the store)."""
        self._prepare(session, now)
        return self.index

    def story_item_of(self, session: Session, item: Item) -> StoryItem:
        """A stored item as clustering reads it, with the entities recorded for it."""
        matched = matches_of(session, [item.id or 0]).get(item.id or 0, {})
        entities = matched.get(MatchKind.ENTITY)
        return story_item(item, frozenset(entities) if entities else None, self.kinds)

    def _merge(self, session: Session, keep: int, gone: int) -> None:
        """A new item showed two stories to be one event: fold ``gone`` into ``keep``."""
        log.info("stories: story %d is the same event as story %d; merged", gone, keep)
        merge_stories(session, keep, gone, self._priorities(session))
        self.index.merge(gone, keep)

    def _prepare(self, session: Session, now: datetime) -> None:
        """Build, refresh or rebuild the index so it holds the stored items of the window."""
        if self._open is not None and self._open is not session:
            self._reset()  # the previous transaction ended without a commit
        if self._open is not session:
            self._open = session
            event.listen(session, "after_commit", self._committed, once=True)
        if session.get_bind().dialect.name == "postgresql":
            lock_in_transaction(session.connection(), Lock.STORIES)
        since = now - self.window
        if not self._built:
            self._last_seq = story_order(session)
            self._load(window_items(session, since))
            self._built = True
        else:
            self._load(stories_since(session, self._last_seq))
        self.index.evict(since)

    def _committed(self, session: Session) -> None:
        if self._open is session:
            self._open = None

    def _reset(self) -> None:
        log.info("stories: a transaction was not committed; rebuilding the index from the store")
        self.index = StoryIndex(self.window)
        self._built = False
        self._last_seq = 0
        self._open = None

    def _load(self, items: Iterable[Item]) -> None:
        session = self._open
        assert session is not None
        batch: list[Item] = []
        for item in items:
            self._last_seq = max(self._last_seq, item.story_seq or 0)
            if item.id in self.index:
                continue
            batch.append(item)
            if len(batch) >= 2000:
                self._add_stored(session, batch)
                batch = []
        self._add_stored(session, batch)

    def _add_stored(self, session: Session, items: Collection[Item]) -> None:
        if not items:
            return
        matched = matches_of(session, [item.id or 0 for item in items])
        for item in items:
            entities = matched.get(item.id or 0, {}).get(MatchKind.ENTITY)
            candidate = story_item(item, frozenset(entities) if entities else None, self.kinds)
            self.index.add(candidate, item.story_id or 0)

    def _priorities(self, session: Session, source_id: int | None = None) -> dict[int, int]:
        """Source id -> priority, read from the store once (again for a source added since)."""
        if not self._source_priority or (
            source_id is not None and source_id not in self._source_priority
        ):
            rows = session.exec(select(Source.id, Source.name)).all()
            for row_id, name in rows:
                self._source_priority[row_id or 0] = self.priorities.get(name, 0)
        return self._source_priority

    def _priority(self, session: Session, source_id: int) -> int:
        return self._priorities(session, source_id).get(source_id, 0)
