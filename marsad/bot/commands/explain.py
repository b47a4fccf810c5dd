"""`marsad explain` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse

HELP = "explain (not built yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments yet."""


def run(args: argparse.Namespace) -> int:
    raise SystemExit("marsad explain: not built yet")
