"""`marsad run` with a token tells the admins in Telegram when a source is disabled (issue 13,
item 9), through the real service and the fake Bot API."""

from __future__ import annotations

from pathlib import Path

from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer, Response
from tests.service import start_service, stop_service, telegram_section

ADMIN = 9001


def test_a_gone_feed_is_disabled_and_the_admin_is_told(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    http_server.route("/gone", Response(status=410))
    config = (
        telegram_section(fake_telegram.base_url, (ADMIN,))
        + '[polling]\ninterval = "1s"\ntimeout = "3s"\n'
        + f'[[sources]]\nname = "Hespress"\nurl = "{http_server.url("/gone")}"\n'
    )
    process, _ = start_service(tmp_path, config, token=fake_telegram.token)
    try:
        fake_telegram.wait_for(lambda: fake_telegram.texts(ADMIN) != [], timeout=60)
    finally:
        stop_service(process)
    [notice] = fake_telegram.texts(ADMIN)
    assert "Hespress" in notice and "410" in notice and "عُطّل المصدر" in notice
    assert len(http_server.requests_to("/gone")) == 1, "disabled: not polled again"
