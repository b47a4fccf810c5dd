"""A churning feed (new guids at every request) against `marsad run`: the chat gets at most ten
alerts per poll and a summary, not hundreds of alerts (issue 13, item 4)."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer, Request, Response

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
ANALYST = 4242


def test_a_churning_feed_is_capped_and_summarised(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    counter = itertools.count()

    def churn(_request: Request) -> Response:
        poll = next(counter)
        items = "".join(
            f"<item><title>حموشي يستقبل الوفد رقم {poll}-{n}</title>"
            f"<link>https://churn.example/{poll}/{n}</link><guid>g-{poll}-{n}</guid>"
            "<pubDate>Fri, 04 Dec 2026 09:00:00 +0000</pubDate></item>"
            for n in range(30)
        )
        body = f"<rss version='2.0'><channel><title>c</title>{items}</channel></rss>"
        return Response(body=body.encode(), headers=FEED_TYPE)

    http_server.route("/churn", churn)
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[telegram]
token_env = "MARSAD_E2E_TOKEN"
base_url = "{fake_telegram.base_url}"
[polling]
interval = "2s"
timeout = "3s"
[[sources]]
name = "Churn"
url = "{http_server.url("/churn")}"
""",
        encoding="utf-8",
    )
    env = {**os.environ, "MARSAD_E2E_TOKEN": fake_telegram.token}
    with (tmp_path / "service.log").open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "marsad", "run", "--config", str(config)],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, text=True, env=env,
        )  # fmt: skip
    try:
        fake_telegram.push_message(chat_id=ANALYST, user_id=ANALYST, text="/start")
        fake_telegram.push_message(chat_id=ANALYST, user_id=ANALYST, text="/subscribe @hammouchi")
        fake_telegram.wait_for(
            lambda: any("📥" in text for text in fake_telegram.texts(ANALYST)), timeout=60
        )
        time.sleep(1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    texts = fake_telegram.texts(ANALYST)
    alerts = [t for t in texts if "حموشي يستقبل الوفد" in t]
    summaries = [t for t in texts if t.startswith(("📥", "\u200f📥"))]
    polls = len(http_server.requests_to("/churn"))
    assert summaries and "20 خبرا آخر من Churn" in summaries[0]
    assert len(alerts) <= 10 * (polls - 1), (len(alerts), polls)
