"""``/search`` through the fake Bot API, on stores filled as ingest fills them.

A table of queries: the stories a chat is shown are those a full rescan of every item with the
exact matcher finds, newest first (SQLite and PostgreSQL).  Then paging with the buttons (the
message is edited in place), an expired page, another chat's search id, the period, and bad
queries answered with the problem and its column.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from marsad.bot import digests
from marsad.matching.engine import Matcher, MatchInput
from marsad.matching.rulefile import load_rules
from marsad.store.stories import Story
from marsad.store.tables import Item
from tests.bot.conftest import Bot, Clock, World, make_config, start_bot, until
from tests.bot.test_archive_digests import NOW, QUERIES, fill
from tests.fakebot import FakeTelegram, visible_text

LINE = re.compile(r"^(\d+)\. (.*) — (\d+) outlets? · (.*)$")


@pytest.fixture
async def archive_bot(
    tmp_path: Path, fake_telegram: FakeTelegram, store_url: str
) -> AsyncIterator[Bot]:
    """The bot on the archive test's store (stories of one and two outlets), at its NOW."""
    config = make_config(tmp_path, fake_telegram.base_url)
    matcher = Matcher.compile(load_rules(list(config.rules)))
    world = World(config, fill(store_url, matcher), matcher, Clock(NOW))
    async for running in start_bot(fake_telegram, world):
        yield running
    world.engine.dispose()


def rescan(world: World, query: str) -> list[str]:
    """The titles of the stories whose items the exact matcher accepts, newest first."""
    with world.session() as s:
        items = s.exec(select(Item)).all()
        titles = {story.id: story.title for story in s.exec(select(Story)).all()}
    newest: dict[int, datetime] = {}
    rule = query if query in world.matcher.rules else None
    with digests.AdHocQuery(world.matcher, query if rule is None else "x") as selector:
        for item in items:
            found = world.matcher.match(
                MatchInput(id="", title=item.title, summary=item.summary, text=item.text)
            )
            hit = rule in found.rules if rule else selector.target in found.queries
            if hit and item.story_id is not None:
                when = newest.get(item.story_id, item.published_at)
                newest[item.story_id] = max(when, item.published_at)
    ordered = sorted(newest, key=lambda story: newest[story], reverse=True)
    return [titles[story] for story in ordered]


def shown(text: str) -> list[str]:
    return [m.group(2) for line in text.split("\n") if (m := LINE.match(line))]


async def test_search_shows_what_a_full_rescan_finds(archive_bot: Bot) -> None:
    table = [*QUERIES, ("@hammouchi", True), ("ma-es-security", True)]
    for query, matches_something in table:
        [reply] = await archive_bot.say(42, f"/search {query}", language_code="en")
        expected = rescan(archive_bot.world, query)
        assert bool(expected) == matches_something, query
        assert len(expected) <= 8, f"{query}: the table keeps to one page"
        if not expected:
            assert reply == f"No story matches {query} in the last 7d.", reply
            continue
        head, *lines = reply.split("\n")
        count = len(expected)
        assert head == f"🔎 {query}, last 7d: {count} stor{'y' if count == 1 else 'ies'}", head
        assert shown(reply) == expected, query
        assert len(lines) == count
    sent = archive_bot.server.sent[-1]
    assert sent.reply_markup is None  # one page: no buttons


async def test_two_outlets_and_the_date_with_its_zone(archive_bot: Bot) -> None:
    [reply] = await archive_bot.say(42, '/search "وزارة الصحة"', language_code="en")
    lines = [found for line in reply.split("\n") if (found := LINE.match(line))]
    [found] = [found for found in lines if found.group(3) == "2"]  # the story of two outlets
    assert found.group(2) == "لوزارة الصحة رأي آخر"  # its representative: the first report
    # the newest of its items, 8 hours before NOW (12:00 UTC), in Casablanca's time (UTC+1)
    assert found.group(4) == "5 Dec 05:00 GMT+01:00"
    sent = archive_bot.server.sent[-1]
    assert '<a href="https://x.example/' in sent.text


@pytest.fixture
async def many(bot: Bot) -> Bot:
    """20 lone items about the fair, one a day older than the default period, and others."""
    for n in range(20):
        bot.world.add_item(f"معرض الكتاب يومه {n}", ago=timedelta(hours=n + 1))
    bot.world.add_item("معرض قديم خارج الأسبوع", ago=timedelta(days=10))
    bot.world.add_item("أمطار رعدية في الشمال")
    return bot


def buttons(bot: Bot, chat_id: int, message_id: int) -> list[tuple[str, str]]:
    markup = bot.server.message(chat_id, message_id).reply_markup or {}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


async def press(bot: Bot, chat_id: int, message_id: int, label: str) -> str:
    data = dict(buttons(bot, chat_id, message_id))[label]
    before = bot.server.message(chat_id, message_id).edited
    answers = len(bot.server.callback_answers)
    bot.server.push_callback(chat_id, data, message_id=message_id, language_code="en")
    await until(lambda: len(bot.server.callback_answers) > answers)
    await until(lambda: bot.server.message(chat_id, message_id).edited > before)
    return visible_text(bot.server.message(chat_id, message_id).text).replace("\u200f", "")


async def test_pages_forward_back_and_expired(many: Bot) -> None:
    bot = many
    [first] = await bot.say(42, "/search معرض", language_code="en")
    message_id = bot.server.sent[-1].message_id
    titles = shown(first)
    assert titles == [f"معرض الكتاب يومه {n}" for n in range(8)]  # newest first
    assert [label for label, _ in buttons(bot, 42, message_id)] == ["1/≈3", "▶"]
    assert all(len(data.encode()) <= 64 for _, data in buttons(bot, 42, message_id))

    second = await press(bot, 42, message_id, "▶")
    assert shown(second) == [f"معرض الكتاب يومه {n}" for n in range(8, 16)]
    assert second.split("\n")[1].startswith("9. ")
    assert buttons(bot, 42, message_id)[0][0] == "◀"

    third = await press(bot, 42, message_id, "▶")
    assert shown(third) == [f"معرض الكتاب يومه {n}" for n in range(16, 20)]
    assert third.split("\n")[0] == "🔎 معرض, last 7d: 20 stories"  # every candidate checked
    assert [label for label, _ in buttons(bot, 42, message_id)] == ["◀", "3/3"]

    back = await press(bot, 42, message_id, "◀")
    assert shown(back) == shown(second)
    assert [label for label, _ in buttons(bot, 42, message_id)] == ["◀", "2/3", "▶"]
    assert len([s for s in bot.server.sent if s.chat_id == 42]) == 1  # edited, never resent

    # another chat pressing this search's button learns nothing of it
    data = dict(buttons(bot, 42, message_id))["▶"]
    before = len(bot.server.texts(77))
    bot.server.push_callback(77, data, message_id=1, language_code="en")
    await until(lambda: len(bot.server.texts(77)) > before)
    assert "no longer kept" in bot.server.texts(77)[-1]

    bot.world.clock.now += timedelta(hours=2)  # searches are kept an hour
    before = len(bot.server.texts(42))
    bot.server.push_callback(42, data, message_id=message_id, language_code="en")
    await until(lambda: len(bot.server.texts(42)) > before)
    assert bot.server.texts(42)[-1] == (
        "This search is no longer kept (searches are kept for an hour). "
        "Send /search with your query again."
    )


async def test_the_period_and_its_limit(many: Bot) -> None:
    [month] = await many.say(42, "/search قديم 30d", language_code="en")
    assert shown(month) == ["معرض قديم خارج الأسبوع"]
    [week] = await many.say(42, "/search قديم", language_code="en")
    assert week == "No story matches قديم in the last 7d."
    [capped] = await many.say(42, "/search أمطار 40d", language_code="en")
    assert capped.split("\n")[:2] == [
        "A search covers at most 31 days.",
        "🔎 أمطار, last 31d: 1 story",
    ]


async def test_arabic_chat(many: Bot) -> None:
    before = len(many.server.sent)
    await many.say(42, "/search أمطار", language_code="ar")
    text = many.server.sent[before].text
    assert all(line.startswith("\u200f") for line in text.split("\n"))
    assert "\u200f1. " in text


async def test_bad_queries_say_the_problem_and_where(bot: Bot) -> None:
    [unclosed] = await bot.say(42, '/search "حموشي', language_code="en")
    assert "unclosed quote" in unclosed
    assert "column 1" in unclosed
    [entity] = await bot.say(42, "/search @spian AND حموشي", language_code="en")
    assert "did you mean @spain?" in entity
    [usage] = await bot.say(42, "/search", language_code="en")
    assert usage.startswith("Write what to search for")
    assert not any("Traceback" in text for text in bot.server.texts(42))
