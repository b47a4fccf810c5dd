"""``/search QUERY [PERIOD]``: the archive's stories matching a query, newest first, paged.

/search حموشي              the last 7 days
/search "وزارة الصحة" 30d   a phrase over 30 days (at most /digest's longest period)
/search @spain              an entity; /search ma-es-security: a rule's stored matches

The query is any query of the rule language, a rule id or an ``@entity``; a bad one is answered
with the problem and its column.  The archive index names the candidates and the live matcher
checks them only as far as the page shown needs (``archive_search``), so a page costs about the
same at 15,000 items as at 150,000.  Pages are turned with ◀ ▶ buttons (``pg:<search>:<page>``)
that edit the message in place; the search itself stays in memory (``search_pages``) for an
hour.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest

from marsad.bot import i18n
from marsad.bot.archive_search import Found, Result, Target, describe, read_candidates, verify
from marsad.bot.delivery.display import displayable
from marsad.bot.digests import AdHocQuery
from marsad.bot.handlers import digest
from marsad.bot.handlers.callbacks import Button, Outcome, data
from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.handlers.subscribe import classify, query_error_html
from marsad.bot.handlers.texts import Say, say
from marsad.bot.i18n import t, tn
from marsad.bot.search_pages import PAGE_SIZE, Search, pages
from marsad.errors import RuleError
from marsad.store.chats import Language
from marsad.store.engine import session as open_session
from marsad.units import format_duration, parse_duration

DEFAULT_PERIOD = timedelta(days=7)
TITLE_MAX = 200
"""Characters of a title shown (a page must stay one message: it is edited in place)."""


@dataclass(frozen=True)
class SearchArgs:
    """``/search``'s (and ``/export``'s) arguments, read: the query, the period, and whether
    the period asked for was longer than searches cover."""

    query: str
    period: timedelta
    capped: bool = False


def period_of(word: str) -> tuple[timedelta, bool] | None:
    """A period word (``7d``, ``24h``) within /digest's longest, and whether it was cut."""
    try:
        period = parse_duration(word)
    except ValueError:
        return None
    if period <= timedelta(0):
        return None
    return min(period, digest.MAX_PERIOD), period > digest.MAX_PERIOD


def parse_args(text: str) -> SearchArgs:
    """``QUERY [PERIOD]``: a last word that is a period is the period (7 days otherwise)."""
    words = text.split()
    found = period_of(words[-1]) if len(words) > 1 else None
    if found is None:
        return SearchArgs(" ".join(words), DEFAULT_PERIOD)
    return SearchArgs(" ".join(words[:-1]), found[0], found[1])


def help_lines(language: Language) -> str:
    """The lines /help gives these commands."""
    return "\n".join(
        [
            t(
                language,
                "/search <i>QUERY</i> [<i>PERIOD</i>] — search the archive, e.g. "
                "<code>/search حموشي 30d</code>",
            ),
            t(
                language,
                "/export [<i>PERIOD</i>] [<i>QUERY</i>] — the stories as a CSV file, e.g. "
                "<code>/export 7d</code>",
            ),
        ]
    )


@contextlib.asynccontextmanager
async def checking(services: Services, target: Target) -> AsyncIterator[str | None]:
    """The query installed in the live matcher while candidates are read and checked (its id);
    None for rules and entities, whose stored matches are read."""
    if target.stored:
        yield None
        return
    with AdHocQuery(services.matcher, target.text) as selector:
        yield selector.target


async def find(services: Services, target: Target, since: datetime, until: datetime) -> Found:
    """The candidates of a search, and its first page checked."""

    def read(query_id: str | None) -> Found:
        with open_session(services.engine) as s:
            candidates = read_candidates(s, services.matcher, target, query_id, since, until)
        return Found(target, since, until, candidates)

    async with checking(services, target) as query_id:
        found = await asyncio.to_thread(read, query_id)
        await verify(found, services.engine, services.matcher, query_id, PAGE_SIZE + 1)
    return found


async def search(services: Services, request: Request) -> Reply:
    language = request.language
    args = parse_args(request.args)
    if not args.query:
        return Reply.of(usage(language))
    try:
        # Parsing is bounded, but off the event loop all the same (as /subscribe does).
        classified = await asyncio.to_thread(classify, services.matcher, args.query)
    except RuleError as error:
        problem = query_error_html(error, args.query, language)
        return Reply.of(say(language, Say.BAD_QUERY) + "\n" + problem)
    now = services.clock()
    target = Target(classified.kind, classified.target)
    found = await find(services, target, now - args.period, now)
    kept = services.searches.add(request.chat_id, found, now)
    text, markup = await page(services, kept, 1, language, args)
    return Reply.of(text, markup=markup)


def usage(language: Language) -> str:
    return t(
        language,
        "Write what to search for after the command, and a period if not the last 7 days, "
        "e.g.\n<code>/search حموشي</code>\n<code>/search @spain 30d</code>",
    )


async def page(
    services: Services, kept: Search, number: int, language: Language, args: SearchArgs | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Page ``number`` of a search (the last page if there are fewer): text and buttons."""
    found = kept.found
    async with found.lock, checking(services, found.target) as query_id:
        await verify(found, services.engine, services.matcher, query_id, number * PAGE_SIZE + 1)
    last = pages(len(found.hits))
    number = max(1, min(number, last))
    shown = found.hits[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]

    def read() -> list[Result]:
        with open_session(services.engine) as s:
            return describe(s, shown)

    results = await asyncio.to_thread(read)
    lines = [head(services, found, language, args)]
    for index, result in enumerate(results, start=(number - 1) * PAGE_SIZE + 1):
        lines.append(line(services, index, result, language))
    return "\n".join(lines), buttons(kept, number, found)


def head(services: Services, found: Found, language: Language, args: SearchArgs | None) -> str:
    query = esc(found.target.shown)
    period = esc(format_duration(found.until - found.since))
    lines = []
    if args is not None and args.capped:
        days = i18n.number(language, digest.MAX_PERIOD.days)
        lines.append(t(language, "A search covers at most {days} days.", days=days))
    if not found.hits:
        lines.append(
            t(
                language,
                "No story matches <b>{query}</b> in the last {period}.",
                query=query,
                period=period,
            )
        )
        return "\n".join(lines)
    if found.complete:
        count = tn(language, "{n} story", "{n} stories", len(found.hits))
        said = t(
            language,
            "<b>{query}</b>, last {period}: {count}",
            query=query,
            period=period,
            count=count,
        )
    else:
        count = tn(language, "{n} story", "{n} stories", found.estimate())
        said = t(
            language,
            "<b>{query}</b>, last {period}: about {count}",
            query=query,
            period=period,
            count=count,
        )
    lines.append("🔎 " + said)
    return "\n".join(lines)


def line(services: Services, index: int, result: Result, language: Language) -> str:
    title = displayable(result.title).replace("\n", " ")
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    url = esc(result.url).replace('"', "&quot;")
    outlets = tn(language, "{n} outlet", "{n} outlets", result.outlets)
    when = i18n.when(language, result.newest, services.config.tz)
    return (
        f'{i18n.number(language, index)}. <a href="{url}">{esc(title)}</a>'
        f" — {esc(outlets)} · {esc(when)}"
    )


def buttons(kept: Search, number: int, found: Found) -> InlineKeyboardMarkup | None:
    """◀ page ▶, when there is more than one page (or more may be found)."""
    more = len(found.hits) > number * PAGE_SIZE
    if number == 1 and not more:
        return None
    total = pages(found.estimate() if not found.complete else len(found.hits))
    total = max(total, number + (1 if more else 0))
    label = f"{number}/{total}" if found.complete else f"{number}/≈{total}"
    row = []
    if number > 1:
        row.append(
            InlineKeyboardButton("◀", callback_data=data(Button.PAGE, kept.ident, str(number - 1)))
        )
    row.append(
        InlineKeyboardButton(label, callback_data=data(Button.PAGE, kept.ident, str(number)))
    )
    if more:
        row.append(
            InlineKeyboardButton("▶", callback_data=data(Button.PAGE, kept.ident, str(number + 1)))
        )
    return InlineKeyboardMarkup([row])


async def press(
    services: Services,
    query: CallbackQuery,
    chat_id: int,
    ident: int,
    arg: str | None,
    language: Language,
) -> Outcome:
    """A page button: its message shows that page (an expired search says so instead)."""
    kept = services.searches.get(ident, chat_id, services.clock())
    if kept is None or arg is None or not arg.isascii() or not arg.isdigit():
        return t(
            language,
            "This search is no longer kept (searches are kept for an hour). "
            "Send /search with your query again.",
        )
    text, markup = await page(services, kept, int(arg), language, None)
    shown = Reply.of(text, markup=markup).directed(language)
    try:
        await query.edit_message_text(
            shown.texts[0],
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=shown.markup,
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():  # the page shown pressed again
            raise
    return Reply.of()
