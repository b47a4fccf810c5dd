"""``marsad explain``: every hit in one text, highlighted in context, and why each rule fired."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from marsad.bot.commands.match import add_rules_argument, load_matcher, utf8_streams
from marsad.matching.engine import MatchInput
from marsad.matching.explain import explain
from marsad.matching.usage import names_of, treatment

HELP = "show, for one text, every hit and why"
DESCRIPTION = """\
Show every hit in a text: the entity or word, the alias it matched, the surface form as
written, exact or fuzzy (with the edit distance), each highlighted in its context; then which
rules fired, with a ✓ after every part of the query the text contains.

An ambiguous name (listed under `ambiguous`, or a person's short name that is a common word)
says whether it counted and why: the context word that confirmed it and how far it stood, or
that none stood within `near` words.

The text is the arguments (quote it), or --file F, or "-" to read standard input.
Highlights are «…» or bold on a terminal (set NO_COLOR to turn bold off).

With --alias NAME instead of a text: how the engine treats that name of an entity, and how
often it fired in the stored items of the last 30 days (--days N), with contexts.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_rules_argument(parser)
    parser.add_argument("--file", metavar="F", default=None, help="read the text from a file")
    parser.add_argument("--title", default="", help="a title to match along with the text")
    parser.add_argument(
        "--rule",
        metavar="ID",
        action="append",
        default=[],
        help="also show why this rule did not fire (repeatable)",
    )
    parser.add_argument(
        "--alias",
        metavar="NAME",
        default=None,
        help="instead of a text: where this name of an entity fired in the stored items",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=30,
        metavar="N",
        help="with --alias: how many days back (default 30)",
    )
    parser.add_argument("text", nargs="*", help='the text to explain, or "-" for stdin')


def _text(args: argparse.Namespace) -> str:
    if args.file is not None:
        if args.text:
            raise SystemExit("marsad explain: give either TEXT or --file, not both")
        try:
            return Path(args.file).read_text(encoding="utf-8")
        except OSError as exc:
            raise SystemExit(f"marsad explain: cannot read {args.file}: {exc.strerror}") from None
    if args.text == ["-"] or (not args.text and not sys.stdin.isatty()):
        return sys.stdin.read()
    if not args.text:
        raise SystemExit('marsad explain: give a TEXT, --file F, or "-" for standard input')
    return " ".join(args.text)


def run(args: argparse.Namespace) -> int:
    utf8_streams()
    if args.alias is not None:
        if args.text or args.file is not None:
            raise SystemExit("marsad explain: give either a text or --alias, not both")
        return _alias(args)
    text = _text(args)
    matcher = load_matcher(args)
    unknown = [ident for ident in args.rule if ident not in matcher.rules]
    if unknown:
        raise SystemExit(f"marsad explain: no rule {', '.join(unknown)} in the rule files")
    item = MatchInput(id="text", title=args.title, text=text)
    result = matcher.match(item)
    ansi = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    print(explain(matcher, item, result, ansi=ansi, why_not=args.rule))
    return 0


def _alias(args: argparse.Namespace) -> int:
    """``--alias NAME``: how the engine treats the name, and where it fired in the store."""
    from marsad.bot.alias_usage import no_store, stored_usage  # the store: only here
    from marsad.bot.wiring import utc_now
    from marsad.config import load_config
    from marsad.matching.usage import describe

    if not 1 <= args.days <= 3650:
        raise SystemExit("marsad explain: --days is a number of days from 1 to 3650")
    matcher = load_matcher(args)
    found = names_of(matcher.entities.values(), args.alias)
    if not found:
        raise SystemExit(f"marsad explain: no entity has the name «{args.alias}»")
    for name in found:
        print(treatment(matcher, name.entity, name.alias))
    config = load_config(args.config)
    missing = no_store(config)
    if missing:
        print(missing)
        return 0
    counts = stored_usage(config, matcher, found, args.days, utc_now())
    for name in found:
        if len(found) > 1:
            print(f"@{name.entity}:")
        for line in describe(counts[name], args.days):
            print(line)
    return 0
