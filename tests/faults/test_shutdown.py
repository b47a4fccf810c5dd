"""Stopping `marsad run` while a poll is in flight: the poll finishes, nothing is lost, and the
log has no ERROR line and no traceback (issue 13, item 15)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.httpserver import HTTPTestServer, Response
from tests.service import FEED_TYPE, rss, start_service


def start(tmp_path: Path, url: str) -> tuple[subprocess.Popen[str], Path]:
    config = (
        f'[polling]\ninterval = "1s"\ntimeout = "20s"\n[[sources]]\nname = "Slow"\nurl = "{url}"\n'
    )
    return start_service(tmp_path, config)


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
