"""A bot world whose sources are real RSS feeds on 127.0.0.1, polled in-process by the real poller
(matching, stories, fan-out) with the test's clock, and an outbox sender on the fake Bot API:
what the options and quiet-hours tests drive end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from marsad.bot.delivery.sender import Sender
from marsad.bot.wiring import make_poller
from marsad.config import parse_config
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
from marsad.store.engine import open_store
from marsad.watchers.fetch import Fetcher
from marsad.watchers.poller import Poller
from tests.bot.conftest import Bot, Clock, World, start_bot
from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer, Response

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # 10:00 in Casablanca (UTC+1)
FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}

RULES = """
[[entity]]
id = "hammouchi"
kind = "person"
name = "عبد اللطيف حموشي"
aliases = ["عبد اللطيف حموشي", "حموشي", "Hammouchi"]

[[entity]]
id = "spain"
kind = "place"
name = "إسبانيا"
aliases = ["إسبانيا", "Espagne", "Spain"]

[[rule]]
id = "ma-es-security"
title = { ar = "التعاون الأمني المغربي الإسباني", en = "Moroccan-Spanish security", fr = "Sécurité Maroc-Espagne" }
query = "@hammouchi AND @spain"
severity = "high"
"""

NORMAL_TITLE = "حموشي يترأس حفل تخرج فوج جديد من حراس الأمن بالقنيطرة"
HIGH_TITLE = "حموشي يستقبل وفدا أمنيا من إسبانيا لبحث التعاون"
FRENCH_TITLE = "Hammouchi reçoit une délégation de la police de l'Espagne pour la coopération"


@dataclass
class Feeds:
    """Two outlets' feeds on the local server; ``publish`` puts an entry on top of one."""

    server: HTTPTestServer
    clock: Clock
    entries: dict[str, list[str]] = field(default_factory=dict)
    count: int = 0

    def route(self, source: str) -> None:
        self.entries.setdefault(source, [])
        body = "".join(self.entries[source])
        rss = f"<rss version='2.0'><channel><title>{source}</title>{body}</channel></rss>"
        self.server.route(f"/{source.lower()}", Response(body=rss.encode(), headers=FEED))

    def publish(self, source: str, title: str, summary: str = "") -> None:
        self.count += 1
        published = format_datetime(self.clock.now - timedelta(minutes=5))
        entry = (
            f"<item><title>{escape(title)}</title>"
            f"<link>https://{source.lower()}.example/{self.count}</link>"
            f"<guid isPermaLink='false'>{source}-{self.count}</guid>"
            f"<pubDate>{published}</pubDate>"
            f"<description>{escape(summary or title)}</description></item>"
        )
        self.entries[source] = [entry, *self.entries.get(source, [])]
        self.route(source)


@dataclass
class Newsroom:
    """The running bot, its feeds, poller and sender, driven by the test's clock."""

    bot: Bot
    feeds: Feeds
    poller: Poller
    sender: Sender

    @property
    def world(self) -> World:
        return self.bot.world

    @property
    def server(self) -> FakeTelegram:
        return self.bot.server

    async def poll(self) -> None:
        await self.poller.poll_all()

    async def deliver(self) -> int:
        """Send everything the outbox has due now, one pass per paced message."""
        sent = 0
        for _ in range(20):
            count = await self.sender.send_due()
            sent += count
            self.world.clock.now += timedelta(seconds=4)  # past every chat's pacing
            if count == 0:
                break
        return sent

    def sends_to(self, chat_id: int) -> list[dict[str, object]]:
        """The params of every sendMessage the bot made to ``chat_id``."""
        return [
            params
            for method, params in list(self.server.calls)
            if method == "sendMessage" and params.get("chat_id") == chat_id
        ]


def write_config(folder: Path, base_url: str, feeds: HTTPTestServer) -> Path:
    (folder / "rules.toml").write_text(RULES, encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(
        f"""
rules = ["rules.toml"]
timezone = "Africa/Casablanca"
[database]
url = "sqlite:///marsad.db"
[telegram]
base_url = "{base_url}"
admins = [1000]
[polling]
interval = "1m"
timeout = "5s"
[[sources]]
name = "Sahil"
url = "{feeds.url("/sahil")}"
language = "ar"
[[sources]]
name = "Wasit"
url = "{feeds.url("/wasit")}"
tags = ["maghreb"]
""",
        encoding="utf-8",
    )
    return path


@asynccontextmanager
async def newsroom(
    folder: Path, fake: FakeTelegram, http: HTTPTestServer
) -> AsyncIterator[Newsroom]:
    """The bot answering on the fake Bot API, with both feeds polled once (the backlog)."""
    path = write_config(folder, fake.base_url, http)
    config = parse_config(path.read_text(encoding="utf-8"), path)
    engine = open_store(config.database.url)
    matcher = Matcher.compile(load_rules(list(config.rules)))
    world = World(config, engine, matcher, Clock(NOW))
    clock = world.clock
    feeds = Feeds(http, clock)
    for source in ("Sahil", "Wasit"):
        feeds.route(source)
    try:
        async with Fetcher(
            timeout=timedelta(seconds=5), max_bytes=2_000_000, allow_private=["127.0.0.1"]
        ) as fetcher:
            poller = make_poller(config, engine, fetcher, matcher=matcher, clock=clock)
            await poller.poll_all()  # the first poll of each source: its backlog, never alerted
            async for bot in start_bot(fake, world):
                sender = Sender(bot.app.bot, engine, clock=clock)
                yield Newsroom(bot, feeds, poller, sender)
    finally:
        engine.dispose()
