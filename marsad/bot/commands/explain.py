"""``marsad explain``: every hit in one text, highlighted in context, and why each rule fired."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from marsad.bot.commands.match import add_rules_argument, load_matcher, utf8_streams
from marsad.matching.engine import MatchInput
from marsad.matching.explain import explain

HELP = "show, for one text, every hit and why"
DESCRIPTION = """\
Show every hit in a text: the entity or word, the alias it matched, the surface form as
written, exact or fuzzy (with the edit distance), each highlighted in its context; then which
rules fired, with a ✓ after every part of the query the text contains.

The text is the arguments (quote it), or --file F, or "-" to read standard input.
Highlights are «…» or bold on a terminal (set NO_COLOR to turn bold off).
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
