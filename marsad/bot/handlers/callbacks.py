"""Inline buttons under alerts: mute the subscription that fired; list the story's other sources.

Callback data is short and self-describing: ``<kind>:<id>[:<argument>]``, e.g.
``mute:<subscription id>``, ``src:<story id>`` (a negative story id is a lone item, see
``digests.item_as_story``); the optional argument is a short ASCII word (``[a-z0-9_.-]``) that a
button kind may use for a choice (a page, a yes/no, an option's value).  It comes back from the
client and is trusted no further than its shape: a known kind, an id of ASCII digits within the id
columns' range (INTEGER: 32-bit on PostgreSQL), at most Telegram's 64 bytes.  Anything else is
refused and logged at WARNING, and so is a mute button for another chat's subscription.

A press is checked like a command (the chat must be allowed) and always answered, refused or
failed too, so the button never keeps spinning: a refusal gets an empty answer, an error while
handling it a short apology in the chat's language.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from enum import StrEnum

from telegram import CallbackQuery, Update
from telegram.error import TelegramError

from marsad.bot.handlers import confirm, replies, sub_summary
from marsad.bot.handlers.common import Context, Reply, Services, esc, send_reply, services
from marsad.bot.handlers.group_admins import actor_of, may_change, refusal
from marsad.bot.handlers.subscribe import label
from marsad.bot.handlers.texts import Say, say
from marsad.store.chats import Language, Subscription, get_chat

log = logging.getLogger(__name__)

MAX_DATA_BYTES = 64  # Telegram's limit for callback data
MAX_ID = 2**31 - 1  # the id columns are INTEGER (32-bit on PostgreSQL)
# ASCII digits: isdigit() takes "٣" too
_DATA = re.compile(r"([a-z]+):(-?[1-9][0-9]{0,9})(?::([a-z0-9_.-]{1,32}))?")


class Button(StrEnum):
    """What an inline button does (the prefix of its callback data)."""

    MUTE = "mute"
    SOURCES = "src"
    UNMUTE = "unmute"
    """Undo a mute button: ``unmute:<subscription id>``."""
    UNSUB = "unsub"
    """``/unsubscribe all``'s confirmation: ``unsub:<asked at, epoch seconds>:<all|no>``."""
    DETAILS = "details"
    """A subscription's full alias lists: ``details:<subscription id>``."""
    OFFER = "offer"
    """Subscribe to free text sent in a private chat: ``offer:<offer id>``."""
    PAGE = "pg"
    """A page of a ``/search``: ``pg:<search id>:<page>``."""
    LANG = "lang"
    """The chat's language (``/lang``): ``lang:1:<ar|en|fr>``."""
    OPTIONS = "opt"
    """A subscription's options: ``opt:<subscription id>[:<change>]`` (``options_view``)."""
    ADD_SOURCE = "addsrc"
    """Add or not a source ``/addsource`` offered (admins only): ``addsrc:<offer id>:<add|no>``."""


Outcome = str | Reply
"""What a press answers: a text, or a Reply (several messages, buttons)."""

CHANGES: set[Button] = {
    Button.MUTE,
    Button.UNMUTE,
    Button.UNSUB,
    Button.OFFER,
    Button.LANG,
    Button.OPTIONS,
}
"""The kinds that change a chat's subscriptions or settings: in a group, only its admins may
press them (``group_admins.may_change``); add a new changing kind here."""

_TAKES_ARG: frozenset[Button] = frozenset(
    {Button.PAGE, Button.LANG, Button.UNSUB, Button.OPTIONS, Button.ADD_SOURCE}
)
"""The kinds whose data carries an argument; any other kind's data with one is refused."""


@dataclass(frozen=True)
class Press:
    """A button press as its callback data says: what, on which id, with which argument."""

    button: Button
    ident: int
    arg: str | None = None


def data(button: Button, ident: int, arg: str | None = None) -> str:
    value = f"{button.value}:{ident}" if arg is None else f"{button.value}:{ident}:{arg}"
    assert parse(value) is not None, f"not valid callback data: {value!r}"
    return value


def parse(value: str) -> Press | None:
    """The press for callback data this bot makes; None for anything else."""
    if len(value.encode("utf-8")) > MAX_DATA_BYTES:
        return None
    found = _DATA.fullmatch(value)
    if found is None or found.group(1) not in Button.__members__.values():
        return None
    button, ident = Button(found.group(1)), int(found.group(2))
    if abs(ident) > MAX_ID or (ident < 0 and button is not Button.SOURCES):
        return None
    if found.group(3) is not None and button not in _TAKES_ARG:
        return None
    return Press(button, ident, found.group(3))


def _refuse(query: CallbackQuery, chat_id: int | None, why: str) -> None:
    user_id = query.from_user.id if query.from_user else None
    shown = (query.data or "")[:100]
    log.warning("refused callback data %r from chat %s (user %s): %s", shown, chat_id, user_id, why)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    chat = update.effective_chat
    user = update.effective_user
    language = Language.from_code(user.language_code if user is not None else None)
    popup: str | None = None  # the answer's text: none for a refusal
    answered = False
    try:
        if chat is None:  # a button of an inline message: not one of ours
            _refuse(query, None, "no chat")
            return
        svc = services(context)
        press = parse(query.data or "")
        if press is None:
            _refuse(query, chat.id, "not a button of this bot")
            return
        if not svc.policy.chat_allowed(chat.id):
            _refuse(query, chat.id, "chat not allowed")
            return
        language = _chat_language(svc, chat.id, language)
        if press.button in CHANGES:
            actor = actor_of(update)
            if actor is None or not await may_change(context.bot, svc.admins, svc.policy, actor):
                log.info("refused %r in chat %s: not a group admin", query.data, chat.id)
                popup = refusal(language)
                return
        outcome = _press(svc, query, chat.id, press, language)
        if inspect.isawaitable(outcome):
            outcome = await outcome
        reply = outcome if isinstance(outcome, Reply) else Reply.of(outcome)
        answered = True  # answered once, even if this answer fails
        await query.answer()
        await send_reply(context, chat.id, reply.directed(language))
    except Exception:
        log.exception("button %r in chat %s failed", query.data, chat.id if chat else None)
        popup = say(language, Say.FAILED)
    finally:
        if not answered:
            with contextlib.suppress(TelegramError):
                await query.answer(popup)


def _chat_language(svc: Services, chat_id: int, fallback: Language) -> Language:
    with svc.session() as s:
        row = get_chat(s, chat_id)
        return row.lang if row is not None else fallback


def _press(
    svc: Services,
    query: CallbackQuery,
    chat_id: int,
    press: Press,
    language: Language,
) -> Outcome | Awaitable[Outcome]:
    """Do what the button says: the text (or Reply, with buttons) to send the chat.

    A kind whose work is async (off-loop queries, Telegram calls) returns a coroutine."""
    button, ident = press.button, press.ident
    if button is Button.PAGE:  # edits its message in place (imported here: search uses Button)
        from marsad.bot.handlers import search

        return search.press(svc, query, chat_id, ident, press.arg, language)
    if button is Button.LANG:
        from marsad.bot.handlers import lang

        return lang.press(svc, chat_id, press.arg)
    if button is Button.OPTIONS:
        from marsad.bot.handlers import options

        return options.press(svc, query, chat_id, ident, press.arg, language)
    if button is Button.ADD_SOURCE:
        from marsad.bot.handlers import add_source

        return add_source.press(svc, query, chat_id, ident, press.arg, language)
    if button is Button.UNSUB:
        return confirm.press_unsubscribe(svc, query, chat_id, ident, press.arg, language)
    if button is Button.UNMUTE:
        return confirm.press_unmute(svc, chat_id, ident, language)
    if button is Button.DETAILS:
        return sub_summary.press(svc, chat_id, ident, language)
    if button is Button.OFFER:
        return replies.press_offer(svc, chat_id, ident, language)
    with svc.session() as s:
        row = get_chat(s, chat_id)
        if button is Button.MUTE:
            sub = s.get(Subscription, ident)
            if sub is None or row is None or sub.chat_id != row.id:
                if sub is not None:  # the id of another chat's subscription: never muted here
                    _refuse(query, chat_id, "the subscription of another chat")
                return say(language, Say.SUB_GONE)
            sub.muted = True
            s.add(sub)
            s.commit()
            log.info("chat %s muted subscription %s", chat_id, sub.number)
            text = say(
                language, Say.SUB_MUTED, number=sub.number, what=label(sub, language, svc.matcher)
            )
            return Reply.of(text, markup=confirm.undo_markup(sub.id or 0, language))
        members = svc.story_members(s, ident)
        lines = [
            f'• <a href="{esc(member.item.url)}">{esc(member.source)}</a>'
            f" — {esc(member.item.title)}"
            for member in members
        ]
        head = say(language, Say.OTHER_SOURCES if len(lines) > 1 else Say.NO_OTHER_SOURCES)
        return "\n".join([head, *lines])
