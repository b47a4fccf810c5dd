"""Replies through the real Application: did-you-mean for a mistyped rule id, the short
subscription confirmation and its details button (with the shipped rules), unknown commands,
and the offer to follow free text in a private chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from marsad.bot.handlers.rule_typos import close_rule_ids
from marsad.matching.engine import Matcher
from marsad.store.chats import Subscription
from tests.bot.conftest import Bot, World, make_world, start_bot, until
from tests.fakebot import BOT_USERNAME, FakeTelegram

SHIPPED = sorted((Path(__file__).parents[2] / "marsad" / "rules").glob("*.toml"))
PRIVATE, GROUP = 701, -4002


def targets(bot: Bot) -> list[str]:
    with bot.world.session() as s:
        rows = s.exec(select(Subscription).order_by(Subscription.id)).all()  # type: ignore[arg-type]
        return [row.target for row in rows]


def buttons(bot: Bot) -> list[tuple[str, str]]:
    markup = bot.server.sent[-1].reply_markup or {}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


async def press(bot: Bot, chat_id: int, data: str, replies: int = 1) -> list[str]:
    before = len(bot.server.texts(chat_id))
    bot.server.push_callback(chat_id, data, message_id=1)
    await until(lambda: len(bot.server.texts(chat_id)) >= before + replies)
    return bot.server.texts(chat_id)[before:]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ma-es-securty", ["ma-es-security"]),  # a typo: suggested
        ("MA-ES-SECURITY", ["ma-es-security"]),  # another case: suggested, not a query
        ("xx-yy-zz", []),  # rule-id-like, nothing close: refused all the same
        ("covid-19", None),  # two parts, nothing close: a query
        ("ma-es-security", None),  # the rule itself
        ("حموشي", None),
        ('"ma-es-securty"', None),  # quoted: a phrase query
        ("ma-es-securty AND spain", None),
    ],
)
def test_what_looks_like_a_rule_id(text: str, expected: list[str] | None) -> None:
    assert close_rule_ids(text, ["ma-es-security", "ma-eu-cooperation"]) == expected


async def test_a_mistyped_rule_id_subscribes_to_nothing_and_a_word_query_still_does(
    bot: Bot,
) -> None:
    [typo] = await bot.say(PRIVATE, "/subscribe ma-es-securty", language_code="en")
    assert typo == "There is no rule ma-es-securty. Did you mean /subscribe ma-es-security?"
    [unknown] = await bot.say(PRIVATE, "/subscribe ma-eu-cooperation")
    assert unknown.startswith("There is no rule ma-eu-cooperation; see /rules.")
    assert targets(bot) == []
    [words] = await bot.say(PRIVATE, "/subscribe تهريب")
    assert words.startswith("Subscribed as 1: query تهريب")
    [quoted] = await bot.say(PRIVATE, '/subscribe "ma-es-securty"')
    assert quoted.startswith("Subscribed as 2")
    assert targets(bot) == ["تهريب", '"ma-es-securty"']


@pytest.fixture
async def shipped(tmp_path: Path, fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """The bot with the shipped rule files."""
    world = make_world(tmp_path, fake_telegram.base_url)
    world = World(world.config, world.engine, Matcher.from_paths(SHIPPED), world.clock)
    try:
        async for running in start_bot(fake_telegram, world):
            yield running
    finally:
        world.engine.dispose()


async def test_every_shipped_rules_confirmation_is_one_short_message_with_details(
    shipped: Bot,
) -> None:
    bot = shipped
    matcher = bot.world.matcher
    sizes = {}
    for language in ("en", "ar", "fr"):
        chat = PRIVATE + len(sizes)
        await bot.say(chat, "/start", language_code=language)
        for rule in matcher.rules.values():
            [reply] = await bot.say(chat, f"/subscribe {rule.id}")
            sizes[(language, rule.id)] = len(reply)
            assert len(reply) <= 600, (language, rule.id, reply)
            lines = reply.splitlines()
            assert lines[0].endswith(rule.id) or rule.id in lines[0]
            [(_, details)] = buttons(bot)
            assert details.startswith("details:")
    assert max(sizes.values()) > 200  # the biggest rule still says something
    # the biggest rule in English: what fires, three forms, the count, and a details button
    english = PRIVATE
    biggest = max(matcher.rules, key=lambda rule: len(matcher.describe(matcher.rules[rule].query)))
    [reply] = await bot.say(english, "/subscribe " + biggest)
    assert reply.startswith("Already subscribed")
    with bot.world.session() as s:
        sub = s.exec(select(Subscription).where(Subscription.target == biggest)).first()
        assert sub is not None
    shown = len(bot.server.texts(english))
    bot.server.push_callback(english, f"details:{sub.id}", message_id=1)
    await until(lambda: len(bot.server.callback_answers) == 1)
    await until(lambda: len(bot.server.texts(english)) > shown)
    parts = bot.server.texts(english)[shown:]
    full = "\n".join(parts)
    assert all(len(part) <= 4096 for part in parts)
    assert len(full) > 2000  # the full alias lists, as the long confirmation had them
    node_entities = {line.split(" — ")[0] for line in full.splitlines() if line.startswith("@")}
    assert len(node_entities) >= 3


async def test_the_short_confirmation_of_a_rule(bot: Bot) -> None:
    [reply] = await bot.say(PRIVATE, "/subscribe ma-es-security", language_code="en")
    lines = [line for line in reply.splitlines() if line]
    assert lines[0].startswith("Subscribed as 1: rule ma-es-security")
    assert lines[1] == "Fires on: @hammouchi AND @spain"
    assert lines[2] == "For example: عبد اللطيف حموشي · إسبانيا · حموشي"
    assert lines[3] == "It would have matched 0 stories in the last 7 days."
    [(_, data)] = buttons(bot)
    assert data == "details:1"
    [details] = await press(bot, PRIVATE, data)
    assert details.splitlines()[0] == "Subscription 1 in full:"
    assert "Hammouchi" in details and "Spain" in details


async def test_unknown_commands_get_a_hint(bot: Bot) -> None:
    [foo] = await bot.say(PRIVATE, "/foo", language_code="en")
    assert foo == "Unknown command /foo; see /help."
    [close] = await bot.say(PRIVATE, "/subscrib @spain")
    assert close == "Unknown command /subscrib. Did you mean /subscribe? See /help."
    [prefix] = await bot.say(PRIVATE, "/unsub 1")
    assert prefix == "Unknown command /unsub. Did you mean /unsubscribe? See /help."
    [add] = await bot.say(PRIVATE, "/add https://example.org/feed")
    assert add.startswith("Unknown command /add")
    [known] = await bot.say(PRIVATE, "/list")  # a known command gets its own answer only
    assert not known.startswith("Unknown")
    # in a group only a command addressed to this bot: /foo may be another bot's
    await bot.say(GROUP, "/start", language_code="en")
    before = len(bot.server.texts(GROUP))
    bot.server.push_message(GROUP, "/foo")
    bot.server.push_message(GROUP, "/foo@another_bot")
    bot.server.push_message(GROUP, "hello everyone")  # free text in a group: ignored
    [mine] = await bot.say(GROUP, f"/foo@{BOT_USERNAME}")
    assert mine == "Unknown command /foo; see /help."
    assert len(bot.server.texts(GROUP)) == before + 1


async def test_free_text_in_a_private_chat_is_offered_as_a_subscription(bot: Bot) -> None:
    [offer] = await bot.say(PRIVATE, "تهريب  المخدرات", language_code="en")
    assert offer == (
        "Follow تهريب المخدرات? You will get an alert for each new story that matches it."
    )
    [(text, data)] = buttons(bot)
    assert text.endswith("Subscribe to it") and data.startswith("offer:")
    assert len(data.encode()) <= 64
    assert targets(bot) == []
    [subscribed] = await press(bot, PRIVATE, data)
    assert subscribed.startswith("Subscribed as 1: query تهريب المخدرات")
    assert targets(bot) == ["تهريب المخدرات"]
    [listed] = await bot.say(PRIVATE, "/list")
    assert listed.splitlines()[1] == "1. query تهريب المخدرات"
    # an offer pressed after an hour, or from another chat, has expired
    await bot.say(PRIVATE, "@spain")
    [(_, late)] = buttons(bot)
    bot.world.clock.now += timedelta(hours=2)
    [expired] = await press(bot, PRIVATE, late)
    assert expired == "This offer has expired; send the text again."
    assert targets(bot) == ["تهريب المخدرات"]
    [broken] = await bot.say(PRIVATE, "حموشي AND (")
    assert broken.startswith("To follow something, send /subscribe")
