"""A churning feed (new guids at every request) against `marsad run`: the chat gets at most ten
alerts per poll and a summary, not hundreds of alerts (issue 13, item 4)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer, Request, Response
from tests.service import FEED_TYPE, start_service, stop_service, telegram_section

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
    config = (
        telegram_section(fake_telegram.base_url)
        + '[polling]\ninterval = "2s"\ntimeout = "3s"\n'
        + f'[[sources]]\nname = "Churn"\nurl = "{http_server.url("/churn")}"\n'
    )
    process, _ = start_service(tmp_path, config, token=fake_telegram.token)
    try:
        fake_telegram.push_message(chat_id=ANALYST, user_id=ANALYST, text="/start")
        fake_telegram.push_message(chat_id=ANALYST, user_id=ANALYST, text="/subscribe @hammouchi")
        fake_telegram.wait_for(
            lambda: any("📥" in text for text in fake_telegram.texts(ANALYST)), timeout=60
        )
        time.sleep(1)
    finally:
        stop_service(process)
    texts = fake_telegram.texts(ANALYST)
    alerts = [t for t in texts if "حموشي يستقبل الوفد" in t]
    summaries = [t for t in texts if t.startswith(("📥", "\u200f📥"))]
    polls = len(http_server.requests_to("/churn"))
    assert summaries and "20 خبرا آخر من Churn" in summaries[0]
    assert len(alerts) <= 10 * (polls - 1), (len(alerts), polls)
