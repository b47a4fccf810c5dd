"""Searching the archive: the stories of a period one query matches, newest first, a page at a time.

The archive index (``store.archive``) names the candidate items of the query (a superset of its
matches) without reading their texts; they are grouped into stories (a story's key is its id,
an item of no story stands alone under its negated id) and ordered by the story's newest
candidate.  A story is a result when one of its candidates matches the query exactly: the live
matcher checks the candidates, a story at a time, only as far as the page asked for needs
(plus one story, to know whether there is a next page), so the first page costs a few dozen
items' matching whatever the archive's size.  Rules and lone ``@entity`` searches read what
ingest stored (``item_matches``): exact, nothing is matched again.

Reading the store is synchronous (run it off the event loop); matching uses the live matcher,
which is not thread-safe (its automata are rebuilt lazily and queries are added on the loop),
so ``verify`` runs on the loop and yields between small chunks, as digests do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from marsad.bot.digest_reads import Selector, candidate_plan
from marsad.matching.engine import Matcher, MatchInput
from marsad.store import archive
from marsad.store.archive_plan import Every
from marsad.store.chats import SubscriptionKind
from marsad.store.engine import session as open_session
from marsad.store.matches import ItemMatch, MatchKind
from marsad.store.stories import Story
from marsad.store.tables import Item

MATCH_CHUNK = 50
"""Items matched between two yields to the event loop."""
TEXT_BATCH = 200
"""Candidate items whose texts are read at once."""


@dataclass(frozen=True)
class Target:
    """What a search looks for: a rule id, an entity id or a query of the rule language."""

    kind: SubscriptionKind
    text: str

    @property
    def shown(self) -> str:
        """As a person would type it (``@spain`` for an entity)."""
        return f"@{self.text}" if self.kind is SubscriptionKind.ENTITY else self.text

    @property
    def stored(self) -> bool:
        """Rules and entities: their matches were stored at ingest (exact)."""
        return self.kind is not SubscriptionKind.QUERY


@dataclass(frozen=True)
class Candidate:
    """A story the index names: its key, its newest candidate's time, the candidates."""

    key: int
    newest: datetime
    items: tuple[int, ...]


@dataclass
class Found:
    """A search's progress: its candidate stories, how far they were checked, the hits."""

    target: Target
    since: datetime
    until: datetime
    candidates: list[Candidate]
    checked: int = 0
    hits: list[Candidate] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False, compare=False)

    @property
    def complete(self) -> bool:
        return self.checked >= len(self.candidates)

    @property
    def held(self) -> int:
        """Item ids held in memory (what the cache of searches is bounded by)."""
        return sum(len(candidate.items) for candidate in self.candidates)

    def estimate(self) -> int:
        """The number of results: exact once every candidate was checked, else the hits so far
        plus the unchecked candidates at the rate of the checked ones."""
        if self.complete or not self.checked:
            return len(self.hits) + (len(self.candidates) - self.checked)
        rate = len(self.hits) / self.checked
        return len(self.hits) + round((len(self.candidates) - self.checked) * rate)


# -- reading candidates (synchronous: run off the event loop) ------------------------------


def _period(since: datetime, until: datetime) -> ColumnElement[bool]:
    return (col(Item.published_at) >= since) & (col(Item.published_at) < until)


def read_candidates(
    session: Session,
    matcher: Matcher,
    target: Target,
    query_id: str | None,
    since: datetime,
    until: datetime,
) -> list[Candidate]:
    """The candidate stories of ``[since, until)``, newest first (ids, times: no texts).

    ``query_id``: the query installed in ``matcher`` for a query target."""
    statement = (
        select(Item.id, Item.story_id, Item.published_at)
        .where(_period(since, until))
        .order_by(col(Item.published_at).desc(), col(Item.id).desc())
    )
    if target.stored:
        kind = MatchKind.RULE if target.kind is SubscriptionKind.RULE else MatchKind.ENTITY
        stored = select(ItemMatch.item_id).where(
            col(ItemMatch.kind) == kind.value, col(ItemMatch.key) == target.text
        )
        statement = statement.where(col(Item.id).in_(stored))
    else:
        assert query_id is not None
        plan = candidate_plan(matcher, [Selector(query_id, SubscriptionKind.QUERY, query_id)])
        if plan is not None and not isinstance(plan, Every) and archive.usable(session):
            statement = statement.where(archive.candidates(session, plan))
    grouped: dict[int, tuple[datetime, list[int]]] = {}
    for item_id, story_id, published in session.exec(statement).all():
        key = story_id or -(item_id or 0)
        grouped.setdefault(key, (published, []))[1].append(item_id or 0)
    return [Candidate(key, newest, tuple(items)) for key, (newest, items) in grouped.items()]


def read_inputs(engine: Engine, item_ids: Sequence[int]) -> dict[int, MatchInput]:
    """What the matcher reads of these items (their texts), by id."""
    with open_session(engine) as s:
        rows = s.exec(
            select(Item.id, Item.title, Item.summary, Item.text).where(col(Item.id).in_(item_ids))
        ).all()
    return {
        item_id or 0: MatchInput(id=str(item_id), title=title, summary=summary, text=text)
        for item_id, title, summary, text in rows
    }


# -- checking (on the event loop: the live matcher) -----------------------------------------


async def verify(
    found: Found, engine: Engine, matcher: Matcher, query_id: str | None, wanted: int
) -> None:
    """Check candidates in order until ``wanted`` results are known or none is left.

    Texts are read off the event loop; matching yields every ``MATCH_CHUNK`` items."""
    if found.target.stored:  # exact already: every candidate is a result
        found.hits = list(found.candidates)
        found.checked = len(found.candidates)
        return
    assert query_id is not None
    while len(found.hits) < wanted and not found.complete:
        batch: list[Candidate] = []
        size = 0
        for candidate in found.candidates[found.checked :]:
            if batch and size + len(candidate.items) > TEXT_BATCH:
                break
            batch.append(candidate)
            size += len(candidate.items)
            if len(found.hits) + len(batch) >= wanted:
                break
        ids = [item for candidate in batch for item in candidate.items]
        inputs = await asyncio.to_thread(read_inputs, engine, ids)
        matched = 0
        for candidate in batch:
            for item in candidate.items:
                one = inputs.get(item)
                matched += 1
                if matched % MATCH_CHUNK == 0:
                    await asyncio.sleep(0)
                if one is not None and query_id in matcher.match(one).queries:
                    found.hits.append(candidate)
                    break
            found.checked += 1


# -- what a page shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One story as a search result shows it."""

    key: int
    title: str
    url: str
    outlets: int
    newest: datetime


def describe(session: Session, hits: Sequence[Candidate]) -> list[Result]:
    """Title, link and outlets of each hit (the story's representative, or the lone item)."""
    stories = {
        story.id or 0: story
        for story in session.exec(
            select(Story).where(col(Story.id).in_([h.key for h in hits if h.key > 0]))
        ).all()
    }
    lone = {
        item.id or 0: item
        for item in session.exec(
            select(Item).where(col(Item.id).in_([-h.key for h in hits if h.key < 0]))
        ).all()
    }
    results = []
    for hit in hits:
        story = stories.get(hit.key)
        if story is not None:
            results.append(Result(hit.key, story.title, story.url, story.outlets, hit.newest))
            continue
        item = lone.get(-hit.key)
        if item is not None:
            results.append(Result(hit.key, item.title, item.url, 1, hit.newest))
    return results
