"""Input that is no command of the bot still gets an answer: unknown commands, free text.

- An unknown command gets one line: "unknown command, see /help", with the closest known command
  when one is close (a known command it begins, ``/add`` → ``/addsource``, or ``difflib``).  In a
  private chat every unknown command is answered; in a group or channel only one addressed to
  this bot (``/foo@this_bot``), since a bare ``/foo`` there may be for another bot.
- Free text in a private chat gets an offer to follow it, with a button; the text waits in
  ``Services.offers`` (``offers``).  Text that is not a valid query gets a one-line pointer to
  /help.  In groups free text stays ignored: the bot does not chat in groups.

Both handlers run in handler group ``GROUP`` (after the commands of group 0) and answer only
commands no registered ``CommandHandler`` knows, so a command added later needs nothing here.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from marsad.bot.handlers import subscribe
from marsad.bot.handlers.common import (
    Context,
    Reply,
    Request,
    Services,
    ensure_chat,
    esc,
    send_reply,
    services,
)
from marsad.bot.i18n import t
from marsad.errors import RuleError
from marsad.store.chats import Language

log = logging.getLogger(__name__)

GROUP = 1
"""The handler group of these replies: after every command handler of group 0."""
MAX_OFFERED = 200
"""Longer free text is not offered as a query."""
MAX_SHOWN = 32


def known_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> frozenset[str]:
    """The commands some registered handler answers."""
    return frozenset(
        name
        for handlers in application.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    )


def closest_command(name: str, known: frozenset[str]) -> str | None:
    """The known command ``name`` probably meant, if any."""
    lowered = name.lower()
    if len(lowered) >= 3:
        starts = sorted((c for c in known if c.startswith(lowered)), key=lambda c: (len(c), c))
        if starts:
            return starts[0]
    close = difflib.get_close_matches(lowered, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_text(name: str, closest: str | None, language: Language) -> str:
    shown = esc(name if len(name) <= MAX_SHOWN else name[: MAX_SHOWN - 1] + "…")
    if closest is None:
        return t(language, "Unknown command /{name}; see /help.", name=shown)
    return t(
        language,
        "Unknown command /{name}. Did you mean /{closest}? See /help.",
        name=shown,
        closest=esc(closest),
    )


async def unknown_command(update: Update, context: Context) -> None:
    """A command no handler knows: a one-line hint (see the module for where)."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    word = message.text.split(maxsplit=1)[0][1:]
    name, _, mention = word.partition("@")
    if mention and mention.lower() != (context.bot.username or "").lower():
        return  # another bot's command
    if chat.type != "private" and not mention:
        return
    if not name or name.lower() in known_commands(context.application):
        return
    svc = services(context)
    if not svc.policy.chat_allowed(chat.id):
        return
    language = ensure_chat(svc, update, refresh_language=False)
    closest = closest_command(name, known_commands(context.application))
    log.info("chat %s: unknown command /%s", chat.id, name[:MAX_SHOWN])
    reply = Reply.of(unknown_text(name, closest, language))
    await send_reply(context, chat.id, reply.directed(language))


def offer_markup(ident: int, language: Language) -> InlineKeyboardMarkup:
    from marsad.bot.handlers.callbacks import Button, data

    text = "➕ " + t(language, "Subscribe to it")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data(Button.OFFER, ident))]]
    )


async def free_text(update: Update, context: Context) -> None:
    """Free text in a private chat: an offer to follow it, with a button."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None or not message.text or chat.type != "private":
        return
    svc = services(context)
    if not svc.policy.chat_allowed(chat.id):
        return
    language = ensure_chat(svc, update, refresh_language=False)
    text = " ".join(message.text.split())
    if len(text) > MAX_OFFERED:
        reply = t(
            language,
            "That is too long to follow; send /subscribe with a few words, or see /help.",
        )
        await send_reply(context, chat.id, Reply.of(reply).directed(language))
        return
    try:
        await asyncio.to_thread(subscribe.classify, svc.matcher, text)
    except RuleError:
        reply = t(
            language,
            "To follow something, send /subscribe with words, an @entity or a rule id; see /help.",
        )
        await send_reply(context, chat.id, Reply.of(reply).directed(language))
        return
    ident = svc.offers.put(chat.id, text, svc.clock())
    shown = f"<code>{esc(text)}</code>"
    offer = t(
        language,
        "Follow {text}? You will get an alert for each new story that matches it.",
        text=shown,
    )
    offered = Reply.of(offer, markup=offer_markup(ident, language))
    await send_reply(context, chat.id, offered.directed(language))


async def press_offer(svc: Services, chat_id: int, ident: int, language: Language) -> Reply | str:
    """The offer's button: subscribe to the text, as ``/subscribe TEXT`` would."""
    text = svc.offers.get(ident, chat_id, svc.clock())
    if text is None:
        return t(language, "This offer has expired; send the text again.")
    reply = await subscribe.subscribe(svc, Request(chat_id, None, language, text))
    return reply


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add both handlers, in ``GROUP``."""
    kinds = filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(kinds & filters.COMMAND, unknown_command), group=GROUP)
    private_text = kinds & filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private_text, free_text), group=GROUP)
