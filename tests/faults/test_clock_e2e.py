"""A clock that stepped back (an NTP correction, a restored VM) leaves the next poll and the
next message stored a day ahead; `marsad run` must not wait for the clock to catch up (issue 13,
item 3). The store is prepared as the clock left it, then the real service runs on it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from marsad.bot.delivery import outbox
from marsad.config import SourceConfig
from marsad.store.chats import ChatInfo, ChatType, Language, register_chat
from marsad.store.delivery import ChatDelivery, OutboxKind
from marsad.store.engine import open_store, session
from marsad.store.sources import sync_sources
from marsad.store.tables import Source
from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer, Response
from tests.service import FEED_TYPE, rss, start_service, stop_service, telegram_section

ANALYST = 4242
AHEAD = timedelta(days=1)


def test_times_set_a_day_ahead_by_a_clock_that_went_back_are_not_waited_for(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    http_server.route("/feed", Response(body=rss(("a", "خبر")), headers=FEED_TYPE))
    url = http_server.url("/feed")
    engine = open_store(f"sqlite:///{tmp_path / 'marsad.db'}")
    wrong_now = datetime.now(UTC) + AHEAD  # what the clock said before it stepped back
    with session(engine) as s:
        sync_sources(s, [SourceConfig("Feed", url)])
        source = s.exec(select(Source)).one()
        source.first_polled_at = source.last_polled_at = wrong_now - timedelta(minutes=5)
        source.next_poll_at = wrong_now + timedelta(minutes=5)
        s.add(source)
        register_chat(s, ChatInfo(ANALYST, ChatType.PRIVATE, None, Language.AR), wrong_now)
        outbox.enqueue(s, ANALYST, OutboxKind.NOTICE, "تنبيه عالق", "تنبيه عالق", now=wrong_now)
        s.add(ChatDelivery(chat_id=ANALYST, next_send_at=wrong_now + timedelta(seconds=3)))
        s.commit()
    engine.dispose()

    config = (
        telegram_section(fake_telegram.base_url)
        + '[polling]\ninterval = "5m"\ntimeout = "3s"\n'
        + f'[[sources]]\nname = "Feed"\nurl = "{url}"\n'
    )
    process, log = start_service(tmp_path, config, token=fake_telegram.token)
    try:
        fake_telegram.wait_for(lambda: "تنبيه عالق" in fake_telegram.texts(ANALYST), timeout=60)
        deadline = time.monotonic() + 30
        while not http_server.requests_to("/feed"):
            assert time.monotonic() < deadline, log.read_text(encoding="utf-8")[-2000:]
            time.sleep(0.1)
    finally:
        stop_service(process)
    assert "the clock went back?" in log.read_text(encoding="utf-8")
