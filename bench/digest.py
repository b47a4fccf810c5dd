"""Benchmark: a digest of a week for entity subscriptions, read from the stored matches,
against the full rescan (every item of the period read, texts included) in the same run.

    python3 bench/digest.py [--sizes 15000 150000] [--database sqlite|postgresql]

Fills a store with N items of real Arabic news text from ../shared/speed-corpus (cycled, each
copy a distinct item; 1,500 characters of article text each) published over the last week,
and stores for 2 % of them a match of the entity asked for (what ingest records). Then, per
size: ``digests.collect`` for one entity selector as Marsad runs it, and the same with
``digest_reads.candidate_plan`` forced to ``EVERY`` (every item of the period read and matched
again: the full rescan every digest used to be), wall time and the
Python heap peak of each (tracemalloc). PostgreSQL uses a database it creates and drops on
127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, text

from marsad.bot import digest_reads, digests
from marsad.bot.digests import Selector
from marsad.config import SourceConfig
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
from marsad.store.chats import SubscriptionKind
from marsad.store.engine import open_store, session
from marsad.store.items import NewItem, add_items
from marsad.store.matches import record_many_matches
from marsad.store.sources import sync_sources
from marsad.store.stories import story_of_items

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
HERE = Path(__file__).resolve().parents[1]


def corpus() -> list[dict[str, str]]:
    path = HERE.parent / "shared" / "speed-corpus" / "articles.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    # What ingest stores went through clean_text (no control characters; PostgreSQL refuses NUL)
    return [{k: v.replace("\x00", "") for k, v in row.items()} for row in rows]


def fill(url: str, size: int, articles: list[dict[str, str]]) -> None:
    engine = open_store(url)
    with session(engine) as s:
        source = sync_sources(s, [SourceConfig("Bench", "https://bench.example/feed")])["Bench"]
        s.commit()
        for start in range(0, size, 2000):
            drafts = []
            for n in range(start, min(size, start + 2000)):
                article = articles[n % len(articles)]
                drafts.append(
                    NewItem(
                        key=f"url:https://bench.example/{n}", guid=None,
                        url=f"https://bench.example/{n}", canonical_url=None,
                        title=article["title"], summary=article.get("text", "")[:300],
                        text=article.get("text", "")[:1500],
                        published=NOW - timedelta(days=7) * (n / size),
                        date_missing=False,
                    )
                )  # fmt: skip
            items = add_items(s, source.id or 0, drafts, fetched_at=NOW, backlog=False)
            matched = [(i.id or 0, (), ("hammouchi",)) for i in items if (i.id or 0) % 50 == 0]
            record_many_matches(s, matched)
            s.commit()
    engine.dispose()


def measure(run: Callable[[], digests.Digest]) -> tuple[float, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    found = run()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 1e6, found.count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[15_000, 150_000])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    articles = corpus()
    matcher = Matcher.compile(load_rules([HERE / "marsad" / "rules"]))
    selectors = [Selector("@hammouchi", SubscriptionKind.ENTITY, "hammouchi")]
    print(f"| items in the week ({args.database}) | way | wall s | heap peak MB | stories |")
    print("|---|---|---|---|---|")
    for size in args.sizes:
        if args.database == "sqlite":
            folder = Path(f"/tmp/marsad-bench-digest-{uuid.uuid4().hex}")
            folder.mkdir()
            url = f"sqlite:///{folder / 'bench.db'}"
        else:
            name = f"marsad_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                                  isolation_level="AUTOCOMMIT")  # fmt: skip
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        fill(url, size, articles)
        engine = open_store(url)
        real = digest_reads.candidate_plan
        ways: dict[str, Callable[..., digest_reads.Plan | digest_reads.Every | None]] = {
            "stored matches (marsad)": real,
            "full rescan (before)": lambda *_a: digest_reads.EVERY,
        }
        for label, plan in ways.items():
            digest_reads.candidate_plan = plan

            def run(engine: Engine = engine) -> digests.Digest:
                with session(engine) as s:
                    return digests.collect(
                        s, matcher, {}, selectors, NOW - timedelta(days=7, minutes=1),
                        NOW + timedelta(minutes=1), story_of_items,
                    )  # fmt: skip

            seconds, peak, count = measure(run)
            print(f"| {size:,} | {label} | {seconds:.2f} | {peak:.0f} | {count} |")
        engine.dispose()
        if args.database == "postgresql":
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
