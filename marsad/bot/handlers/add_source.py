"""``/addsource URL [NAME]`` (admins only): preview a feed or page, then add it or not.

The URL is checked against the stored and configured sources first (same URL, or same name when
one is given), then fetched and read (``bot/source_probe``).  The reply shows what was found,
its latest titles and two buttons, add and cancel (``addsrc:<offer id>:add|no``; the offer waits
in ``pending_sources``).  Only a bot admin's press counts.  On add the source is stored with
origin ``telegram``; running watchers claim it like any due source and poll it without a
restart, and its first poll is its backlog, never alerted.  Without a NAME it is named after the
feed's title, else the site's host (with " (2)" etc. when that name is taken).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlmodel import Session, select
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.i18n import t
from marsad.bot.pending_sources import Offer
from marsad.bot.source_probe import Failed, Found, Problem, host_of, probe
from marsad.bot.wiring import make_fetcher
from marsad.config import Config, SourceKind
from marsad.store.chats import Language
from marsad.store.sources import add_from_telegram
from marsad.store.tables import Source
from marsad.watchers.items import canonical_url, is_web_url

log = logging.getLogger(__name__)

MAX_NAME = 190
"""Longest name (the column holds 200; room for " (99)")."""
ADD, NO = "add", "no"


@dataclass(frozen=True)
class Taken:
    """An existing source with the same URL (``by_url``) or the same name."""

    name: str
    by_url: bool


def _same_url(a: str, b: str) -> bool:
    return a == b or canonical_url(a) == canonical_url(b)


def conflict(s: Session, config: Config, url: str, name: str | None) -> Taken | None:
    """A stored or configured source with ``url``, or named ``name`` (case aside)."""
    known = [(row.name, (row.url, row.config_url)) for row in s.exec(select(Source)).all()]
    known += [(c.name, (c.url, c.url)) for c in config.sources]
    for existing, urls in known:
        if any(_same_url(url, other) for other in urls):
            return Taken(existing, by_url=True)
    if name is not None:
        for existing, _ in known:
            if existing.casefold() == name.casefold():
                return Taken(existing, by_url=False)
    return None


def _unique(wanted: str, taken: set[str]) -> str:
    if wanted.casefold() not in taken:
        return wanted
    number = 2
    while f"{wanted} ({number})".casefold() in taken:
        number += 1
    return f"{wanted} ({number})"


def _names(s: Session, config: Config) -> set[str]:
    stored = {row.casefold() for row in s.exec(select(Source.name)).all()}
    return stored | {c.name.casefold() for c in config.sources}


def _check(services: Services, url: str, name: str | None) -> Taken | None:
    with services.session() as s:
        return conflict(s, services.config, url, name)


def _name_for(services: Services, found: Found, given: str | None) -> str:
    if given is not None:
        return given
    wanted = (found.title or host_of(found.url))[:MAX_NAME].strip() or host_of(found.url)
    with services.session() as s:
        return _unique(wanted, _names(s, services.config))


def _taken(language: Language, taken: Taken) -> Reply:
    name = f"<b>{esc(taken.name)}</b>"
    if taken.by_url:
        return Reply.of(t(language, "This URL is already a source: {name}.", name=name))
    return Reply.of(
        t(language, "A source is already named {name}; choose another name.", name=name)
    )


def _failed(language: Language, failed: Failed) -> Reply:
    url, detail = f"<code>{esc(failed.url)}</code>", esc(failed.detail)
    if failed.problem is Problem.UNREACHABLE:
        return Reply.of(t(language, "Could not fetch {url}: {detail}", url=url, detail=detail))
    return Reply.of(
        t(
            language,
            "{url} is neither a feed nor a page of articles: {detail}",
            url=url,
            detail=detail,
        )
    )


def _usage(language: Language) -> Reply:
    return Reply.of(
        t(
            language,
            "Write the address of a feed or of a page of articles after the command, e.g. "
            "<code>/addsource https://www.hespress.com/feed Hespress</code> "
            "(the name is optional).",
        )
    )


async def addsource(services: Services, request: Request) -> Reply:
    """``/addsource URL [NAME]``: the preview and its add and cancel buttons."""
    language = request.language
    url, _, rest = request.args.strip().partition(" ")
    name = " ".join(rest.split())[:MAX_NAME].strip() or None
    if not url or not is_web_url(url) or request.user_id is None:
        return _usage(language)
    taken = await asyncio.to_thread(_check, services, url, name)
    if taken is not None:
        return _taken(language, taken)
    async with make_fetcher(services.config) as fetcher:
        found = await probe(fetcher, url)
    if isinstance(found, Failed):
        log.info("/addsource %s: %s (%s)", url, found.problem.value, found.detail)
        return _failed(language, found)
    name = await asyncio.to_thread(_name_for, services, found, name)
    offer = services.pending_sources.offer(
        request.chat_id, request.user_id, name, url, found.kind, services.clock()
    )
    return preview(offer, found, language)


def preview(offer: Offer, found: Found, language: Language) -> Reply:
    """What was found, its latest titles, and the two buttons."""
    from marsad.bot.handlers.callbacks import Button, data

    name = f"<b>{esc(offer.name)}</b>"
    if found.kind is SourceKind.FEED:
        head = t(language, "Feed found: {name}", name=name)
    elif found.kind is SourceKind.TELEGRAM:
        head = t(language, "Public Telegram channel found: {name}", name=name)
    elif found.kind is SourceKind.SITEMAP:
        head = t(language, "News sitemap found: {name}", name=name)
    else:
        head = t(language, "Page of articles found: {name}", name=name)
    lines = [head, f"<code>{esc(offer.url)}</code>", ""]
    if found.latest:
        lines.append(t(language, "Latest items:"))
        lines += [f"• {esc(title)}" for title in found.latest]
    else:
        lines.append(t(language, "It has no items yet."))
    lines += ["", t(language, "Add it? Its current items will not be alerted.")]
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ " + t(language, "Add this source"),
                    callback_data=data(Button.ADD_SOURCE, offer.ident, ADD),
                ),
                InlineKeyboardButton(
                    "✖️ " + t(language, "Do not add"),
                    callback_data=data(Button.ADD_SOURCE, offer.ident, NO),
                ),
            ]
        ]
    )
    return Reply.of("\n".join(lines), markup=markup)


def _add(services: Services, offer: Offer) -> Taken | None:
    with services.session() as s:
        taken = conflict(s, services.config, offer.url, offer.name)
        if taken is not None:
            return taken
        add_from_telegram(s, offer.name, offer.url, offer.kind)
        s.commit()
    log.info("admin %s added source %r (%s) from Telegram", offer.user_id, offer.name, offer.url)
    return None


async def press(
    services: Services,
    query: CallbackQuery,
    chat_id: int,
    ident: int,
    choice: str | None,
    language: Language,
) -> Reply | str:
    """The add or cancel button of a preview: only an admin's press counts, once."""
    user = query.from_user
    if user is None or not services.policy.is_admin(user.id):
        log.warning(
            "add-source button pressed by non-admin %s in chat %s", user and user.id, chat_id
        )
        return t(language, "Only the bot's admins can add sources.")
    offer = services.pending_sources.take(ident, chat_id, services.clock())
    with contextlib.suppress(TelegramError):  # answered: the buttons go
        await query.edit_message_reply_markup(None)
    if offer is None:
        return t(language, "This preview has expired; send /addsource again.")
    if choice != ADD:
        return t(language, "Cancelled: no source was added.")
    taken = await asyncio.to_thread(_add, services, offer)
    if taken is not None:
        return _taken(language, taken)
    return t(
        language,
        "Added {name}: the watchers poll it within a minute, without a restart; what it shows "
        "now is its backlog and is not alerted. /disable {plain} stops it.",
        name=f"<b>{esc(offer.name)}</b>",
        plain=esc(offer.name),
    )
