"""Spike alerts end to end: an outlet's feed on 127.0.0.1 with weeks of quiet coverage of
@hammouchi bursts with seven distinct stories in one hour; polled by the real poller, the spike
detector (as the watcher role runs it) sends one spike alert, naming the stories, to each chat
that follows `/subscribe spikes @hammouchi`, in that chat's language, through the outbox and the
fake Bot API; a chat that follows other spikes gets none, a chat in its quiet hours gets it when
they end, and a second detector sends nothing more.  `marsad spikes` lists the spike."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marsad.bot.cli import main
from marsad.bot.delivery.sender import Sender
from marsad.bot.spike_alerts import SpikeAlerts
from marsad.bot.wiring import make_poller
from marsad.config import parse_config
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
from marsad.store.engine import open_store
from marsad.trends import SpikeParams
from marsad.watchers.fetch import Fetcher
from marsad.watchers.poller import Poller
from marsad.watchers.spike_watch import SpikeDetector
from tests.bot.conftest import ADMIN, Bot, Clock, World, start_bot
from tests.bot.test_digests import restore_logging  # noqa: F401 - a fixture used below
from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer
from tests.watchers.spike_feed import BURST, SUNDAY, Outlet, write_config

ARABIC, FRENCH, OTHER, SLEEPER = 5101, 5102, 5103, 5104
DETECTED = SUNDAY + timedelta(minutes=70)  # 10:10 in Casablanca: the hour ended, with its grace


@dataclass
class Room:
    bot: Bot
    outlet: Outlet
    poller: Poller
    sender: Sender
    detector: SpikeDetector

    @property
    def clock(self) -> Clock:
        return self.bot.world.clock

    async def deliver(self) -> None:
        """Send everything due now, one pass per paced message."""
        for _ in range(20):
            count = await self.sender.send_due()
            self.clock.now += timedelta(seconds=4)
            if count == 0:
                return

    def sent_html(self, chat_id: int) -> list[str]:
        return [
            str(params["text"])
            for method, params in list(self.bot.server.calls)
            if method == "sendMessage" and params.get("chat_id") == chat_id
        ]


@asynccontextmanager
async def room(folder: Path, fake: FakeTelegram, http: HTTPTestServer) -> AsyncIterator[Room]:
    """The bot on the fake Bot API, the outlet's history stored by a first poll (its backlog)."""
    outlet = Outlet(http)
    outlet.history()
    telegram = f'[telegram]\nbase_url = "{fake.base_url}"\nadmins = [{ADMIN}]'
    path = write_config(folder, outlet, extra=telegram)
    config = parse_config(path.read_text(encoding="utf-8"), path)
    engine = open_store(config.database.url)
    matcher = Matcher.compile(load_rules(list(config.rules)))
    world = World(config, engine, matcher, Clock(SUNDAY - timedelta(minutes=30)))
    try:
        async with Fetcher(
            timeout=timedelta(seconds=5), max_bytes=2_000_000, allow_private=["127.0.0.1"]
        ) as fetcher:
            poller = make_poller(config, engine, fetcher, matcher=matcher, clock=world.clock)
            await poller.poll_all()  # the first poll: weeks of history, never alerted
            detector = SpikeDetector(
                engine, SpikeParams(), config.tz, on_spike=SpikeAlerts(config, matcher)
            )
            async for bot in start_bot(fake, world):
                sender = Sender(bot.app.bot, engine, clock=world.clock)
                yield Room(bot, outlet, poller, sender, detector)
    finally:
        engine.dispose()


def links(html: str) -> list[tuple[str, str]]:
    """The (url, text) of every link of a message."""
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)


async def test_a_burst_on_one_entity_is_one_spike_alert_to_each_chat_following_its_spikes(
    tmp_path: Path, fake_telegram: FakeTelegram, http_server: HTTPTestServer
) -> None:
    async with room(tmp_path, fake_telegram, http_server) as r:
        [ar] = await r.bot.say(ARABIC, "/subscribe spikes @hammouchi", language_code="ar")
        assert "قفزات تغطية @hammouchi — عبد اللطيف حموشي" in ar
        [fr] = await r.bot.say(FRENCH, "/subscribe spikes @hammouchi", language_code="fr")
        assert "pics de @hammouchi — Abdellatif Hammouchi" in fr
        [other] = await r.bot.say(OTHER, "/subscribe spikes @spain", language_code="en")
        assert "spikes of @spain" in other
        for text in ("/subscribe spikes @hammouchi", "/quiet 09:00-12:00"):
            await r.bot.say(SLEEPER, text, language_code="en")
        # a mistyped entity: did you mean, and nothing subscribed
        [typo] = await r.bot.say(OTHER, "/subscribe spikes @hamouchi", language_code="en")
        assert typo == "There is no entity @hamouchi. Did you mean /subscribe spikes @hammouchi?"

        r.outlet.burst(BURST, SUNDAY)  # seven distinct stories between 08:03 and 08:45 UTC
        r.clock.now = SUNDAY + timedelta(minutes=50)
        await r.poller.poll_all()
        r.clock.now = DETECTED
        [spike] = await asyncio.to_thread(r.detector.check, DETECTED)
        assert spike.count == len(BURST)
        before = {chat: len(r.sent_html(chat)) for chat in (ARABIC, FRENCH, OTHER, SLEEPER)}
        await r.deliver()

        [arabic] = r.sent_html(ARABIC)[before[ARABIC] :]
        lines = arabic.replace("\u200f", "").replace("\u200e", "").split("\n")
        assert lines[0].startswith(
            "📈 قفزة في التغطية: <b>عبد اللطيف حموشي</b> — 7 أخبار في الساعة"
        )
        assert "22 نوفمبر 09:00 – 10:00" in lines[1]  # the hour in Casablanca's time
        shown = links(arabic)
        assert len(shown) == 5 and {title for _, title in shown} <= set(BURST)
        assert all(url.startswith("https://wasit.example/") for url, _ in shown)
        assert lines[-1] == "+خبران آخران"  # the two other stories (the Arabic dual)

        [french] = r.sent_html(FRENCH)[before[FRENCH] :]
        assert french.startswith(
            "📈 Pic de couverture : <b>Abdellatif Hammouchi</b> — 7 articles dans l’heure"
        )
        assert len(links(french)) == 5 and french.endswith("+2 autres articles")

        assert r.sent_html(OTHER)[before[OTHER] :] == []  # follows @spain's spikes: none
        assert r.sent_html(SLEEPER)[before[SLEEPER] :] == []  # quiet until 12:00 local

        # another watcher process finds the spike recorded: nothing is sent twice
        again = SpikeDetector(
            r.detector.engine, SpikeParams(), r.detector.tz, on_spike=r.detector.on_spike
        )
        assert await asyncio.to_thread(again.check, DETECTED) == []

        r.clock.now = SUNDAY + timedelta(hours=3, minutes=1)  # 12:01 in Casablanca
        await r.deliver()
        [english] = r.sent_html(SLEEPER)[before[SLEEPER] :]
        assert english.startswith("📈 Spike: <b>Abdellatif Hammouchi</b> — 7 stories in the hour")
        assert len(r.sent_html(ARABIC)) == before[ARABIC] + 1
        assert len(r.sent_html(FRENCH)) == before[FRENCH] + 1

        # /list shows the subscription; /unsubscribe removes it
        [listed] = await r.bot.say(SLEEPER, "/list", language_code="en")
        assert "1. spikes of @hammouchi — Abdellatif Hammouchi" in listed
        # it follows the spikes, not the stories: a digest does not list them
        [digest] = await r.bot.say(SLEEPER, "/digest", language_code="en")
        assert digest.startswith("No matching stories since")
        [removed] = await r.bot.say(SLEEPER, "/unsubscribe 1", language_code="en")
        assert "spikes of @hammouchi" in removed


@pytest.mark.usefixtures("restore_logging")
async def test_marsad_spikes_lists_the_spike_with_its_stories(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    http_server: HTTPTestServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with room(tmp_path, fake_telegram, http_server) as r:
        r.outlet.burst(BURST[:5], SUNDAY)
        r.clock.now = SUNDAY + timedelta(minutes=50)
        await r.poller.poll_all()
        [spike] = await asyncio.to_thread(r.detector.check, DETECTED)
    config = str(tmp_path / "config.toml")
    days = (datetime.now(UTC) - SUNDAY).days + 2  # back to before the spike, whatever today is
    assert main(["spikes", "--config", config, "--since", f"{days}d"]) == 0
    out = capsys.readouterr().out.split("\n")
    assert out[0] == (
        f"#{spike.id}  2026-11-22 09:00–10:00 +01 (hour)  @hammouchi — عبد اللطيف حموشي"
    )
    assert out[1].startswith("    5 stories in the hour vs ~0.") and ", p=" in out[1]
    stories = [line.removeprefix("    - ").split("  ") for line in out[2:7]]
    assert {title for title, _ in stories} == set(BURST[:5])
    assert all(url.startswith("https://wasit.example/") for _, url in stories)

    assert main(["spikes", "--config", config, "--since", f"{days}d", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["target_kind"], row["target"], row["window"], row["count"]) == (
        "entity", "hammouchi", "hour", 5,
    )  # fmt: skip
    assert row["start"] == "2026-11-22T09:00:00+01:00" and row["title"] == "عبد اللطيف حموشي"
    assert {story["title"] for story in row["stories"]} == set(BURST[:5])

    assert main(["spikes", "--config", config, "--since", "1h"]) == 0
    assert capsys.readouterr().out == "no spikes in that period\n"
