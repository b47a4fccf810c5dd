"""A poll cycle through a real local server stores, with the fast path, exactly what
feedparser alone would have stored (same keys, titles, texts, dates), broken feeds included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from marsad.config import Config, DatabaseConfig, PollingConfig, SourceConfig
from marsad.store.engine import open_store, session
from marsad.store.tables import Item, Source
from marsad.watchers.feeds import Reader, parse_feed
from marsad.watchers.fetch import Fetcher
from marsad.watchers.poller import Poller, PollStatus
from tests.httpserver import HTTPTestServer, Response
from tests.watchers.feed_table import CASES

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}
BROKEN = CASES[0].document.replace("</title>", "</b></title>", 1).encode()


async def poll_once(folder: Path, urls: list[str], *, fast_path: bool) -> list[tuple[object, ...]]:
    """One cycle over ``urls`` into a new SQLite file; the stored items, by source and key."""
    config = Config(
        base_dir=folder,
        database=DatabaseConfig(url=f"sqlite:///{folder / 'marsad.db'}"),
        polling=PollingConfig(timeout=timedelta(seconds=5)),
        sources=tuple(SourceConfig(name=f"s{i}", url=url) for i, url in enumerate(urls)),
    )
    engine = open_store(config.database.url)
    async with Fetcher(
        timeout=timedelta(seconds=5), max_bytes=2_000_000, allow_private=["127.0.0.1"]
    ) as fetcher:
        poller = Poller(config, engine, fetcher, clock=lambda: NOW, fast_path=fast_path)
        reports = await poller.poll_all()
    assert all(r.status is PollStatus.NEW and r.entries for r in reports), [
        r.summary() for r in reports
    ]
    with session(engine) as s:
        names = {row.id: row.name for row in s.exec(select(Source))}
        rows = sorted(
            (
                names[item.source_id],
                item.key,
                item.guid,
                item.url,
                item.canonical_url,
                item.title,
                item.summary,
                item.text,
                item.published_at,
                item.date_missing,
            )
            for item in s.exec(select(Item))
        )
    engine.dispose()
    return rows


async def test_a_poll_cycle_on_the_fast_path_stores_what_feedparser_would(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    # each feed on its own site, so no item is shared (the first source to store it would win)
    documents = [case.document.encode() for case in CASES if case.fast] + [BROKEN]
    bodies = [d.replace(b".example", f"{i}.example".encode()) for i, d in enumerate(documents)]
    urls = [
        http_server.route(f"/feed/{i}", Response(body=b, headers=FEED))
        for i, b in enumerate(bodies)
    ]
    readers = [parse_feed(body, FEED, url).reader for body, url in zip(bodies, urls, strict=True)]
    assert readers == [Reader.FAST] * (len(bodies) - 1) + [Reader.FEEDPARSER]
    (tmp_path / "fast").mkdir()
    (tmp_path / "slow").mkdir()
    fast = await poll_once(tmp_path / "fast", urls, fast_path=True)
    slow = await poll_once(tmp_path / "slow", urls, fast_path=False)
    assert len(fast) >= len(bodies)
    assert fast == slow
