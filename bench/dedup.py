"""Benchmark: story assignment per new item with 10,000 and 100,000 items in the window,
against the naive pairwise comparison (every new item weighed against every indexed item).

    python bench/dedup.py [--sizes 10000 100000] [--new 2000] [--naive-seconds 30]
                          [--store 10000 100000]

Items are synthetic Arabic news: a title of 8-12 words and a lead of 40-60, drawn from the
5,000 most common Arabic words (wordfreq, Zipf-weighted as in real text), with one of 20
boilerplate phrases (an official's full title, an agency sign-off) in half of them and a few
rare "names" (made-up words) per event. Each timed batch of new items is 30% rewrites of
indexed items (a fifth of the words replaced, sentences swapped), 10% verbatim copies from
another outlet and 60% new events.

Measured per size, all times CPU seconds (``time.process_time``), so they stay comparable on a
busy machine:

- rebuild: filling an empty ``StoryIndex`` with the window's items (``add``: fingerprint, word
  rarity counts, rare-word postings), which is what a restart costs before reading the store;
- index MB: the resident memory (RSS) the filled index added, the word caches included;
- assign: ``StoryIndex.assign`` per new item (fingerprint, exact keys, candidates from the
  rare-word postings, ``compare`` of each, indexing), over the whole batch; ``find`` p95 is the
  95th percentile of ``find`` alone on the filled index;
- naive: ``find`` with every indexed item as a candidate (the same ``compare``, the same
  ``rarity``, the same decision rule; exact duplicates short-circuit in both), for as many new
  items as fit in its budget; "index = naive" is the share of those items given the same story
  (or none) by both, so it measures what candidate retrieval misses;
- candidates and postings scanned: the mean number of items ``compare`` weighs per new item
  and of posting entries read to find them (what makes assignment grow with the window).

``--store`` sizes run the store-backed stage on a real SQLite file: the window ingested through
``StoryAssigner.assign_stories`` in batches of 500, then new items in poll-sized batches of 20
(index, story rows, counts, representative; the commit excluded), then a restart: a fresh
``StoryAssigner`` rebuilds its index from the file (CPU and wall seconds). Filling the file
goes through the ingest stage item by item and takes about 3 minutes at 100,000; ``--store
10000`` (or ``--store`` alone, to skip it) shortens the run.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import wordfreq
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marsad.config import SourceConfig
from marsad.store.engine import open_store, session
from marsad.store.items import NewItem, add_items
from marsad.store.sources import sync_sources
from marsad.watchers.stories import Fingerprint, StoryIndex, StoryItem, fingerprint
from marsad.watchers.stories_ingest import StoryAssigner
from marsad.watchers.story_postings import POSTING_CAP

WINDOW = timedelta(hours=72)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class Corpus:
    """Deterministic synthetic Arabic items."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words = wordfreq.top_n_list("ar", 5000)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]
        letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
        self.names = [
            "".join(self.rng.choices(letters, k=self.rng.randint(4, 8))) for _ in range(50_000)
        ]
        self.boilerplate = [
            " ".join(self.rng.choices(self.words[:800], k=self.rng.randint(6, 10)))
            for _ in range(20)
        ]

    def _words(self, count: int) -> list[str]:
        return self.rng.choices(self.words, weights=self.weights, k=count)

    def event(self) -> tuple[str, str]:
        names = self.rng.sample(self.names, 3)
        title = self._words(self.rng.randint(6, 9)) + names[:2]
        lead = self._words(self.rng.randint(40, 60))
        for name in names:
            lead.insert(self.rng.randrange(len(lead)), name)
        self.rng.shuffle(title)
        text = " ".join(lead)
        if self.rng.random() < 0.5:
            text = self.rng.choice(self.boilerplate) + " " + text
        return " ".join(title), text

    def rewrite(self, title: str, lead: str) -> tuple[str, str]:
        words = lead.split()
        for _ in range(len(words) // 5):
            words[self.rng.randrange(len(words))] = self._words(1)[0]
        half = len(words) // 2
        words = words[half:] + words[:half]
        new_title = title.split()
        self.rng.shuffle(new_title)
        return " ".join(new_title[:-1] + self._words(1)), " ".join(words)


@dataclass(frozen=True)
class Result:
    size: int
    fill_s: float
    per_item_ms: float
    p95_ms: float
    naive_ms: float
    naive_items: int
    agreement: float
    joined: float
    rss_mb: float
    candidates: float
    scanned: float


def history(corpus: Corpus, size: int) -> list[StoryItem]:
    """``size`` items spread over the window, from 200 outlets."""
    items = []
    for number in range(1, size + 1):
        title, lead = corpus.event()
        published = NOW - WINDOW * (1 - number / (size + 1))
        items.append(StoryItem(number, number % 200, published, title, lead))
    return items


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def fill(items: list[StoryItem]) -> tuple[StoryIndex, float, float]:
    """The index of ``items``: CPU seconds and resident MB it took."""
    before, started = rss_mb(), time.process_time()
    index = StoryIndex(WINDOW)
    for item in items:
        index.add(item, story=item.id)
    return index, time.process_time() - started, rss_mb() - before


def batch(corpus: Corpus, indexed: list[StoryItem], count: int, first_id: int) -> list[StoryItem]:
    new = []
    for n in range(count):
        roll = corpus.rng.random()
        published = NOW + timedelta(seconds=n)
        source = 1000 + n % 50
        if roll < 0.3:
            base = corpus.rng.choice(indexed[-len(indexed) // 3 :])
            title, lead = corpus.rewrite(base.title, base.lead)
        elif roll < 0.4:
            base = corpus.rng.choice(indexed[-len(indexed) // 3 :])
            title, lead = base.title, base.lead
        else:
            title, lead = corpus.event()
        new.append(StoryItem(first_id + n, source, published, title, lead))
    return new


class Everyone(StoryIndex):
    """The naive search: every indexed item is a candidate."""

    def candidates(self, item: StoryItem, print_: Fingerprint) -> set[int]:
        return set(self._items)


def naive(index: StoryIndex, new: list[StoryItem], budget: float) -> tuple[float, list[int | None]]:
    """``find`` against every indexed item (the index's own state, not copied); stop when the
    budget is spent. Returns CPU seconds per item and the stories found."""
    everyone = Everyone(**{f.name: getattr(index, f.name) for f in fields(StoryIndex)})
    found: list[int | None] = []
    start = time.process_time()
    for item in new:
        found.append(everyone.find(item).story)
        if time.process_time() - start > budget:
            break
    return (time.process_time() - start) / max(1, len(found)), found


def scanned(index: StoryIndex, print_: Fingerprint) -> int:
    """Posting entries ``candidates`` reads for ``print_`` (lists over the cap are skipped)."""
    lists = index._postings._lists
    lengths = (len(lists.get(word, ())) for word in print_.searchable)
    return sum(n for n in lengths if n <= POSTING_CAP)


def run(size: int, new_count: int, budget: float) -> Result:
    corpus = Corpus()
    indexed = history(corpus, size)
    new = batch(corpus, indexed, new_count, size + 1)
    fingerprint("تسخين", "تحميل قائمة الكلمات الشائعة مرة واحدة")  # wordfreq, once per process
    index, fill_s, rss = fill(indexed)
    naive_cost, naive_found = naive(index, new, budget)
    timings, found = [], []
    for item in new:
        t0 = time.process_time()
        found.append(index.find(item).story)
        timings.append(time.process_time() - t0)
    prints = [fingerprint(item.title, item.lead) for item in new]
    candidates = sum(len(index.candidates(i, p)) for i, p in zip(new, prints, strict=True))
    postings = sum(scanned(index, p) for p in prints)
    # Assignment proper (find + add) over the whole batch, for the mean.
    t0 = time.process_time()
    for item in new:
        index.assign(item, new_story=item.id)
    per_item = (time.process_time() - t0) / len(new)
    agree = sum(1 for a, b in zip(found, naive_found, strict=False) if a == b) / len(naive_found)
    timings.sort()
    return Result(
        size=size,
        fill_s=fill_s,
        per_item_ms=per_item * 1000,
        p95_ms=timings[int(len(timings) * 0.95)] * 1000,
        naive_ms=naive_cost * 1000,
        naive_items=len(naive_found),
        agreement=agree,
        joined=sum(1 for story in found if story is not None) / len(found),
        rss_mb=rss,
        candidates=candidates / len(new),
        scanned=postings / len(new),
    )


@dataclass(frozen=True)
class StoreResult:
    size: int
    ingest_s: float
    per_item_ms: float
    rebuild_s: float
    rebuild_wall_s: float
    rebuilt: int


def store_cost(size: int, new_count: int, batch_size: int = 20) -> StoreResult:
    """The whole ingest stage on a real SQLite file: ``size`` items stored with their stories
    first (CPU seconds), then ``new_count`` new items in poll-sized batches through
    ``StoryAssigner.assign_stories`` (index lookup, story rows, counts, representative; ms per
    item, the commit is the poller's and not counted), then a restart: a fresh
    ``StoryAssigner`` builds its index from the file (CPU and wall seconds)."""
    corpus = Corpus()
    indexed = history(corpus, size)
    new = batch(corpus, indexed, new_count, size + 1)
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{folder}/bench.db")
        with session(engine) as s:
            sources = sync_sources(
                s, [SourceConfig(f"s{n}", f"https://s{n}.example/") for n in range(50)]
            )
            s.commit()
        ids = [row.id or 0 for row in sources.values()]
        assigner = StoryAssigner(WINDOW)
        started = time.process_time()
        for chunk in range(0, size, 500):
            _store_batch(engine, assigner, ids, indexed[chunk : chunk + 500], timed=False)
        ingest_s = time.process_time() - started
        spent = 0.0
        for chunk in range(0, len(new), batch_size):
            spent += _store_batch(
                engine, assigner, ids, new[chunk : chunk + batch_size], timed=True
            )
        del assigner
        restarted = StoryAssigner(WINDOW)
        with session(engine) as s:
            started, wall = time.process_time(), time.perf_counter()
            restarted.assign_stories(s, [], None, NOW + timedelta(minutes=1))
            rebuild_s = time.process_time() - started
            rebuild_wall_s = time.perf_counter() - wall
            s.rollback()
        engine.dispose()
    return StoreResult(
        size=size,
        ingest_s=ingest_s,
        per_item_ms=spent / len(new) * 1000,
        rebuild_s=rebuild_s,
        rebuild_wall_s=rebuild_wall_s,
        rebuilt=len(restarted.index),
    )


def _store_batch(
    engine: Engine,
    assigner: StoryAssigner,
    sources: list[int],
    items: list[StoryItem],
    *,
    timed: bool,
) -> float:
    source = sources[items[0].id % len(sources)]
    drafts = [
        NewItem(
            key=f"k{item.id}", guid=None, url=f"https://x.example/{item.id}",
            canonical_url=f"https://x.example/{item.id}", title=item.title, summary=item.lead,
            text="", published=item.published, date_missing=False,
        )
        for item in items
    ]  # fmt: skip
    with session(engine) as s:
        stored = add_items(s, source, drafts, fetched_at=NOW, backlog=False)
        started = time.process_time()
        assigner.assign_stories(s, stored, None, NOW + timedelta(minutes=1))
        spent = time.process_time() - started
        s.commit()
    return spent if timed else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--new", type=int, default=2000, help="new items timed per size")
    parser.add_argument("--naive-seconds", type=float, default=30.0, help="naive budget per size")
    parser.add_argument(
        "--store",
        type=int,
        nargs="*",
        default=[10_000, 100_000],
        help="sizes for the SQLite ingest path and restart (none: skip it)",
    )
    args = parser.parse_args()
    print(
        "| items in window | rebuild (fill) s | index MB | assign ms/item | find p95 ms "
        "| naive ms/item (items) | index = naive | joined a story | candidates/item "
        "| postings scanned/item |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        r = run(size, args.new, args.naive_seconds)
        print(
            f"| {r.size:,} | {r.fill_s:.1f} | {r.rss_mb:.0f} | {r.per_item_ms:.3f} | "
            f"{r.p95_ms:.3f} | {r.naive_ms:.1f} ({r.naive_items}) | {r.agreement:.1%} | "
            f"{r.joined:.0%} | {r.candidates:.1f} | {r.scanned:,.0f} |",
            flush=True,
        )
    if args.store:
        print(
            "\n| items in window (SQLite) | ingest of the window s | ingest stage ms/item "
            "| restart rebuild CPU s (wall s) | items rebuilt |\n|---|---|---|---|---|"
        )
    for size in args.store:
        s = store_cost(size, min(args.new, 1000))
        print(
            f"| {size:,} | {s.ingest_s:.1f} | {s.per_item_ms:.3f} | "
            f"{s.rebuild_s:.1f} ({s.rebuild_wall_s:.1f}) | {s.rebuilt:,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
