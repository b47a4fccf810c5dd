"""``marsad trend``: a trend chart written to a PNG file, as ``/trend`` sends it to a chat."""

from __future__ import annotations

import argparse
import asyncio
import difflib
import sys
from pathlib import Path

from marsad.bot import trend_chart, trend_view
from marsad.bot.archive_search import Target
from marsad.bot.trend_counts import DEFAULT_DAYS, MAX_DAYS, Period, Trend, classify, trend
from marsad.bot.wiring import load_and_warn, open_configured_store, utc_now
from marsad.errors import RuleError
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
from marsad.store.chats import Language
from marsad.units import parse_duration

HELP = "write a chart of stories per day of an entity, a rule or a query to a PNG file"
DESCRIPTION = f"""\
Write a PNG chart of the distinct stories per day of an @entity, a rule or a query (the
rule language) over the last period (default {DEFAULT_DAYS}d, at most {MAX_DAYS}d), the days
of recorded spikes shaded; --compare draws a second entity, rule or query beside it.
Days are calendar days in the configured timezone.

  marsad trend @spain -o spain.png
  marsad trend @spain --compare @france --since 90d -o compare.png
  marsad trend 'حموشي AND إسبانيا' --since 14d --lang ar -o query.png

Prints each target's distinct stories in the period."""


def _days(text: str) -> int:
    try:
        period = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    days = -(-period.total_seconds() // 86400)
    if not 1 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"a trend covers 1 to {MAX_DAYS} days, not {text!r}")
    return int(days)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", nargs="+", help="an @entity, a rule id or a query")
    parser.add_argument(
        "--since",
        metavar="PERIOD",
        type=_days,
        default=DEFAULT_DAYS,
        help=f'how far back, in days, e.g. "30d", "2w" (default {DEFAULT_DAYS}d)',
    )
    parser.add_argument(
        "--compare", metavar="TARGET", default=None, help="a second entity, rule or query"
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE.png", required=True, type=Path, help="the PNG to write"
    )
    parser.add_argument(
        "--lang",
        choices=[language.value for language in Language],
        default=Language.EN.value,
        help="the language of the chart's words (default en)",
    )
    parser.add_argument("--width", type=int, default=800, help="pixels (default 800)")
    parser.add_argument("--height", type=int, default=400, help="pixels (default 400)")


def _target(matcher: Matcher, text: str) -> Target:
    """The target, or SystemExit with "did you mean" for an id that looks like a mistyped rule."""
    if "-" in text and " " not in text and not text.startswith("@") and text not in matcher.rules:
        close = difflib.get_close_matches(text, sorted(matcher.rules), n=1, cutoff=0.6)
        if close:
            raise SystemExit(f"marsad trend: there is no rule {text!r}; did you mean {close[0]!r}?")
    return classify(matcher, text)


def run(args: argparse.Namespace) -> int:
    config = load_and_warn(args.config)
    matcher = Matcher.compile(load_rules(list(config.rules)))
    texts = [" ".join(args.target)] + ([args.compare] if args.compare else [])
    try:
        targets = [_target(matcher, text) for text in texts]
    except RuleError as error:
        print(f"marsad trend: {error.show()}", file=sys.stderr)
        return 2
    language = Language(args.lang)
    engine = open_configured_store(config)
    period = Period.ending(utc_now(), args.since, config.tz)

    async def count() -> list[Trend]:
        return [await trend(engine, matcher, target, period) for target in targets]

    try:
        trends = asyncio.run(count())
    finally:
        engine.dispose()
    chart = trend_view.chart(
        trends, period, language, matcher, width=args.width, height=args.height
    )
    args.output.write_bytes(trend_chart.render(chart))
    for found in trends:
        name = trend_view.name_of(matcher, found.target, language)
        spikes = f", {found.spikes} spike(s) shaded" if found.spikes else ""
        print(f"{name}: {found.total} distinct stories in {period.days} days{spikes}")
    print(f"wrote {args.output}")
    return 0
