"""`marsad run` with a token tells the admins in Telegram when a source is disabled (issue 13,
item 9), through the real service and the fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer, Response

ADMIN = 9001


def test_a_gone_feed_is_disabled_and_the_admin_is_told(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    http_server.route("/gone", Response(status=410))
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[telegram]
token_env = "MARSAD_E2E_TOKEN"
base_url = "{fake_telegram.base_url}"
admins = [{ADMIN}]
[polling]
interval = "1s"
timeout = "3s"
[[sources]]
name = "Hespress"
url = "{http_server.url("/gone")}"
""",
        encoding="utf-8",
    )
    log = tmp_path / "service.log"
    env = {**os.environ, "MARSAD_E2E_TOKEN": fake_telegram.token}
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "marsad", "run", "--config", str(config)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
    try:
        fake_telegram.wait_for(lambda: fake_telegram.texts(ADMIN) != [], timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    [notice] = fake_telegram.texts(ADMIN)
    assert "Hespress" in notice and "410" in notice and "عُطّل المصدر" in notice
    assert len(http_server.requests_to("/gone")) == 1, "disabled: not polled again"
