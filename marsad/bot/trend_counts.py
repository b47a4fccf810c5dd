"""What a trend chart counts: distinct stories per day of an entity, a rule or a query, and the
days of its recorded spikes.  Shared by ``/trend``, the daily digest's chart and ``marsad trend``.

Days are the configured time zone's calendar days: the chart's first day starts at local
midnight and each day is 24 hours from there (a daylight-saving change inside the period shifts
the later days' edges by that hour).  A story counts on every day it was reported (as
``store.story_counts`` counts it), and once in the period's total however many days it spans.

Rules and entities read what ingest stored (``story_counts``: exact, nothing matched again).
A query's candidates come from the archive index (``archive_search.read_candidates``: a
superset) and every candidate item is checked by the live matcher, on the event loop (it is
not thread-safe) in chunks that yield, its texts read off the loop.  Spikes are read for rules
and entities (``store.spikes``); an hour's spike shades its whole day.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import Engine
from sqlmodel import col, select

from marsad.bot.archive_search import Target, read_candidates
from marsad.bot.digests import AdHocQuery
from marsad.matching.engine import Matcher, MatchInput
from marsad.store.chats import SubscriptionKind
from marsad.store.engine import session as open_session
from marsad.store.matches import MatchKind
from marsad.store.spikes import SpikeTarget, spikes_between
from marsad.store.story_counts import story_counts
from marsad.store.tables import Item

DEFAULT_DAYS = 30
MAX_DAYS = 90
DAY = timedelta(days=1)
MATCH_CHUNK = 50
"""Items matched between two yields to the event loop."""
TEXT_BATCH = 500
"""Candidate items whose texts are read at once."""
ENTITY_REF = re.compile(r"@([a-z0-9_-]+)")


@dataclass(frozen=True)
class Period:
    """The chart's days: ``days`` local days ending with the one ``until`` falls in."""

    first: date
    days: int
    tz: tzinfo

    @classmethod
    def ending(cls, until: datetime, days: int, tz: tzinfo) -> Period:
        last = until.astimezone(tz).date()
        return cls(last - timedelta(days=days - 1), days, tz)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(0), self.tz)

    @property
    def until(self) -> datetime:
        return self.since + self.days * DAY

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def index(self, moment: datetime) -> int:
        """The day a moment falls in (may be outside ``0..days-1``)."""
        return (moment - self.since) // DAY


@dataclass(frozen=True)
class Trend:
    """One target's chart data: stories per day, the period's distinct stories, spike days."""

    target: Target
    counts: tuple[int, ...]
    total: int
    spike_days: frozenset[int]
    spikes: int


def classify(matcher: Matcher, text: str) -> Target:
    """A rule id, a known ``@entity``, or a query (validated: RuleError if it is invalid, with
    "did you mean" for an unknown ``@entity``)."""
    text = " ".join(text.split())
    if text in matcher.rules:
        return Target(SubscriptionKind.RULE, text)
    lone = ENTITY_REF.fullmatch(text.lower())
    if lone and lone.group(1) in matcher.entities:
        return Target(SubscriptionKind.ENTITY, lone.group(1))
    matcher.describe(text)  # raises RuleError with the position of the problem
    return Target(SubscriptionKind.QUERY, text)


def _stored(engine: Engine, target: Target, period: Period) -> Trend:
    kind = MatchKind.RULE if target.kind is SubscriptionKind.RULE else MatchKind.ENTITY
    spike_kind = SpikeTarget.RULE if kind is MatchKind.RULE else SpikeTarget.ENTITY
    since, until = period.since, period.until
    with open_session(engine) as s:
        counts = story_counts(s, kind, target.text, since, until, DAY)
        [total] = story_counts(s, kind, target.text, since, until, until - since) or [0]
        # a day's spike starting before the period may still cover its first day
        found = spikes_between(s, since - DAY, until, spike_kind, target.text)
        shaded: set[int] = set()
        for spike in found:
            first = max(0, period.index(spike.window_start))
            last = min(period.days - 1, period.index(spike.window_end - timedelta(microseconds=1)))
            shaded.update(range(first, last + 1))
        inside = sum(1 for spike in found if spike.window_end > since)
    return Trend(target, tuple(counts), total, frozenset(shaded), inside)


def _read_texts(engine: Engine, ids: Sequence[int]) -> list[tuple[int, datetime, MatchInput]]:
    with open_session(engine) as s:
        items = s.exec(select(Item).where(col(Item.id).in_(ids))).all()
    return [
        (
            item.id or 0,
            item.published_at,
            MatchInput(id=str(item.id), title=item.title, summary=item.summary, text=item.text),
        )
        for item in items
    ]


async def _query(engine: Engine, matcher: Matcher, target: Target, period: Period) -> Trend:
    days: list[set[int]] = [set() for _ in range(period.days)]
    stories: set[int] = set()
    with AdHocQuery(matcher, target.text) as selector:
        query_id = selector.target

        def read() -> dict[int, int]:
            with open_session(engine) as s:
                found = read_candidates(s, matcher, target, query_id, period.since, period.until)
            return {item: c.key for c in found for item in c.items}

        story_of = await asyncio.to_thread(read)
        ids = sorted(story_of)
        matched = 0
        for start in range(0, len(ids), TEXT_BATCH):
            batch = await asyncio.to_thread(_read_texts, engine, ids[start : start + TEXT_BATCH])
            for item_id, published, text in batch:
                matched += 1
                if matched % MATCH_CHUNK == 0:
                    await asyncio.sleep(0)
                if query_id not in matcher.match(text).queries:
                    continue
                index = period.index(published)
                if 0 <= index < period.days:
                    days[index].add(story_of[item_id])
                    stories.add(story_of[item_id])
    return Trend(target, tuple(len(d) for d in days), len(stories), frozenset(), 0)


async def trend(engine: Engine, matcher: Matcher, target: Target, period: Period) -> Trend:
    """The chart data of ``target`` over ``period`` (store reads off the event loop)."""
    if target.stored:
        return await asyncio.to_thread(_stored, engine, target, period)
    return await _query(engine, matcher, target, period)
