"""`marsad run` with a token, as a user meets it: subscribe in Telegram, an item is published, one alert."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakebot import FakeTelegram, Fault
from tests.httpserver import HTTPTestServer, Response

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
ANALYST, ADMIN, OTHER = 4242, 9001, 5151
NEWS = "حموشي يستقبل المدير العام للشرطة الوطنية الإسبانية لبحث التعاون الأمني"
UNRELATED = "افتتاح معرض الكتاب بالرباط"


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>https://news.example/{guid}</link>"
        f"<guid isPermaLink='false'>{guid}</guid>"
        "<pubDate>Sun, 22 Nov 2026 10:00:00 +0100</pubDate></item>"
        for guid, title in items
    )
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()


@pytest.fixture
def service(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    http_server.route("/feed", Response(body=rss(("old", "خبر قديم عن حموشي")), headers=FEED_TYPE))
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
url = "{http_server.url("/feed")}"
""",
        encoding="utf-8",
    )
    log = tmp_path / "service.log"
    env = {**os.environ, "MARSAD_E2E_TOKEN": fake_telegram.token}
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "marsad", "run", "--config", str(config), "--verbose"],
            cwd=tmp_path,
            stdout=err,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        try:
            yield process, log
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)


def test_subscribe_publish_receive_and_admin_only_status(
    service: tuple[subprocess.Popen[str], Path],
    http_server: HTTPTestServer,
    fake_telegram: FakeTelegram,
) -> None:
    process, log = service
    fake_telegram.push_message(chat_id=ANALYST, user_id=ANALYST, text="/start")
    fake_telegram.push_message(chat_id=ANALYST, user_id=ANALYST, text="/subscribe @hammouchi")
    fake_telegram.wait_for(lambda: len(fake_telegram.texts(ANALYST)) >= 2, timeout=60)
    # the backlog has been polled by now (the first poll comes within seconds)
    deadline = time.monotonic() + 60
    while len(http_server.requests_to("/feed")) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)

    http_server.route(
        "/feed",
        Response(
            body=rss(("new", NEWS), ("other", UNRELATED), ("old", "خبر قديم عن حموشي")),
            headers=FEED_TYPE,
        ),
    )
    fake_telegram.wait_for(lambda: any(NEWS in t for t in fake_telegram.texts(ANALYST)), timeout=60)

    fake_telegram.push_message(chat_id=OTHER, user_id=OTHER, text="/status")
    fake_telegram.push_message(chat_id=ADMIN, user_id=ADMIN, text="/status")
    fake_telegram.wait_for(
        lambda: fake_telegram.texts(OTHER) != [] and fake_telegram.texts(ADMIN) != [], timeout=60
    )
    time.sleep(2)  # a few more polls: nothing may be sent twice

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, log.read_text(encoding="utf-8")[-3000:]

    texts = fake_telegram.texts(ANALYST)
    assert sum(NEWS in t for t in texts) == 1, texts  # exactly one alert for the story
    assert not any("خبر قديم" in t for t in texts)  # the backlog is never alerted
    assert not any(UNRELATED in t for t in texts)
    assert "Hespress" in fake_telegram.texts(ADMIN)[-1]
    assert "Hespress" not in fake_telegram.texts(OTHER)[-1]  # refused, politely
    output = log.read_text(encoding="utf-8")
    assert fake_telegram.token not in output


def start_service(tmp_path: Path, config: Path, token: str, log_name: str) -> subprocess.Popen[str]:
    log = (tmp_path / log_name).open("w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "marsad", "run", "--config", str(config)],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "MARSAD_E2E_TOKEN": token},
    )


def test_sigkill_between_send_and_commit_loses_nothing_and_doubles_at_most_once(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    http_server.route("/feed", Response(body=rss(("old", "خبر قديم")), headers=FEED_TYPE))
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[telegram]
token_env = "MARSAD_E2E_TOKEN"
base_url = "{fake_telegram.base_url}"
[polling]
interval = "1s"
timeout = "3s"
[[sources]]
name = "Hespress"
url = "{http_server.url("/feed")}"
""",
        encoding="utf-8",
    )
    first = start_service(tmp_path, config, fake_telegram.token, "first.log")
    try:
        fake_telegram.push_message(chat_id=ANALYST, user_id=ANALYST, text="/subscribe @hammouchi")
        fake_telegram.wait_for(lambda: len(fake_telegram.texts(ANALYST)) >= 1, timeout=60)
        deadline = time.monotonic() + 60
        while len(http_server.requests_to("/feed")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        # Telegram receives the alert but its answer never comes back in time: the row is
        # SENDING when the process is killed, so the outcome is ambiguous.
        fake_telegram.inject(Fault.stall(60.0, deliver=True), chat_id=ANALYST)
        http_server.route(
            "/feed", Response(body=rss(("a", NEWS), ("old", "خبر قديم")), headers=FEED_TYPE)
        )
        fake_telegram.wait_for(
            lambda: any(NEWS in t for t in fake_telegram.texts(ANALYST)), timeout=60
        )
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    # While the service is down, another item is published: it must not be lost.
    later = "لفتيت وحموشي يترأسان اجتماعا أمنيا حول تأمين كأس العالم"
    http_server.route(
        "/feed",
        Response(body=rss(("b", later), ("a", NEWS), ("old", "خبر قديم")), headers=FEED_TYPE),
    )
    second = start_service(tmp_path, config, fake_telegram.token, "second.log")
    try:
        fake_telegram.wait_for(
            lambda: any(later in t for t in fake_telegram.texts(ANALYST)), timeout=60
        )
        time.sleep(3)  # time for any further (wrong) resends
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0

    texts = fake_telegram.texts(ANALYST)
    assert 1 <= sum(NEWS in t for t in texts) <= 2, texts  # ambiguous: resent at most once
    assert sum(later in t for t in texts) == 1, texts  # published while down: exactly once
