"""``marsad check``: validate the configuration and its rule files; non-zero exit on any problem."""

from __future__ import annotations

import argparse
import sys

from marsad.config import load_config
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules, rule_files

HELP = "validate configuration and rule files; non-zero exit with precise errors"
DESCRIPTION = (
    "Validate the configuration file and every rule file it names (`rules`). Prints each\n"
    "problem as FILE:LINE[:COLUMN]: KEY: WHAT IS WRONG and exits with status 2 when there is any."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``check`` takes only ``--config``."""


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    where = config.path or "built-in defaults"
    print(f"{where}: configuration OK ({len(config.sources)} sources)")
    ruleset = load_rules(config.rules)  # RuleError lists every problem; main() exits 2
    Matcher.compile(ruleset)
    if config.sources:
        known = {s.name.casefold() for s in config.sources}
        known |= {tag.casefold() for s in config.sources for tag in s.tags}
        for rule in ruleset.rules:
            for name in rule.sources:
                if name.casefold() not in known:
                    print(
                        f"warning: {rule.file}:{rule.line}: rule[{rule.id}].sources: {name!r} is "
                        "neither a source name nor a tag in the configuration; the rule will "
                        "never fire for it",
                        file=sys.stderr,
                    )
    files, _ = rule_files(config.rules)
    print(
        f"rules OK: {_count(len(ruleset.entities), 'entity', 'entities')} and "
        f"{_count(len(ruleset.rules), 'rule', 'rules')} in {_count(len(files), 'file', 'files')}"
    )
    return 0


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
