"""Story clustering: which earlier item, if any, reports the same event as a new one.

Pure: no I/O and no clock (times come with the items, the eviction cut-off from the caller).
``StoryIndex`` holds the items of the window. Candidates for a new item come from
exact-duplicate keys (canonical URL, guid, identical folded title and lead), a MinHash-LSH index
(datasketch signatures, compact bands in ``story_lsh``) of its less frequent content words and,
when entities are known, the latest items naming the same parties; each candidate is confirmed
or vetoed by ``story_compare.compare``. Precision comes first: when in doubt, an item starts a
story of its own.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from datasketch import MinHash

from marsad.watchers.story_compare import (
    DEFAULT_THRESHOLDS,
    Fingerprint,
    Reason,
    Script,
    Stored,
    StoryItem,
    Thresholds,
    Verdict,
    Veto,
    compare,
    fingerprint,
)
from marsad.watchers.story_lsh import BandIndex

PARTY_CANDIDATES = 64
NUM_PERM = 128
LSH_BANDS = (42, 3)
"""42 bands of 3 rows: signature Jaccard 0.35 is found 84% of the time, 0.45 98%, while
unrelated items (Jaccard <= 0.1) come back as candidates less than 4% of the time."""
COMMON_SHARE = 0.05
COMMON_MIN_ITEMS = 30
COMMON_MIN_COUNT = 10
COMMON_RECOUNT = 1000


@dataclass(frozen=True)
class Assignment:
    """Where a new item goes: an earlier item's story, or (``story`` None) a new story."""

    story: int | None
    matched: int | None = None
    reason: Reason | None = None
    score: float = 0.0


def _guid_key(guid: str | None) -> str | None:
    """A guid distinctive enough to identify an article across feeds (not a bare number)."""
    if guid is None:
        return None
    guid = guid.strip()
    return f"guid:{guid}" if len(guid) >= 16 and not guid.isdigit() else None


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

    Bounded: ``evict`` drops items published before a cut-off (the caller passes
    ``now - window``). Not thread-safe; one writer.
    """

    window: timedelta
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    _items: dict[int, Stored] = field(default_factory=dict)
    _exact: dict[str, int] = field(default_factory=dict)
    _by_parties: dict[frozenset[str], dict[int, None]] = field(default_factory=dict)
    _expiry: list[tuple[datetime, int]] = field(default_factory=list)
    _counts: dict[int, int] = field(default_factory=dict)
    _common: frozenset[int] = frozenset()
    _common_size: int = 0
    _changes: int = 0
    _lsh: BandIndex = field(init=False)
    _template: MinHash = field(init=False)

    def __post_init__(self) -> None:
        self._lsh = BandIndex(NUM_PERM, *LSH_BANDS)
        self._template = MinHash(num_perm=NUM_PERM, hashfunc=int)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def story_of(self, item_id: int) -> int | None:
        stored = self._items.get(item_id)
        return stored.story if stored is not None else None

    def common(self) -> frozenset[int]:
        """The boilerplate words (an official's full title, an agency's sign-off): used by more
        than ``COMMON_SHARE`` of the indexed items, once there are ``COMMON_MIN_ITEMS`` to judge
        from. They say nothing about which event an item tells. Recounted as the index changes
        by a few percent, so the cost per item stays small."""
        size = len(self._items)
        if size < COMMON_MIN_ITEMS:
            return frozenset()
        drift = abs(size - self._common_size)
        if drift > max(10, size // 50) or self._changes > COMMON_RECOUNT:
            limit = max(COMMON_MIN_COUNT, int(COMMON_SHARE * size))
            self._common = frozenset(w for w, n in self._counts.items() if n > limit)
            self._common_size, self._changes = size, 0
        return self._common

    def signature(self, print_: Fingerprint) -> MinHash | None:
        """The MinHash of a fingerprint's signature words (None when it has no words); pass
        it to ``find`` and ``add`` to compute it once per item."""
        return self._minhash(print_.signature) if print_.signature else None

    def _minhash(self, words: Iterable[int]) -> MinHash:
        minhash = MinHash(
            num_perm=NUM_PERM,
            hashfunc=int,
            permutations=self._template.permutations,
            scheme=self._template.scheme,
        )
        minhash.update_batch(list(words))
        return minhash

    def find(
        self, item: StoryItem, print_: Fingerprint | None = None, minhash: MinHash | None = None
    ) -> Assignment:
        """The story ``item`` belongs to among the indexed items (``story`` None: a new one)."""
        print_ = print_ or fingerprint(item.title, item.lead)
        for key, reason in _exact_keys(item, print_):
            found = self._exact.get(key)
            if found is not None and found in self._items:
                return Assignment(self._items[found].story, found, reason, 1.0)
        candidates: set[int] = set()
        if print_.signature:
            candidates.update(self._lsh.query(minhash or self._minhash(print_.signature)))
        parties = item.party_set
        if parties and len(parties) >= 2:
            bucket = self._by_parties.get(parties, {})
            # The latest few suffice (both entity rules look back a day at most) and keep the
            # cost flat when one official and one country fill the window.
            candidates.update(islice(reversed(bucket), PARTY_CANDIDATES))
        common = self.common()
        best = Assignment(None)
        for candidate in candidates:
            old = self._items.get(candidate)
            if old is None or abs(item.published - old.published) > self.window:
                continue
            verdict = compare(item, print_, old, self.thresholds, common)
            better = verdict.score > best.score or (
                verdict.score == best.score and best.matched is not None and old.id < best.matched
            )
            if verdict.same and better:
                best = Assignment(old.story, old.id, verdict.reason, verdict.score)
        return best

    def add(
        self,
        item: StoryItem,
        story: int,
        print_: Fingerprint | None = None,
        minhash: MinHash | None = None,
    ) -> None:
        """Index ``item`` as a member of ``story`` (re-adding an indexed item is a no-op)."""
        if item.id in self._items:
            return
        print_ = print_ or fingerprint(item.title, item.lead)
        keys = tuple(key for key, _ in _exact_keys(item, print_))
        stored = Stored.of(item, print_, story, keys)
        self._items[item.id] = stored
        self._changes += 1
        counts = self._counts
        for word in print_.words:
            counts[word] = counts.get(word, 0) + 1
        for key in keys:
            self._exact.setdefault(key, item.id)
        if print_.signature:
            minhash = minhash or self._minhash(print_.signature)
            self._lsh.insert(item.id, minhash)
        if stored.parties and len(stored.parties) >= 2:
            self._by_parties.setdefault(stored.parties, {})[item.id] = None
        heapq.heappush(self._expiry, (item.published, item.id))

    def assign(self, item: StoryItem, new_story: int) -> Assignment:
        """Find ``item``'s story and index it there; ``new_story`` is used when none fits."""
        print_ = fingerprint(item.title, item.lead)
        minhash = self.signature(print_)
        found = self.find(item, print_, minhash)
        self.add(item, found.story if found.story is not None else new_story, print_, minhash)
        return found

    def evict(self, before: datetime) -> int:
        """Drop the items published before ``before``; returns how many left the index."""
        dropped = 0
        while self._expiry and self._expiry[0][0] < before:
            _, item_id = heapq.heappop(self._expiry)
            stored = self._items.pop(item_id, None)
            if stored is None:
                continue
            dropped += 1
            self._changes += 1
            for word in stored.words:
                left = self._counts[word] - 1
                if left:
                    self._counts[word] = left
                else:
                    del self._counts[word]
            for key in stored.keys:
                if self._exact.get(key) == item_id:
                    del self._exact[key]
            if stored.words:
                self._lsh.remove(item_id)
            if stored.parties and len(stored.parties) >= 2:
                members = self._by_parties.get(stored.parties, {})
                members.pop(item_id, None)
                if not members:
                    self._by_parties.pop(stored.parties, None)
        return dropped


__all__ = [
    "DEFAULT_THRESHOLDS",
    "Assignment",
    "Fingerprint",
    "Reason",
    "Script",
    "Stored",
    "StoryIndex",
    "StoryItem",
    "Thresholds",
    "Verdict",
    "Veto",
    "compare",
    "fingerprint",
]
