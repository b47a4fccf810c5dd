"""``/export [PERIOD] [QUERY]``: the stories of a period as a CSV document.

/export                 the last 7 days of this chat's subscriptions (the stories /digest shows)
/export 30d             30 days of them (at most /digest's longest period)
/export 7d حموشي        the stories a query (a rule id, an @entity) matches over 7 days

One row per link of each story (``export_csv``), at most ``MAX_ROWS``; the caption says how
many links and stories, and when the file was cut.  Reading the store and writing the file run
off the event loop; a query's candidates are checked by the live matcher on the loop in small
chunks (``archive_search.verify``), a few hundred stories at a time, until the rows are enough.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from marsad.bot import export_csv, i18n
from marsad.bot.archive_search import Candidate, Found, Target, read_candidates, verify
from marsad.bot.export_csv import Link, Wanted
from marsad.bot.handlers import digest
from marsad.bot.handlers.common import Document, Reply, Request, Services, esc, mark_lines
from marsad.bot.handlers.search import DEFAULT_PERIOD, checking, period_of
from marsad.bot.handlers.subscribe import classify, query_error_html
from marsad.bot.handlers.texts import Say, say
from marsad.bot.i18n import t, tn
from marsad.errors import RuleError
from marsad.store.chats import Language
from marsad.store.engine import session as open_session
from marsad.units import format_duration

MAX_ROWS = 10_000
"""Rows of one file at most (a month of a busy subscription fits; a spreadsheet stays quick)."""
STORY_STEP = 200
"""Stories a query's export checks between two reads of their rows."""


def parse_args(text: str) -> tuple[timedelta, bool, str]:
    """``[PERIOD] [QUERY]``: the period (7 days unless the first word is one), whether it was
    cut to /digest's longest, and the query."""
    words = text.split()
    found = period_of(words[0]) if words else None
    if found is None:
        return DEFAULT_PERIOD, False, " ".join(words)
    return found[0], found[1], " ".join(words[1:])


async def export(services: Services, request: Request) -> Reply:
    language = request.language
    period, capped, query = parse_args(request.args)
    now = services.clock()
    since = now - period
    if query:
        try:
            classified = await asyncio.to_thread(classify, services.matcher, query)
        except RuleError as error:
            problem = query_error_html(error, query, language)
            return Reply.of(say(language, Say.BAD_QUERY) + "\n" + problem)
        target = Target(classified.kind, classified.target)
        rows = await _query_rows(services, target, since, now)
    else:
        built = await digest.build_for_chat(services, request.chat_id, since, now, shown=None)
        if built is None:
            return Reply.of(say(language, Say.DIGEST_NO_SUBS))
        lines = sorted(
            ((story, group.label) for group in built.groups for story in group.stories),
            key=lambda pair: -pair[0].published.timestamp(),
        )
        wanted = [Wanted(story.story_id, label) for story, label in lines]
        rows = await asyncio.to_thread(_read, services, wanted, MAX_ROWS + 1)
    shown = esc(format_duration(period))
    if not rows:
        return Reply.of(
            t(language, "Nothing to export: no story in the last {period}.", period=shown)
        )
    cut = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]
    stories = len({row.key for row in rows})
    data = await asyncio.to_thread(export_csv.to_csv, rows, services.config.tz)
    day = now.astimezone(services.config.tz).strftime("%Y-%m-%d")
    name = f"marsad-{day}-{format_duration(period)}.csv"
    caption = _caption(language, rows, stories, shown, cut=cut, capped=capped)
    return Reply((), document=Document(name, data, mark_lines(caption, language)))


def _caption(
    language: Language, rows: Sequence[Link], stories: int, period: str, *, cut: bool, capped: bool
) -> str:
    links = tn(language, "{n} link", "{n} links", len(rows))
    counted = tn(language, "{n} story", "{n} stories", stories)
    lines = [
        t(
            language,
            "{links} of {stories}, last {period}.",
            links=links,
            stories=counted,
            period=period,
        )
    ]
    if cut:
        most = i18n.number(language, MAX_ROWS)
        lines.append(
            t(
                language,
                "Cut at {rows} rows: export a shorter period or a narrower query.",
                rows=most,
            )
        )
    if capped:
        days = i18n.number(language, digest.MAX_PERIOD.days)
        lines.append(t(language, "A search covers at most {days} days.", days=days))
    return "\n".join(lines)


def _read(services: Services, wanted: Sequence[Wanted], most: int) -> list[Link]:
    with open_session(services.engine) as s:
        return export_csv.links(s, wanted, services.matcher.rules, most)


async def _query_rows(
    services: Services, target: Target, since: datetime, until: datetime
) -> list[Link]:
    """The rows of the stories a query matches, newest story first (one more than
    ``MAX_ROWS`` when there are more)."""
    rows: list[Link] = []
    async with checking(services, target) as query_id:

        def read() -> list[Candidate]:
            with open_session(services.engine) as s:
                return read_candidates(s, services.matcher, target, query_id, since, until)

        found = Found(target, since, until, await asyncio.to_thread(read))
        done = 0
        while len(rows) <= MAX_ROWS and (done < len(found.hits) or not found.complete):
            await verify(found, services.engine, services.matcher, query_id, done + STORY_STEP)
            fresh = [Wanted(hit.key, target.shown) for hit in found.hits[done:]]
            done = len(found.hits)
            rows.extend(await asyncio.to_thread(_read, services, fresh, MAX_ROWS + 1 - len(rows)))
    return rows
