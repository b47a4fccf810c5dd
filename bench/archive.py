"""Benchmark: archive queries (``/digest 7d QUERY``, the ``/subscribe`` preview, ``marsad
digest``) answered from the archive index, against asking the index alone and the full rescan.

    python3 bench/archive.py [--sizes 15000 50000 150000] [--database sqlite|postgresql]
                             [--rescan-max 15000] [--every-max 150000] [--reindex]
                             [--keep DIR]

Fills a store with N items of real Arabic news from ../shared/speed-corpus (whole articles: the
title, the text, its first 300 characters as the summary; the 5,000 articles cycled, each copy
a distinct item, published over the last week) through ``add_items``, so each item is indexed
as ingest indexes it, with the rules and entities the shipped rule files match in it recorded
(each article matched once, its copies recorded alike).  ``--keep DIR`` keeps the filled
stores and reuses them for a day.  Then, per query of ``QUERIES``:

- index only: the number of candidates of the period the index names and the time to count
  them (what an FTS-only search costs; no exact matching, no digest);
- marsad: ``digests.collect`` as the bot runs it (the ``SHOWN`` best-ranked stories found by
  matching candidates again in rank order, the rest counted from a sample), wall and CPU
  seconds, and the stories it counts (``≈``: estimated); the whole command ``marsad digest
  --since 8d QUERY`` in a child process: wall seconds and its peak RSS (the notes give its
  base: the same command on an empty period, i.e. start-up, rule files and one query);
- every story (sizes up to ``--every-max``): ``collect`` with every candidate matched again
  (``marsad digest --all``, ``/export``; what every query cost before), and the exact count;
  the bench checks that the stories shown are its best-ranked and an exact count is its count;
- full rescan (sizes up to ``--rescan-max``): ``collect`` with every item of the period matched
  again (what each query cost before the index).

``--search`` runs ``/search QUERY 8d`` instead (its first page as the bot makes it: the index's
candidates grouped into stories, checked by the live matcher until a page and one more story
are known, the page's titles read), wall and CPU seconds, the candidate stories, the stories
checked, and the process's peak RSS.

``--reindex`` also times ``archive.reindex`` on the filled store: what migration 0008 costs on
a store of that size.  ``--ingest`` measures what the index adds to ingest: ``add_items`` of
the 5,000 articles, in batches of 20 as a poll stores them, into a fresh store with the index
and into one whose index tables were dropped (CPU ms per item, best of three).  PostgreSQL
runs on databases the bench creates and drops on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, text
from sqlmodel import col, func, select

from marsad.bot import archive_search, digest_reads, digests
from marsad.bot.search_pages import PAGE_SIZE
from marsad.config import SourceConfig
from marsad.matching.engine import Matcher, MatchInput
from marsad.matching.rulefile import load_rules
from marsad.store import archive
from marsad.store.archive_plan import Every
from marsad.store.chats import SubscriptionKind
from marsad.store.engine import open_store, session
from marsad.store.items import NewItem, add_items
from marsad.store.matches import record_many_matches
from marsad.store.sources import sync_sources
from marsad.store.stories import story_of_items
from marsad.store.tables import Item

HERE = Path(__file__).resolve().parents[1]
NOW = datetime.now(UTC).replace(microsecond=0)
WEEK = timedelta(days=7)
SINCE = NOW - timedelta(days=8)
QUERIES = (
    "زلزال",
    "معرض",
    "انتخابات",
    "الرياض",
    '"وزارة الصحة"',
    "نفط AND الرياض",
    "مهرجان OR معرض",
    "@morocco AND سفير",
    "كورونا NEAR/5 حالات",
)
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def corpus() -> list[dict[str, str]]:
    path = HERE.parent / "shared" / "speed-corpus" / "articles.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    # What ingest stores went through clean_text (no control characters; PostgreSQL refuses NUL)
    return [{k: v.replace("\x00", "") for k, v in row.items()} for row in rows]


def fill(engine: Engine, size: int, articles: list[dict[str, str]], matcher: Matcher) -> float:
    """Store ``size`` items (indexed by ``add_items``) with their matches; CPU seconds."""
    found = [
        matcher.match(MatchInput(id="", title=a["title"], summary=a["text"][:300], text=a["text"]))
        for a in articles
    ]
    started = time.process_time()
    with session(engine) as s:
        source = sync_sources(s, [SourceConfig("Bench", "https://bench.example/feed")])["Bench"]
        s.commit()
        for start in range(0, size, 1000):
            drafts = []
            for n in range(start, min(size, start + 1000)):
                article = articles[n % len(articles)]
                drafts.append(
                    NewItem(
                        key=f"url:https://bench.example/{n}", guid=None,
                        url=f"https://bench.example/{n}", canonical_url=None,
                        title=article["title"], summary=article["text"][:300],
                        text=article["text"], published=NOW - WEEK * (n / size),
                        date_missing=False,
                    )
                )  # fmt: skip
            items = add_items(s, source.id or 0, drafts, fetched_at=NOW, backlog=False)
            record_many_matches(
                s,
                (
                    (item.id or 0, r.rules, r.entities)
                    for n, item in enumerate(items, start)
                    for r in (found[n % len(articles)],)
                ),
            )
            s.commit()
    return time.process_time() - started


def index_mb(engine: Engine) -> float:
    """The index's size on disk (SQLite: its FTS5 tables' pages; PostgreSQL: table and GIN)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            size = connection.execute(text("SELECT pg_total_relation_size('archive_words')"))
            return float(size.scalar() or 0) / 1e6
        size = connection.execute(
            text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'archive_words%'")
        )
        return float(size.scalar() or 0) / 1e6


def index_only(engine: Engine, matcher: Matcher, selector: digests.Selector) -> tuple[int, float]:
    """How many items of the period the index names, and the seconds to count them."""
    plan = digest_reads.candidate_plan(matcher, [selector])
    assert plan is not None
    assert not isinstance(plan, Every)
    with session(engine) as s:
        started = time.perf_counter()
        count = s.exec(
            select(func.count())
            .select_from(Item)
            .where(col(Item.published_at) >= SINCE, col(Item.published_at) < NOW)
            .where(archive.candidates(s, plan))
        ).one()
        return int(count), time.perf_counter() - started


def in_process(
    engine: Engine, matcher: Matcher, selector: digests.Selector, shown: int | None = digests.SHOWN
) -> tuple[float, float, digests.Digest]:
    """``digests.collect`` as the bot runs it (``shown`` None: every story, as ``--all`` and
    ``/export`` ask): wall s, CPU s, the digest."""
    with session(engine) as s:
        wall, cpu = time.perf_counter(), time.process_time()
        found = digests.collect(s, matcher, {}, [selector], SINCE, NOW, story_of_items, shown=shown)
        return time.perf_counter() - wall, time.process_time() - cpu, found


def said(found: digests.Digest) -> str:
    """A digest's count as the bench prints it (``≈`` when estimated)."""
    return f"{found.count:,}" if found.exact else f"≈{found.count:,}"


def shown_titles(found: digests.Digest) -> list[list[str]]:
    return [[line.title for line in group.stories] for group in found.groups]


def search_page(engine: Engine, matcher: Matcher, query: str) -> tuple[float, float, int, int]:
    """``/search QUERY 8d``'s first page as the bot makes it: wall s, CPU s, candidate stories,
    stories checked."""
    target = archive_search.Target(SubscriptionKind.QUERY, query)
    wall, cpu = time.perf_counter(), time.process_time()
    with digests.AdHocQuery(matcher, query) as selector, session(engine) as s:
        candidates = archive_search.read_candidates(s, matcher, target, selector.target, SINCE, NOW)
        found = archive_search.Found(target, SINCE, NOW, candidates)
        asyncio.run(archive_search.verify(found, engine, matcher, selector.target, PAGE_SIZE + 1))
        shown = archive_search.describe(s, found.hits[:PAGE_SIZE])
    assert len(shown) == min(PAGE_SIZE, len(found.hits))
    return time.perf_counter() - wall, time.process_time() - cpu, len(candidates), found.checked


def searches(
    sizes: list[int],
    kind: str,
    articles: list[dict[str, str]],
    matcher: Matcher,
    keep: Path | None = None,
) -> None:
    """The ``--search`` table."""
    print(f"| items in the week ({kind}) | query | /search page 1: wall s / CPU s "
          "| candidate stories | stories checked | peak RSS MB |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for size in sizes:
        with database(kind, keep, size) as url:
            engine = open_store(url)
            filled(engine, size, articles, matcher)
            for query in QUERIES:
                wall, cpu, candidates, checked = search_page(engine, matcher, query)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"| {size:,} | `{query}` | {wall:.2f} / {cpu:.2f} | {candidates:,} "
                      f"| {checked} | {rss:.0f} |", flush=True)  # fmt: skip
            engine.dispose()


@contextmanager
def rescanning() -> Iterator[None]:
    real = digest_reads.candidate_plan
    digest_reads.candidate_plan = lambda *_a: digest_reads.EVERY
    try:
        yield
    finally:
        digest_reads.candidate_plan = real


def command(config: Path, since: str, query: str) -> tuple[float, float]:
    """``marsad digest`` in a child process: wall seconds and peak RSS in MB."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "marsad", "digest", "--config", str(config), "--since", since,
         query],
        cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        assert child.stderr is not None
        raise SystemExit(f"marsad digest failed: {child.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def ingest_cost(kind: str, articles: list[dict[str, str]]) -> str:
    """``add_items`` CPU ms per item with the archive index and without it."""
    costs: dict[bool, float] = {}
    for indexed in (True, False, True, False, True, False):
        with database(kind) as url:
            engine = open_store(url)
            if not indexed:
                with engine.begin() as connection:
                    archive.drop(connection)
                archive.forget(engine)
            with session(engine) as s:
                source = sync_sources(s, [SourceConfig("B", "https://b.example/")])["B"]
                s.commit()
                spent = 0.0
                for start in range(0, len(articles), 20):
                    drafts = [
                        NewItem(
                            key=f"k{n}", guid=None, url=f"https://b.example/{n}",
                            canonical_url=None, title=a["title"], summary=a["text"][:300],
                            text=a["text"], published=NOW, date_missing=False,
                        )
                        for n, a in enumerate(articles[start : start + 20], start)
                    ]  # fmt: skip
                    started = time.process_time()
                    add_items(s, source.id or 0, drafts, fetched_at=NOW, backlog=False)
                    s.commit()
                    spent += time.process_time() - started
            engine.dispose()
        per_item = spent / len(articles) * 1000
        costs[indexed] = min(costs.get(indexed, per_item), per_item)
    return (
        f"| ingest ({kind}) | add_items CPU ms/item |\n|---|---|\n"
        f"| with the archive index | {costs[True]:.3f} |\n"
        f"| without it | {costs[False]:.3f} |"
    )


@contextmanager
def database(kind: str, keep: Path | None = None, size: int = 0) -> Iterator[str]:
    """A store to fill: a fresh one (dropped afterwards), or with ``keep`` one kept between runs
    (``keep/archive-SIZE.db``, or the PostgreSQL database ``marsad_bench_keep_SIZE``)."""
    if keep is not None:
        yield _kept(kind, keep, size)
        return
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="marsad-bench-archive-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"marsad_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _kept(kind: str, keep: Path, size: int) -> str:
    if kind == "sqlite":
        keep.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{keep}/archive-{size}.db"
    name = f"marsad_bench_keep_{size}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not found:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def filled(engine: Engine, size: int, articles: list[dict[str, str]], matcher: Matcher) -> str:
    """Fill the store unless it holds ``size`` items already (a kept store less than a day old:
    its items stay within the queries' 8 days); a note on what was done."""
    try:
        return _filled(engine, size, articles, matcher)
    finally:
        if engine.dialect.name == "postgresql":  # as autovacuum would after a bulk load
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))


def _filled(engine: Engine, size: int, articles: list[dict[str, str]], matcher: Matcher) -> str:
    with session(engine) as s:
        held = s.exec(select(func.count()).select_from(Item)).one()
        newest = s.exec(select(func.max(Item.published_at))).one()
    if held == size and newest is not None:
        age = NOW - (newest if newest.tzinfo else newest.replace(tzinfo=UTC))
        if age < timedelta(days=1):
            return f"{size:,}: kept store reused (filled {age.total_seconds() / 3600:.1f} h ago)"
    if held:
        raise SystemExit(f"the kept store holds {held} items (or is a day old): remove it")
    return f"{size:,}: fill {fill(engine, size, articles, matcher):.0f} CPU s"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[15_000, 50_000, 150_000])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rescan-max", type=int, default=15_000)
    parser.add_argument("--every-max", type=int, default=150_000)
    parser.add_argument("--reindex", action="store_true")
    parser.add_argument("--ingest", action="store_true")
    parser.add_argument("--search", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep filled stores between runs (SQLite files in DIR; PostgreSQL "
                        "databases marsad_bench_keep_SIZE) and reuse them for a day")  # fmt: skip
    args = parser.parse_args()
    articles = corpus()
    if args.ingest:
        print(ingest_cost(args.database, articles))
        return 0
    matcher = Matcher.compile(load_rules([HERE / "marsad" / "rules"]))
    if args.search:
        searches(args.sizes, args.database, articles, matcher, args.keep)
        return 0
    print(
        f"| items in the week ({args.database}) | query | index only: candidates / ms "
        f"| marsad ({digests.SHOWN} shown): wall s / CPU s | stories counted "
        "| marsad digest: wall s / peak RSS MB | every story: wall s / CPU s, stories "
        "| full rescan: wall s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    notes: list[str] = []
    for size in args.sizes:
        with database(args.database, args.keep, size) as url:
            engine = open_store(url)
            notes.append(filled(engine, size, articles, matcher))
            notes.append(f"{size:,}: index {index_mb(engine):.0f} MB")
            with tempfile.TemporaryDirectory() as folder:
                config = Path(folder) / "config.toml"
                config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
                _, base = command(config, "1s", QUERIES[0])
                for query in QUERIES:
                    with digests.AdHocQuery(matcher, query) as selector:
                        count, ms = index_only(engine, matcher, selector)
                        wall, cpu, found = in_process(engine, matcher, selector)
                        every = rescan = "–"
                        if size <= args.every_max:
                            all_wall, all_cpu, whole = in_process(engine, matcher, selector, None)
                            every = f"{all_wall:.2f} / {all_cpu:.2f}, {whole.count:,}"
                            tops = [titles[: digests.SHOWN] for titles in shown_titles(whole)]
                            assert shown_titles(found) == tops, query
                            assert not found.exact or found.count == whole.count, query
                        if size <= min(args.rescan_max, args.every_max):
                            with rescanning():
                                again, _, same = in_process(engine, matcher, selector, None)
                            assert same.count == whole.count, (query, same.count, whole.count)
                            rescan = f"{again:.2f}"
                    cmd_wall, rss = command(config, "8d", query)
                    print(
                        f"| {size:,} | `{query}` | {count:,} / {ms * 1000:.1f} "
                        f"| {wall:.2f} / {cpu:.2f} | {said(found)} "
                        f"| {cmd_wall:.2f} / {rss:.0f} | {every} | {rescan} |",
                        flush=True,
                    )
                notes.append(f"{size:,}: marsad digest on an empty period: peak RSS {base:.0f} MB")
            if args.reindex:
                with engine.begin() as connection:
                    connection.execute(text("UPDATE archive_state SET scheme = ''"))
                    started = time.perf_counter()
                    archive.reindex(connection)
                    notes.append(f"{size:,}: reindex {time.perf_counter() - started:.0f} s")
            engine.dispose()
    print()
    for note in notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
