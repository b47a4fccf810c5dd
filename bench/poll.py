"""Benchmark: poll 1,000 feeds served on loopback, cold and all-304, against sequential fetching.

    python bench/poll.py [--feeds 1000] [--items 20]

The feeds are served by the tests' HTTP server in a child process, so the CPU time measured
here is the poller's alone.  Every feed has its own items (a cold cycle stores feeds x items
rows in a real SQLite file).  The poller runs with the configuration's defaults (20 polls at
once, 4 per host), all feeds on one loopback host.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import httpx
from wordfreq import top_n_list

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marsad.bot.wiring import make_fetcher, make_matcher, make_poller, parse_executor
from marsad.config import Config, DatabaseConfig, PollingConfig, SourceConfig
from marsad.matching.engine import Matcher
from marsad.store.engine import open_store
from marsad.watchers.poller import Poller, PollStatus
from tests.httpserver import Response, SubprocessHTTPServer

VOCABULARY = [word for word in top_n_list("ar", 5000) if len(word) > 2]
"""Common Arabic words: items of one outlet share the language, not the story."""


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(words))


def feed(index: int, items: int) -> bytes:
    """A feed whose every item has its own text (news items of one outlet differ)."""
    rng = random.Random(index)
    entries = []
    for n in range(items):
        day = 1 + (n % 28)
        entries.append(
            f"<item><title>{paragraph(rng, 10)}</title>"
            f"<link>https://source{index}.example/news/{n}</link>"
            f"<guid isPermaLink='false'>src{index}-item{n}</guid>"
            f"<pubDate>Sat, {day:02d} Nov 2026 10:00:00 +0100</pubDate>"
            f"<description><![CDATA[<p>{paragraph(rng, 40)}</p><p>{paragraph(rng, 40)}</p>]]>"
            "</description></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>مصدر {index}</title><link>https://source{index}.example/</link>"
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


@dataclass(frozen=True)
class Row:
    name: str
    feeds: int
    seconds: float
    cpu_seconds: float
    note: str

    def cells(self) -> list[str]:
        return [
            self.name,
            f"{self.feeds}",
            f"{self.seconds:.2f}",
            f"{self.feeds / self.seconds:,.0f}",
            f"{1000 * self.cpu_seconds / self.feeds:.2f}",
            self.note,
        ]


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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, feeds: int, run: Callable[[], str]) -> Row:
    """Wall and CPU time of one cycle."""
    cpu, wall = time.process_time(), time.perf_counter()
    note = run()
    return Row(name, feeds, time.perf_counter() - wall, time.process_time() - cpu, note)


def print_table(rows: list[Row], header: str) -> None:
    titles = ["cycle", "feeds", "wall s", "feeds/s", "CPU ms/feed", "notes"]
    table = [titles, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(titles))]
    print(header)
    for number, line in enumerate(table):
        print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |")
        if number == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=PollingConfig.concurrency)
    parser.add_argument("--per-host", type=int, default=PollingConfig.per_host)
    args = parser.parse_args()

    routes = {
        f"/feed/{i}": Response(
            body=feed(i, args.items),
            etag=f'"v{i}"',
            headers={"Content-Type": "application/rss+xml; charset=utf-8"},
        )
        for i in range(args.feeds)
    }
    size = len(feed(0, args.items))
    rows: list[Row] = []
    with SubprocessHTTPServer(routes) as server, tempfile.TemporaryDirectory() as folder:
        urls = [server.url(f"/feed/{i}") for i in range(args.feeds)]

        def sequential_cold() -> str:
            with httpx.Client(timeout=20) as client:
                entries = sum(len(feedparser.parse(client.get(u).content).entries) for u in urls)
            return f"httpx.Client GET + feedparser, one by one ({entries} entries, not stored)"

        def sequential_304() -> str:
            with httpx.Client(timeout=20) as client:
                codes = {
                    client.get(u, headers={"If-None-Match": f'"v{i}"'}).status_code
                    for i, u in enumerate(urls)
                }
            return f"conditional GETs one by one (statuses {sorted(codes)})"

        rows.append(measure("sequential, cold", args.feeds, sequential_cold))
        rows.append(measure("sequential, all 304", args.feeds, sequential_304))

        memory = [f"after the sequential baselines: {peak_rss_mb():.0f} MB"]

        async def cycles(variant: str, matcher: Matcher | None) -> None:
            config = Config(
                base_dir=Path(folder),
                database=DatabaseConfig(url=f"sqlite:///{folder}/{variant}.db"),
                polling=PollingConfig(concurrency=args.concurrency, per_host=args.per_host),
                sources=tuple(SourceConfig(name=f"source-{i}", url=u) for i, u in enumerate(urls)),
            )
            engine = open_store(config.database.url)
            clock_now = [datetime(2026, 11, 22, 12, 0, tzinfo=UTC)]
            with parse_executor(config) as executor:
                async with make_fetcher(config) as fetcher:
                    if matcher is None:
                        poller = Poller(
                            config, engine, fetcher, clock=lambda: clock_now[0], executor=executor
                        )
                    else:
                        poller = make_poller(
                            config,
                            engine,
                            fetcher,
                            matcher=matcher,
                            clock=lambda: clock_now[0],
                            executor=executor,
                        )
                    workers = list(getattr(executor, "_processes", {}) or {})
                    for label, status in (
                        (f"marsad {variant}, cold", PollStatus.NEW),
                        (f"marsad {variant}, all 304", PollStatus.NOT_MODIFIED),
                    ):
                        cpu, wall = cpu_seconds(workers), time.perf_counter()
                        reports = await poller.poll_all()
                        seconds = time.perf_counter() - wall
                        workers = list(getattr(executor, "_processes", {}) or {})
                        cpu_used = cpu_seconds(workers) - cpu
                        good = sum(1 for r in reports if r.status is status)
                        stored = sum(len(r.new_items) for r in reports)
                        note = f"{good}/{len(reports)} {status.value}, {stored} items stored"
                        errors = sorted({r.error for r in reports if r.error})
                        if errors:
                            note += f"; errors: {errors[:3]}"
                        rows.append(Row(label, args.feeds, seconds, cpu_used, note))
                        clock_now[0] += timedelta(minutes=10)
                        del reports
            engine.dispose()
            memory.append(f"after {variant}: {peak_rss_mb():.0f} MB")

        asyncio.run(cycles("poll only", None))
        matcher = make_matcher(Config())  # the shipped rules, as `marsad poll` uses them
        asyncio.run(cycles("full ingest", matcher))
        stats = server.stats()
    print_table(
        rows,
        f"{args.feeds} feeds x {args.items} items ({size / 1024:.1f} KB each) on one loopback "
        f"host; concurrency {args.concurrency}, per-host limit {args.per_host} (the "
        "configuration defaults); SQLite store in a temp folder; feeds parsed in a pool of "
        "worker processes (their CPU included). 'poll only': fetch, parse, store; 'full "
        "ingest': what `marsad poll` does (also matching against the shipped rules, stories, "
        "fan-out)",
    )
    print(
        f"\npeak memory (max RSS of this process, cumulative): {'; '.join(memory)}. "
        f"Server saw {stats['requests']} requests, {stats['conditional']} conditional."
    )


if __name__ == "__main__":
    main()
