"""``marsad stories``: recent stories, widest coverage first, with their outlets and titles."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from marsad.bot.wiring import load_and_warn, open_configured_store, utc_now
from marsad.store.engine import session
from marsad.store.stories import StoryRow, recent_stories
from marsad.units import parse_duration

HELP = "list recent stories with their outlet counts and titles"
DESCRIPTION = """\
List the stories (one event, however many outlets reported it) with an item published in the
last period (--since, default 24h): the number of outlets and items, the representative title
and link, and the outlets' names. Widest coverage first, then newest.

With --why A B, say instead why two stored items are or are not one story: each signal of
the evidence (shared rare words, headline, figures, time apart, outlet, entities) with what it
adds to the score, against the threshold. A and B are item ids (as in `marsad poll --json`),
links or guids.

Examples:
  marsad stories
  marsad stories --since 3d --min-outlets 2
  marsad stories --json
  marsad stories --why 412 415"""


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", type=_duration, default=timedelta(hours=24), metavar="PERIOD",
        help='how far back (default "24h"; e.g. "6h", "3d")',
    )  # fmt: skip
    parser.add_argument(
        "--min-outlets", type=int, default=1, metavar="N", help="only stories carried by N+ outlets"
    )
    parser.add_argument("--limit", type=int, default=200, metavar="N", help="at most N stories")
    parser.add_argument(
        "--why",
        nargs=2,
        metavar=("A", "B"),
        help="why two items (ids, links or guids) are or are not one story",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per story: {"story", "title", "url", "outlets", "items", '
        '"sources", "first_seen", "last_seen"}',
    )


def story_json(row: StoryRow) -> dict[str, object]:
    return {
        "story": row.id,
        "title": row.title,
        "url": row.url,
        "outlets": row.outlets,
        "items": row.items,
        "sources": list(row.sources),
        "first_seen": row.first_seen.isoformat(),
        "last_seen": row.last_seen.isoformat(),
    }


def run(args: argparse.Namespace) -> int:
    if args.why:
        from marsad.bot.commands.story_why import why  # only this variant needs the matcher

        return why(args.config, args.why[0], args.why[1])
    config = load_and_warn(args.config)
    engine = open_configured_store(config)
    try:
        with session(engine) as s:
            rows = recent_stories(
                s, utc_now() - args.since, min_outlets=args.min_outlets, limit=args.limit
            )
    finally:
        engine.dispose()
    tz = config.tz
    for row in rows:
        if args.json:
            print(json.dumps(story_json(row), ensure_ascii=False))
            continue
        when = row.last_seen.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        outlets = f"{row.outlets} outlet" + ("s" if row.outlets != 1 else "")
        print(f"#{row.id}  {when}  {outlets}: {', '.join(row.sources)}")
        print(f"    {row.title}")
        print(f"    {row.url}")
    if not args.json and not rows:
        print("no stories in that period")
    return 0
