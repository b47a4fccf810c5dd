"""``run_bot`` end to end, and chats that move when a group becomes a supergroup."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from marsad.bot.app import run_bot
from marsad.bot.delivery.outbox import migrate_chat
from marsad.bot.fanout import FanOut
from marsad.errors import MarsadError
from marsad.matching.engine import MatchInput
from marsad.store.chats import Chat, Subscription
from marsad.store.tables import Source
from marsad.watchers.ingest import Ingested
from tests.bot.conftest import ADMIN, Bot, World, make_world, until
from tests.fakebot import TOKEN, FakeTelegram

ANALYST, STRANGER = 901, 902


def ingest(world: World, title: str, source: str = "Sahil") -> None:
    """What the ingest pipeline does for one new item: store, match, fan out, commit."""
    item = world.add_item(title, source=source)
    with world.session() as s:
        row = s.get(Source, world.source_ids[source])
        assert row is not None
        result = world.matcher.match(MatchInput(id=str(item.id), title=title, source=source))
        FanOut(world.config, world.matcher, world.clock)(s, [Ingested(item, row, result)])
        s.commit()


async def test_run_bot_subscribe_alert_refusal_and_clean_stop(
    fake_telegram: FakeTelegram,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = fake_telegram
    monkeypatch.setenv(world.config.telegram.token_env, server.token)
    stop = asyncio.Event()
    caplog.set_level(logging.DEBUG)
    task = asyncio.create_task(run_bot(world.config, world.engine, world.matcher, stop))
    server.push_message(ANALYST, "/subscribe حموشي AND إسبانيا")
    await until(lambda: len(server.texts(ANALYST)) == 1)
    ingest(world, "حموشي يستقبل نظيره من إسبانيا في الرباط")
    ingest(world, "أمطار غزيرة في الشمال")
    await until(lambda: len(server.texts(ANALYST)) == 2)
    alert = server.sent[-1]
    assert alert.parse_mode == "HTML" and "حموشي يستقبل نظيره" in alert.text
    assert alert.reply_markup is not None
    server.push_message(STRANGER, "/status", language_code="en")
    await until(lambda: len(server.texts(STRANGER)) == 1)
    assert server.texts(STRANGER) == ["Sorry, this command is for administrators only."]
    server.push_message(ADMIN, "/status")
    await until(lambda: len(server.texts(ADMIN)) == 1)
    assert "Sahil" in server.texts(ADMIN)[0]
    stop.set()
    await asyncio.wait_for(task, timeout=30)
    assert server.token not in caplog.text
    assert len(server.texts(ANALYST)) == 2


async def test_run_bot_without_a_token_is_a_clear_error(world: World) -> None:
    with pytest.raises(MarsadError, match="no Telegram token in \\$MARSAD_TELEGRAM_TOKEN"):
        await run_bot(world.config, world.engine, world.matcher, asyncio.Event())


async def test_a_migrated_group_keeps_its_subscriptions(bot: Bot) -> None:
    world = bot.world
    bot.server.set_admins(-40, ANALYST)  # in a group only its admins subscribe
    await bot.say(-40, "/subscribe @spain", user_id=ANALYST)
    await bot.say(-40, "/subscribe @hammouchi", user_id=ANALYST)
    with world.session() as s:  # the sender met "group chat was upgraded to a supergroup"
        migrate_chat(s, -40, -100_40)
        s.commit()
    [listed] = await bot.say(-100_40, "/list", user_id=ANALYST)
    assert listed.splitlines()[1:] == ["1. @spain — إسبانيا", "2. @hammouchi — عبد اللطيف حموشي"]
    with world.session() as s:
        assert [c.chat_id for c in s.exec(select(Chat)).all()] == [-100_40]


async def test_the_migration_service_message_moves_the_chat(bot: Bot) -> None:
    world = bot.world
    bot.server.set_admins(-41, ANALYST)  # in a group only its admins subscribe
    bot.server.set_admins(-100_41, ANALYST)
    await bot.say(-41, "/subscribe @spain", user_id=ANALYST)
    await bot.say(-100_41, "/subscribe @hammouchi", user_id=ANALYST)  # someone wrote there first
    bot.server._push(
        {
            "message": {
                "message_id": 99,
                "date": 0,
                "chat": {"id": -41, "type": "group", "title": "G"},
                "from": {"id": ANALYST, "is_bot": False, "first_name": "A"},
                "migrate_to_chat_id": -100_41,
            }
        }
    )
    await until(lambda: _chat_ids(world) == [-100_41])
    with world.session() as s:
        subs = s.exec(select(Subscription).order_by(Subscription.number)).all()  # type: ignore[arg-type]
    assert [(sub.number, sub.target) for sub in subs] == [(1, "hammouchi"), (2, "spain")]


def _chat_ids(world: World) -> list[int]:
    with world.session() as s:
        return [c.chat_id for c in s.exec(select(Chat)).all()]


async def test_a_chat_that_blocked_the_bot_gets_alerts_again_after_start(bot: Bot) -> None:
    from marsad.bot.delivery.outbox import is_paused
    from marsad.bot.delivery.sender import Sender

    world, server = bot.world, bot.server
    await bot.say(ANALYST, "/subscribe @hammouchi")
    server.block(ANALYST)
    ingest(world, "حموشي يستقبل نظيره من إسبانيا في الرباط")
    sender = Sender(bot.app.bot, world.engine, clock=world.clock)
    await sender.send_due()
    with world.session() as s:
        assert is_paused(s, ANALYST)
    server.unblock(ANALYST)
    await bot.say(ANALYST, "/start")
    with world.session() as s:
        assert not is_paused(s, ANALYST)
    world.clock.now += timedelta(seconds=5)
    assert await sender.send_due() == 1
    assert "حموشي يستقبل نظيره" in server.texts(ANALYST)[-1]


async def test_run_bot_waits_for_an_unreachable_telegram_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(tmp_path, "http://127.0.0.1:1/bot")  # nothing listens on port 1
    monkeypatch.setenv(world.config.telegram.token_env, TOKEN)
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(world.config, world.engine, world.matcher, stop))
    await until(lambda: "Telegram unreachable" in caplog.text)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert TOKEN not in caplog.text
    world.engine.dispose()


async def test_a_token_telegram_refuses_is_a_clear_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(world.config.telegram.token_env, "123456:not-the-right-token")
    with pytest.raises(MarsadError, match="Telegram refused the bot token"):
        await run_bot(world.config, world.engine, world.matcher, asyncio.Event())
