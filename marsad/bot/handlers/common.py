"""What every command handler shares: the services, the request, access checks and replies.

A handler is an async function ``(services, request) -> Reply | None``.  The wrapper made by
``command()`` checks access (refusals are answered politely and logged), registers the chat,
and sends the reply as HTML without link previews.  Handlers open short database sessions and
commit before any network call, so no SQLite write lock is held while Telegram answers.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from telegram import InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from marsad.bot.delivery.format import mark_lines as mark_lines  # replies, digests, notices
from marsad.bot.delivery.split import split_message
from marsad.bot.digests import StoryMembers, StoryOf, item_as_story, items_are_stories
from marsad.bot.handlers.access import AccessPolicy, Verdict
from marsad.bot.handlers.group_admins import AdminCache, actor_of, may_change, refusal
from marsad.bot.handlers.offers import Offers
from marsad.bot.handlers.texts import Say, say
from marsad.bot.pending_sources import PendingSources
from marsad.bot.search_pages import SearchPages
from marsad.config import Config
from marsad.matching.engine import Matcher
from marsad.store.chats import ChatInfo, ChatType, Language, get_chat, move_chat, register_chat
from marsad.store.delivery import ChatDelivery
from marsad.store.engine import session as open_session

log = logging.getLogger("marsad.bot")

Context = ContextTypes.DEFAULT_TYPE
SERVICES_KEY = "marsad.services"
RLM = "\u200f"


@dataclass
class Services:
    """The application's parts the handlers use (one instance, in ``bot_data``)."""

    config: Config
    engine: Engine
    matcher: Matcher
    clock: Callable[[], datetime]
    policy: AccessPolicy
    story_of: StoryOf = items_are_stories
    story_members: StoryMembers = item_as_story
    admins: AdminCache = field(default_factory=AdminCache)
    """Recent getChatMember verdicts (``group_admins``)."""
    offers: Offers = field(default_factory=Offers)
    """Free texts offered for a subscription (``replies``)."""
    searches: SearchPages = field(default_factory=SearchPages)
    """Recent ``/search`` results, for their page buttons."""
    pending_sources: PendingSources = field(default_factory=PendingSources)
    """Sources ``/addsource`` offered, for their add and cancel buttons."""

    def session(self) -> Session:
        return open_session(self.engine)


@dataclass(frozen=True)
class Request:
    """One command as the handler needs it: who, where, in which language, with what text."""

    chat_id: int
    user_id: int | None
    language: Language
    args: str
    chat_type: ChatType = ChatType.PRIVATE
    may_change: Callable[[], Awaitable[bool]] = field(default=lambda: _anyone(), compare=False)
    """Whether the person may change the chat's settings (in a group: its admins); for a
    command not marked ``changes`` that changes only with some arguments (``/digest time``)."""


@dataclass(frozen=True)
class Document:
    """A file sent as a document (``/export``): its name, bytes and an HTML caption."""

    filename: str
    data: bytes
    caption: str = ""


@dataclass(frozen=True)
class Photo:
    """An image sent as a photo (``/trend``): PNG bytes and an HTML caption."""

    data: bytes
    caption: str = ""
    filename: str = "chart.png"


@dataclass(frozen=True)
class Reply:
    """What to answer: one or more HTML messages, the last one with optional buttons, and
    optionally a document or a photo after them."""

    texts: tuple[str, ...]
    markup: InlineKeyboardMarkup | None = field(default=None)
    document: Document | None = field(default=None)
    photo: Photo | None = field(default=None)
    language: Language | None = field(default=None)
    """The texts' language when it is not the chat's as the request saw it (``/lang``)."""

    @classmethod
    def of(cls, *texts: str, markup: InlineKeyboardMarkup | None = None) -> Reply:
        return cls(tuple(texts), markup)

    def directed(self, language: Language) -> Reply:
        """The reply with its lines marked for its language, else ``language`` (``mark_lines``)."""
        written = self.language or language
        return replace(self, texts=tuple(mark_lines(text, written) for text in self.texts))


async def _anyone() -> bool:
    return True


Handler = Callable[[Services, Request], Awaitable[Reply | None]]
Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


def services(context: Context) -> Services:
    value = context.application.bot_data[SERVICES_KEY]
    assert isinstance(value, Services)
    return value


def esc(text: object) -> str:
    """HTML-escape anything shown to a chat."""
    return html.escape(str(text), quote=False)


def chat_info(update: Update, language: Language | None = None) -> ChatInfo:
    """The chat of an update, with the language of the person writing (Arabic by default)."""
    chat = update.effective_chat
    assert chat is not None
    user = update.effective_user
    code = user.language_code if user is not None else None
    title = chat.title or chat.full_name
    kinds = {kind.value: kind for kind in ChatType}
    kind = kinds.get(str(chat.type), ChatType.PRIVATE)
    return ChatInfo(chat.id, kind, title, language or Language.from_code(code))


def command_args(update: Update) -> str:
    """The text after the command word (``/subscribe@bot a AND b`` → ``a AND b``)."""
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def send_reply(context: Context, chat_id: int, reply: Reply) -> None:
    """Send every text of ``reply`` (split under Telegram's limit) as HTML, without previews."""
    texts = [part for text in reply.texts for part in split_message(text, html=True)]
    for index, text in enumerate(texts):
        await context.bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=reply.markup if index == len(texts) - 1 else None,
        )
    if reply.document is not None:
        await context.bot.send_document(
            chat_id,
            InputFile(reply.document.data, filename=reply.document.filename),
            caption=reply.document.caption or None,
            parse_mode=ParseMode.HTML,
        )
    if reply.photo is not None:
        await context.bot.send_photo(
            chat_id,
            InputFile(reply.photo.data, filename=reply.photo.filename),
            caption=reply.photo.caption or None,
            parse_mode=ParseMode.HTML,
        )


def _known_language(services_: Services, chat_id: int) -> Language | None:
    with services_.session() as s:
        chat = get_chat(s, chat_id)
        return chat.lang if chat is not None else None


def adopt_migrated(session: Session, chat_id: int) -> None:
    """A chat id seen for the first time may be a group's new supergroup id: when the sender
    recorded that migration, the group's settings and subscriptions move to it."""
    if get_chat(session, chat_id) is not None:
        return
    former = session.exec(
        select(ChatDelivery.chat_id).where(col(ChatDelivery.migrated_to) == chat_id)
    ).all()
    for old in former:
        move_chat(session, old, chat_id)


def ensure_chat(services_: Services, update: Update, *, refresh_language: bool) -> Language:
    """Register the chat if new (or refresh its language); return the language to answer in."""
    with services_.session() as s:
        adopt_migrated(s, update.effective_chat.id if update.effective_chat else 0)
        known = get_chat(s, update.effective_chat.id if update.effective_chat else 0)
        keep = None if refresh_language or known is None else known.lang
        info = chat_info(update, keep)
        chat, _ = register_chat(s, info, services_.clock())
        s.commit()
        return chat.lang


def command(
    handler: Handler, *, admin: bool = False, start: bool = False, changes: bool = False
) -> Callback:
    """Wrap ``handler`` with access checks, chat registration and reply sending.

    ``start`` refreshes the chat's language from the person writing (``/start``, ``/help``).
    ``changes``: in a group, only its admins may (``group_admins``); others get one line.
    """

    async def callback(update: Update, context: Context) -> None:
        found = update.effective_chat
        if found is None:
            return
        svc = services(context)
        user = update.effective_user
        user_id = user.id if user is not None else None
        verdict = svc.policy.check(found.id, user_id, admin=admin)
        name = getattr(handler, "__name__", "command")
        if verdict is not Verdict.ALLOWED:
            log.warning(
                "refused %s from user %s in chat %s: %s", name, user_id, found.id, verdict.value
            )
            language = _known_language(svc, found.id) or chat_info(update).language
            key = Say.ADMIN_ONLY if verdict is Verdict.NOT_ADMIN else Say.REFUSED
            text = say(language, key, chat_id=found.id)
            await send_reply(context, found.id, Reply.of(text).directed(language))
            return
        if admin and not svc.policy.chat_allowed(found.id):
            language = _known_language(svc, found.id) or chat_info(update).language
        else:
            language = ensure_chat(svc, update, refresh_language=start)
        actor = actor_of(update)
        assert actor is not None

        async def allowed() -> bool:
            return await may_change(context.bot, svc.admins, svc.policy, actor)

        if changes and not await allowed():
            log.info(
                "refused %s from user %s in chat %s: not a group admin", name, user_id, found.id
            )
            await send_reply(context, found.id, Reply.of(refusal(language)).directed(language))
            return
        request = Request(
            found.id, user_id, language, command_args(update), chat_info(update).type, allowed
        )
        try:
            reply = await handler(svc, request)
        except Exception:
            log.exception("%s failed in chat %s", name, found.id)
            reply = Reply.of(say(language, Say.FAILED))
        if reply is not None:
            await send_reply(context, found.id, reply.directed(language))

    callback.__name__ = getattr(handler, "__name__", "command")
    return callback
