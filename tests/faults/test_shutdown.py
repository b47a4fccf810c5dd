"""Stopping `marsad run` while a poll is in flight: the poll finishes, nothing is lost, and the
log has no ERROR line and no traceback (issue 13, item 15)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.httpserver import HTTPTestServer, Response

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>https://news.example/{guid}</link>"
        f"<guid isPermaLink='false'>{guid}</guid>"
        "<pubDate>Sun, 22 Nov 2026 10:00:00 +0100</pubDate></item>"
        for guid, title in items
    )
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()


def start(tmp_path: Path, url: str, timeout: str = "20s") -> tuple[subprocess.Popen[str], Path]:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[polling]\ninterval = "1s"\ntimeout = "{timeout}"\n'
        f'[[sources]]\nname = "Slow"\nurl = "{url}"\n',
        encoding="utf-8",
    )
    log = tmp_path / "service.log"
    env = {k: v for k, v in os.environ.items() if k != "MARSAD_TELEGRAM_TOKEN"}
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "marsad", "run", "--config", str(config), "--verbose"],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
    return process, log


def stored_titles(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "marsad.db") as db:
        return [row[0] for row in db.execute("SELECT title FROM items ORDER BY id")]


def wait_for_request(server: HTTPTestServer, path: str, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(server.requests_to(path)) < count:
        assert time.monotonic() < deadline, "the service never polled"
        time.sleep(0.05)


def test_sigterm_during_a_fetch_lets_the_poll_finish_without_an_error(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    http_server.route(
        "/slow", Response(body=rss(("a", "خبر وصل بعد تأخر")), headers=FEED_TYPE, delay=2.0)
    )
    process, log = start(tmp_path, http_server.url("/slow"))
    wait_for_request(http_server, "/slow", 1)
    process.send_signal(signal.SIGTERM)  # the answer is still 2 s away
    assert process.wait(timeout=60) == 0
    output = log.read_text(encoding="utf-8")
    assert "waiting for 1 polls in flight" in output, output[-2000:]
    assert " ERROR " not in output and "Traceback" not in output, output[-3000:]
    assert "CancelledError" not in output
    assert stored_titles(tmp_path) == ["خبر وصل بعد تأخر"], "the poll in flight finished"


def test_sigint_twice_is_still_a_clean_stop(http_server: HTTPTestServer, tmp_path: Path) -> None:
    http_server.route("/slow", Response(body=rss(("b", "خبر")), headers=FEED_TYPE, delay=1.0))
    process, log = start(tmp_path, http_server.url("/slow"))
    wait_for_request(http_server, "/slow", 1)
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    output = log.read_text(encoding="utf-8")
    assert " ERROR " not in output and "Traceback" not in output, output[-3000:]
