"""`marsad match` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse

HELP = "match (not built yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments yet."""


def run(args: argparse.Namespace) -> int:
    raise SystemExit("marsad match: not built yet")
