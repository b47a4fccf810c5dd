"""The ``marsad`` command line (DESIGN §5): one sub-command per module in ``bot/commands``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from marsad import __version__
from marsad.errors import MarsadError

COMMANDS = ("run", "poll", "check", "match", "explain", "digest", "demo")


def _command_module(name: str) -> ModuleType:
    return importlib.import_module(f"marsad.bot.commands.{name}")


def build_parser() -> argparse.ArgumentParser:
    """The full parser; each command module contributes its help and arguments."""
    parser = argparse.ArgumentParser(
        prog="marsad",
        description=(
            "Marsad (مرصد) watches Arabic and international news for security-cooperation "
            "developments and pushes deduplicated alerts to Telegram."
        ),
        epilog="Every command takes --config PATH "
        "(default: config.toml here, else built-in defaults).",
    )
    parser.add_argument("--version", action="version", version=f"marsad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = _command_module(name)
        command = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_argument(
            "--config",
            metavar="PATH",
            default=None,
            help="configuration file (default: ./config.toml if it exists, else built-in defaults)",
        )
        command.add_argument("-v", "--verbose", action="store_true", help="log debug details")
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``marsad`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL at INFO; a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    try:
        return int(args.handler(args) or 0)
    except MarsadError as exc:
        print(f"marsad: {exc.show()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
