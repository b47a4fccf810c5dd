"""A subscription's confirmation, short, and its "details" button.

``/subscribe`` answers in one short message: the subscription's label (its rule or entity title,
or its query), the query that fires it on one line (cut at ``MAX_QUERY`` characters), three
example forms that would match (one name of each entity or word in turn, never every alias), the
7-day count, and a "details" button (``details:<subscription id>``) that sends the full alias
lists, split over messages when long.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from marsad.bot.handlers.common import Reply, Services, esc
from marsad.bot.i18n import t
from marsad.matching.engine import Matcher
from marsad.matching.query import And, EntityRef, Near, Node, Or, Term, parse, unparse
from marsad.store.chats import Language, Subscription, SubscriptionKind, get_chat

log = logging.getLogger(__name__)

EXAMPLES = 3
MAX_QUERY = 160
MAX_EXAMPLE = 40


def query_of(matcher: Matcher, kind: SubscriptionKind, target: str) -> str:
    """The query a subscription fires on."""
    if kind is SubscriptionKind.RULE:
        return matcher.rules[target].query
    if kind is SubscriptionKind.ENTITY:
        return f"@{target}"
    return target


def _positive_leaves(node: Node) -> Iterator[Term | EntityRef]:
    """The words and entities a match needs or may use, in query order (none under NOT)."""
    if isinstance(node, Term | EntityRef):
        yield node
    elif isinstance(node, And | Or):
        for child in node.operands:
            yield from _positive_leaves(child)
    elif isinstance(node, Near):
        yield from _positive_leaves(node.left)
        yield from _positive_leaves(node.right)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def examples(matcher: Matcher, query: str, count: int = EXAMPLES) -> list[str]:
    """``count`` forms that would match: each entity's names and each word taken in turn."""
    node = parse(query, matcher.recogniser.entity_for_alias)
    choices: list[list[str]] = []
    for leaf in _positive_leaves(node):
        if isinstance(leaf, Term):
            choices.append([leaf.text])
        elif leaf.id in matcher.entities:
            entity = matcher.entities[leaf.id]
            choices.append(list(dict.fromkeys((*entity.aliases, *entity.forms))))
    found: list[str] = []
    depth = max((len(names) for names in choices), default=0)
    for index in range(depth):
        for names in choices:
            if index < len(names) and names[index] not in found:
                found.append(names[index])
                if len(found) == count:
                    return found
    return found


def summary(matcher: Matcher, kind: SubscriptionKind, target: str, language: Language) -> list[str]:
    """The lines between "Subscribed as N" and the 7-day count (HTML)."""
    query = query_of(matcher, kind, target)
    canonical = unparse(parse(query, matcher.recogniser.entity_for_alias))
    shown = " · ".join(esc(_cut(form, MAX_EXAMPLE)) for form in examples(matcher, query))
    fires = f"<code>{esc(_cut(canonical, MAX_QUERY))}</code>"
    lines = [t(language, "Fires on: {query}", query=fires)]
    if shown:
        lines.append(t(language, "For example: {forms}", forms=shown))
    return lines


def details_markup(subscription_id: int, language: Language) -> InlineKeyboardMarkup:
    """The "details" button under a subscription's confirmation."""
    from marsad.bot.handlers.callbacks import Button, data  # callbacks dispatches to this module

    text = "🔎 " + t(language, "Details: every name")
    button = InlineKeyboardButton(text, callback_data=data(Button.DETAILS, subscription_id))
    return InlineKeyboardMarkup([[button]])


def press(svc: Services, chat_id: int, subscription_id: int, language: Language) -> Reply | str:
    """The details button: the full alias lists of one of this chat's subscriptions."""
    from marsad.bot.handlers.subscribe import Target, describe

    with svc.session() as s:
        chat = get_chat(s, chat_id)
        sub = s.get(Subscription, subscription_id)
        if sub is None or chat is None or sub.chat_id != chat.id:
            if sub is not None:
                log.warning("details of another chat's subscription %s refused", subscription_id)
            return t(language, "That subscription no longer exists.")
        target = Target(SubscriptionKind(sub.kind), sub.target)
        number = sub.number
    if target.kind is SubscriptionKind.RULE and target.target not in svc.matcher.rules:
        return t(language, "That subscription no longer exists.")
    head = t(language, "Subscription {number} in full:", number=number)
    return Reply.of(head + "\n" + describe(svc.matcher, target, language))
