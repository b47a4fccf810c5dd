"""`marsad run` as a service in tests: start it on a configuration, read its log, stop it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.cli import clean_env

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
TOKEN_ENV = "MARSAD_E2E_TOKEN"


def rss(*items: tuple[str, str], published: str = "Sun, 22 Nov 2026 10:00:00 +0100") -> bytes:
    """An RSS 2.0 feed of (guid, title) items."""
    body = "".join(
        f"<item><title>{title}</title><link>https://news.example/{guid}</link>"
        f"<guid isPermaLink='false'>{guid}</guid><pubDate>{published}</pubDate></item>"
        for guid, title in items
    )
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()


def telegram_section(base_url: str, admins: tuple[int, ...] = ()) -> str:
    """The [telegram] table of a configuration pointing at the fake Bot API."""
    listed = ", ".join(str(admin) for admin in admins)
    return f'[telegram]\ntoken_env = "{TOKEN_ENV}"\nbase_url = "{base_url}"\nadmins = [{listed}]\n'


def start_service(
    folder: Path, config_text: str, *args: str, token: str | None = None
) -> tuple[subprocess.Popen[str], Path]:
    """Write ``config.toml`` in ``folder`` and start ``marsad run --verbose`` there; returns
    the process and its log file (stdout and stderr)."""
    config = folder / "config.toml"
    config.write_text(config_text, encoding="utf-8")
    log = folder / "service.log"
    env = clean_env(**({TOKEN_ENV: token} if token else {}))
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "marsad", "run", "--config", str(config), "--verbose", *args],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
    return process, log


def stop_service(process: subprocess.Popen[str]) -> int:
    """SIGTERM, then wait for the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)
