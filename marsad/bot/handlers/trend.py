"""``/trend TARGET [PERIOD]``: a chart of a target's distinct stories per day, as a photo.

/trend @spain               the last 30 days of an entity
/trend ma-es-security 90d   a rule over 90 days (the longest; a longer period is cut, and said)
/trend حموشي AND إسبانيا     any query of the rule language
/trend @spain @france 30d   two entities (or rules) compared on one chart

Recorded spikes of an entity or a rule shade their days.  A mistyped rule id gets "did you
mean"; an unknown ``@entity`` or a bad query gets the problem and its column.  Counting reads
the store off the event loop (a query's candidates are checked by the live matcher on the loop
in small chunks, ``trend_counts``), and the chart is drawn in a thread (``asyncio.to_thread``):
a chart takes a few hundred milliseconds of matplotlib.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import TelegramError

from marsad.bot import digests, i18n, trend_chart, trend_view
from marsad.bot.archive_search import Target
from marsad.bot.handlers.common import Photo, Reply, Request, Services, esc, mark_lines
from marsad.bot.handlers.rule_typos import RULE_ID_LIKE, close_rule_ids
from marsad.bot.handlers.subscribe import query_error_html
from marsad.bot.handlers.texts import Say, say
from marsad.bot.i18n import join, t
from marsad.bot.trend_counts import DEFAULT_DAYS, MAX_DAYS, Period, classify, trend
from marsad.errors import RuleError
from marsad.store.chats import Language, SubscriptionKind, get_chat, subscriptions
from marsad.units import parse_duration

log = logging.getLogger(__name__)

DIGEST_CHART_MIN = 5
"""A daily digest of at least this many stories is followed by the chart of its subscriptions."""
DIGEST_CHART_DAYS = 14
CHARTED_KINDS = frozenset(
    kind.value for kind in (SubscriptionKind.RULE, SubscriptionKind.ENTITY, SubscriptionKind.QUERY)
)
"""Subscriptions a digest's chart counts (not spike subscriptions)."""
MOST_COUNTED = 5
"""Subscriptions counted for a digest's chart at most (the first ones, in /list's order)."""


@dataclass(frozen=True)
class TrendArgs:
    """``/trend``'s arguments, read: one or two targets' texts, the days, whether cut."""

    targets: tuple[str, ...]
    days: int = DEFAULT_DAYS
    capped: bool = False


def days_of(word: str) -> tuple[int, bool] | None:
    """A period word (``30d``, ``2w``) as whole days within ``MAX_DAYS``, and whether it was
    cut; None when ``word`` is no period."""
    try:
        period = parse_duration(word)
    except ValueError:
        return None
    if period <= timedelta(0):
        return None
    days = max(1, -(-period // timedelta(days=1)))
    return min(days, MAX_DAYS), days > MAX_DAYS


def _is_single(word: str) -> bool:
    """A word that names one target by itself: ``@entity`` or a rule-id look-alike."""
    return word.startswith("@") or RULE_ID_LIKE.fullmatch(word) is not None


def parse_args(text: str) -> TrendArgs:
    """``TARGET [PERIOD]``; two words that are each an ``@entity`` or a rule id are compared."""
    words = text.split()
    found = days_of(words[-1]) if len(words) > 1 else None
    if found is not None:
        words = words[:-1]
    days, capped = found if found is not None else (DEFAULT_DAYS, False)
    if len(words) == 2 and all(_is_single(word) for word in words):
        return TrendArgs(tuple(words), days, capped)
    return TrendArgs((" ".join(words),) if words else (), days, capped)


def usage(language: Language) -> str:
    return t(
        language,
        "Write what to chart after the command (an @entity, a rule id or a query) and a period "
        "if not the last 30 days (at most 90), e.g.\n<code>/trend @spain</code>\n"
        "<code>/trend @spain @france 90d</code>",
    )


def help_line(language: Language) -> str:
    """The line /help gives this command."""
    return t(
        language,
        "/trend <i>QUERY</i> [<i>PERIOD</i>] — a chart of stories per day, e.g. "
        "<code>/trend @spain</code> or <code>/trend @spain @france 90d</code>",
    )


def typo(word: str, rule_ids: Sequence[str], language: Language) -> str | None:
    """ "Did you mean" for a mistyped rule id; None when ``word`` is no rule-id look-alike."""
    close = close_rule_ids(word, rule_ids)
    if close is None:
        return None
    shown = f"<code>{esc(word)}</code>"
    if close:
        options = join(language, [f"<code>/trend {esc(rule)}</code>" for rule in close], "or")
        return t(
            language,
            "There is no rule {word}. Did you mean {options}?",
            word=shown,
            options=options,
        )
    quoted = f'<code>/trend "{esc(word)}"</code>'
    return t(
        language,
        "There is no rule {word}; see /rules. To chart these words, quote them: {quoted}",
        word=shown,
        quoted=quoted,
    )


async def trend_command(services: Services, request: Request) -> Reply:
    language = request.language
    args = parse_args(request.args)
    if not args.targets:
        return Reply.of(usage(language))
    targets: list[Target] = []
    for text in args.targets:
        mistyped = typo(text, list(services.matcher.rules), language)
        if mistyped is not None:
            return Reply.of(mistyped)
        try:
            targets.append(await asyncio.to_thread(classify, services.matcher, text))
        except RuleError as error:
            problem = query_error_html(error, text, language)
            return Reply.of(say(language, Say.BAD_QUERY) + "\n" + problem)
    period = Period.ending(services.clock(), args.days, services.config.tz)
    trends = [await trend(services.engine, services.matcher, target, period) for target in targets]
    chart = trend_view.chart(trends, period, language, services.matcher)
    png = await asyncio.to_thread(trend_chart.render, chart)
    lines = [trend_view.caption(trends, period, language, services.matcher)]
    if args.capped:
        lines.append(
            t(
                language,
                "A trend covers at most {days} days.",
                days=i18n.number(language, MAX_DAYS),
            )
        )
    caption = mark_lines("\n".join(lines), language)
    return Reply((), photo=Photo(png, caption, "trend.png"))


async def digest_chart(services: Services, bot: Bot, chat_id: int, built: digests.Digest) -> bool:
    """After a chat's daily digest of at least ``DIGEST_CHART_MIN`` stories, the chart of its
    subscriptions' last ``DIGEST_CHART_DAYS`` days: the two with the most stories among the
    first ``MOST_COUNTED``.  Sent directly, once: the digest job calls this after the digest's
    slot is committed, so a crash loses the chart rather than sending it twice, and a refusal
    is logged, not retried.  True when it was sent."""
    if built.count < DIGEST_CHART_MIN:
        return False
    with services.session() as s:
        chat = get_chat(s, chat_id)
        if chat is None:
            return False
        language, silent = chat.lang, chat.silent
        targets = [
            Target(SubscriptionKind(row.kind), row.target)
            for row in subscriptions(s, chat)
            if not row.muted and row.kind in CHARTED_KINDS
        ][:MOST_COUNTED]
    if not targets:
        return False
    period = Period.ending(services.clock(), DIGEST_CHART_DAYS, services.config.tz)
    counted = [await trend(services.engine, services.matcher, target, period) for target in targets]
    chosen = sorted(counted, key=lambda found: -found.total)[:2]
    chart = trend_view.chart(chosen, period, language, services.matcher)
    png = await asyncio.to_thread(trend_chart.render, chart)
    head = t(language, "Stories per day of this chat's subscriptions (daily digest).")
    caption = head + "\n" + trend_view.caption(chosen, period, language, services.matcher)
    try:
        await bot.send_photo(
            chat_id,
            InputFile(png, filename="digest-trend.png"),
            caption=mark_lines(caption, language),
            parse_mode=ParseMode.HTML,
            disable_notification=silent,
        )
    except TelegramError as error:
        log.warning("the digest chart for chat %s was not sent: %s", chat_id, error)
        return False
    return True
