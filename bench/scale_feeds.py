"""The feed server of bench/scale.py: many RSS feeds on loopback, each changing on its own.

    python bench/scale_feeds.py --feeds 10000 [--backlog 5] [--new-share 0.05] [--hosts 253]

Feed ``i`` is served at ``http://127.0.0.H:PORT/feed/i`` (H from 2 to 2 + hosts - 1, one
listening socket per address, so `[polling] per_host` applies per address as it would per
site). It starts with ``backlog`` items; at every later request it gains one new item with
probability ``new_share`` (decided by a hash of the feed and the request's number, so every run
is the same), which makes ~5 % of the feeds change in each cycle. Conditional GET is honoured
(ETag / If-None-Match -> 304). Titles join the halves of two real titles of the speed corpus
and descriptions are a real article's lead, read at start from ``../shared/speed-corpus/``
(never copied into the repository).

The server counts, per feed, the requests it answered, so ``GET /_stats`` tells the bench when
every feed has been polled k times (the end of cycle k), with the 200s, 304s and new items of
each cycle. On start it
prints one JSON line: ``{"pid": ..., "urls": [...]}``, the feed URLs in order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "speed-corpus" / "articles.jsonl"
KEEP = 10
"""Items a feed shows at most (the newest), as a news site's feed does."""


@dataclass(frozen=True)
class Corpus:
    """Real Arabic titles (as word lists) and leads to make items from."""

    titles: list[list[str]]
    leads: list[str]

    @staticmethod
    def read(path: Path) -> Corpus:
        titles, leads = [], []
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                words = str(row["title"]).split()
                if len(words) >= 4:
                    titles.append(words)
                text = " ".join(str(row["text"]).split())
                leads.append(text[:300].rsplit(" ", 1)[0])
        return Corpus(titles, leads)


@dataclass
class Cycle:
    """What the server saw of the k-th poll of every feed."""

    reached: int = 0
    first_at: float = 0.0
    completed_at: float | None = None
    ok: int = 0
    not_modified: int = 0
    new_items: int = 0


@dataclass
class Feeds:
    """The state of every feed: how many requests it answered and its items."""

    count: int
    backlog: int
    new_share: float
    corpus: Corpus
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    requests: list[int] = field(default_factory=list)
    added: list[list[datetime]] = field(default_factory=list)
    bodies: dict[int, tuple[int, bytes]] = field(default_factory=dict)
    cycles: list[Cycle] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.requests = [0] * self.count
        self.added = [[] for _ in range(self.count)]

    def gains_item(self, index: int, number: int) -> bool:
        """Whether request ``number`` (from 2) of feed ``index`` finds a new item."""
        digest = zlib.crc32(f"{index}:{number}".encode())
        return number > 1 and digest % 100_000 < self.new_share * 100_000

    def answer(self, index: int, if_none_match: str | None) -> tuple[int, str, bytes]:
        """Count the request and answer it: (status, etag, body)."""
        number = self.requests[index] = self.requests[index] + 1
        if len(self.cycles) < number:
            self.cycles.append(Cycle(first_at=time.monotonic()))
        cycle = self.cycles[number - 1]
        cycle.reached += 1
        if cycle.reached == self.count:
            cycle.completed_at = time.monotonic()
        if self.gains_item(index, number):
            self.added[index].append(datetime.now(UTC))
            cycle.new_items += 1
        version = len(self.added[index])
        etag = f'"{index}-{version}"'
        if if_none_match == etag:
            cycle.not_modified += 1
            return 304, etag, b""
        cycle.ok += 1
        cached = self.bodies.get(index)
        if cached is None or cached[0] != version:
            cached = self.bodies[index] = (version, self.body(index))
        return 200, etag, cached[1]

    def item(self, index: int, number: int) -> str:
        """Item ``number`` of feed ``index``, the same in every run."""
        rng = random.Random(index * 100_003 + number)
        first, second = rng.choice(self.corpus.titles), rng.choice(self.corpus.titles)
        title = " ".join(first[: len(first) // 2] + second[len(second) // 2 :])
        lead = rng.choice(self.corpus.leads)
        if number < self.backlog:
            published = self.started - timedelta(hours=self.backlog - number)
        else:
            published = self.added[index][number - self.backlog]
        return (
            f"<item><title>{escape(title)}</title>"
            f"<link>https://source{index}.example/news/{number}</link>"
            f"<guid isPermaLink='false'>source{index}-{number}</guid>"
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{escape(lead)}</description></item>"
        )

    def body(self, index: int) -> bytes:
        total = self.backlog + len(self.added[index])
        items = "".join(self.item(index, n) for n in reversed(range(max(0, total - KEEP), total)))
        return (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>مصدر {index}</title><link>https://source{index}.example/</link>"
            f"{items}</channel></rss>"
        ).encode()

    def stats(self) -> dict[str, object]:
        return {
            "feeds": self.count,
            "max_requests": max(self.requests, default=0),
            "cycles": [cycle.__dict__ for cycle in self.cycles],
        }


def response(status: int, body: bytes, headers: dict[str, str]) -> bytes:
    reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
    head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


async def serve_connection(
    feeds: Feeds, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer requests on one keep-alive connection until the client closes it."""
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1] if len(lines[0].split(" ")) == 3 else ""
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            close = headers.get("connection", "").lower() == "close"
            if path.startswith("/feed/") and path[6:].isdigit() and int(path[6:]) < feeds.count:
                status, etag, body = feeds.answer(int(path[6:]), headers.get("if-none-match"))
                kind = {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag}
                writer.write(response(status, body, kind))
                await writer.drain()
            elif path == "/_stats":
                body = json.dumps(feeds.stats()).encode()
                writer.write(response(200, body, {"Content-Type": "application/json"}))
                await writer.drain()
            else:
                writer.write(response(404, b"", {}))
                await writer.drain()
            if close:
                return
    except ConnectionError:
        return
    finally:
        writer.close()


async def main(args: argparse.Namespace) -> None:
    corpus = Corpus.read(Path(args.corpus))
    feeds = Feeds(args.feeds, args.backlog, args.new_share, corpus)
    ports: list[tuple[str, int]] = []
    servers = []
    for number in range(args.hosts):
        host = f"127.0.0.{2 + number}"
        server = await asyncio.start_server(
            lambda r, w: serve_connection(feeds, r, w), host, 0, backlog=1024
        )
        servers.append(server)
        ports.append((host, server.sockets[0].getsockname()[1]))
    urls = [
        f"http://{ports[i % len(ports)][0]}:{ports[i % len(ports)][1]}/feed/{i}"
        for i in range(args.feeds)
    ]
    print(json.dumps({"pid": os.getpid(), "urls": urls}), flush=True)
    await asyncio.Event().wait()  # until the bench terminates this process


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--backlog", type=int, default=5)
    parser.add_argument("--new-share", type=float, default=0.05)
    parser.add_argument("--hosts", type=int, default=253, choices=range(1, 254), metavar="1..253")
    parser.add_argument("--corpus", default=str(CORPUS))
    try:
        asyncio.run(main(parser.parse_args()))
    except KeyboardInterrupt:
        sys.exit(0)
