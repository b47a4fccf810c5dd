"""``marsad check``: validate the configuration (and rule files); non-zero exit on any problem."""

from __future__ import annotations

import argparse
import sys

from marsad.config import load_config

HELP = "validate configuration and rule files; non-zero exit with precise errors"
DESCRIPTION = (
    "Validate the configuration file and every rule file it names. Prints each problem as\n"
    "FILE:LINE: KEY: WHAT IS WRONG and exits with status 2 when there is any."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``check`` takes only ``--config``."""


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    where = config.path or "built-in defaults"
    print(f"{where}: configuration OK ({len(config.sources)} sources)")
    return 0
