"""``/subscribe QUERY``: follow a rule id, an ``@entity`` or any query of the rule language.

An invalid query is answered with the problem and where it is (never a stack trace); a valid one
with what it will match and how many stories of the last 7 days it would have matched.  A query
subscription is added to the live matcher as ``sub:<id>`` at once, no restart needed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from marsad.bot import digests
from marsad.bot.handlers import rule_typos, spike_subscribe, sub_summary
from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.handlers.texts import Say, say
from marsad.bot.query_errors import column_text, problem_text
from marsad.bot.titles import entity_label, rule_label, rule_title
from marsad.errors import RuleError
from marsad.matching.engine import Matcher
from marsad.matching.query import QueryError
from marsad.store.chats import (
    Language,
    Subscription,
    SubscriptionKind,
    add_subscription,
    find_subscription,
    get_chat,
)

log = logging.getLogger(__name__)

PREVIEW_PERIOD = timedelta(days=7)
WORDS_PREFIX = "words: "  # how Matcher.describe introduces the plain words of a query
ENTITY_REF = re.compile(r"@([a-z0-9_-]+)")


@dataclass(frozen=True)
class Target:
    """What a ``/subscribe`` argument follows."""

    kind: SubscriptionKind
    target: str


def classify(matcher: Matcher, text: str) -> Target:
    """A rule id, a lone known ``@entity``, or else a query (validated: RuleError if invalid)."""
    text = " ".join(text.split())
    if text in matcher.rules:
        return Target(SubscriptionKind.RULE, text)
    lone = ENTITY_REF.fullmatch(text.lower())
    if lone and lone.group(1) in matcher.entities:
        return Target(SubscriptionKind.ENTITY, lone.group(1))
    matcher.describe(text)  # raises RuleError with the position of the problem
    return Target(SubscriptionKind.QUERY, text)


# Characters of a faulty query shown either side of the problem: a 4,000-character query echoed
# whole (twice: as written and marked) filled two Telegram messages with noise.
_CONTEXT = 60


def _around(query: str, column: int) -> tuple[str, int]:
    """The part of ``query`` around ``column`` (… where cut) and the column within it."""
    start = max(0, column - _CONTEXT)
    end = min(len(query), column + _CONTEXT)
    head = "…" if start else ""
    tail = "…" if end < len(query) else ""
    return head + query[start:end] + tail, column - start + len(head)


def query_error_html(error: RuleError, query: str, language: Language = Language.EN) -> str:
    """The problem in ``language``, and the query with a marker at the faulty column."""
    if isinstance(error, QueryError):
        shown, column = _around(query, max(error.column, 1) - 1)
        marked = f"{esc(shown[:column])}<b>⟵{esc(shown[column:] or ' ')}</b>"
        problem = esc(problem_text(language, error.message))
        where = column_text(language, error.column)
        return f"{problem} {where}\n<code>{esc(shown)}</code>\n{marked}"
    return "\n".join(
        esc(problem_text(language, problem.message))
        + (f" — {esc(problem.hint)}" if problem.hint else "")
        for problem in error.problems
    )


def describe(matcher: Matcher, target: Target, language: Language) -> str:
    """What a subscription will match: its canonical query, each entity with its names, words."""
    head = ""
    query = target.target
    if target.kind is SubscriptionKind.RULE:
        rule = matcher.rules[target.target]
        head, query = f"<b>{esc(rule_title(rule, language))}</b>\n", rule.query
    elif target.kind is SubscriptionKind.ENTITY:
        query = f"@{target.target}"
    first, *rest = matcher.describe(query).split("\n")
    lines = [f"<code>{esc(first)}</code>"]
    for line in rest:
        if line.startswith(WORDS_PREFIX):
            lines.append(say(language, Say.WORDS) + esc(line[len(WORDS_PREFIX) :]))
        else:
            lines.append(esc(line))
    return head + "\n".join(lines)


def label(subscription: Subscription, language: Language, matcher: Matcher | None = None) -> str:
    """How ``/list`` shows a subscription; with ``matcher``, a rule or an entity also shows its
    title in ``language``."""
    kind = SubscriptionKind(subscription.kind)
    target = subscription.target
    if kind is SubscriptionKind.SPIKES:
        return spike_subscribe.spikes_label(target, language, matcher)
    if kind is SubscriptionKind.ENTITY:
        title = f" — {esc(entity_label(matcher, target, language))}" if matcher else ""
        return f"<code>@{esc(target)}</code>{title}"
    name = {SubscriptionKind.RULE: Say.KIND_RULE, SubscriptionKind.QUERY: Say.KIND_QUERY}[kind]
    title = ""
    if kind is SubscriptionKind.RULE and matcher is not None and target in matcher.rules:
        title = f" — {esc(rule_label(matcher, target, language))}"
    return f"{say(language, name)} <code>{esc(target)}</code>{title}"


def install(matcher: Matcher, subscription: Subscription) -> None:
    """Put a query subscription into the live matcher (rules and entities need nothing)."""
    if subscription.kind == SubscriptionKind.QUERY.value:
        matcher.add_query(subscription.query_id, subscription.target)


async def subscribe(services: Services, request: Request) -> Reply:
    language = request.language
    if not request.args:
        return Reply.of(say(language, Say.SUBSCRIBE_USAGE))
    if spike_subscribe.wants_spikes(request.args):  # spikes @entity | spikes RULE_ID
        return await spike_subscribe.subscribe_spikes(services, request)
    typo = rule_typos.typo_reply(request.args, services.matcher.rules, language)
    if typo is not None:  # a mistyped rule id: suggestions, and no subscription
        return Reply.of(typo)
    try:
        # Parsing is bounded (query.MAX_*), but off the event loop all the same: no chat's
        # message may hold up the others, the polls or the alerts.
        target = await asyncio.to_thread(classify, services.matcher, request.args)
    except RuleError as error:
        log.info("chat %s: invalid query %r: %s", request.chat_id, request.args, error)
        shown = query_error_html(error, request.args, language)
        return Reply.of(say(language, Say.BAD_QUERY) + "\n" + shown)
    now = services.clock()
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        assert chat is not None  # registered by the command wrapper
        existing = find_subscription(s, chat, target.kind, target.target)
        if existing is not None and existing.muted:  # subscribing again un-mutes it
            existing.muted = False
            s.add(existing)
            s.commit()
            return Reply.of(say(language, Say.SUB_UNMUTED, number=existing.number))
        if existing is not None:
            return Reply.of(say(language, Say.ALREADY, number=existing.number))
        row = add_subscription(s, chat, target.kind, target.target, now)
        install(services.matcher, row)
        s.commit()
    log.info("chat %s subscribed to %s %r", request.chat_id, target.kind.value, target.target)
    selector = digests.selector_of(services.matcher, row, language)
    with services.session() as s:
        preview = await digests.collect_async(
            s,
            services.matcher,
            digests.source_tags(services.config),
            [selector],
            now - PREVIEW_PERIOD,
            now,
            services.story_of,
            shown=0,  # the preview says only how many: a sample of the candidates estimates it
        )
    lines = [
        say(
            language, Say.SUBSCRIBED, number=row.number, what=label(row, language, services.matcher)
        ),
        "\n".join(sub_summary.summary(services.matcher, target.kind, target.target, language)),
        digests.preview_line(preview, language),
    ]
    return Reply.of("\n\n".join(lines), markup=sub_summary.details_markup(row.id or 0, language))
