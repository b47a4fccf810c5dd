"""Groups through the real Application and the fake Bot API's getChatMember: only the group's
admins change its alerts (commands and buttons); everyone reads; /unsubscribe all asks first."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from marsad.store.chats import Subscription
from tests.bot.conftest import ADMIN, Bot, until
from tests.fakebot import Fault

GROUP = -4001  # a basic group
OWNER, MODERATOR, MEMBER, STRANGER = 501, 502, 503, 504
PRIVATE = 601
REFUSED = "Only this group's admins can change its alerts and settings."


def subs(bot: Bot) -> list[tuple[str, bool]]:
    with bot.world.session() as s:
        rows = s.exec(select(Subscription).order_by(Subscription.id)).all()  # type: ignore[arg-type]
        return [(row.target, row.muted) for row in rows]


def member_calls(bot: Bot, user_id: int) -> int:
    return sum(
        1
        for method, params in list(bot.server.calls)
        if method == "getChatMember" and int(params["user_id"]) == user_id
    )


async def press(bot: Bot, chat_id: int, data: str, user_id: int, message_id: int = 1) -> str:
    """Press a button as ``user_id``; the popup text the bot answered with ("" for none)."""
    before = len(bot.server.callback_answers)
    bot.server.push_callback(chat_id, data, message_id=message_id, user_id=user_id)
    await until(lambda: len(bot.server.callback_answers) > before)
    return str(bot.server.callback_answers[before].get("text", ""))


def buttons(bot: Bot, chat_id: int) -> list[str]:
    """The callback data of the buttons under the chat's last message."""
    markup = bot.server.sent[-1].reply_markup or {}
    assert bot.server.sent[-1].chat_id == chat_id
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_only_the_groups_admins_change_it_and_everyone_reads(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.server.set_admins(GROUP, OWNER, MODERATOR)
    say = bot.say
    [refused] = await say(GROUP, "/subscribe @hammouchi", user_id=MEMBER, language_code="en")
    assert refused == REFUSED
    assert subs(bot) == []
    [done] = await say(GROUP, "/subscribe @hammouchi", user_id=OWNER)
    assert done.startswith("Subscribed as 1")
    [also] = await say(GROUP, "/subscribe @spain", user_id=MODERATOR)
    assert also.startswith("Subscribed as 2")
    # reading stays open to every member
    for user in (MEMBER, OWNER):
        [listed] = await say(GROUP, "/list", user_id=user)
        assert listed.splitlines()[1].startswith("1. @hammouchi")
    [rules] = await say(GROUP, "/rules", user_id=MEMBER)
    assert "ma-es-security" in rules
    # the other changing commands too, and /digest's schedule but not a digest on demand
    for text in ("/mute 1h", "/resume", "/unsubscribe 1", "/unsubscribe all", "/digest time 07:30"):
        [answer] = await say(GROUP, text, user_id=MEMBER)
        assert answer == REFUSED, text
    [digest] = await say(GROUP, "/digest 7d", user_id=MEMBER)
    assert digest != REFUSED
    # buttons: a member's mute press is refused with a popup and changes nothing
    assert await press(bot, GROUP, "mute:1", MEMBER) == REFUSED
    assert subs(bot) == [("hammouchi", False), ("spain", False)]
    shown = len(bot.server.texts(GROUP))
    assert await press(bot, GROUP, "mute:1", MODERATOR) == ""
    await until(lambda: len(bot.server.texts(GROUP)) == shown + 1)
    assert subs(bot) == [("hammouchi", True), ("spain", False)]
    assert buttons(bot, GROUP) == ["unmute:1"]  # the mute can be undone...
    assert await press(bot, GROUP, "unmute:1", MEMBER) == REFUSED  # ...by an admin
    assert subs(bot)[0] == ("hammouchi", True)
    assert await press(bot, GROUP, "unmute:1", OWNER) == ""
    await until(lambda: len(bot.server.texts(GROUP)) == shown + 2)
    assert bot.server.texts(GROUP)[-1] == "Subscription 1 is active again."
    assert subs(bot)[0] == ("hammouchi", False)
    # a getChatMember answer is remembered for a while: one call per person here
    assert member_calls(bot, OWNER) == 1
    assert member_calls(bot, MEMBER) == 1
    # the bot's configured admins may, whatever their status in the group
    [by_operator] = await say(GROUP, "/mute 1h", user_id=ADMIN)
    assert by_operator.startswith("Alerts paused until")
    assert member_calls(bot, ADMIN) == 0


async def test_a_failed_membership_check_refuses_and_is_logged(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.server.set_admins(GROUP, OWNER)
    await bot.say(GROUP, "/start", user_id=OWNER, language_code="en")
    bot.server.inject(Fault.bad_gateway(), method="getChatMember")
    with caplog.at_level(logging.WARNING, logger="marsad.bot.handlers.group_admins"):
        [refused] = await bot.say(GROUP, "/subscribe @spain", user_id=OWNER)
    assert refused == REFUSED
    assert f"getChatMember for user {OWNER} in chat {GROUP} failed" in caplog.text
    [done] = await bot.say(GROUP, "/subscribe @spain", user_id=OWNER)  # a failure is not cached
    assert done.startswith("Subscribed as 1")
    # Telegram's 400 (here for a press): refused as well, with a popup, and logged
    bot.server.inject(Fault(400, "Bad Request: user not found"), method="getChatMember")
    with caplog.at_level(logging.WARNING, logger="marsad.bot.handlers.group_admins"):
        assert await press(bot, GROUP, "mute:1", MEMBER) == REFUSED
    assert f"user {MEMBER} in chat {GROUP} failed (User not found)" in caplog.text
    assert subs(bot) == [("spain", False)]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_unsubscribe_all_asks_and_only_a_confirm_in_time_removes(bot: Bot) -> None:
    await bot.say(PRIVATE, "/subscribe @hammouchi", language_code="en")
    await bot.say(PRIVATE, "/subscribe @spain")
    [question] = await bot.say(PRIVATE, "/unsubscribe all")
    assert question.splitlines() == [
        "Remove all 2 of this chat's subscriptions?",
        "Confirm within 10 minutes.",
    ]
    asked = bot.server.sent[-1]
    confirm, cancel = buttons(bot, PRIVATE)
    assert confirm.endswith(":all") and cancel.endswith(":no")
    assert subs(bot) == [("hammouchi", False), ("spain", False)]  # nothing removed yet
    shown = len(bot.server.texts(PRIVATE))
    await press(bot, PRIVATE, cancel, PRIVATE, asked.message_id)
    await until(lambda: len(bot.server.texts(PRIVATE)) == shown + 1)
    assert bot.server.texts(PRIVATE)[-1] == "Cancelled: every subscription stays."
    assert subs(bot) == [("hammouchi", False), ("spain", False)]
    assert bot.server.message(PRIVATE, asked.message_id).reply_markup is None  # buttons gone
    # a confirmation pressed too late removes nothing
    await bot.say(PRIVATE, "/unsubscribe all")
    late, _ = buttons(bot, PRIVATE)
    bot.world.clock.now += timedelta(minutes=11)
    shown = len(bot.server.texts(PRIVATE))
    await press(bot, PRIVATE, late, PRIVATE)
    await until(lambda: len(bot.server.texts(PRIVATE)) == shown + 1)
    assert bot.server.texts(PRIVATE)[-1].startswith("This confirmation has expired")
    assert len(subs(bot)) == 2
    # in time: removed
    await bot.say(PRIVATE, "/unsubscribe all")
    confirm, _ = buttons(bot, PRIVATE)
    bot.world.clock.now += timedelta(minutes=9)
    shown = len(bot.server.texts(PRIVATE))
    await press(bot, PRIVATE, confirm, PRIVATE)
    await until(lambda: len(bot.server.texts(PRIVATE)) == shown + 1)
    removed = bot.server.texts(PRIVATE)[-1].splitlines()
    assert [line.split()[:2] for line in removed] == [
        ["Removed:", "@hammouchi"],
        ["Removed:", "@spain"],
    ]
    assert subs(bot) == []
    [empty] = await bot.say(PRIVATE, "/unsubscribe all")
    assert empty == "This chat has no subscriptions to remove."


async def test_in_a_group_a_members_confirm_press_is_refused(bot: Bot) -> None:
    bot.server.set_admins(GROUP, OWNER)
    await bot.say(GROUP, "/subscribe @spain", user_id=OWNER, language_code="en")
    await bot.say(GROUP, "/unsubscribe all", user_id=OWNER)
    confirm, _ = buttons(bot, GROUP)
    await bot.say(GROUP, "/list", user_id=MEMBER)  # the member is in the group
    assert await press(bot, GROUP, confirm, MEMBER) == REFUSED
    assert subs(bot) == [("spain", False)]
    assert await press(bot, GROUP, confirm, OWNER) == ""
    await until(lambda: subs(bot) == [])
