"""Quiet hours as a chat meets them: an alert found at night is held, not dropped, and sent when
the quiet hours end; a story that grows meanwhile does not ping (its held alert is rewritten, an
edit of an alert sent before is held too); /quiet off sends what was held at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from marsad.store.delivery import OutboxRow
from tests.bot.options_world import HIGH_TITLE, NORMAL_TITLE, Newsroom, newsroom
from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer

NIGHT_OWL = 801
NIGHT = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # 23:30 in Casablanca
MORNING = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 07:00 in Casablanca: quiet hours end


def alerts(room: Newsroom) -> list[str]:
    return [text for text in room.server.texts(NIGHT_OWL) if "Why:" in text]


def edit_calls(room: Newsroom) -> int:
    return sum(
        1
        for method, params in list(room.server.calls)
        if method == "editMessageText" and params.get("chat_id") == NIGHT_OWL
    )


def held_rows(room: Newsroom) -> list[OutboxRow]:
    with room.world.session() as s:
        rows = s.exec(select(OutboxRow).where(OutboxRow.chat_id == NIGHT_OWL)).all()
        return [row for row in rows if row.held and row.state == "pending"]


async def test_an_alert_found_in_quiet_hours_waits_for_their_end(
    tmp_path: Path, fake_telegram: FakeTelegram, http_server: HTTPTestServer
) -> None:
    async with newsroom(tmp_path, fake_telegram, http_server) as room:
        for text in ("/start", "/subscribe @hammouchi"):
            await room.bot.say(NIGHT_OWL, text, language_code="en")
        [reply] = await room.bot.say(NIGHT_OWL, "/quiet 22:00-07:00", language_code="en")
        assert "22:00–07:00 (Africa/Casablanca)" in reply

        # 21:50 local: before the quiet hours, the alert goes at once
        room.world.clock.now = NIGHT - timedelta(minutes=100)
        room.feeds.publish("Sahil", HIGH_TITLE)
        await room.poll()
        await room.deliver()
        assert len(alerts(room)) == 1

        # 23:30 local: a new story is held; the first story's new outlet edits nothing yet
        room.world.clock.now = NIGHT
        room.feeds.publish("Sahil", NORMAL_TITLE)
        room.feeds.publish("Wasit", HIGH_TITLE)
        await room.poll()
        await room.deliver()
        assert len(alerts(room)) == 1
        assert edit_calls(room) == 0
        assert len(held_rows(room)) == 2  # the new alert and the first one's edit
        assert all(row.due_at == MORNING for row in held_rows(room))

        # 03:00 local: the new story gains an outlet; its held alert is rewritten, still held
        room.world.clock.now = NIGHT + timedelta(hours=3, minutes=30)
        room.feeds.publish("Wasit", NORMAL_TITLE)
        await room.poll()
        await room.deliver()
        assert len(alerts(room)) == 1 and edit_calls(room) == 0

        # 07:00 local: the held alert goes out, once, already showing both outlets; the edit too
        room.world.clock.now = MORNING
        await room.deliver()
        shown = alerts(room)
        assert len(shown) == 2
        assert NORMAL_TITLE in shown[1] and "+1 more source" in shown[1]
        assert edit_calls(room) == 1 and "+1 more source" in shown[0]
        assert held_rows(room) == []


async def test_quiet_off_sends_what_was_held_at_once(
    tmp_path: Path, fake_telegram: FakeTelegram, http_server: HTTPTestServer
) -> None:
    async with newsroom(tmp_path, fake_telegram, http_server) as room:
        for text in ("/start", "/subscribe @hammouchi", "/quiet 22:00-07:00", "/silent on"):
            await room.bot.say(NIGHT_OWL, text, language_code="en")
        room.world.clock.now = NIGHT
        room.feeds.publish("Sahil", NORMAL_TITLE)
        await room.poll()
        await room.deliver()
        assert alerts(room) == [] and len(held_rows(room)) == 1
        [reply] = await room.bot.say(NIGHT_OWL, "/quiet off", language_code="en")
        assert "off" in reply
        await room.deliver()
        [alert] = alerts(room)
        assert NORMAL_TITLE in alert
        [sent] = [p for p in room.sends_to(NIGHT_OWL) if "Why:" in str(p.get("text"))]
        assert sent.get("disable_notification") in (True, "true")


async def test_changed_quiet_hours_move_what_they_held(
    tmp_path: Path, fake_telegram: FakeTelegram, http_server: HTTPTestServer
) -> None:
    async with newsroom(tmp_path, fake_telegram, http_server) as room:
        for text in ("/start", "/subscribe @hammouchi", "/quiet 22:00-07:00"):
            await room.bot.say(NIGHT_OWL, text, language_code="en")
        room.world.clock.now = NIGHT
        room.feeds.publish("Sahil", NORMAL_TITLE)
        await room.poll()
        await room.deliver()
        [row] = held_rows(room)
        assert row.due_at == MORNING
        # a longer night: held until 09:00 Casablanca, not sent at 07:00
        await room.bot.say(NIGHT_OWL, "/quiet 22:00-09:00", language_code="en")
        [row] = held_rows(room)
        assert row.due_at == MORNING + timedelta(hours=2)
        room.world.clock.now = MORNING + timedelta(minutes=5)
        await room.deliver()
        assert alerts(room) == []
        # quiet hours that no longer cover now: what was held goes at once
        await room.bot.say(NIGHT_OWL, "/quiet 23:50-06:00", language_code="en")
        assert held_rows(room) == []
        await room.deliver()
        [alert] = alerts(room)
        assert NORMAL_TITLE in alert
