"""Benchmark: poll cycles of 1,000 feeds served on loopback, and `marsad run`'s memory.

    python bench/poll.py [--feeds 1000] [--items 20] [--full-baseline] [--run-baseline REV]

Part 1, the poll cycle: 1,000 RSS feeds served by the tests' HTTP server in a child process (so
the CPU time measured is the poller's alone, parsing workers included), polled cold (every item
new, stored in a real SQLite file) and then all-304. Variants in the same run: feedparser alone
in a pool of parsing processes (how polls ran before), the fast path (fastfeedparser) in that
pool, and the fast path in the event loop's thread pool (how they run now); "poll only" is
fetch, parse, store; "full ingest" is what `marsad poll` does (also matching against the shipped
rules, stories, fan-out). ``--full-baseline`` adds full ingest with feedparser in the pool.

Part 2, `marsad run`: the real command on a configuration of the same 1,000 feeds (shipped
rules, a fake Telegram Bot API from tests/fakebot.py), until every source has been polled twice:
cycle 1 stores 20 items per feed, cycle 2 finds 5 new ones in each. The RSS of the whole process
tree (the service and any worker processes) is sampled every 0.25 s; reported at start, at its
peak and after the two cycles. ``--run-baseline REV`` runs the same on the package as it was at
git revision REV (``git archive``, in a temporary folder) for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marsad.bot.wiring import make_fetcher, make_matcher, make_poller
from marsad.config import Config, DatabaseConfig, PollingConfig, SourceConfig
from marsad.matching.engine import Matcher
from marsad.store.engine import open_store
from marsad.watchers.feeds import parse_feed
from marsad.watchers.poller import Poller, PollStatus, feed_drafts
from tests.fakebot import FakeTelegram
from tests.httpserver import Response, SubprocessHTTPServer

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "speed-corpus" / "articles.jsonl"
FEED_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Article:
    ident: str
    title: str
    text: str


def read_corpus() -> list[Article]:
    """The speed corpus in its order (real Arabic news, each article used once per store)."""
    with CORPUS.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    return [Article(str(r["id"]), str(r["title"]), str(r["text"])) for r in rows]


def feed(index: int, articles: list[Article]) -> bytes:
    """Feed ``index`` holding ``articles`` (newest first) the way news sites publish them: a
    title, a lead as the description, the whole article as content:encoded."""
    entries = []
    for n, article in reversed(list(enumerate(articles))):
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article.text.split("\n") if p.strip())
        lead = escape(article.text[:300])
        entries.append(
            f"<item><title>{escape(article.title)}</title>"
            f"<link>https://source{index}.example/news/{article.ident}</link>"
            f"<guid isPermaLink='false'>{article.ident}</guid>"
            f"<pubDate>Sat, {1 + n % 28:02d} Nov 2026 10:00:00 +0100</pubDate>"
            f"<description>{lead}</description>"
            f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
        "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel>"
        f"<title>مصدر {index}</title><link>https://source{index}.example/</link>"
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


def feeds_of(corpus: list[Article], count: int, items: int) -> list[bytes]:
    """``count`` feeds of ``items`` articles each, every article in one feed only."""
    if count * items > len(corpus):
        raise SystemExit(f"{count} feeds x {items} items need more than {len(corpus)} articles")
    return [feed(i, corpus[i * items : (i + 1) * items]) for i in range(count)]


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) of this process and the given worker processes."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def print_table(header: str, titles: list[str], rows: list[list[str]]) -> None:
    table = [titles, *rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(titles))]
    print(header)
    for number, line in enumerate(table):
        print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |")
        if number == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print()


# -- part 1: poll cycles -----------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    name: str
    ingest: bool
    fast_path: bool
    pool: bool


@contextmanager
def executor_for(variant: Variant) -> Iterator[Executor | None]:
    """A pool of parsing processes, one per core (what `marsad run` had before), or None."""
    if not variant.pool:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=context) as pool:
        yield pool


async def cycles(
    variant: Variant, urls: list[str], folder: str, args: argparse.Namespace, matcher: Matcher
) -> list[list[str]]:
    config = Config(
        base_dir=Path(folder),
        database=DatabaseConfig(url=f"sqlite:///{folder}/{abs(hash(variant))}.db"),
        polling=PollingConfig(concurrency=args.concurrency, per_host=args.per_host),
        sources=tuple(SourceConfig(name=f"source-{i}", url=u) for i, u in enumerate(urls)),
    )
    engine = open_store(config.database.url)
    now = [datetime(2026, 11, 22, 12, 0, tzinfo=UTC)]
    rows: list[list[str]] = []
    with executor_for(variant) as executor:
        async with make_fetcher(config) as fetcher:
            if variant.ingest:
                poller = make_poller(config, engine, fetcher, matcher=matcher, clock=lambda: now[0])
                poller.executor, poller.fast_path = executor, variant.fast_path
            else:
                poller = Poller(
                    config,
                    engine,
                    fetcher,
                    clock=lambda: now[0],
                    executor=executor,
                    fast_path=variant.fast_path,
                )
            if executor is not None:  # start the workers before the clock runs
                list(executor.map(abs, range(8)))
            workers = list(getattr(executor, "_processes", {}) or {})
            wanted = [("cold", PollStatus.NEW), ("all 304", PollStatus.NOT_MODIFIED)]
            for label, status in wanted[: 1 if args.cold_only and not variant.ingest else 2]:
                cpu, wall = cpu_seconds(workers), time.perf_counter()
                reports = await poller.poll_all()
                seconds = time.perf_counter() - wall
                used = cpu_seconds(workers) - cpu
                good = sum(1 for r in reports if r.status is status)
                stored = sum(len(r.new_items) for r in reports)
                note = f"{good}/{len(reports)} {status.value}, {stored} items stored"
                errors = sorted({r.error for r in reports if r.error})
                if errors:
                    note += f"; errors: {errors[:2]}"
                feeds = len(reports)
                rows.append(
                    [
                        f"{variant.name}, {label}",
                        f"{seconds:.2f}",
                        f"{feeds / seconds:,.0f}",
                        f"{1000 * used / feeds:.2f}",
                        note,
                    ]
                )
                now[0] += timedelta(minutes=10)
    engine.dispose()
    return rows


def poll_cycles(args: argparse.Namespace, corpus: list[Article]) -> None:
    bodies = feeds_of(corpus, args.feeds, args.items)
    routes = {
        f"/feed/{i}": Response(body=body, etag=f'"v{i}"', headers=FEED_HEADERS)
        for i, body in enumerate(bodies)
    }
    sample = bodies[0]
    size_kb = sum(map(len, bodies)) / len(bodies) / 1024
    reader = parse_feed(sample, FEED_HEADERS, "http://127.0.0.1/feed/0").reader
    variants = [
        Variant("poll only, feedparser in 2 processes (before)", False, False, True),
        Variant("poll only, fast path in 2 processes", False, True, True),
        Variant("poll only, fast path in a thread (now)", False, True, False),
        Variant("full ingest, fast path in a thread (now)", True, True, False),
    ]
    if args.full_baseline:
        variants.append(
            Variant("full ingest, feedparser in 2 processes (before)", True, False, True)
        )
    parsing: list[list[str]] = []
    for label, fast_path in (("feedparser alone (before)", False), ("fast path (now)", True)):
        cpu = time.process_time()
        drafts = [
            feed_drafts(body, FEED_HEADERS, f"http://127.0.0.1/feed/{i}", NOW, fast_path)
            for i, body in enumerate(bodies)
        ]
        used = time.process_time() - cpu
        readers = Counter(str(d.reader) for d in drafts)
        items = sum(len(d.drafts) for d in drafts)
        parsing.append(
            [label, f"{1000 * used / len(bodies):.2f}", f"{items}", ", ".join(sorted(readers))]
        )
    print_table(
        f"Parsing and item drafts alone (`poller.feed_drafts`), {len(bodies)} feeds in one "
        "thread, CPU time",
        ["parser", "CPU ms/feed", "items", "read by"],
        parsing,
    )
    if args.parse_only:
        return
    matcher = make_matcher(Config())  # the shipped rules, as `marsad poll` uses them
    rows: list[list[str]] = []
    with SubprocessHTTPServer(routes) as server, tempfile.TemporaryDirectory() as folder:
        urls = [server.url(f"/feed/{i}") for i in range(args.feeds)]
        for variant in variants:
            rows.extend(asyncio.run(cycles(variant, urls, folder, args, matcher)))
    print_table(
        f"{args.feeds} feeds x {args.items} real articles ({size_kb:.1f} KB on average, read by "
        f"{reader} on the fast path) on one loopback host; concurrency {args.concurrency}, "
        f"per-host limit {args.per_host}; SQLite store in a temp folder; CPU includes parsing "
        "worker processes",
        ["cycle", "wall s", "feeds/s", "CPU ms/feed", "notes"],
        rows,
    )


# -- part 2: `marsad run` memory ---------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def tree_cpu(pids: list[int]) -> float:
    return cpu_seconds(pids) - time.process_time()


@dataclass(frozen=True)
class RunMemory:
    name: str
    processes: int
    start_mb: float
    peak_mb: float
    after_mb: float
    seconds: float
    cpu: float
    stored: str


def run_service(
    name: str, package_root: Path, args: argparse.Namespace, corpus: list[Article]
) -> RunMemory:
    """`marsad run` from ``package_root`` until every source was polled twice: the second
    time each feed has one more article (from the corpus articles no feed used yet)."""
    first = feeds_of(corpus, args.feeds, args.items)
    extra = corpus[args.feeds * args.items :]
    if len(extra) < args.feeds:
        raise SystemExit("the corpus has no new article left for every feed's second cycle")
    routes = {
        f"/feed/{i}": [
            Response(body=body, etag=f'"a{i}"', headers=FEED_HEADERS),
            Response(
                body=feed(i, [*corpus[i * args.items : (i + 1) * args.items], extra[i]]),
                etag=f'"b{i}"',
                headers=FEED_HEADERS,
            ),
        ]
        for i, body in enumerate(first)
    }
    with (
        SubprocessHTTPServer(routes) as server,
        FakeTelegram() as telegram,
        tempfile.TemporaryDirectory() as folder,
    ):
        sources = "".join(
            f'[[sources]]\nname = "source-{i}"\nurl = "{server.url(f"/feed/{i}")}"\n'
            for i in range(args.feeds)
        )
        config = (
            f'[database]\nurl = "sqlite:///{folder}/marsad.db"\n'
            f'[polling]\ninterval = "{args.run_interval}s"\n'
            f'[telegram]\ntoken_env = "BENCH_TOKEN"\nbase_url = "{telegram.base_url}"\n' + sources
        )
        (Path(folder) / "config.toml").write_text(config, encoding="utf-8")
        env = {**os.environ, "BENCH_TOKEN": telegram.token, "PYTHONPATH": str(package_root)}
        command = [sys.executable, "-m", "marsad", "run", "--config", "config.toml"]
        with open(Path(folder) / "run.log", "w") as log:
            process = subprocess.Popen(
                command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        wall = time.perf_counter()
        start_mb = peak = 0.0
        try:
            while (polled := server.stats()["requests"]) < 2 * args.feeds:
                if process.poll() is not None:
                    raise RuntimeError((Path(folder) / "run.log").read_text()[-2000:])
                current = rss_mb(tree(process.pid))
                peak = max(peak, current)
                if polled == 0:
                    start_mb = current  # the latest reading before the first poll
                time.sleep(0.25)
            # The second cycle's last items may still be in the store's transaction: wait
            # until the tree spends under 10 % of a core for a second (at most 60 s).
            quiet_by = time.perf_counter() + 60
            spent = tree_cpu(tree(process.pid))
            while time.perf_counter() < quiet_by:
                time.sleep(1)
                pids = tree(process.pid)
                peak = max(peak, rss_mb(pids))
                previous, spent = spent, tree_cpu(pids)
                if spent - previous < 0.1:
                    break
            seconds = time.perf_counter() - wall
            pids = tree(process.pid)
            after = rss_mb(pids)
            cpu = tree_cpu(pids)
        finally:
            process.terminate()
            process.wait(timeout=120)
        stored = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sqlite3; print(sqlite3.connect('{folder}/marsad.db')"
                ".execute('select count(*) from items').fetchone()[0])",
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    return RunMemory(name, len(pids), start_mb, peak, after, seconds, cpu, stored)


def run_memory(args: argparse.Namespace, corpus: list[Article]) -> None:
    results = [run_service("this tree", ROOT, args, corpus)]
    if args.run_baseline:
        with tempfile.TemporaryDirectory() as old:
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.run_baseline, "marsad"],
                capture_output=True,
                check=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
            results.append(run_service(f"revision {args.run_baseline}", Path(old), args, corpus))
    print_table(
        f"`marsad run` on {args.feeds} sources (interval {args.run_interval} s, shipped rules, "
        "fake Telegram), until each was polled twice: cycle 1 stores "
        f"{args.items} articles per feed, cycle 2 one new one; RSS of the process tree",
        [
            "marsad run",
            "processes",
            "RSS before polling MB",
            "peak MB",
            "after 2 cycles MB",
            "wall s",
            "CPU s",
            "items stored",
        ],
        [
            [
                r.name,
                str(r.processes),
                f"{r.start_mb:.0f}",
                f"{r.peak_mb:.0f}",
                f"{r.after_mb:.0f}",
                f"{r.seconds:.1f}",
                f"{r.cpu:.1f}",
                r.stored,
            ]
            for r in results
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=4, help="articles per feed")
    parser.add_argument("--concurrency", type=int, default=PollingConfig.concurrency)
    parser.add_argument("--per-host", type=int, default=PollingConfig.per_host)
    parser.add_argument("--cold-only", action="store_true", help="skip poll-only 304 cycles")
    parser.add_argument("--full-baseline", action="store_true")
    parser.add_argument("--skip-cycles", action="store_true")
    parser.add_argument("--parse-only", action="store_true", help="only the parsing table")
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--run-interval", type=int, default=60)
    parser.add_argument("--run-baseline", metavar="REV")
    args = parser.parse_args()
    corpus = read_corpus()
    if not args.skip_cycles:
        poll_cycles(args, corpus)
    if not args.skip_run:
        run_memory(args, corpus)


if __name__ == "__main__":
    main()
