"""Story clustering: which earlier item, if any, reports the same event as a new one.

Pure: no I/O and no clock (times come with the items, the eviction cut-off from the caller).
``StoryIndex`` holds the items of the window. Candidates for a new item come from
exact-duplicate keys (canonical URL, guid, identical folded title and lead), an inverted index
of its rarer words (``story_postings``) and, when entities are known, the latest items naming
the same parties; ``story_compare.compare`` weighs each. When a new item is one story with items
of two stories, those stories are one: ``Assignment.merged`` names the ones to fold in.
"""

from __future__ import annotations

import heapq
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from marsad.watchers.story_bound import cannot_join
from marsad.watchers.story_compare import (
    Fingerprint,
    Newcomer,
    Reason,
    Script,
    Stored,
    StoryItem,
    Verdict,
    compare,
    fingerprint,
)
from marsad.watchers.story_evidence import DEFAULT_WEIGHTS, Evidence, Veto, Weights
from marsad.watchers.story_postings import Postings
from marsad.watchers.story_rarity import Rarity

PARTY_CANDIDATES = 64
MEMBERS_KEPT = 4
MAX_MERGES = 3
"""At most this many other stories are folded into one by a single bridging item."""


@dataclass(frozen=True)
class Assignment:
    """Where a new item goes: an earlier item's story, or (``story`` None) a new story.

    ``merged``: other stories the item shows to be the same event as ``story``; the caller
    folds them into ``story`` (the oldest of them all)."""

    story: int | None
    matched: int | None = None
    reason: Reason | None = None
    score: float = 0.0
    merged: tuple[int, ...] = ()


def _best_first(pair: tuple[Stored, Verdict]) -> tuple[float, int]:
    """The order candidates are read in: best score first, then the oldest id."""
    return (-pair[1].score, pair[0].id)


def _guid_key(guid: str | None) -> str | None:
    """A guid distinctive enough to identify an article across feeds (not a bare number)."""
    if guid is None:
        return None
    guid = guid.strip()
    return f"guid:{guid}" if len(guid) >= 16 and not guid.isdigit() else None


def exact_reason(a: StoryItem, b: StoryItem) -> Reason | None:
    """Why two items are the same article whatever their wording (URL, guid, identical text)."""
    theirs = {key for key, _ in _exact_keys(b, fingerprint(b.title, b.lead))}
    for key, reason in _exact_keys(a, fingerprint(a.title, a.lead)):
        if key in theirs:
            return reason
    return None


def _exact_keys(item: StoryItem, print_: Fingerprint) -> tuple[tuple[str, Reason], ...]:
    keys: list[tuple[str, Reason]] = []
    if item.canonical_url:
        keys.append((f"url:{item.canonical_url}", Reason.URL))
    guid = _guid_key(item.guid)
    if guid is not None:
        keys.append((guid, Reason.GUID))
    if print_.text_key is not None:
        keys.append((f"text:{print_.text_key:08x}", Reason.TEXT))
    return tuple(keys)


@dataclass
class StoryIndex:
    """The items of the last ``window``, searchable for the story a new item belongs to.

    Bounded: ``evict`` drops items that arrived (were published, for live items) before a
    cut-off; the caller passes ``now - window``. Not thread-safe; one writer.
    """

    window: timedelta
    weights: Weights = DEFAULT_WEIGHTS
    rarity: Rarity = field(default_factory=Rarity)
    _items: dict[int, Stored] = field(default_factory=dict)
    _exact: dict[str, int] = field(default_factory=dict)
    _postings: Postings = field(default_factory=Postings)
    _by_parties: dict[frozenset[str], dict[int, None]] = field(default_factory=dict)
    _expiry: list[tuple[datetime, int]] = field(default_factory=list)
    _merged: dict[int, int] = field(default_factory=dict)
    _members: dict[int, list[int]] = field(default_factory=dict)
    """Story -> its latest indexed items (a few), whose words are already counted."""
    prune: bool = True
    """Skip weighing candidates that cannot join (``story_bound``): the same decisions, less
    work; off only to check that claim."""

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def stored(self, item_id: int) -> Stored | None:
        return self._items.get(item_id)

    def resolve(self, story: int) -> int:
        """The story ``story`` now belongs to (itself unless it was merged into another)."""
        seen = story
        while seen in self._merged:
            seen = self._merged[seen]
        if seen != story:
            self._merged[story] = seen
        return seen

    def story_of(self, item_id: int) -> int | None:
        stored = self._items.get(item_id)
        return self.resolve(stored.story) if stored is not None else None

    def merge(self, gone: int, into: int) -> None:
        """Record that story ``gone`` is now part of ``into``."""
        gone, into = self.resolve(gone), self.resolve(into)
        if gone != into:
            self._merged[gone] = into
            moved = self._members.pop(gone, [])
            self._members[into] = [*self._members.get(into, []), *moved][-MEMBERS_KEPT:]

    def candidates(self, item: StoryItem, print_: Fingerprint) -> set[int]:
        """Ids of the indexed items worth weighing against ``item``."""
        alive = self._items
        searchable = print_.searchable
        found = set(
            self._postings.candidates(
                (
                    (w, p)
                    for w, p in zip(print_.words, print_.priors, strict=True)
                    if w in searchable
                ),
                alive,
                self.rarity.weight,
            )
        )
        parties = item.party_set
        if parties and len(parties) >= 2:
            bucket = self._by_parties.get(parties, {})
            # The latest few suffice and keep the cost flat when one official and one country
            # fill the window.
            found.update(islice(reversed(bucket), PARTY_CANDIDATES))
        return found

    def judge(self, item: StoryItem, old_id: int) -> Verdict:
        """The verdict on ``item`` against the indexed item ``old_id`` (for ``--why``)."""
        old = self._items[old_id]
        return compare(item, fingerprint(item.title, item.lead), old, self.rarity, self.weights)

    def verdicts(
        self, item: StoryItem, print_: Fingerprint, newcomer: Newcomer | None = None
    ) -> list[tuple[Stored, Verdict]]:
        """Every candidate with its verdict, best score first."""
        found = []
        newcomer = newcomer or Newcomer.of(print_, self.rarity)
        for candidate in self.candidates(item, print_):
            old = self._items.get(candidate)
            if old is None or old.id == item.id:
                continue
            verdict = compare(item, print_, old, self.rarity, self.weights, newcomer)
            found.append((old, verdict))
        found.sort(key=lambda pair: (-pair[1].score, pair[0].id))
        return found

    def _weigh_candidates(
        self, item: StoryItem, print_: Fingerprint, newcomer: Newcomer
    ) -> tuple[dict[int, list[tuple[Stored, Verdict]]], dict[int, list[Stored]]]:
        """The candidates by story: those weighed in full with their verdicts, and those left
        unweighed because they cannot join (``story_bound``; weighed later only if their
        story's average is read)."""
        weighed: dict[int, list[tuple[Stored, Verdict]]] = {}
        deferred: dict[int, list[Stored]] = {}
        for candidate in self.candidates(item, print_):
            old = self._items.get(candidate)
            if old is None or old.id == item.id:
                continue
            story = self.resolve(old.story)
            if self.prune and cannot_join(item, print_, old, newcomer, self.weights):
                deferred.setdefault(story, []).append(old)
                continue
            verdict = compare(item, print_, old, self.rarity, self.weights, newcomer)
            weighed.setdefault(story, []).append((old, verdict))
        return weighed, deferred

    def find(self, item: StoryItem, print_: Fingerprint | None = None) -> Assignment:
        """The story ``item`` belongs to among the indexed items (``story`` None: a new one)."""
        print_ = print_ or fingerprint(item.title, item.lead)
        for key, reason in _exact_keys(item, print_):
            found = self._exact.get(key)
            if found is not None and found in self._items:
                return Assignment(self.story_of(found), found, reason, 1.0)
        newcomer = Newcomer.of(print_, self.rarity)
        weighed_by_story, deferred = self._weigh_candidates(item, print_, newcomer)
        ranked_pairs = sorted(
            (pair for pairs in weighed_by_story.values() for pair in pairs), key=_best_first
        )
        best: dict[int, tuple[Stored, Verdict]] = {}
        for old, verdict in ranked_pairs:
            if verdict.same:
                best.setdefault(self.resolve(old.story), (old, verdict))
        scores: dict[int, dict[int, float]] = {}
        for story in best:
            pairs = weighed_by_story[story] + [
                (old, compare(item, print_, old, self.rarity, self.weights, newcomer))
                for old in deferred.get(story, ())
            ]
            pairs.sort(key=_best_first)
            scores[story] = {old.id: verdict.score for old, verdict in pairs}
        # Consistent with the story as a whole: its latest items must agree on average, so
        # that a report of another event does not join through one loosely worded member (a
        # chain: a weather report of Friday, one of Friday and Saturday, one of Saturday).
        bar = self.weights.threshold
        for story in list(best):
            weighed = scores[story]
            for member in self._members.get(story, ()):
                if member not in weighed and member in self._items and member != item.id:
                    old = self._items[member]
                    verdict = compare(item, print_, old, self.rarity, self.weights, newcomer)
                    weighed[member] = verdict.score
            if sum(weighed.values()) / len(weighed) < bar:
                del best[story]
        if not best:
            return Assignment(None)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][1].score, kv[0]))
        story, (old, verdict) = ranked[0]
        bar = self.weights.threshold + self.weights.merge_margin
        others = [s for s, (_, v) in ranked[1:] if v.score >= bar][:MAX_MERGES]
        if not others:
            return Assignment(story, old.id, verdict.reason, verdict.score)
        everyone = sorted({story, *others})
        return Assignment(everyone[0], old.id, verdict.reason, verdict.score, tuple(everyone[1:]))

    def add(self, item: StoryItem, story: int, print_: Fingerprint | None = None) -> None:
        """Index ``item`` as a member of ``story`` (re-adding an indexed item is a no-op)."""
        if item.id in self._items:
            return
        print_ = print_ or fingerprint(item.title, item.lead)
        keys = tuple(key for key, _ in _exact_keys(item, print_))
        story = self.resolve(story)
        members = [m for m in self._members.get(story, ()) if m in self._items]
        counted = None
        if members:
            known = set().union(*(self._items[m].words for m in members))
            counted = array("I", (w for w in print_.words if w not in known))
        stored = Stored.of(item, print_, story, keys, counted)
        self._items[item.id] = stored
        self._members[story] = [*members[-(MEMBERS_KEPT - 1) :], item.id]
        if counted is None:
            self.rarity.add(print_.words)
        else:
            self.rarity.add(counted, new_story=False)
        for key in keys:
            self._exact.setdefault(key, item.id)
        self._postings.add(item.id, stored.searchable)
        if stored.parties and len(stored.parties) >= 2:
            self._by_parties.setdefault(stored.parties, {})[item.id] = None
        heapq.heappush(self._expiry, (item.kept_from, item.id))

    def assign(self, item: StoryItem, new_story: int) -> Assignment:
        """Find ``item``'s story and index it there; ``new_story`` is used when none fits.
        Stories the item bridges are merged into the one it joins."""
        print_ = fingerprint(item.title, item.lead)
        found = self.find(item, print_)
        story = found.story if found.story is not None else new_story
        for gone in found.merged:
            self.merge(gone, story)
        self.add(item, story, print_)
        return found

    def remove(self, item_id: int) -> bool:
        """Take one item out of the index (False: it was not there)."""
        stored = self._items.pop(item_id, None)
        if stored is None:
            return False
        if stored.counted is None:
            self.rarity.remove(stored.words)
        else:
            self.rarity.remove(stored.counted, new_story=False)
        story = self.resolve(stored.story)
        members = [m for m in self._members.get(story, ()) if m in self._items]
        if members:
            self._members[story] = members
        else:
            self._members.pop(story, None)
        for key in stored.keys:
            if self._exact.get(key) == item_id:
                del self._exact[key]
        self._postings.remove(stored.searchable, self._items)
        if stored.parties and len(stored.parties) >= 2:
            same_parties = self._by_parties.get(stored.parties, {})
            same_parties.pop(item_id, None)
            if not same_parties:
                self._by_parties.pop(stored.parties, None)
        return True

    def evict(self, before: datetime) -> int:
        """Drop the items kept from before ``before``; returns how many left the index."""
        dropped = 0
        while self._expiry and self._expiry[0][0] < before:
            _, item_id = heapq.heappop(self._expiry)
            if self.remove(item_id):
                dropped += 1
        if not self._items:
            self._merged.clear()
        return dropped


__all__ = [
    "DEFAULT_WEIGHTS",
    "Assignment",
    "Evidence",
    "Fingerprint",
    "Reason",
    "Script",
    "Stored",
    "StoryIndex",
    "StoryItem",
    "Verdict",
    "Veto",
    "Weights",
    "compare",
    "fingerprint",
]
