"""``marsad sources``: the operator's list of sources, their switches, OPML import and export."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from marsad.bot.commands.sources_view import SourceLine, lines_of, print_table
from marsad.bot.opml import ExportedFeed, OpmlList, read_opml, write_opml
from marsad.bot.wiring import load_and_warn, open_configured_store, utc_now
from marsad.config import Config, SourceKind
from marsad.store.engine import session
from marsad.store.sources import (
    OPERATOR_DISABLED,
    add_imported,
    disable_by_operator,
    enable_source,
    find_source,
    list_sources,
    sync_sources_locked,
)
from marsad.store.tables import Source

HELP = "list the sources and their state; disable, enable; import and export OPML"
DESCRIPTION = """\
Every source in the store, configured ([[sources]]), imported from OPML or added from Telegram
(/addsource; ORIGIN telegram), with its state: last poll, last success, last error, next poll,
failures, why and since when it is disabled, and the process polling it now. Times are in the
configured timezone.

  marsad sources [list] [--json]      the table (or one JSON object per source)
  marsad sources disable NAME [--reason TEXT]
  marsad sources enable NAME          clears the disabled state and the failure count
  marsad sources import FILE.opml     adds each feed not already present (same URL)
  marsad sources export [-o FILE]     OPML 2.0 of the enabled feed sources

Running watchers read a source's state from the database each time they claim it, so disable,
enable, import and /addsource take effect without a restart. An unknown NAME, or an OPML file
that cannot be read or lists no feed, exits with status 2 and changes nothing."""

MAX_NAME = 190
"""Longest name taken from an OPML title (the column holds 200; room for " (99)")."""


def _add_common(parser: argparse.ArgumentParser) -> None:
    """--config and -v after the action too (``marsad sources disable X --config c.toml``)."""
    parser.add_argument(
        "--config", metavar="PATH", default=argparse.SUPPRESS, help="configuration file"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log debug details"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    json_help = "one JSON object per source instead of the table"
    parser.add_argument("--json", action="store_true", help=json_help)
    actions = parser.add_subparsers(dest="action", metavar="[ACTION]")
    listing = actions.add_parser("list", help="the sources and their state (the default)")
    listing.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=json_help)
    disable = actions.add_parser("disable", help="stop polling a source until it is enabled")
    disable.add_argument("name", metavar="NAME")
    disable.add_argument("--reason", default="", metavar="TEXT", help="why (kept and listed)")
    enable = actions.add_parser("enable", help="poll a disabled source again")
    enable.add_argument("name", metavar="NAME")
    importing = actions.add_parser("import", help="add the feeds of an OPML file")
    importing.add_argument("file", type=Path, metavar="FILE.opml")
    export = actions.add_parser("export", help="write the enabled feed sources as OPML 2.0")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: stdout")
    for action in (listing, disable, enable, importing, export):
        _add_common(action)


def run(args: argparse.Namespace) -> int:
    config = load_and_warn(args.config)
    handlers: dict[str | None, Callable[[Config, argparse.Namespace], int]] = {
        None: _list,
        "list": _list,
        "disable": _disable,
        "enable": _enable,
        "import": _import,
        "export": _export,
    }
    return handlers[args.action](config, args)


def _list(config: Config, args: argparse.Namespace) -> int:
    engine = open_configured_store(config)
    now = utc_now()
    try:
        with session(engine) as s:
            listings = list_sources(s, now)
    finally:
        engine.dispose()
    lines = lines_of(config, listings)
    if args.json:
        for line in lines:
            print(json.dumps(line.as_json(config.tz), ensure_ascii=False))
    else:
        print_table(lines, config.tz, config.timezone)
    return 0


def _disable(config: Config, args: argparse.Namespace) -> int:
    engine = open_configured_store(config)
    try:
        with session(engine) as s:
            sync_sources_locked(s, [c for c in config.sources if c.enabled])
            source = find_source(s, args.name)
            before = source.disabled_reason
            disable_by_operator(s, source, args.reason.strip(), utc_now())
            s.commit()
            reason = source.disabled_reason
    finally:
        engine.dispose()
    was = f" (it was already disabled: {before})" if before else ""
    print(f"{args.name}: {reason}{was}; the watchers skip it from their next claim")
    return 0


def _enable(config: Config, args: argparse.Namespace) -> int:
    engine = open_configured_store(config)
    try:
        with session(engine) as s:
            sync_sources_locked(s, [c for c in config.sources if c.enabled])
            source = find_source(s, args.name)
            before, failures = source.disabled_reason, source.consecutive_failures
            enable_source(s, source)
            s.commit()
    finally:
        engine.dispose()
    if before:
        print(f"{args.name}: enabled (it was {before}); polled at the next claim")
    elif failures:
        print(f"{args.name}: was not disabled; its {failures} failures are forgotten, polled soon")
    else:
        print(f"{args.name}: already enabled")
    return 0


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def _import(config: Config, args: argparse.Namespace) -> int:
    found = read_opml(args.file)  # an unreadable file stops here: nothing is written
    engine = open_configured_store(config)
    try:
        with session(engine) as s:
            sync_sources_locked(s, [c for c in config.sources if c.enabled])
            rows = list(s.exec(select(Source).order_by(col(Source.id))).all())
            added, skipped = _add_feeds(s, config, rows, found)
            s.commit()
    finally:
        engine.dispose()
    for line in added:
        print(f"added    {line}")
    for line in skipped:
        print(f"skipped  {line}")
    if any(feed.categories for feed in found.feeds):
        print("note: the file's categories are not imported (tags live in the configuration)")
    print(
        f"{args.file}: {len(added)} added, {len(skipped)} skipped; the running watchers poll "
        "the new sources with the [polling] defaults"
    )
    return 0


def _add_feeds(
    s: Session, config: Config, rows: Iterable[Source], found: OpmlList
) -> tuple[list[str], list[str]]:
    """Add each feed whose URL is not already a source; lines saying what was added and skipped."""
    by_url: dict[str, str] = {}
    names: set[str] = {source.name for source in config.sources}
    for row in rows:
        by_url.setdefault(row.url, row.name)
        by_url.setdefault(row.config_url, row.name)
        names.add(row.name)
    for configured in config.sources:
        by_url.setdefault(configured.url, configured.name)
    added: list[str] = []
    skipped: list[str] = []
    for feed in found.feeds:
        if feed.url in by_url:
            skipped.append(f"{feed.url}: already present as {by_url[feed.url]!r}")
            continue
        wanted = (feed.title or urlsplit(feed.url).hostname or feed.url)[:MAX_NAME].strip()
        name = _unique(wanted, names)
        add_imported(s, name, feed.url)
        by_url[feed.url] = name
        names.add(name)
        renamed = f" (the name {wanted!r} is taken)" if name != wanted else ""
        added.append(f"{name!r} {feed.url}{renamed}")
    for outline in found.unused:
        title = f" ({outline.title})" if outline.title else ""
        skipped.append(f"{outline.url or '(no URL)'}{title}: {outline.why}")
    return added, skipped


def _export(config: Config, args: argparse.Namespace) -> int:
    engine = open_configured_store(config)
    now = utc_now()
    try:
        with session(engine) as s:
            lines = lines_of(config, list_sources(s, now))
    finally:
        engine.dispose()
    feeds, pages = _exported(lines)
    title = "Marsad sources"
    if args.output is None:
        write_opml(sys.stdout.buffer, feeds, title=title, now=now)
        sys.stdout.flush()
        where = "stdout"
    else:
        partial = args.output.with_name(args.output.name + ".partial")
        with partial.open("wb") as out:
            write_opml(out, feeds, title=title, now=now)
        os.replace(partial, args.output)
        where = str(args.output)
    for line in pages:
        print(f"not exported: {line.name} (a page source, not a feed)", file=sys.stderr)
    print(f"{len(feeds)} feeds written to {where}", file=sys.stderr)
    return 0


def _exported(lines: Iterable[SourceLine]) -> tuple[list[ExportedFeed], list[SourceLine]]:
    """The feeds to export (polled and enabled) and the page sources left out."""
    feeds: list[ExportedFeed] = []
    pages: list[SourceLine] = []
    for line in lines:
        if not line.polled or line.disabled_reason is not None:
            continue
        if line.kind != SourceKind.FEED.value:
            pages.append(line)
            continue
        feeds.append(ExportedFeed(line.name, line.url))
    return feeds, pages


__all__ = ["OPERATOR_DISABLED", "add_arguments", "run"]
