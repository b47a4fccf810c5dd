"""``marsad poll``: poll every configured source once, now; store; print new items."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from marsad.bot.app import install_subscriptions
from marsad.bot.wiring import (
    load_and_warn,
    make_fetcher,
    make_matcher,
    make_poller,
    open_configured_store,
)
from marsad.config import Config
from marsad.matching.engine import Matcher
from marsad.store.engine import session
from marsad.store.matches import MatchKind, matches_of
from marsad.store.sqlite_guard import sqlite_path
from marsad.store.tables import Item
from marsad.store.workers import new_worker_id
from marsad.watchers.poller import PollReport, PollStatus

HELP = "poll every source once, now; store and print new items; exit"
DESCRIPTION = """\
Poll every configured source once, now, whatever its schedule or back-off, store what is new and
print one line per new item on stdout. Items found by the first poll of a new source are its
backlog: stored and printed (marked backlog), never alerted. A per-source summary goes to stderr.

Disabled sources (HTTP 410, or 20 consecutive failures) are skipped and shown with their reason;
--include-disabled tries them again (a success re-enables them).

Exit status: 0 when every source answered, 1 when any failed or is disabled, 2 on bad config."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per new item: {"source", "url", "title", "published", "story", '
        '"rules", "entities", "backlog"}',
    )
    parser.add_argument(
        "--include-disabled", action="store_true", help="also retry disabled sources"
    )


Matched = dict[int, dict[MatchKind, list[str]]]


def item_json(source: str, item: Item, matched: Matched) -> dict[str, object]:
    """The DESIGN §5 shape of one polled item."""
    found = matched.get(item.id or 0, {})
    return {
        "source": source,
        "url": item.url,
        "title": item.title,
        "published": item.published_at.isoformat(),
        "story": item.story_id,
        "rules": found.get(MatchKind.RULE, []),
        "entities": found.get(MatchKind.ENTITY, []),
        "backlog": item.backlog,
    }


def item_line(source: str, item: Item, matched: Matched, tz: ZoneInfo) -> str:
    when = item.published_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    mark = " [backlog]" if item.backlog else ""
    rules = matched.get(item.id or 0, {}).get(MatchKind.RULE, [])
    why = f"  → {', '.join(rules)}" if rules else ""
    return f"{when}  {source}{mark}  {item.title}  {item.url}{why}"


NO_SOURCES = (
    "no sources configured: add [[sources]] to the configuration, "
    "or import an OPML file with `marsad sources import FILE`"
)


async def _poll(
    config: Config, matcher: Matcher, include_disabled: bool
) -> tuple[list[PollReport], Matched]:
    engine = open_configured_store(config)
    try:
        install_subscriptions(engine, matcher)
        async with make_fetcher(config) as fetcher:
            poller = make_poller(config, engine, fetcher, matcher=matcher)
            reports = await poller.poll_all(
                include_disabled=include_disabled,
                force=True,
                worker_id=new_worker_id(),
                lease=config.service.lease,
            )
        with session(engine) as s:
            ids = [item.id or 0 for report in reports for item in report.new_items]
            return reports, matches_of(s, ids)
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> int:
    config = load_and_warn(args.config)
    database = sqlite_path(config.database.url)
    if not config.sources and database is not None and not database.exists():
        print(NO_SOURCES, file=sys.stderr)  # and none imported: no store to make
        return 0
    matcher = make_matcher(config)  # rule errors stop us before any request is made
    started = datetime.now()
    reports, matched = asyncio.run(_poll(config, matcher, args.include_disabled))
    if not reports:
        print(NO_SOURCES, file=sys.stderr)
        return 0
    for report in reports:
        for item in report.new_items:
            if args.json:
                line = json.dumps(item_json(report.source, item, matched), ensure_ascii=False)
            else:
                line = item_line(report.source, item, matched, config.tz)
            print(line)
    sys.stdout.flush()
    seconds = (datetime.now() - started).total_seconds()
    total = sum(len(report.new_items) for report in reports)
    for report in reports:
        print(report.summary(), file=sys.stderr)
    print(f"{len(reports)} sources polled in {seconds:.1f}s, {total} new items", file=sys.stderr)
    bad = (PollStatus.FAILED, PollStatus.DISABLED)
    return 1 if any(report.status in bad for report in reports) else 0
