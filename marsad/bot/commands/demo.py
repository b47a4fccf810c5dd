"""``marsad demo``: the whole pipeline, offline, on bundled sample feeds."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from dataclasses import replace
from ipaddress import ip_network
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from marsad.bot.wiring import load_and_warn, make_fetcher, make_matcher, make_poller, utc_now
from marsad.config import Config, DatabaseConfig, SourceConfig
from marsad.demo.server import FEEDS, HELD_BACK, DemoServer
from marsad.store.engine import open_store, session
from marsad.store.matches import MatchKind, matches_of
from marsad.store.stories import story_members
from marsad.store.tables import Item
from marsad.watchers.poller import PollReport

HELP = "run the whole pipeline offline on bundled sample feeds (three outlets)"
DESCRIPTION = """\
Serve three bundled sample feeds (Arabic news-style items written for Marsad, one event
reported by two outlets) on 127.0.0.1 and run the real pipeline on them: fetch, parse, identify,
store. The first poll stores every outlet's backlog without alerting; then one outlet
publishes a new item and the second poll finds exactly that item while the others answer
"not modified". Uses a temporary SQLite database unless --database is given."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="FILE",
        help="SQLite file to keep the demo's store in (default: a temporary file)",
    )


def _story_line(s: Session, item: Item) -> str | None:
    """How a new item that joined an earlier report's story is shown (None: a story of its own)."""
    if item.story_id is None:
        return None
    members = story_members(s, item.story_id)
    others = sorted({name for member, name in members if member.id != item.id})
    if not others:
        return None
    outlets = len({name for _, name in members})
    return (
        f"one story with {', '.join(others)}'s report (story #{item.story_id}, {outlets} "
        f'outlets): a chat gets one alert for it, shown with "+{outlets - 1} source"; an '
        "alert already sent is edited, never sent twice"
    )


def _print_reports(title: str, reports: list[PollReport], config: Config, engine: Engine) -> None:
    print(f"\n== {title} ==")
    with session(engine) as s:
        matched = matches_of(s, [i.id or 0 for r in reports for i in r.new_items])
        joined = {i.id or 0: _story_line(s, i) for r in reports for i in r.new_items}
    for report in reports:
        print(f"  {report.summary()}")
        for item in report.new_items:
            when = item.published_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
            found = matched.get(item.id or 0, {})
            rules = found.get(MatchKind.RULE, [])
            story = joined.get(item.id or 0)
            fired = "NEW → alert" if rules else "new, no rule fired"
            if rules and story is not None:
                fired = "NEW → same story, +1 source"
            mark = "backlog" if item.backlog else fired
            print(f"    [{mark}] {when}  {item.title}")
            print(f"        {item.url}")
            if story is not None:
                print(f"        {story}")
            entities = found.get(MatchKind.ENTITY, [])
            if entities or rules:
                print(
                    f"        entities: {', '.join(entities) or '-'}; "
                    f"rules: {', '.join(rules) or '-'}"
                )


async def _demo(config: Config, database: Path) -> None:
    with DemoServer() as server:
        sources = tuple(
            SourceConfig(name=name, url=server.url(name), language="ar", tags=("demo",))
            for name in FEEDS
        )
        # The demo's own server is on loopback, which the fetcher refuses unless allowed.
        polling = replace(
            config.polling,
            allow_private=(*config.polling.allow_private, ip_network("127.0.0.1")),
        )
        config = replace(
            config,
            sources=sources,
            polling=polling,
            database=DatabaseConfig(url=f"sqlite:///{database}"),
        )
        engine = open_store(config.database.url)
        try:
            async with make_fetcher(config) as fetcher:
                poller = make_poller(
                    config, engine, fetcher, matcher=make_matcher(config), clock=utc_now
                )
                first = await poller.poll_all()
                _print_reports("poll 1: first poll of three new outlets", first, config, engine)
                server.stage = 2
                print(f"\n   … {HELD_BACK} publishes a new item …")
                second = await poller.poll_all()
                _print_reports("poll 2: the next poll", second, config, engine)
        finally:
            engine.dispose()
    print(f"\nstore: {database}")


def run(args: argparse.Namespace) -> int:
    config = load_and_warn(args.config)
    if args.database:
        asyncio.run(_demo(config, Path(args.database).resolve()))
        return 0
    with tempfile.TemporaryDirectory(prefix="marsad-demo-") as folder:
        asyncio.run(_demo(config, Path(folder) / "demo.db"))
    return 0
