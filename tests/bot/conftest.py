"""Fixtures for the bot tests: own rule file, a real SQLite store, the real PTB Application
talking to the fake Bot API server, and a clock the test moves."""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from marsad.bot.app import build_application, start_application, stop_application
from marsad.config import Config, SourceConfig, parse_config
from marsad.matching.engine import Matcher, MatchInput
from marsad.matching.rulefile import load_rules
from marsad.store.engine import open_store
from marsad.store.engine import session as open_session
from marsad.store.items import NewItem, add_items
from marsad.store.matches import record_matches
from marsad.store.sources import sync_sources
from marsad.store.tables import Item
from tests.fakebot import FakeTelegram, fake_telegram

__all__ = ["fake_telegram"]

ADMIN = 1000
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

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
aliases = ["إسبانيا", "Spain"]

[[entity]]
id = "terrorism"
kind = "topic"
name = "الإرهاب"
aliases = ["الإرهاب", "إرهابية", "terrorism"]

[[rule]]
id = "ma-es-security"
title = "التعاون الأمني المغربي الإسباني"
query = "@hammouchi AND @spain"
"""

SOURCES = (
    SourceConfig(name="Sahil", url="https://sahil.example/feed"),
    SourceConfig(name="Wasit", url="https://wasit.example/feed"),
    SourceConfig(name="Akhbar", url="https://akhbar.example/feed"),
)


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    """Everything a bot test needs."""

    config: Config
    engine: Engine
    matcher: Matcher
    clock: Clock
    source_ids: dict[str, int] = field(default_factory=dict)
    counter: int = 0

    def session(self) -> Session:
        return open_session(self.engine)

    def add_item(
        self,
        title: str,
        *,
        source: str = "Sahil",
        summary: str = "",
        ago: timedelta = timedelta(hours=1),
        backlog: bool = False,
    ) -> Item:
        self.counter += 1
        key = f"url:https://{source.lower()}.example/{self.counter}"
        draft = NewItem(
            key=key,
            guid=None,
            url=f"https://{source.lower()}.example/{self.counter}",
            canonical_url=None,
            title=title,
            summary=summary,
            text="",
            published=self.clock.now - ago,
            date_missing=False,
        )
        with self.session() as s:
            [item] = add_items(
                s, self.source_ids[source], [draft], fetched_at=self.clock.now, backlog=backlog
            )
            # what ingest stores with every item: the rules and entities it matched
            found = self.matcher.match(MatchInput(id="", title=title, summary=summary))
            record_matches(s, item.id or 0, found.rules, found.entities)
            s.commit()
        return item


def make_config(tmp_path: Path, base_url: str, extra: str = "") -> Config:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    sources = "\n".join(f'[[sources]]\nname = "{s.name}"\nurl = "{s.url}"\n' for s in SOURCES)
    text = f"""
rules = ["rules.toml"]
timezone = "Africa/Casablanca"
[database]
url = "sqlite:///marsad.db"
[telegram]
base_url = "{base_url}"
admins = [{ADMIN}]
{extra}
[digest]
time = "08:00"
{sources}
"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return parse_config(text, path)


@cache
def _migrated_store() -> Path:
    """An empty SQLite store migrated to head, built once per test process: copying it costs
    far less than running every migration again for each bot test (tests/store and the
    command-line tests still migrate new databases themselves)."""
    folder = Path(tempfile.mkdtemp(prefix="marsad-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "marsad.db"
    engine = open_store(f"sqlite:///{path}")
    with engine.connect() as connection:  # everything in the main file, none left in the WAL
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def make_world(tmp_path: Path, base_url: str, extra: str = "") -> World:
    config = make_config(tmp_path, base_url, extra)
    database = tmp_path / "marsad.db"
    if config.database.url == f"sqlite:///{database}" and not database.exists():
        shutil.copyfile(_migrated_store(), database)
    engine = open_store(config.database.url)
    matcher = Matcher.compile(load_rules(list(config.rules)))
    world = World(config, engine, matcher, Clock())
    with world.session() as s:
        rows = sync_sources(s, SOURCES)
        world.source_ids = {name: row.id or 0 for name, row in rows.items()}
    return world


@pytest.fixture
def world(tmp_path: Path, fake_telegram: FakeTelegram) -> Iterator[World]:
    built = make_world(tmp_path, fake_telegram.base_url)
    yield built
    built.engine.dispose()


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait, without blocking the event loop the bot runs on, until ``condition()`` holds."""
    try:
        async with asyncio.timeout(seconds):
            while not condition():  # noqa: ASYNC110 - the fake server runs in threads
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"condition not met in {seconds}s") from None


@dataclass
class Bot:
    """The running application and the fake server, with helpers to talk to it."""

    server: FakeTelegram
    world: World
    app: Any

    async def say(self, chat_id: int, text: str, *, replies: int = 1, **kwargs: Any) -> list[str]:
        """Send ``text`` to the bot from ``chat_id``; return the ``replies`` new texts, without
        their direction marks (``marks`` keeps them)."""
        before = len(self.server.texts(chat_id))
        self.server.push_message(chat_id, text, **kwargs)
        await until(lambda: len(self.server.texts(chat_id)) >= before + replies)
        return [t.replace("\u200f", "") for t in self.server.texts(chat_id)[before:]]


async def start_bot(server: FakeTelegram, world: World) -> AsyncIterator[Bot]:
    app = build_application(
        world.config, world.engine, world.matcher, server.token, clock=world.clock
    )
    async with app:
        await start_application(app, poll_timeout=1)
        try:
            yield Bot(server, world, app)
        finally:
            await stop_application(app)


@pytest.fixture
async def bot(fake_telegram: FakeTelegram, world: World) -> AsyncIterator[Bot]:
    async for running in start_bot(fake_telegram, world):
        yield running
