"""Who may use the bot: ``access = open | allowlist`` for chats, ``admins`` for admin commands.

Under ``allowlist`` only chats listed in ``allow`` (and the private chats of admins, whose chat id
is their user id) may register, subscribe and receive alerts.  Admin commands need the numeric
user id of the person typing in ``admins``, in any chat; a channel post has no person, so it is
never an admin.  Everything refused is answered politely and logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from marsad.config import Access, TelegramConfig


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

    @classmethod
    def from_config(cls, telegram: TelegramConfig) -> AccessPolicy:
        return cls(telegram.access, frozenset(telegram.admins), frozenset(telegram.allow))

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins

    def chat_allowed(self, chat_id: int) -> bool:
        """Whether the chat may use the ordinary commands and receive alerts."""
        if self.access is Access.OPEN:
            return True
        return chat_id in self.allow or chat_id in self.admins

    def check(self, chat_id: int, user_id: int | None, *, admin: bool) -> Verdict:
        """May ``user_id`` in ``chat_id`` run a command (an admin command when ``admin``)?"""
        if admin:
            return Verdict.ALLOWED if self.is_admin(user_id) else Verdict.NOT_ADMIN
        if self.chat_allowed(chat_id):
            return Verdict.ALLOWED
        return Verdict.CHAT_NOT_ALLOWED
