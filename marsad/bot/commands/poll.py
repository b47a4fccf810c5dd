"""``marsad poll``: poll every configured source once, now; store; print new items."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from marsad.bot.wiring import load_and_warn, make_fetcher, make_poller, open_configured_store
from marsad.config import Config
from marsad.store.tables import Item
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


def item_json(source: str, item: Item) -> dict[str, object]:
    """The DESIGN §5 shape of one polled item."""
    return {
        "source": source,
        "url": item.url,
        "title": item.title,
        "published": item.published_at.isoformat(),
        "story": None,
        "rules": [],
        "entities": [],
        "backlog": item.backlog,
    }


def item_line(source: str, item: Item, tz: ZoneInfo) -> str:
    when = item.published_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    mark = " [backlog]" if item.backlog else ""
    return f"{when}  {source}{mark}  {item.title}  {item.url}"


async def _poll(config: Config, include_disabled: bool) -> list[PollReport]:
    engine = open_configured_store(config)
    try:
        async with make_fetcher(config) as fetcher:
            poller = make_poller(config, engine, fetcher)
            return await poller.poll_all(include_disabled=include_disabled, force=True)
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> int:
    config = load_and_warn(args.config)
    if not config.sources:
        print("no sources configured: add [[sources]] to the configuration", file=sys.stderr)
        return 0
    started = datetime.now()
    reports = asyncio.run(_poll(config, args.include_disabled))
    for report in reports:
        for item in report.new_items:
            if args.json:
                print(json.dumps(item_json(report.source, item), ensure_ascii=False))
            else:
                print(item_line(report.source, item, config.tz))
    sys.stdout.flush()
    seconds = (datetime.now() - started).total_seconds()
    total = sum(len(report.new_items) for report in reports)
    for report in reports:
        print(report.summary(), file=sys.stderr)
    print(f"{len(reports)} sources polled in {seconds:.1f}s, {total} new items", file=sys.stderr)
    bad = (PollStatus.FAILED, PollStatus.DISABLED)
    return 1 if any(report.status in bad for report in reports) else 0
