"""Inline button presses through the real Application: forged callback data is refused, logged
and answered; a genuine mute works; every press is answered, even one whose handling fails."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from marsad.bot.handlers.callbacks import Button, Press, data, parse
from marsad.bot.handlers.common import SERVICES_KEY, Services
from marsad.bot.handlers.texts import Say, say
from marsad.store.chats import Language, Subscription
from tests.bot.conftest import Bot, until

ANALYST, OTHER = 801, 802

FORGED = [
    "mute:99999999999999999999999",  # OverflowError in SQLite before
    "mute:9223372036854775808",  # 2**63
    "mute:2147483648",  # past a PostgreSQL INTEGER
    "nuke:1",  # unknown kind
    "mute:-1",  # a negative subscription id
    "mute:0",
    "mute:01",
    "mute:abc",
    "mute:\u0661",  # an Arabic-Indic digit: str.isdigit() says yes
    "mute:1:2",
    "mute: 1",
    "mute",
    "src:" + "9" * 60,  # long, and past every id
    "mute:1" + " " * 58,  # 64 bytes, but not a button of ours
    "src:1" + "x" * 300,  # longer than Telegram would ever send
]


def test_parse_takes_only_what_the_bot_makes() -> None:
    assert parse(data(Button.MUTE, 1)) == Press(Button.MUTE, 1)
    assert parse(data(Button.MUTE, 2**31 - 1)) == Press(Button.MUTE, 2**31 - 1)
    assert parse(data(Button.SOURCES, -17)) == Press(Button.SOURCES, -17)  # a lone item
    assert [value for value in FORGED if parse(value) is not None] == []


def muted(bot: Bot) -> list[tuple[int, bool]]:
    with bot.world.session() as s:
        subs = s.exec(select(Subscription).order_by(Subscription.id)).all()  # type: ignore[arg-type]
        return [(sub.id or 0, sub.muted) for sub in subs]


async def press(bot: Bot, chat_id: int, value: str) -> dict[str, object]:
    """Press a button with ``value`` in ``chat_id``; the answer the bot gave the query."""
    before = len(bot.server.callback_answers)
    bot.server.push_callback(chat_id, value, message_id=1)
    await until(lambda: len(bot.server.callback_answers) > before)
    answer: dict[str, object] = bot.server.callback_answers[before]
    return answer


async def test_forged_callback_data_is_answered_refused_and_logged(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(ANALYST, "/subscribe @hammouchi")
    shown = len(bot.server.texts(ANALYST))
    with caplog.at_level(logging.WARNING, logger="marsad.bot.handlers.callbacks"):
        for value in FORGED:
            answer = await press(bot, ANALYST, value)
            assert "text" not in answer, value  # an empty answer: the spinner stops
            assert f"refused callback data {value[:100]!r} from chat {ANALYST}" in caplog.text
    assert len(bot.server.callback_answers) == len(FORGED)
    assert muted(bot) == [(1, False)]  # nothing changed
    assert len(bot.server.texts(ANALYST)) == shown  # and nothing said
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_genuine_mute_works_and_another_chats_subscription_is_refused(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(ANALYST, "/subscribe @hammouchi")
    await bot.say(OTHER, "/subscribe @spain")
    assert muted(bot) == [(1, False), (2, False)]
    shown = len(bot.server.texts(ANALYST))
    with caplog.at_level(logging.WARNING, logger="marsad.bot.handlers.callbacks"):
        await press(bot, ANALYST, "mute:2")  # OTHER's subscription
        await until(lambda: len(bot.server.texts(ANALYST)) == shown + 1)
    assert bot.server.texts(ANALYST)[-1] == "\u200fهذا الاشتراك لم يعد موجودا."
    assert muted(bot) == [(1, False), (2, False)]
    assert f"refused callback data 'mute:2' from chat {ANALYST}" in caplog.text
    await press(bot, ANALYST, "mute:1")
    await until(lambda: len(bot.server.texts(ANALYST)) == shown + 2)
    assert bot.server.texts(ANALYST)[-1].startswith("\u200fكُتم الاشتراك 1")
    assert muted(bot) == [(1, True), (2, False)]
    assert len(bot.server.callback_answers) == 2


async def test_a_press_whose_handling_fails_is_still_answered(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(ANALYST, "/start", language_code="en")
    svc = bot.app.bot_data[SERVICES_KEY]
    assert isinstance(svc, Services)

    def broken(*_args: object) -> list[object]:
        raise RuntimeError("the database went away")

    svc.story_members = broken  # type: ignore[assignment]
    with caplog.at_level(logging.ERROR, logger="marsad.bot.handlers.callbacks"):
        answer = await press(bot, ANALYST, "src:5")
    assert answer["text"] == say(Language.EN, Say.FAILED)  # the chat's language, not the user's
    assert "button 'src:5' in chat 801 failed" in caplog.text
    assert "the database went away" in caplog.text
    assert len(bot.server.texts(ANALYST)) == 1  # only the welcome
