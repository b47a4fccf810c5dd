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

COMMANDS: dict[str, str] = {
    "run": "the service: scheduled watchers + Telegram bot (console alerts without a token)",
    "poll": "poll every source once, now; store and print new items; exit",
    "check": "validate configuration and rule files, then review the rules (warnings with fixes)",
    "match": "batch matching: JSONL items in, JSONL results out (--labels to score rules)",
    "explain": "show, for one text, every hit and why",
    "forms": "print what a name will catch: its forms, inflections and proclitics",
    "digest": "print the digest for a period on the console",
    "stories": "list recent stories with their outlet counts and titles",
    "trend": "write a chart of stories per day of an entity, a rule or a query to a PNG file",
    "spikes": "list past spikes: entities and rules whose stories jumped well above the usual",
    "sources": "list the sources and their state; disable, enable; import and export OPML",
    "demo": "run the whole pipeline offline on bundled sample feeds",
}
"""Sub-commands and their one-line help; a command's module is imported only when it runs,
so ``marsad --help`` is fast and one command's dependencies never break another."""


def _command_module(name: str) -> ModuleType:
    return importlib.import_module(f"marsad.bot.commands.{name}")


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The parser; the ``selected`` command's module contributes its description and arguments."""
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
    for name, summary in COMMANDS.items():
        module = _command_module(name) if name == selected else None
        command = sub.add_parser(
            name,
            help=summary,
            description=getattr(module, "DESCRIPTION", summary),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_argument(
            "--config",
            metavar="PATH",
            default=None,
            help="configuration file (default: ./config.toml if it exists, else built-in defaults)",
        )
        command.add_argument("-v", "--verbose", action="store_true", help="log debug details")
        if module is not None:
            module.add_arguments(command)
            command.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``marsad`` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in arguments if not a.startswith("-")), None)
    parser = build_parser(selected if selected in COMMANDS else None)
    args = parser.parse_args(arguments)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL at INFO; a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # PTB logs every non-JSON answer (a gateway's HTML error page) at ERROR with a traceback;
    # the sender classifies the same error and logs what it does about it, once.
    logging.getLogger("telegram.request.BaseRequest").setLevel(logging.CRITICAL)
    # APScheduler logs every job run at INFO: a line per source per interval.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.handler(args) or 0)
    except MarsadError as exc:
        print(f"marsad: {exc.show()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
