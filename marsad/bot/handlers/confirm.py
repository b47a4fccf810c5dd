"""Destructive commands ask first, and the mute button can be undone.

``/unsubscribe all`` answers with how many subscriptions would go and two buttons: confirm
(``unsub:<asked at>:all``) and cancel (``unsub:<asked at>:no``).  ``<asked at>`` is the time of
the question in epoch seconds, so the question needs no server-side state (it survives a restart
or a change of the process answering) and expires ``EXPIRY`` after it was asked: a late press
says so and removes nothing.  Only a press by someone allowed to change the chat counts
(``callbacks.CHANGES``); the buttons are taken off the question once it is answered.

The mute button's answer carries an "undo" button (``unmute:<subscription id>``).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from marsad.bot.handlers.common import Reply, Request, Services
from marsad.bot.i18n import t, tn
from marsad.store.chats import Language, Subscription, get_chat, subscriptions

log = logging.getLogger(__name__)

EXPIRY = timedelta(minutes=10)
"""How long ``/unsubscribe all``'s question can be confirmed."""
ALL, NO = "all", "no"


def ask_unsubscribe_all(services: Services, request: Request) -> Reply:
    """The question, with confirm and cancel buttons; nothing is removed yet."""
    from marsad.bot.handlers.callbacks import Button, data

    language = request.language
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        count = len(subscriptions(s, chat)) if chat is not None else 0
    if count == 0:
        return Reply.of(t(language, "This chat has no subscriptions to remove."))
    asked = int(services.clock().timestamp())
    minutes = int(EXPIRY.total_seconds() // 60)
    text = "\n".join(
        [
            tn(
                language,
                "Remove this chat's {n} subscription?",
                "Remove all {n} of this chat's subscriptions?",
                count,
            ),
            tn(
                language,
                "Confirm within {n} minute.",
                "Confirm within {n} minutes.",
                minutes,
            ),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "🗑 " + t(language, "Remove all"), callback_data=data(Button.UNSUB, asked, ALL)
                ),
                InlineKeyboardButton(
                    "✖️ " + t(language, "Keep them"), callback_data=data(Button.UNSUB, asked, NO)
                ),
            ]
        ]
    )
    return Reply.of(text, markup=markup)


async def press_unsubscribe(
    svc: Services,
    query: CallbackQuery,
    chat_id: int,
    asked: int,
    choice: str | None,
    language: Language,
) -> Reply | str:
    """Confirm or cancel ``/unsubscribe all``; a press after ``EXPIRY`` removes nothing."""
    from marsad.bot.handlers import listing

    with contextlib.suppress(TelegramError):  # answered: the buttons go (one answer only)
        await query.edit_message_reply_markup(None)
    if choice != ALL:
        return t(language, "Cancelled: every subscription stays.")
    age = svc.clock() - datetime.fromtimestamp(asked, UTC)
    if age > EXPIRY or age < -timedelta(minutes=1):
        log.info("chat %s: late /unsubscribe all confirmation (%s)", chat_id, age)
        return t(
            language,
            "This confirmation has expired; nothing was removed. Send /unsubscribe all again.",
        )
    removed = listing.remove(svc, chat_id, None)
    return listing.removed_reply(svc, chat_id, language, removed, None)


def undo_markup(subscription_id: int, language: Language) -> InlineKeyboardMarkup:
    """The "undo" button under a mute button's answer."""
    from marsad.bot.handlers.callbacks import Button, data

    text = "↩️ " + t(language, "Undo: unmute")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data(Button.UNMUTE, subscription_id))]]
    )


def press_unmute(svc: Services, chat_id: int, subscription_id: int, language: Language) -> str:
    """Undo a mute button: the subscription fires again."""
    with svc.session() as s:
        chat = get_chat(s, chat_id)
        sub = s.get(Subscription, subscription_id)
        if sub is None or chat is None or sub.chat_id != chat.id:
            if sub is not None:
                log.warning("unmute of another chat's subscription %s refused", subscription_id)
            return t(language, "That subscription no longer exists.")
        sub.muted = False
        s.add(sub)
        s.commit()
        number = sub.number
    log.info("chat %s unmuted subscription %s", chat_id, number)
    return t(language, "Subscription {number} is active again.", number=number)
