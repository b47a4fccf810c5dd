"""Per-subscription options (severity, sources or tags, languages, digest only) and silent chats,
set by command and by buttons, as analysts meet them: real feeds on 127.0.0.1 polled in-process,
alerts sent to the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from marsad.bot.alert_options import (
    ItemFacts,
    allows,
    item_language,
    parse_quiet,
    quiet_until,
    story_severity,
)
from marsad.bot.handlers.callbacks import Button, data
from marsad.matching.rulefile import Severity
from marsad.store.chats import Subscription, SubscriptionKind, get_chat, subscriptions
from tests.bot.conftest import until
from tests.bot.options_world import FRENCH_TITLE, HIGH_TITLE, NORMAL_TITLE, Newsroom, newsroom
from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer

CASABLANCA = ZoneInfo("Africa/Casablanca")
STRICT, WASIT_ONLY, DIGEST_ONLY, SILENT, FRENCH_ONLY = 701, 702, 703, 704, 705


def sub(**options: object) -> Subscription:
    return Subscription(chat_id=1, kind="entity", target="hammouchi", number=1, **options)


FACTS = ItemFacts(source="Wasit", tags=("maghreb",), language="fr")


@pytest.mark.parametrize(
    ("options", "severity", "alerts"),
    [
        ({}, Severity.LOW, True),
        ({"min_severity": "normal"}, Severity.LOW, False),
        ({"min_severity": "normal"}, Severity.NORMAL, True),
        ({"min_severity": "high"}, Severity.NORMAL, False),
        ({"min_severity": "high"}, Severity.HIGH, True),
        ({"sources": ["Wasit"]}, Severity.NORMAL, True),
        ({"sources": ["wasit"]}, Severity.NORMAL, True),  # names are matched case-blind
        ({"sources": ["MAGHREB"]}, Severity.NORMAL, True),  # a tag of the source
        ({"sources": ["Sahil"]}, Severity.NORMAL, False),
        ({"languages": ["fr"]}, Severity.NORMAL, True),
        ({"languages": ["ar", "en"]}, Severity.NORMAL, False),
        ({"mode": "digest"}, Severity.HIGH, False),
    ],
)
def test_what_each_option_lets_through(
    options: dict[str, object], severity: Severity, alerts: bool
) -> None:
    assert allows(sub(**options), FACTS, severity) is alerts


def test_a_storys_severity_for_each_kind_of_subscription() -> None:
    matched = {"low-rule": Severity.LOW, "high-rule": Severity.HIGH}
    rule = Subscription(chat_id=1, kind="rule", target="low-rule", number=1)
    assert story_severity(rule, matched) is Severity.LOW  # its own rule's, not the highest
    assert story_severity(sub(), matched) is Severity.HIGH  # the highest shipped rule matched
    assert story_severity(sub(), {}) is Severity.NORMAL  # no shipped rule matched


@pytest.mark.parametrize(
    ("configured", "title", "expected"),
    [
        (None, "حموشي يستقبل وفدا أمنيا", "ar"),
        (None, "Le roi reçoit le président de la commission", "fr"),
        (None, "The king receives the president of the commission", "en"),
        ("fr-MA", "حموشي يستقبل وفدا أمنيا", "fr"),  # the source's configured language wins
    ],
)
def test_an_items_language(configured: str | None, title: str, expected: str) -> None:
    assert item_language(configured, title) == expected


@pytest.mark.parametrize(
    ("local", "expected_end"),
    [
        (datetime(2026, 11, 22, 23, 30), datetime(2026, 11, 23, 7, 0)),
        (datetime(2026, 11, 23, 2, 0), datetime(2026, 11, 23, 7, 0)),
        (datetime(2026, 11, 23, 6, 59), datetime(2026, 11, 23, 7, 0)),
        (datetime(2026, 11, 23, 7, 0), None),  # the end is not quiet any more
        (datetime(2026, 11, 22, 21, 59), None),
        (datetime(2026, 11, 22, 12, 0), None),
    ],
)
def test_quiet_hours_across_midnight(local: datetime, expected_end: datetime | None) -> None:
    now = local.replace(tzinfo=CASABLANCA).astimezone(UTC)
    end = quiet_until(now, "22:00", "07:00", CASABLANCA)
    assert end == (expected_end.replace(tzinfo=CASABLANCA) if expected_end else None)


def test_quiet_hours_within_a_day_and_their_syntax() -> None:
    noon = datetime(2026, 11, 22, 12, 30, tzinfo=CASABLANCA)
    assert quiet_until(noon, "12:00", "14:00", CASABLANCA) == noon.replace(hour=14, minute=0)
    assert parse_quiet("22:00-7:00") == ("22:00", "07:00")
    assert parse_quiet("22:00–07:30") == ("22:00", "07:30")
    for wrong in ("22-07", "25:00-07:00", "22:00-22:00", "22:00", "off"):
        assert parse_quiet(wrong) is None, wrong


async def subscribe(room: Newsroom, chat_id: int, *commands: str) -> list[str]:
    """Start the chat, follow @hammouchi, then send ``commands``; the last reply."""
    replies: list[str] = []
    for text in ("/start", "/subscribe @hammouchi", *commands):
        replies = await room.bot.say(chat_id, text, language_code="en")
    return replies


def alerts_of(room: Newsroom, chat_id: int) -> list[str]:
    return [text for text in room.server.texts(chat_id) if "Why:" in text or "لماذا" in text]


async def test_options_decide_which_stories_alert_and_how(
    tmp_path: Path, fake_telegram: FakeTelegram, http_server: HTTPTestServer
) -> None:
    async with newsroom(tmp_path, fake_telegram, http_server) as room:
        [reply] = await subscribe(room, STRICT, "/options 1 severity high")
        assert "Minimum severity: ‼️ High" in reply
        assert "@hammouchi" in reply and "<code>" not in reply  # HTML shown as markup, not text
        [overview] = await room.bot.say(STRICT, "/options")
        assert "1. @hammouchi" in overview and "<code>" not in overview
        await subscribe(room, WASIT_ONLY, "/options 1 sources maghreb")
        await subscribe(room, DIGEST_ONLY, "/options 1 mode digest")
        await subscribe(room, SILENT, "/silent on")
        await subscribe(room, FRENCH_ONLY, "/options 1 lang fr")
        # wrong values are refused with what is allowed, and change nothing
        [wrong] = await room.bot.say(STRICT, "/options 1 severity urgent")
        assert "low, normal, high" in wrong
        [wrong] = await room.bot.say(STRICT, "/options 1 sources nowhere")
        assert "nowhere" in wrong and "Sahil" in wrong and "maghreb" in wrong
        [wrong] = await room.bot.say(STRICT, "/options 9 mode digest")
        [wrong] = await room.bot.say(STRICT, "/quiet 25:00-07:00")
        assert "/quiet 22:00-07:00" in wrong

        room.feeds.publish("Sahil", NORMAL_TITLE)  # @hammouchi only: normal
        room.feeds.publish("Wasit", HIGH_TITLE)  # also the high rule: high
        room.feeds.publish("Wasit", FRENCH_TITLE)  # French, also the high rule
        await room.poll()
        await room.deliver()

        strict = alerts_of(room, STRICT)
        assert any(HIGH_TITLE in text for text in strict)
        assert not any(NORMAL_TITLE in text for text in strict)
        assert all(text.count("‼️ High") == 1 for text in strict)
        wasit = alerts_of(room, WASIT_ONLY)
        assert len(wasit) == 2 and not any(NORMAL_TITLE in text for text in wasit)
        assert alerts_of(room, DIGEST_ONLY) == []
        assert [text for text in alerts_of(room, FRENCH_ONLY)] == [
            text for text in alerts_of(room, FRENCH_ONLY) if FRENCH_TITLE in text
        ]
        assert len(alerts_of(room, FRENCH_ONLY)) == 1
        normal = next(text for text in alerts_of(room, SILENT) if NORMAL_TITLE in text)
        assert "• Normal · Why:" in normal

        # silent: every alert to that chat went without a sound; the others rang
        silent_alerts = [p for p in room.sends_to(SILENT) if "Why:" in str(p.get("text"))]
        assert len(silent_alerts) == 3
        assert all(p.get("disable_notification") in (True, "true") for p in silent_alerts)
        loud = [p for p in room.sends_to(STRICT) if "Why:" in str(p.get("text"))]
        assert loud and all("disable_notification" not in p for p in loud)

        # digest only: no alert, but the daily digest still has the stories, high marked
        [digest] = await room.bot.say(DIGEST_ONLY, "/digest 24h")
        assert NORMAL_TITLE in digest and HIGH_TITLE in digest
        high_line = next(line for line in digest.splitlines() if HIGH_TITLE in line)
        assert high_line.startswith("‼️")

        # /list shows the options that differ from the defaults, /rules the rules' severity
        [listing] = await room.bot.say(STRICT, "/list")
        assert "‼️ High and above" in listing
        [listing] = await room.bot.say(WASIT_ONLY, "/list")
        assert "sources: maghreb" in listing
        [rules] = await room.bot.say(STRICT, "/rules")
        assert "‼️ ma-es-security" in rules

        # a spikes subscription has no story-alert options to show or change
        await room.bot.say(STRICT, "/subscribe spikes @spain")
        [spikes] = await room.bot.say(STRICT, "/options 2")
        assert spikes.startswith("#2 spikes of") and "has no options" not in spikes
        assert "its alerts have no options" in spikes
        [refused] = await room.bot.say(STRICT, "/options 2 severity high")
        assert "its alerts have no options" in refused
        [overview] = await room.bot.say(STRICT, "/options")
        assert "2. spikes of" in overview and "spike alerts" in overview
        gears = room.server.sent[-1].reply_markup or {}
        assert [b["text"] for row in gears["inline_keyboard"] for b in row] == ["⚙ 1"]


async def test_the_options_buttons_change_the_stored_options(
    tmp_path: Path, fake_telegram: FakeTelegram, http_server: HTTPTestServer
) -> None:
    async with newsroom(tmp_path, fake_telegram, http_server) as room:
        await subscribe(room, STRICT)
        await room.bot.say(STRICT, "/list")
        listing = room.server.sent[-1]
        markup = listing.reply_markup or {}
        [[gear]] = markup["inline_keyboard"]
        assert gear["text"] == "⚙ 1"
        with room.world.session() as s:
            chat = get_chat(s, STRICT)
            assert chat is not None
            [row] = subscriptions(s, chat)
            sub_id = row.id or 0
        assert gear["callback_data"] == data(Button.OPTIONS, sub_id)

        before = len(room.server.texts(STRICT))
        room.server.push_callback(STRICT, gear["callback_data"], message_id=listing.message_id)
        await until(lambda: len(room.server.texts(STRICT)) > before)
        panel = room.server.sent[-1]
        assert "Options of #1" in room.server.texts(STRICT)[-1]

        def stored() -> Subscription:
            with room.world.session() as s:
                found = s.get(Subscription, sub_id)
                assert found is not None
                return found

        async def press(arg: str) -> None:
            edits = panel_edits()
            room.server.push_callback(
                STRICT, data(Button.OPTIONS, sub_id, arg), message_id=panel.message_id
            )
            await until(lambda: panel_edits() > edits)

        def panel_edits() -> int:
            return room.server.message(STRICT, panel.message_id).edited

        await press("sev")
        assert stored().min_severity == "normal"
        await press("sev")
        assert stored().min_severity == "high"
        assert "Minimum severity: ‼️ High" in room.server.texts(STRICT)[-1]
        await press("mode")
        assert stored().mode == "digest"
        await press("l-fr")
        await press("l-ar")
        assert stored().languages == ["fr", "ar"]
        await press("l-fr")
        assert stored().languages == ["ar"]
        [listing_text] = await room.bot.say(STRICT, "/list")
        assert "digest only" in listing_text and "languages: ar" in listing_text
        await press("reset")
        row = stored()
        assert (row.min_severity, row.mode, row.languages) == ("low", "instant", [])

        # another chat's subscription id: refused, and nothing changes
        await subscribe(room, WASIT_ONLY)
        count = len(room.server.texts(WASIT_ONLY))
        room.server.push_callback(
            WASIT_ONLY, data(Button.OPTIONS, sub_id, "mode"), message_id=panel.message_id
        )
        await until(lambda: len(room.server.texts(WASIT_ONLY)) > count)
        assert stored().mode == "instant"
        assert SubscriptionKind(stored().kind) is SubscriptionKind.ENTITY
