"""The watcher commands as a user runs them: `marsad poll`, `marsad run`, `marsad demo`, `marsad check`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.cli import clean_env, marsad
from tests.httpserver import HTTPTestServer, Response

ALERT_TITLE = "حموشي يبحث مع الشرطة الإسبانية تعزيز التعاون في مكافحة الإرهاب"
FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>https://news.example/{guid}?utm_source=x</link>"
        f"<guid isPermaLink='false'>{guid}</guid>"
        "<pubDate>Sat, 21 Nov 2026 10:00:00 +0100</pubDate></item>"
        for guid, title in items
    )
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()


def write_config(tmp_path: Path, server: HTTPTestServer, interval: str = "5m") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///data/marsad.db"
[polling]
interval = "{interval}"
timeout = "3s"
[[sources]]
name = "Alpha"
url = "{server.url("/alpha")}"
[[sources]]
name = "Broken"
url = "{server.url("/broken")}"
""",
        encoding="utf-8",
    )
    return path


def test_poll_json_prints_new_items_and_a_summary(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    http_server.route("/alpha", Response(body=rss(("1", "حموشي في مدريد")), headers=FEED_TYPE))
    http_server.route("/broken", Response(status=404))
    config = write_config(tmp_path, http_server)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    first = marsad("poll", "--json", "--config", str(config), cwd=elsewhere)
    assert first.returncode == 1  # one source failed
    [line] = first.stdout.splitlines()
    item = json.loads(line)
    assert item == {
        "source": "Alpha",
        "url": "https://news.example/1?utm_source=x",
        "title": "حموشي في مدريد",
        "published": "2026-11-21T09:00:00+00:00",
        "story": None,
        "rules": [],
        "entities": [],
        "backlog": True,
    } | {k: item[k] for k in ("story", "rules", "entities")}
    assert "Alpha: 1 new of 1 (first poll: backlog, not alerted)" in first.stderr
    assert "Broken: failed: HTTP 404" in first.stderr
    # the database path is relative to the config file, not the current folder
    assert (tmp_path / "data" / "marsad.db").exists()

    http_server.route(
        "/alpha",
        Response(body=rss(("2", "بوريطة في لشبونة"), ("1", "حموشي في مدريد")), headers=FEED_TYPE),
    )
    second = marsad("poll", "--json", "--config", str(config), cwd=elsewhere)
    lines = [json.loads(line) for line in second.stdout.splitlines()]
    assert [(i["title"], i["backlog"]) for i in lines] == [("بوريطة في لشبونة", False)]


def test_run_polls_on_schedule_prints_alerts_and_stops_cleanly(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    http_server.route("/alpha", Response(body=rss(("1", "خبر قديم")), headers=FEED_TYPE))
    http_server.route("/broken", Response(status=500))
    config = write_config(tmp_path, http_server, interval="1s")
    env = clean_env()
    log = (tmp_path / "stderr.log").open("w+", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "marsad", "run", "--config", str(config)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=log,  # a file: a full pipe would block the service
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 90
        while len(http_server.requests_to("/alpha")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        http_server.route(
            "/alpha",
            Response(
                body=rss(("3", "أمطار رعدية مرتقبة"), ("2", ALERT_TITLE), ("1", "خبر قديم")),
                headers=FEED_TYPE,
            ),
        )
        seen = len(http_server.requests_to("/alpha"))
        while len(http_server.requests_to("/alpha")) < seen + 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
        log.seek(0)
        err = log.read()
        log.close()
    assert process.returncode == 0, err
    assert ALERT_TITLE in out  # a new item that fires a shipped rule is alerted
    assert "why: " in out
    assert "أمطار رعدية مرتقبة" not in out  # a new item that fires no rule is not
    assert "خبر قديم" not in out  # the backlog is never alerted
    assert "first poll: backlog" in out
    assert "below one minute" in err
    # the failing source backs off: far fewer requests than polls of the good one
    assert len(http_server.requests_to("/broken")) < len(http_server.requests_to("/alpha"))


def test_demo_runs_offline_and_shows_backlog_then_one_new_item(tmp_path: Path) -> None:
    """The second outlet's report of the demo event joins the first outlet's story: one alert
    per chat for it, shown with "+1 source", and the output says so."""
    result = marsad("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("[backlog]") == 6
    assert result.stdout.count("[NEW → same story, +1 source]") == 1
    assert "[NEW → alert]" not in result.stdout
    assert "one story with al-wasit's report" in result.stdout
    assert '"+1 source"' in result.stdout
    assert "not modified" in result.stdout


def test_check_reports_problems_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[polling]\ninterval = "soon"\n', encoding="utf-8")
    result = marsad("check", "--config", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{bad}:2: polling.interval: 'soon' is not a duration" in result.stderr


def test_every_command_has_complete_help(tmp_path: Path) -> None:
    for command in (
        "run",
        "poll",
        "check",
        "match",
        "explain",
        "digest",
        "demo",
        "stories",
        "trend",
        "spikes",
    ):
        result = marsad(command, "--help", cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert "--config" in result.stdout
