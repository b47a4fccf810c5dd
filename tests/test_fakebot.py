"""The fake Bot API server answers the real python-telegram-bot client the way Telegram does."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from marsad.bot.delivery.outcomes import retry_seconds
from tests.fakebot import FakeTelegram, Fault, html_errors, visible_text


def bot(server: FakeTelegram, read_timeout: float = 5.0) -> Bot:
    request = HTTPXRequest(read_timeout=read_timeout, connection_pool_size=8)
    return Bot(server.token, base_url=server.base_url, request=request)


async def test_send_and_edit_are_recorded_per_chat(fake_telegram: FakeTelegram) -> None:
    async with bot(fake_telegram) as b:
        me = await b.get_me()
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("كتم", callback_data="mute:1")]])
        first = await b.send_message(
            42, "<b>حموشي</b> &amp; إسبانيا", parse_mode=ParseMode.HTML, reply_markup=markup
        )
        await b.send_message(-100, "group text")
        await b.edit_message_text("<b>حموشي</b> +2", chat_id=42, message_id=first.message_id,
                                  parse_mode=ParseMode.HTML)  # fmt: skip
    assert me.username == "marsad_test_bot"
    assert first.text == "حموشي & إسبانيا"
    assert fake_telegram.texts(42) == ["حموشي +2"]
    assert fake_telegram.texts(-100) == ["group text"]
    assert fake_telegram.sent[0].reply_markup == {
        "inline_keyboard": [[{"text": "كتم", "callback_data": "mute:1"}]]
    }
    assert fake_telegram.message(42, first.message_id).edited == 1


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a <br> b", 'Unsupported start tag "br"'),
        ("x < y > z", "Empty tag name"),
        ("x < y", "Unclosed start tag"),
        ("<b>a</i>", "Unmatched end tag"),
        ("a</b>", "Unexpected end tag"),
    ],
)
async def test_bad_html_is_refused_like_telegram(
    fake_telegram: FakeTelegram, text: str, fragment: str
) -> None:
    async with bot(fake_telegram) as b:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
            await b.send_message(1, text, parse_mode=ParseMode.HTML)
        await b.send_message(1, text)  # the same text as plain text is fine
    assert fragment.lower() in caught.value.message.lower()
    assert fake_telegram.texts(1) == [text]


async def test_too_long_is_refused_and_4096_is_fine(fake_telegram: FakeTelegram) -> None:
    async with bot(fake_telegram) as b:
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await b.send_message(1, "ب" * 4097)
        await b.send_message(1, "<b>" + "ب" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert len(fake_telegram.sent) == 1


async def test_injected_errors_reach_the_client_as_ptb_exceptions(
    fake_telegram: FakeTelegram,
) -> None:
    fake_telegram.inject(Fault.retry_after(7), times=2)
    fake_telegram.inject(Fault.bad_gateway(), chat_id=5)
    fake_telegram.block(3)
    fake_telegram.migrate(-10, -10010)
    async with bot(fake_telegram) as b:
        for _ in range(2):
            with pytest.raises(RetryAfter) as retry:
                await b.send_message(1, "x")
        with pytest.raises(Forbidden, match="blocked"):
            await b.send_message(3, "x")
        with pytest.raises(ChatMigrated) as migrated:
            await b.send_message(-10, "x")
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await b.send_message(5, "x")
        await b.send_message(5, "after the 502")
        await b.send_message(1, "after the 429s")
    assert retry_seconds(retry.value) == 7  # "Retry in 7 seconds" or "0:00:07" (PTB_TIMEDELTA)
    assert migrated.value.new_chat_id == -10010
    assert [s.text for s in fake_telegram.sent] == ["after the 502", "after the 429s"]


async def test_a_stall_times_out_the_client_but_the_message_arrives(
    fake_telegram: FakeTelegram,
) -> None:
    fake_telegram.inject(Fault.stall(1.0))
    async with bot(fake_telegram, read_timeout=0.2) as b:
        with pytest.raises(TimedOut):
            await b.send_message(9, "ambiguous")
        await asyncio.to_thread(fake_telegram.wait_for, lambda: len(fake_telegram.sent) == 1)
    assert fake_telegram.texts(9) == ["ambiguous"]


async def test_updates_are_long_polled_with_command_entities(
    fake_telegram: FakeTelegram,
) -> None:
    async with bot(fake_telegram) as b:
        assert await b.get_updates(timeout=0) == ()
        fake_telegram.push_message(-200, "/subscribe@marsad_test_bot حموشي", user_id=11)
        fake_telegram.push_callback(-200, "mute:3", message_id=1, user_id=11)
        updates = await b.get_updates(timeout=1)
        again = await b.get_updates(offset=updates[-1].update_id + 1, timeout=0)
        await b.answer_callback_query(updates[1].callback_query.id, text="تم")  # type: ignore[union-attr]
        await b.set_my_commands([("start", "ابدأ")], language_code="ar")
        commands = await b.get_my_commands(language_code="ar")
    message = updates[0].message
    assert message is not None and message.chat.type == "group"
    assert message.from_user is not None and message.from_user.id == 11
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 26
    assert updates[1].callback_query is not None and updates[1].callback_query.data == "mute:3"
    assert again == ()
    assert fake_telegram.callback_answers[0]["text"] == "تم"
    assert [c.command for c in commands] == ["start"]


@given(st.text(alphabet=st.sampled_from("abج د<>&;b/"), max_size=30))
def test_text_that_parses_shows_without_tags(text: str) -> None:
    if html_errors(text) is None:
        assert "<" not in visible_text(text).replace("&lt;", "")
