"""Who may change a chat's alerts: in a group, only its admins.

In a private chat its one person may; in a channel every post comes from the channel's admins.
In a group or supergroup only members whose ``getChatMember`` status is ``creator`` or
``administrator`` change its subscriptions, mute, options, language or digest time; so may the
bot's configured admins (``[telegram] admins``) and an anonymous group admin (a message sent
on behalf of the group itself).  Everyone may still read (``/list``, ``/rules``, ``/digest``).

Answers are cached in memory for ``TTL`` per (chat, user), at most ``MAX_ENTRIES`` of them (the
oldest go first), so a busy group costs Telegram one call per person a minute.  A failed call
(network, 400 "user not found") refuses, is logged, and is not cached: the next try asks again.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from telegram import Bot, ChatMember, Update
from telegram.error import TelegramError

from marsad.bot.handlers.access import AccessPolicy
from marsad.bot.i18n import t
from marsad.store.chats import Language

log = logging.getLogger(__name__)

TTL = 60.0
"""Seconds a getChatMember answer is trusted."""
MAX_ENTRIES = 4096
"""At most this many (chat, user) answers are kept."""

_ADMIN_STATUSES = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR})


class ChatKind(StrEnum):
    """Telegram's chat types (``Chat.type``)."""

    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


@dataclass
class AdminCache:
    """Recent getChatMember verdicts: (chat id, user id) → (is admin, expiry), bounded."""

    ttl: float = TTL
    max_entries: int = MAX_ENTRIES
    clock: Callable[[], float] = time.monotonic
    _entries: OrderedDict[tuple[int, int], tuple[bool, float]] = field(default_factory=OrderedDict)

    def get(self, chat_id: int, user_id: int) -> bool | None:
        """The cached verdict, or None when unknown or stale."""
        key = (chat_id, user_id)
        found = self._entries.get(key)
        if found is None:
            return None
        if found[1] <= self.clock():
            del self._entries[key]
            return None
        return found[0]

    def put(self, chat_id: int, user_id: int, is_admin: bool) -> None:
        key = (chat_id, user_id)
        self._entries.pop(key, None)
        self._entries[key] = (is_admin, self.clock() + self.ttl)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class Actor:
    """Who acts where: the chat, its type, the person (None for a channel post) and, for a
    message sent on behalf of a chat (an anonymous admin, a channel), that chat's id."""

    chat_id: int
    chat_type: str
    user_id: int | None
    sender_chat_id: int | None = None


async def may_change(bot: Bot, cache: AdminCache, policy: AccessPolicy, actor: Actor) -> bool:
    """Whether ``actor`` may change the chat's subscriptions or settings (see the module)."""
    if actor.chat_type in {ChatKind.PRIVATE, ChatKind.CHANNEL}:
        return True
    if actor.sender_chat_id is not None and actor.sender_chat_id == actor.chat_id:
        return True  # an anonymous admin of this group: only admins can post as the group
    if actor.user_id is None:
        return False
    if policy.is_admin(actor.user_id):
        return True
    known = cache.get(actor.chat_id, actor.user_id)
    if known is not None:
        return known
    try:
        member = await bot.get_chat_member(actor.chat_id, actor.user_id)
    except TelegramError as error:
        log.warning(
            "getChatMember for user %s in chat %s failed (%s): change refused",
            actor.user_id,
            actor.chat_id,
            error,
        )
        return False
    is_admin = member.status in _ADMIN_STATUSES
    cache.put(actor.chat_id, actor.user_id, is_admin)
    return is_admin


def refusal(language: Language) -> str:
    """The one line a group member who is not an admin gets."""
    return t(language, "Only this group's admins can change its alerts and settings.")


def actor_of(update: Update) -> Actor | None:
    """The actor of a message, channel post or button press; None without a chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    message = update.effective_message if update.callback_query is None else None
    sender = message.sender_chat if message is not None else None
    return Actor(
        chat.id,
        str(chat.type),
        user.id if user is not None else None,
        sender.id if sender is not None else None,
    )
