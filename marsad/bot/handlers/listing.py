"""``/list``, ``/unsubscribe N|all`` and ``/rules``: what a chat follows, what it could follow."""

from __future__ import annotations

import logging

from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.handlers.subscribe import label
from marsad.bot.handlers.texts import Say, say
from marsad.store.chats import SubscriptionKind, get_chat, remove_subscriptions, subscriptions

log = logging.getLogger(__name__)


async def list_(services: Services, request: Request) -> Reply:
    language = request.language
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        rows = subscriptions(s, chat) if chat is not None else []
    if not rows:
        return Reply.of(say(language, Say.LIST_EMPTY))
    lines = [say(language, Say.LIST_HEAD)]
    for row in rows:
        muted = f" {say(language, Say.MUTED_MARK)}" if row.muted else ""
        lines.append(f"{row.number}. {label(row, language)}{muted}")
    return Reply.of("\n".join(lines))


async def unsubscribe(services: Services, request: Request) -> Reply:
    language = request.language
    words = request.args.replace(",", " ").split()
    if not words:
        return Reply.of(say(language, Say.UNSUBSCRIBE_USAGE))
    numbers: list[int] | None
    if len(words) == 1 and words[0].lower() in {"all", "الكل", "*"}:
        numbers = None
    else:
        try:
            numbers = [int(word.lstrip("#")) for word in words]
        except ValueError:
            return Reply.of(say(language, Say.UNSUBSCRIBE_USAGE))
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        assert chat is not None
        removed = remove_subscriptions(s, chat, numbers)
        for row in removed:
            if row.kind == SubscriptionKind.QUERY.value:
                services.matcher.remove_query(row.query_id)
        s.commit()
    lines = [say(language, Say.UNSUBSCRIBED, what=label(row, language)) for row in removed]
    found = {row.number for row in removed}
    lines += [say(language, Say.NO_SUCH, number=n) for n in numbers or [] if n not in found]
    if not lines:
        lines = [say(language, Say.LIST_EMPTY)]
    log.info("chat %s unsubscribed from %s", request.chat_id, sorted(found))
    return Reply.of("\n".join(lines))


async def rules(services: Services, request: Request) -> Reply:
    language = request.language
    matcher = services.matcher
    lines = [f"<b>{say(language, Say.RULES_HEAD)}</b>"]
    for rule in matcher.rules.values():
        lines.append(f"• <code>{esc(rule.id)}</code> — {esc(rule.title)}")
    lines += ["", f"<b>{say(language, Say.ENTITIES_HEAD)}</b>"]
    for entity in sorted(matcher.entities.values(), key=lambda e: (e.kind.value, e.id)):
        lines.append(f"• <code>@{esc(entity.id)}</code> — {esc(entity.name)}")
    return Reply.of("\n".join(lines))
