"""``/list``, ``/unsubscribe N|all`` and ``/rules``: what a chat follows, what it could follow."""

from __future__ import annotations

import logging

from marsad.bot import options_view
from marsad.bot.alert_options import severity_marker
from marsad.bot.handlers import confirm
from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.handlers.subscribe import label
from marsad.bot.handlers.texts import Say, say
from marsad.bot.titles import entity_title, rule_title
from marsad.store.chats import (
    Language,
    Subscription,
    SubscriptionKind,
    get_chat,
    remove_subscriptions,
    subscriptions,
)

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
        options = options_view.summary(row, language)
        options = f" — {options}" if options else ""
        lines.append(f"{row.number}. {label(row, language, services.matcher)}{muted}{options}")
    # a spikes subscription has no options (they filter story alerts): no ⚙ button
    optional = [row for row in rows if row.kind != SubscriptionKind.SPIKES.value]
    return Reply.of("\n".join(lines), markup=options_view.gears(optional))


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
    if numbers is None:  # all: asks first, with buttons (``confirm``)
        return confirm.ask_unsubscribe_all(services, request)
    removed = remove(services, request.chat_id, numbers)
    return removed_reply(services, request.chat_id, language, removed, numbers)


def remove(services: Services, chat_id: int, numbers: list[int] | None) -> list[Subscription]:
    """Delete the chat's numbered subscriptions (all with None), from the matcher too."""
    with services.session() as s:
        chat = get_chat(s, chat_id)
        if chat is None:
            return []
        removed = remove_subscriptions(s, chat, numbers)
        for row in removed:
            if row.kind == SubscriptionKind.QUERY.value:
                services.matcher.remove_query(row.query_id)
        s.commit()
    return removed


def removed_reply(
    services: Services,
    chat_id: int,
    language: Language,
    removed: list[Subscription],
    numbers: list[int] | None,
) -> Reply:
    """What was removed, and the numbers that were not found."""
    lines = [
        say(language, Say.UNSUBSCRIBED, what=label(row, language, services.matcher))
        for row in removed
    ]
    found = {row.number for row in removed}
    lines += [say(language, Say.NO_SUCH, number=n) for n in numbers or [] if n not in found]
    if not lines:
        lines = [say(language, Say.LIST_EMPTY)]
    log.info("chat %s unsubscribed from %s", chat_id, sorted(found))
    return Reply.of("\n".join(lines))


async def rules(services: Services, request: Request) -> Reply:
    language = request.language
    matcher = services.matcher
    lines = [f"<b>{say(language, Say.RULES_HEAD)}</b>", options_view.severity_legend(language)]
    for rule in matcher.rules.values():
        mark = severity_marker(rule.severity)
        lines.append(f"{mark} <code>{esc(rule.id)}</code> — {esc(rule_title(rule, language))}")
    lines += ["", f"<b>{say(language, Say.ENTITIES_HEAD)}</b>"]
    for entity in sorted(matcher.entities.values(), key=lambda e: (e.kind.value, e.id)):
        lines.append(f"• <code>@{esc(entity.id)}</code> — {esc(entity_title(entity, language))}")
    return Reply.of("\n".join(lines))
