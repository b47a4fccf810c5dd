"""The stories behind a spike, as an alert and ``marsad spikes`` name them: title, link, outlets.

A spike keeps the story ids it counted (``Spike.story_ids``); an item that was not in a story is
kept as its negated item id (``story_counts``).  A story merged into another since is shown as
the story it became, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from marsad.store.stories import Story, resolve_story
from marsad.store.tables import Item


@dataclass(frozen=True)
class SpikeStory:
    """One story behind a spike."""

    title: str
    url: str
    outlets: int


def spike_stories(session: Session, story_ids: Sequence[int]) -> list[SpikeStory]:
    """The stories of ``story_ids`` in their order, each once (merged ones as what they became);
    ids no longer in the store are left out."""
    found: list[SpikeStory] = []
    seen: set[int] = set()
    for ident in story_ids:
        if ident < 0:
            item = session.get(Item, -ident)
            if item is None:
                continue
            if item.story_id is None:
                found.append(SpikeStory(item.title, item.url, 1))
                continue
            ident = item.story_id  # the lone item has joined a story since
        current = resolve_story(session, ident)
        if current in seen:
            continue
        seen.add(current)
        story = session.get(Story, current)
        if story is not None:
            found.append(SpikeStory(story.title, story.url, story.outlets))
    return found


def earliest_publication(session: Session) -> datetime | None:
    """When the oldest stored item was published: how far back the counts can tell anything
    (before it, a window's zero means "not watched yet", not "nothing happened")."""
    return session.exec(select(func.min(col(Item.published_at)))).one()
