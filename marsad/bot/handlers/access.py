"""Who may use the bot: ``access = open | allowlist`` for chats, ``admins`` for admin commands.

Under ``allowlist`` only chats listed in ``allow`` (and the private chats of admins, whose chat id
is their user id) may register, subscribe and receive alerts.  Admin commands need the numeric
user id of the person typing in ``admins``, in any chat; a channel post has no person, so it is
never an admin.  Everything refused is answered politely and logged.

Admins also allow and deny chats from Telegram (``/allow``, ``/deny``; ``store/chat_access``).
For the ordinary commands and alerts the first rule that applies decides:

1. an admin's private chat is always allowed (an admin cannot lock themselves out);
2. a chat denied from Telegram is refused, whatever the configuration says (also under
   ``access = "open"``);
3. a chat allowed from Telegram is allowed, even when ``allow`` does not list it;
4. the configuration: under ``open`` every chat, under ``allowlist`` the chats in ``allow``.

A later ``/allow`` replaces a ``/deny`` of the same chat and the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from marsad.config import Access, TelegramConfig
from marsad.store.chat_access import Decisions

NO_DECISIONS = Decisions()


class DecisionSource(Protocol):
    """Where the policy reads the chats allowed and denied from Telegram: fixed ``Decisions``,
    or a ``DecisionCache`` that reloads them."""

    def current(self) -> Decisions: ...


class Verdict(StrEnum):
    """The outcome of an access check."""

    ALLOWED = "allowed"
    CHAT_NOT_ALLOWED = "chat-not-allowed"
    NOT_ADMIN = "not-admin"


@dataclass(frozen=True)
class AccessPolicy:
    """The access settings of the configuration, as pure checks."""

    access: Access = Access.OPEN
    admins: frozenset[int] = frozenset()
    allow: frozenset[int] = frozenset()
    decided: DecisionSource = NO_DECISIONS
    """The chats allowed and denied from Telegram (none unless given)."""

    @classmethod
    def from_config(
        cls, telegram: TelegramConfig, decided: DecisionSource | None = None
    ) -> AccessPolicy:
        return cls(
            telegram.access,
            frozenset(telegram.admins),
            frozenset(telegram.allow),
            decided if decided is not None else NO_DECISIONS,
        )

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins

    def chat_allowed(self, chat_id: int) -> bool:
        """Whether the chat may use the ordinary commands and receive alerts (the rules of
        the module's documentation, in order)."""
        if chat_id in self.admins:
            return True
        decisions = self.decided.current()
        if chat_id in decisions.denied:
            return False
        if chat_id in decisions.allowed or self.access is Access.OPEN:
            return True
        return chat_id in self.allow

    def check(self, chat_id: int, user_id: int | None, *, admin: bool) -> Verdict:
        """May ``user_id`` in ``chat_id`` run a command (an admin command when ``admin``)?"""
        if admin:
            return Verdict.ALLOWED if self.is_admin(user_id) else Verdict.NOT_ADMIN
        if self.chat_allowed(chat_id):
            return Verdict.ALLOWED
        return Verdict.CHAT_NOT_ALLOWED
