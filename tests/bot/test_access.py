"""Access: open or allowlist for chats, admins for /status; refusals are polite and logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from marsad.bot.handlers.access import AccessPolicy, Verdict
from marsad.config import Access
from marsad.store.chats import Chat
from tests.bot.conftest import ADMIN, Bot, make_world, start_bot, until
from tests.fakebot import FakeTelegram

ALLOWED_GROUP, STRANGER = -700, 777


@pytest.mark.parametrize(
    ("access", "chat", "user", "admin", "verdict"),
    [
        (Access.OPEN, 5, 5, False, Verdict.ALLOWED),
        (Access.OPEN, 5, 5, True, Verdict.NOT_ADMIN),
        (Access.OPEN, 5, ADMIN, True, Verdict.ALLOWED),
        (Access.ALLOWLIST, 5, 5, False, Verdict.CHAT_NOT_ALLOWED),
        (Access.ALLOWLIST, ALLOWED_GROUP, 5, False, Verdict.ALLOWED),
        (Access.ALLOWLIST, ADMIN, ADMIN, False, Verdict.ALLOWED),  # an admin's private chat
        (Access.ALLOWLIST, -5, ADMIN, False, Verdict.CHAT_NOT_ALLOWED),  # group not listed
        (Access.ALLOWLIST, -5, ADMIN, True, Verdict.ALLOWED),  # admin commands anywhere
        (Access.ALLOWLIST, ALLOWED_GROUP, None, True, Verdict.NOT_ADMIN),  # channel post
    ],
)
def test_access_policy(
    access: Access, chat: int, user: int | None, admin: bool, verdict: Verdict
) -> None:
    policy = AccessPolicy(access, frozenset({ADMIN}), frozenset({ALLOWED_GROUP}))
    assert policy.check(chat, user, admin=admin) is verdict


async def test_status_is_refused_to_others_and_logged_and_shown_to_admins(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="marsad.bot"):
        [refused] = await bot.say(STRANGER, "/status", language_code="en")
    assert refused == "Sorry, this command is for administrators only."
    assert "refused status from user 777 in chat 777: not-admin" in caplog.text
    [status] = await bot.say(ADMIN, "/status", language_code="en")
    lines = status.splitlines()
    assert lines[0] == "Sources (3) at 22 Nov 10:00 GMT+01:00:"
    assert lines[1].startswith("⏳ Akhbar · — · not polled yet")
    assert lines[-1].startswith("queue: 0 pending, 0 sending, 0 failed · 1 chat (0 paused)")


@pytest.fixture
async def allowlist_bot(tmp_path: Path, fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    world = make_world(
        tmp_path, fake_telegram.base_url, f'access = "allowlist"\nallow = [{ALLOWED_GROUP}]'
    )
    async for running in start_bot(fake_telegram, world):
        yield running
    world.engine.dispose()


async def test_allowlist_refuses_other_chats_politely_and_registers_nothing(
    allowlist_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = allowlist_bot
    with caplog.at_level(logging.WARNING, logger="marsad.bot"):
        [refused] = await bot.say(STRANGER, "/subscribe @spain")
    assert refused == "عذرا، هذا البوت غير متاح لهذه المحادثة. اطلب من المشرف إضافة المعرف 777."
    assert "chat-not-allowed" in caplog.text
    bot.server.set_admins(ALLOWED_GROUP, STRANGER)  # in a group only its admins subscribe
    [ok] = await bot.say(ALLOWED_GROUP, "/subscribe @spain", user_id=STRANGER)
    assert ok.startswith("تم الاشتراك رقم 1")
    [own] = await bot.say(ADMIN, "/start", user_id=ADMIN)
    assert own.startswith("مرحبا")
    with bot.world.session() as s:
        assert sorted(c.chat_id for c in s.exec(select(Chat)).all()) == [ALLOWED_GROUP, ADMIN]


async def test_a_button_press_from_a_chat_not_allowed_is_answered_and_ignored(
    allowlist_bot: Bot,
) -> None:
    bot = allowlist_bot
    bot.server.push_callback(STRANGER, "mute:1", message_id=1)
    await until_answers(bot, 1)
    assert bot.server.texts(STRANGER) == []


async def until_answers(bot: Bot, count: int) -> None:
    await until(lambda: len(bot.server.callback_answers) >= count)
