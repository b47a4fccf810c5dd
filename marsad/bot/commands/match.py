"""``marsad match``: batch matching, JSON lines in and out (DESIGN §5), and rule scoring.

A bad input line never stops the run: its output line is ``{"id", "line", "error"}`` (so output
lines still pair one-to-one with input lines), the error is also reported on stderr, and the
command exits with status 1 at the end.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from marsad.bot.commands.match_lines import (
    InputError,
    Output,
    binary_in,
    error_json,
    input_lines,
    read_item,
    result_json,
)
from marsad.matching.engine import Matcher, MatchInput, MatchResult
from marsad.matching.rulefile import load_rules

if TYPE_CHECKING:
    from marsad.matching.scoring import Report

HELP = "batch matching: JSONL items in, JSONL results out; --labels scores the rules"
DESCRIPTION = """\
Match JSON lines against the rule files.

Each input line is an object with "id" and any of "title", "summary", "text" (optionally
"source" and "tags", used by rules limited with `sources`). Each output line, in input order, is
  {"id", "rules", "entities", "hits": [{"entity" | "term", "field", "start", "end",
   "surface", "alias", "fuzzy", "distance"}]}
with offsets into the original field. A line that cannot be read gives
  {"id", "line", "error"}
instead, is reported on stderr, and makes the exit status 1 once every line is done.
Blank lines are skipped.

With --labels FILE (lines {"id", "entities": [...], "rules": [...]}, rules optional) the rules are
scored: precision and recall per entity and rule, then the misses and false alarms in context.
The report goes to stdout; the JSON lines are then written only if --output is given (when
--output is "-", the report goes to stderr instead). --fail-below RATE makes the exit status 3
when an overall precision or recall falls below RATE, so a rule change can be checked in CI.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_rules_argument(parser)
    parser.add_argument(
        "--input", metavar="FILE", default="-", help="JSON lines to match (default: stdin)"
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        default=None,
        help="where results go (default: stdout; with --labels: not written unless given)",
    )
    parser.add_argument(
        "--labels", metavar="LABELS.jsonl", default=None, help="score against labelled items"
    )
    parser.add_argument(
        "--fail-below",
        metavar="RATE",
        type=_rate,
        default=None,
        help="with --labels: exit with status 3 when overall precision or recall of the entities"
        " or rules is below RATE (0-1, e.g. 0.9), for a rule-file check in CI",
    )


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def below(report: Report, rate: float) -> list[str]:
    """The overall rates of ``report`` under ``rate``, named (e.g. "entity recall 85.0%")."""
    low = []
    for what, total in (("entity", report.entity_total), ("rule", report.rule_total)):
        if total is None:
            continue
        for name, value in (("precision", total.precision), ("recall", total.recall)):
            if value is not None and value < rate:
                low.append(f"{what} {name} {value:.1%}")
    return low


def add_rules_argument(parser: argparse.ArgumentParser) -> None:
    """``--rules PATH`` (repeatable), shared with ``marsad explain``."""
    parser.add_argument(
        "--rules",
        metavar="PATH",
        action="append",
        default=None,
        help="rule file or folder (repeatable; default: the configuration's `rules`)",
    )


def load_matcher(args: argparse.Namespace) -> Matcher:
    """The Matcher for ``--rules`` if given, else for the configuration's rule paths."""
    if args.rules:
        paths = [Path(p) for p in args.rules]
    else:
        from marsad.config import load_config  # ~20 ms of imports a --rules run does without

        paths = list(load_config(args.config).rules)
    with uncollected():
        return Matcher.compile(load_rules(paths))


@contextmanager
def uncollected() -> Iterator[None]:
    """No garbage collection while the block builds objects that live until the process ends,
    and none over them afterwards.

    Compiling a rule set allocates millions of objects that all stay alive: the collector's
    passes over them find nothing and cost a fifth of compiling 20,000 entities, and the first
    pass after it would still walk them all.  So they are frozen (``gc.freeze``) at the end:
    later passes, which items' garbage keeps starting, skip them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal and only after a second."""

    def __init__(self, stream: IO[str], total_bytes: int | None, delay: float = 1.0) -> None:
        self.stream = stream
        self.total = total_bytes
        self.enabled = stream.isatty()
        self.start = time.monotonic()
        self.delay = delay
        self.last = 0.0
        self.shown = False

    def update(self, items: int, done_bytes: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = now - self.start
        if elapsed < self.delay or now - self.last < 0.1:
            return
        self.last = now
        rate = items / elapsed if elapsed else 0.0
        if self.total:
            fraction = min(done_bytes / self.total, 1.0)
            bar = "#" * int(fraction * 30)
            line = f"\r[{bar:<30}] {fraction:4.0%} {items} items, {rate:,.0f}/s"
        else:
            line = f"\r{items} items, {rate:,.0f}/s"
        self.stream.write(line)
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def utf8_streams() -> None:
    """JSON lines and Arabic text are UTF-8 whatever the locale says."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace" if stream is sys.stderr else "strict")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    finally:
        gc.unfreeze()  # what load_matcher froze: a test's process gets it back


def _run(args: argparse.Namespace) -> int:
    utf8_streams()
    matcher = load_matcher(args)
    labels = None
    if args.labels:
        path = Path(args.labels)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise SystemExit(f"marsad match: cannot read labels {path}: {exc.strerror}") from None
        from marsad.matching.scoring import parse_labels  # only to score: not for explain

        labels = parse_labels(text.splitlines(), str(path))
    output_name = args.output if args.output is not None else (None if labels else "-")
    report_stream = sys.stderr if output_name == "-" else sys.stdout
    errors = 0
    kept: dict[str, MatchInput] = {}
    results: list[MatchResult] = []
    with ExitStack() as stack:
        if args.input == "-":
            source: IO[bytes] | IO[str] = binary_in(sys.stdin)
            total = None
        else:
            try:
                source = stack.enter_context(open(args.input, "rb"))
            except OSError as exc:
                raise SystemExit(
                    f"marsad match: cannot read {args.input}: {exc.strerror}"
                ) from None
            total = Path(args.input).stat().st_size
        out: Output | None = None
        if output_name == "-":
            out = Output.over(sys.stdout)
        elif output_name is not None:
            out = Output(stack.enter_context(open(output_name, "wb")))
        progress = Progress(sys.stderr, total)
        count = 0
        for number, line, done in input_lines(source):
            if not line.strip():
                continue
            count += 1
            try:
                item, ident = read_item(line)
            except InputError as exc:
                errors += 1
                print(f"marsad match: input line {number}: {exc}", file=sys.stderr)
                if out is not None:
                    out.write(error_json(exc, number))
                continue
            result = matcher.match(item)
            if out is not None:
                out.write(result_json(result, ident))
            if labels is not None:
                results.append(result)
                if item.id in labels:
                    kept[item.id] = item
            progress.update(count, done)
        if out is not None:
            out.flush()
        progress.close()
    if labels is not None:
        # Every rule is judged where a label lists rules; entities only where some label names
        # them (a labeller who never judged an entity says nothing about it).
        from marsad.matching.scoring import format_report, score

        report = score(results, kept, labels, rule_ids=list(matcher.rules))
        print(format_report(report), file=report_stream)
        if args.fail_below is not None:
            low = below(report, args.fail_below)
            if low:
                print(
                    f"marsad match: below {args.fail_below:.0%}: {', '.join(low)}", file=sys.stderr
                )
                return 3
    if errors:
        print(
            f"marsad match: {errors} input line{'s' if errors != 1 else ''} could not be read",
            file=sys.stderr,
        )
        return 1
    return 0
