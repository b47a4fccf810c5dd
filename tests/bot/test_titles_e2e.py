"""Rule and entity titles in the chat's language, end to end through the fake Bot API with the
shipped rules: an English chat reads "Spain", not "إسبانيا"; an Arabic chat reads the Arabic rule
title, not the English one; a French chat reads French.  Subscribe replies, /list, /rules, the
alert's "why" line and entity labels, and the digest's group headings all follow."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from marsad.bot.delivery.sender import Sender
from marsad.bot.fanout import Arrival, fan_out
from marsad.config import SHIPPED_RULES
from marsad.matching.engine import Matcher, MatchInput, load_rules
from marsad.store.engine import open_store
from marsad.store.sources import sync_sources
from tests.bot.conftest import SOURCES, Bot, Clock, World, make_config, start_bot, until
from tests.fakebot import FakeTelegram

ARABIC, ENGLISH, FRENCH = 711, 712, 713
TITLE = "حموشي يستقبل وفدا أمنيا من إسبانيا لبحث التعاون"


@pytest.fixture
def world(tmp_path: Path, fake_telegram: FakeTelegram) -> Iterator[World]:
    """The bot tests' world, with the shipped rules and their titles in three languages."""
    config = dataclasses.replace(
        make_config(tmp_path, fake_telegram.base_url), rules=(SHIPPED_RULES,)
    )
    engine = open_store(config.database.url)
    built = World(config, engine, Matcher.compile(load_rules([SHIPPED_RULES])), Clock())
    with built.session() as s:
        built.source_ids = {name: row.id or 0 for name, row in sync_sources(s, SOURCES).items()}
    yield built
    engine.dispose()


@pytest.fixture
async def bot(fake_telegram: FakeTelegram, world: World) -> AsyncIterator[Bot]:
    async for running in start_bot(fake_telegram, world):
        yield running


def why_line(text: str) -> str:
    """The alert's line that names the subscriptions (``#1 …``) and the entities in play."""
    [line] = [line for line in text.splitlines() if "#1 " in line]
    return line


async def whole_rules(bot: Bot, chat_id: int, language: str) -> str:
    """``/rules``, all its parts (a long reply is split): until its last line, the last topic."""
    before = len(bot.server.texts(chat_id))
    bot.server.push_message(chat_id, "/rules", language_code=language)
    await until(lambda: "@worldcup-2030" in "\n".join(bot.server.texts(chat_id)[before:]))
    return "\n".join(bot.server.texts(chat_id)[before:])


async def test_each_chat_reads_rule_and_entity_titles_in_its_own_language(bot: Bot) -> None:
    world = bot.world
    # Subscribing: the reply names the rule by its title in the chat's language.
    [arabic] = await bot.say(ARABIC, "/subscribe hammouchi-news")
    assert "كل ذكر لعبد اللطيف حموشي" in arabic
    assert "Every mention" not in arabic
    [english] = await bot.say(ENGLISH, "/subscribe @spain", language_code="en")
    assert english.splitlines()[0].endswith("@spain — Spain")
    [french] = await bot.say(FRENCH, "/subscribe hammouchi-news", language_code="fr")
    assert "Toutes les mentions d'Abdellatif Hammouchi" in french

    # /list: a rule's and an entity's title follow their id.
    [listed] = await bot.say(ENGLISH, "/list", language_code="en")
    assert listed.splitlines()[1] == "1. @spain — Spain"
    [listed] = await bot.say(ARABIC, "/list")
    assert listed.splitlines()[1].endswith("hammouchi-news — كل ذكر لعبد اللطيف حموشي")

    # A story arrives: one alert per chat, each in its own language.
    item = world.add_item(TITLE, summary=TITLE)
    result = world.matcher.match(MatchInput(id=str(item.id), title=TITLE, summary=TITLE))
    arrival = Arrival(item=item, source="Sahil", story_id=1, outlets=1, result=result)
    with world.session() as s:
        fan_out(s, [arrival], world.clock.now, matcher=world.matcher, tz=world.config.tz)
        s.commit()
    sender = Sender(bot.app.bot, world.engine, clock=world.clock)
    assert await sender.send_due() == 3

    english_why = why_line(bot.server.texts(ENGLISH)[-1])
    assert "#1 Spain" in english_why
    assert "Abdellatif Hammouchi" in english_why
    assert not any("\u0600" <= c <= "\u06ff" for c in english_why), english_why

    arabic_why = why_line(bot.server.texts(ARABIC)[-1])
    assert "#1 كل ذكر لعبد اللطيف حموشي" in arabic_why
    assert "إسبانيا" in arabic_why and "عبد اللطيف حموشي" in arabic_why
    assert "Every mention" not in arabic_why and "Spain" not in arabic_why

    french_why = why_line(bot.server.texts(FRENCH)[-1])
    assert "#1 Toutes les mentions d'Abdellatif Hammouchi" in french_why
    assert "Espagne" in french_why and "Spain" not in french_why

    # /rules lists every rule and entity by its title in the chat's language.
    rules = await whole_rules(bot, FRENCH, "fr")
    assert "@spain — Espagne" in rules
    assert "@dgsn — Direction générale de la sûreté nationale (DGSN)" in rules
    assert "hammouchi-news — Toutes les mentions d'Abdellatif Hammouchi" in rules
    rules = await whole_rules(bot, ENGLISH, "en")
    assert "@spain — Spain" in rules and "@morocco — Morocco" in rules
    assert "إسبانيا" not in rules

    # The digest's group heading is the subscription's title in the chat's language.
    [digest] = await bot.say(ENGLISH, "/digest 24h", language_code="en")
    assert "Spain" in digest.splitlines()[2]
    [digest] = await bot.say(ARABIC, "/digest 24h")
    assert digest.splitlines()[2] == "كل ذكر لعبد اللطيف حموشي"
