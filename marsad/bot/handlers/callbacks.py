"""Inline buttons under alerts: mute the subscription that fired; list the story's other sources.

Callback data is short and self-describing: ``mute:<subscription id>``, ``src:<story id>``.
A press is checked like a command (the chat must be allowed) and always answered, so the
button never keeps spinning.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from telegram import Update

from marsad.bot.handlers.common import Context, Reply, esc, send_reply, services
from marsad.bot.handlers.subscribe import label
from marsad.bot.handlers.texts import Say, say
from marsad.store.chats import Language, Subscription, get_chat

log = logging.getLogger(__name__)


class Button(StrEnum):
    """What an inline button does (the prefix of its callback data)."""

    MUTE = "mute"
    SOURCES = "src"


def data(button: Button, ident: int) -> str:
    return f"{button.value}:{ident}"


def parse(value: str) -> tuple[Button, int] | None:
    prefix, _, rest = value.partition(":")
    if prefix not in Button.__members__.values() or not rest.lstrip("-").isdigit():
        return None
    return Button(prefix), int(rest)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    svc = services(context)
    parsed = parse(query.data or "")
    user_id = query.from_user.id if query.from_user else None
    if parsed is None or not svc.policy.chat_allowed(chat.id):
        log.warning("refused button %r from user %s in chat %s", query.data, user_id, chat.id)
        await query.answer()
        return
    button, ident = parsed
    with svc.session() as s:
        row = get_chat(s, chat.id)
        language = row.lang if row is not None else Language.AR
        if button is Button.MUTE:
            sub = s.get(Subscription, ident)
            if sub is None or row is None or sub.chat_id != row.id:
                text = say(language, Say.SUB_GONE)
            else:
                sub.muted = True
                s.add(sub)
                s.commit()
                text = say(language, Say.SUB_MUTED, number=sub.number, what=label(sub, language))
                log.info("chat %s muted subscription %s", chat.id, sub.number)
        else:
            members = svc.story_members(s, ident)
            lines = [
                f'• <a href="{esc(member.item.url)}">{esc(member.source)}</a>'
                f" — {esc(member.item.title)}"
                for member in members
            ]
            head = say(language, Say.OTHER_SOURCES if len(lines) > 1 else Say.NO_OTHER_SOURCES)
            text = "\n".join([head, *lines])
    await query.answer()
    await send_reply(context, chat.id, Reply.of(text).directed(language))
