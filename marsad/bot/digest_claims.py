"""Which group each story of a digest goes to, asking the live matcher only as far as needed.

A story goes under the first selector it matches.  Rule and entity selectors are known from
what ingest stored; a query selector needs its candidates matched again (``digest_reads``).  A
digest shows at most ``shown`` stories a group, ranked by outlets then recency, and counts the
rest: so the stories are walked in rank order and matched only while a group they could join
still has room; then a random sample of the stories left unmatched is matched, up to a budget
of items, and each group's count is the stories known to be in it plus its share of the sample
times the stories left ("about N").  A count is exact when no unmatched story could be in its
group.  With ``shown`` None every candidate is matched (an export wants every story).

Pure: it says which items to match next (``wanted``) and is told their results (``feed``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from marsad.bot.digest_reads import Selector
from marsad.matching.engine import MatchResult
from marsad.store.chats import SubscriptionKind

SAMPLE_ITEMS = 400
"""Items matched again, at most, to estimate the counts of what a digest does not show
(about 0.3 s of the live matcher; a count's sampling error is then a few percent)."""
WALK_ITEMS = 600
"""Items matched again, at most, to find the stories a digest shows: a query whose candidates
rarely match (a NEAR of common words) may show fewer than ``shown`` then, the best-ranked ones
found, and counts the rest."""
BATCH_ITEMS = 200
"""Items asked for at once (their texts are read together)."""


@dataclass
class StoryFacts:
    """One candidate story: its members (indices into the period's rows, earliest first), the
    members to match again, and what ranks it."""

    key: int
    members: list[int]
    again: list[int]
    outlets: int
    published: datetime
    exact: int | None = None
    """The first rule or entity selector a member matched at ingest."""
    queries: tuple[int, ...] = ()
    """The query selectors before ``exact`` it may still join (empty: its group is known)."""
    fired: set[int] = field(default_factory=set)
    resolved: bool = False

    @property
    def claim(self) -> int | None:
        """Its group (meaningful once resolved)."""
        found = [q for q in self.queries if q in self.fired]
        return min(found) if found else self.exact

    def possible(self) -> set[int]:
        """The groups it may end in."""
        found = set(self.queries)
        if self.exact is not None:
            found.add(self.exact)
        return found


@dataclass(frozen=True)
class Outcome:
    """One group: the keys of its shown stories in rank order, its count, whether exact."""

    shown: tuple[int, ...]
    total: int
    exact: bool


class Claims:
    """Resolves stories' groups lazily (see the module docstring)."""

    def __init__(
        self,
        selectors: Sequence[Selector],
        stories: Sequence[StoryFacts],
        stored: Callable[[int], MatchResult],
        shown: int | None,
        sample: int | None = None,
        walk: int | None = None,
    ) -> None:
        self.selectors = selectors
        self.shown = shown
        self.budget = {
            True: WALK_ITEMS if walk is None else walk,
            False: SAMPLE_ITEMS if sample is None else sample,
        }
        query_at = [i for i, s in enumerate(selectors) if s.kind is SubscriptionKind.QUERY]
        exact_at = [i for i, s in enumerate(selectors) if s.kind is not SubscriptionKind.QUERY]
        for story in stories:
            fired = [
                i for i in exact_at if any(selectors[i].fires(stored(m)) for m in story.members)
            ]
            story.exact = min(fired) if fired else None
            limit = len(selectors) if story.exact is None else story.exact
            story.queries = tuple(q for q in query_at if q < limit) if story.again else ()
            story.resolved = not story.queries
        self.ranked = sorted(
            (s for s in stories if s.queries or s.exact is not None),
            key=lambda s: (-s.outlets, -s.published.timestamp(), s.members[0]),
        )
        self.lines: dict[int, list[int]] = {i: [] for i in range(len(selectors))}
        self._walked = 0
        self._walking = True
        self._left: list[StoryFacts] = []
        self._sampled: list[StoryFacts] = []
        self._matched = {True: 0, False: 0}
        self._asked: list[StoryFacts] = []

    # -- the protocol -------------------------------------------------------------------

    def wanted(self) -> list[int]:
        """The member indices to match next; empty when the digest is decided."""
        if self._walking:
            self._advance()
            if self._walking:
                self._asked = self._gather()
                return [m for story in self._asked for m in story.again]
            self._left = [s for s in self.ranked if not s.resolved]
            random.Random(len(self._left)).shuffle(self._left)
        self._asked = []
        size = 0
        while self._left and size < BATCH_ITEMS:
            if self._spent(size):
                break
            story = self._left.pop()
            self._asked.append(story)
            size += len(story.again)
        return [m for story in self._asked for m in story.again]

    def feed(self, results: Mapping[int, MatchResult]) -> None:
        """The live matcher's results for the members ``wanted`` named."""
        for story in self._asked:
            for member in story.again:
                result = results[member]
                story.fired.update(q for q in story.queries if self.selectors[q].fires(result))
            story.resolved = True
            self._matched[self._walking] += len(story.again)
            if not self._walking:
                self._sampled.append(story)
        self._asked = []

    def outcomes(self) -> list[Outcome]:
        """Each selector's group (call once ``wanted`` is empty)."""
        counts = [0] * len(self.selectors)
        sampled = [0] * len(self.selectors)
        for story in self.ranked:
            if story.resolved and story.claim is not None:
                counts[story.claim] += 1
        for story in self._sampled:
            if story.claim is not None:
                sampled[story.claim] += 1
        lines = {index: self._placed(index) for index in self.lines}
        left = [s for s in self.ranked if not s.resolved]
        open_to = set().union(*(s.possible() for s in left)) if left else set()
        found = []
        for index in range(len(self.selectors)):
            total = counts[index]
            if left and self._sampled:
                total += round(len(left) * sampled[index] / len(self._sampled))
            elif left and index in open_to:
                total += len(left)  # nothing sampled: at most every story left
            found.append(Outcome(tuple(lines[index]), total, index not in open_to))
        return found

    def _placed(self, index: int) -> list[int]:
        """The group's shown stories: the walk's, then those the sample resolved where no
        story before them could still join the group (a walk cut short by its budget)."""
        lines = list(self.lines[index])
        for story in self.ranked[self._walked :]:
            if self.shown is not None and len(lines) >= self.shown:
                break
            if not story.resolved:
                if index in story.possible():
                    break
            elif story.claim == index:
                lines.append(story.key)
        return lines

    # -- the walk in rank order ------------------------------------------------------------

    def _spent(self, more: int = 0) -> bool:
        """Whether the current phase used its budget of items (never, for a full digest)."""
        walking = self._walking
        return self.shown is not None and self._matched[walking] + more >= self.budget[walking]

    def _room(self, index: int) -> bool:
        return self.shown is None or len(self.lines[index]) < self.shown

    def _advance(self) -> None:
        """Place the resolved stories in rank order until one must be matched first."""
        while self._walked < len(self.ranked):
            if not any(self._room(i) for i in range(len(self.selectors))):
                break
            story = self.ranked[self._walked]
            if not story.resolved:
                if any(self._room(i) for i in story.possible()):
                    if not self._spent():
                        return
                    break  # the walk's budget is spent: what is placed is the top
            else:
                claim = story.claim
                if claim is not None and self._room(claim):
                    self.lines[claim].append(story.key)
            self._walked += 1
        self._walking = False

    def _gather(self) -> list[StoryFacts]:
        """The next stories of the walk to match: enough to fill the open groups' room."""
        room = max(
            (self.shown - len(self.lines[i]) for i in self.lines if self._room(i)), default=0
        ) if self.shown is not None else BATCH_ITEMS  # fmt: skip
        wanted = max(8, room)
        asked: list[StoryFacts] = []
        size = 0
        for story in self.ranked[self._walked :]:
            if len(asked) >= wanted or size >= BATCH_ITEMS or self._spent(size):
                break
            if not story.resolved and any(self._room(i) for i in story.possible()):
                asked.append(story)
                size += len(story.again)
        return asked
