"""``/allow CHAT_ID`` and ``/deny CHAT_ID`` (admins only): chat access from Telegram.

A decision is stored (``store/chat_access``) with the admin who made it and when, and this
process's copy of the decisions is forgotten at once, so the next update of that chat already
meets it; other processes see it within ``chat_access.REFRESH`` seconds, and fan-out reads the
decisions in its own transaction.  ``/allow`` alone lists the chats allowed and denied, beside
the configuration's.  How decisions and the configuration combine: ``access.py``.
"""

from __future__ import annotations

import asyncio
import re

from sqlmodel import col, select

from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.i18n import t, when
from marsad.config import Access
from marsad.store.chat_access import AccessState, ChatAccess, DecisionCache, decide, decided
from marsad.store.chats import Chat, Language

_CHAT_ID = re.compile(r"-?[1-9][0-9]{0,15}")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹−", "01234567890123456789-")
"""Arabic-Indic and Persian digits, and the minus sign, as an admin's keyboard may type them."""


def parse_chat_id(text: str) -> int | None:
    """The chat id written in ``text``; None when it is not one number."""
    value = text.strip().translate(_DIGITS)
    if _CHAT_ID.fullmatch(value) is None:
        return None
    return int(value)


def _usage(language: Language) -> Reply:
    return Reply.of(
        t(
            language,
            "Write the chat id after the command, e.g. <code>/deny -1001234567890</code>. "
            "A refused chat is told its id; /allow alone lists the decisions.",
        )
    )


async def allow(services: Services, request: Request) -> Reply:
    """``/allow CHAT_ID``: the chat may use the bot; ``/allow`` alone lists the decisions."""
    if not request.args:
        return await asyncio.to_thread(listing, services, request.language)
    return await _decide(services, request, AccessState.ALLOWED)


async def deny(services: Services, request: Request) -> Reply:
    """``/deny CHAT_ID``: the chat's commands are refused and it gets no alerts."""
    if not request.args:
        return _usage(request.language)
    return await _decide(services, request, AccessState.DENIED)


async def _decide(services: Services, request: Request, state: AccessState) -> Reply:
    language = request.language
    chat_id = parse_chat_id(request.args)
    if chat_id is None or request.user_id is None:
        return _usage(language)
    chat = f"<code>{chat_id}</code>"
    if state is AccessState.DENIED and chat_id in services.policy.admins:
        return Reply.of(
            t(language, "Chat {chat} is an admin's private chat: it is always allowed.", chat=chat)
        )
    await asyncio.to_thread(_store, services, chat_id, state, request.user_id)
    if state is AccessState.ALLOWED:
        return Reply.of(
            t(
                language,
                "Chat {chat} is allowed: it may use the bot and receives alerts.",
                chat=chat,
            )
        )
    return Reply.of(
        t(
            language,
            "Chat {chat} is denied: its commands are refused and it receives no alerts "
            "until <code>/allow {id}</code>.",
            chat=chat,
            id=chat_id,
        )
    )


def _store(services: Services, chat_id: int, state: AccessState, by: int) -> None:
    with services.session() as s:
        decide(s, chat_id, state, by, services.clock())
        s.commit()
    cache = services.policy.decided
    if isinstance(cache, DecisionCache):
        cache.invalidate()


def _line(row: ChatAccess, title: str | None, language: Language, services: Services) -> str:
    name = f" {esc(title)}" if title else ""
    moment = when(language, row.decided_at, services.config.tz)
    by = t(language, "by {admin}, {when}", admin=f"<code>{row.decided_by}</code>", when=moment)
    return f"• <code>{row.chat_id}</code>{name} — {by}"


def listing(services: Services, language: Language) -> Reply:
    """The access mode, the chats allowed and denied from Telegram, the configuration's."""
    with services.session() as s:
        rows = list(decided(s))
        ids = [row.chat_id for row in rows] + sorted(services.policy.allow)
        titles: dict[int, str | None] = {}
        if ids:
            found = s.exec(select(Chat).where(col(Chat.chat_id).in_(ids)))
            titles = {chat.chat_id: chat.title for chat in found}
    policy = services.policy
    if policy.access is Access.ALLOWLIST:
        lines = [t(language, "Chat access: allowlist (only the chats allowed may use the bot).")]
    else:
        lines = [t(language, "Chat access: open (every chat may use the bot unless denied).")]
    lines.append(t(language, "Admins' private chats are always allowed."))
    for state, head in (
        (AccessState.ALLOWED, t(language, "Allowed from Telegram:")),
        (AccessState.DENIED, t(language, "Denied from Telegram:")),
    ):
        chosen = [row for row in rows if row.access is state]
        if chosen:
            lines += ["", f"<b>{head}</b>"]
            lines += [_line(row, titles.get(row.chat_id), language, services) for row in chosen]
    if not rows:
        lines += ["", t(language, "No chat was allowed or denied from Telegram yet.")]
    if policy.allow:
        head = t(language, "Allowed in the configuration:")
        lines += ["", f"<b>{head}</b>"]
        for chat_id in sorted(policy.allow):
            title = titles.get(chat_id)
            lines.append(f"• <code>{chat_id}</code>" + (f" {esc(title)}" if title else ""))
    return Reply.of("\n".join(lines))
