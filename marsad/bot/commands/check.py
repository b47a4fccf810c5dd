"""``marsad check``: validate the configuration and its rule files, then review the rules as an
analyst would (``matching.lint``) and, with a store, show how often each flagged name fired."""

from __future__ import annotations

import argparse
import sys

from marsad.config import Config, load_config
from marsad.errors import RuleError
from marsad.matching.engine import Matcher
from marsad.matching.lint import Check, Finding, lint
from marsad.matching.rulefile import RuleSet, read_rules, rule_files

HELP = "validate configuration and rule files, then review the rules (warnings with fixes)"
DESCRIPTION = """\
Validate the configuration file and every rule file it names (`rules`). Each error is printed
as FILE:LINE[:COLUMN]: KEY: WHAT IS WRONG, and any error exits with status 2.

Then review the rules as an experienced analyst would, and print each finding as a warning,
FILE:LINE: entity[ID].KEY: «NAME» WHAT TO LOOK AT, with the fix on the next line: names that
are frequent ordinary words, capitals standing for their country, names shared with or found
inside another entity's, nisbas that are also personal names, inflections that are other words,
context words found in every article. Warnings exit with status 0, or 3 with --strict.

  marsad check                       errors and warnings
  marsad check --strict              exit 3 when there is any warning (for CI)
  marsad check --contexts            also, for each flagged name, how often it fired in the
                                     stored items of the last 30 days (--days N), with contexts
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 3 when there is any warning"
    )
    parser.add_argument(
        "--contexts",
        action="store_true",
        help="for each flagged name: the stored items where it fired, with contexts",
    )
    parser.add_argument(
        "--days",
        type=_days,
        default=30,
        metavar="N",
        help="with --contexts: how many days back (default 30)",
    )


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 3650:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from 1 to 3650")
    return value


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    warnings = [f"warning: {warning}" for warning in config.warnings]
    for line in warnings:
        print(line, file=sys.stderr)
    where = config.path or "built-in defaults"
    print(f"{where}: configuration OK ({len(config.sources)} sources)")
    ruleset, problems = read_rules(config.rules)
    matcher: Matcher | None = None
    if not problems:
        try:
            matcher = Matcher.compile(ruleset)
        except RuleError as exc:
            problems = list(exc.problems)
    if problems:
        print(f"marsad: {RuleError(problems).show()}", file=sys.stderr)
    source_warnings = _unknown_sources(config, ruleset)
    for line in source_warnings:
        print(line, file=sys.stderr)
    findings = lint(ruleset.entities)
    _print_findings(findings, config, matcher, args)
    if problems:
        return 2
    files, _ = rule_files(config.rules)
    print(
        f"rules OK: {_count(len(ruleset.entities), 'entity', 'entities')} and "
        f"{_count(len(ruleset.rules), 'rule', 'rules')} in {_count(len(files), 'file', 'files')}"
        + (f"; {_count(len(findings), 'warning', 'warnings')} to review" if findings else "")
    )
    if args.strict and (warnings or source_warnings or findings):
        return 3
    return 0


def _unknown_sources(config: Config, ruleset: RuleSet) -> list[str]:
    """Rules limited to a source name or tag the configuration does not have."""
    if not config.sources:
        return []
    known = {s.name.casefold() for s in config.sources}
    known |= {tag.casefold() for s in config.sources for tag in s.tags}
    return [
        f"warning: {rule.file}:{rule.line}: rule[{rule.id}].sources: {name!r} is neither a "
        "source name nor a tag in the configuration; the rule will never fire for it"
        for rule in ruleset.rules
        for name in rule.sources
        if name.casefold() not in known
    ]


def _print_findings(
    findings: list[Finding], config: Config, matcher: Matcher | None, args: argparse.Namespace
) -> None:
    """Each finding and its fix; with --contexts, where its name fired in the store."""
    shown: dict[int, list[str]] = {}
    if args.contexts and findings:
        shown = _contexts(findings, config, matcher, args.days)
    for index, finding in enumerate(findings):
        print(f"warning: {finding.show()}", file=sys.stderr)
        print(f"  fix: {finding.fix}", file=sys.stderr)
        for line in shown.get(index, []):
            print(f"  {line}", file=sys.stderr)


def _contexts(
    findings: list[Finding], config: Config, matcher: Matcher | None, days: int
) -> dict[int, list[str]]:
    """The lines shown under each finding whose name can be counted."""
    if matcher is None:
        print("marsad check: --contexts needs rule files without errors", file=sys.stderr)
        return {}
    from marsad.bot.alias_usage import no_store, stored_usage  # the store: only when asked
    from marsad.bot.wiring import utc_now
    from marsad.matching.usage import Name, describe

    missing = no_store(config)
    if missing:
        print(f"marsad check: {missing}", file=sys.stderr)
        return {}
    names = {
        index: Name(f.entity, f.alias, f.form)
        for index, f in enumerate(findings)
        if f.check is not Check.CONTEXT
    }
    found = stored_usage(config, matcher, list(dict.fromkeys(names.values())), days, utc_now())
    return {index: describe(found[name], days) for index, name in names.items()}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
