"""``marsad digest``: the digest of a period on the console, as a chat would get it."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from sqlmodel import Session

from marsad.bot import digests
from marsad.bot.wiring import load_and_warn, open_configured_store, utc_now
from marsad.errors import RuleError
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
from marsad.store.chats import get_chat, subscriptions
from marsad.store.engine import session
from marsad.units import parse_duration

HELP = "print the digest for a period on the console"
DESCRIPTION = """\
Print the stories of the last period (default 24h) stored in the database, grouped by rule
(or by the given query), ranked by the number of outlets that reported them, with links: the
20 best-ranked of each group and how many more (about how many, when a query's count is
estimated from a sample), or every one with --all.

  marsad digest                       every rule, last 24 hours
  marsad digest --since 7d            every rule, last 7 days
  marsad digest 'حموشي AND إسبانيا'    one query (the rule language), last 24 hours
  marsad digest --chat -1001234       what that Telegram chat's subscriptions would get
  marsad digest --all --since 7d      every story, not only the 20 best-ranked of each group

Times are shown in the configured timezone."""


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        metavar="PERIOD",
        type=_duration,
        default=digests.DEFAULT_PERIOD,
        help='how far back, e.g. "24h", "7d" (default 24h)',
    )
    parser.add_argument(
        "--chat", metavar="ID", type=int, default=None, help="use this chat's subscriptions"
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help=f"list every story (default: the {digests.SHOWN} best-ranked of each group, "
        "and how many more)",
    )
    parser.add_argument("query", nargs="*", help="a query in the rule language (default: rules)")


def run(args: argparse.Namespace) -> int:
    config = load_and_warn(args.config)
    matcher = Matcher.compile(load_rules(list(config.rules)))
    engine = open_configured_store(config)
    until = utc_now()
    since = until - args.since
    query = " ".join(args.query).strip()
    tags = digests.source_tags(config)
    shown = None if args.all else digests.SHOWN
    try:
        with session(engine) as s:
            if query:
                try:
                    with digests.AdHocQuery(matcher, query) as selector:
                        found = digests.collect(
                            s, matcher, tags, [selector], since, until, shown=shown
                        )
                except RuleError as error:
                    print(f"marsad digest: {error.show()}", file=sys.stderr)
                    return 2
            else:
                selectors = _selectors(s, matcher, args.chat)
                found = digests.collect(s, matcher, tags, selectors, since, until, shown=shown)
    finally:
        engine.dispose()
    for line in digests.render_plain(found, config.tz):
        print(line)
    return 0


def _selectors(s: Session, matcher: Matcher, chat_id: int | None) -> list[digests.Selector]:
    """Every rule, or the chat's unmuted subscriptions (its queries installed in ``matcher``)."""
    if chat_id is None:
        return digests.rule_selectors(matcher)
    chat = get_chat(s, chat_id)
    if chat is None:
        raise SystemExit(f"marsad digest: no chat {chat_id} in the database")
    rows = [row for row in subscriptions(s, chat) if not row.muted]
    from marsad.bot.handlers.subscribe import install  # the Telegram stack: only for --chat

    for row in rows:
        install(matcher, row)
    return [digests.selector_of(matcher, row) for row in rows]
