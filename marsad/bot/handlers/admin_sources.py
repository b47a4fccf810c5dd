"""``/sources [PAGE]``, ``/enable NAME`` and ``/disable NAME`` (admins only).

``/sources`` lists what ``marsad sources`` lists (``commands/sources_view``): every stored source
and every configured one not stored yet, by name, with its state, origin (configuration, OPML
import, Telegram), kind, last success, failures, items and next poll, ``PAGE_SIZE`` to a page.
``/enable`` and ``/disable`` do what ``marsad sources enable|disable`` does; the watchers read
a source's state at each claim, so both take effect without a restart.  A name is matched
exactly, else regardless of case; a mistyped one gets "did you mean".  The database work runs
in a worker thread, off the bot's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from marsad.bot.commands.sources_view import SourceLine, Standing, State, lines_of
from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.i18n import number, t, tn, when
from marsad.config import SourceKind
from marsad.store.chats import Language
from marsad.store.sources import (
    closest_name,
    disable_by_operator,
    enable_source,
    list_sources,
    sync_sources_locked,
)
from marsad.store.tables import Source, SourceOrigin

PAGE_SIZE = 10
"""Sources per ``/sources`` page: ten sources of three lines stay under one message (a longer
page, of very long names, is split by ``send_reply``)."""
SHOWN_REASON = 160
"""A disabled reason or a last error is cut to this many characters in the list."""

_MARKS = {
    State.OK: "✅",
    State.FAILING: "⚠️",
    State.DISABLED: "⛔",
    State.POLLING: "🔄",
    State.NEW: "⏳",
    State.UNPOLLED: "▫️",
}


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_REASON else text[: SHOWN_REASON - 1] + "…"


def _origin(language: Language, origin: str) -> str:
    if origin == SourceOrigin.OPML.value:
        return t(language, "OPML import")
    if origin == SourceOrigin.TELEGRAM.value:
        return t(language, "added from Telegram")
    return t(language, "from the configuration")


def _kind(language: Language, kind: str) -> str:
    if kind == SourceKind.PAGE.value:
        return t(language, "web page")
    if kind == SourceKind.TELEGRAM.value:
        return t(language, "Telegram channel")
    if kind == SourceKind.SITEMAP.value:
        return t(language, "news sitemap")
    return t(language, "RSS/Atom feed")


def _state(language: Language, line: SourceLine) -> str:
    if line.state is State.DISABLED:
        return t(language, "disabled: {reason}", reason=esc(_cut(line.disabled_reason or "")))
    if line.state is State.UNPOLLED:
        if line.standing is Standing.OFF:
            return t(language, "off in the configuration")
        return t(language, "no longer in the configuration: not polled")
    if line.state is State.NEW:
        return t(language, "not polled yet")
    if line.state is State.FAILING:
        failures = tn(language, "{n} failure", "{n} failures", line.failures)
        return f"{failures}: {esc(_cut(line.last_error or ''))}"
    if line.state is State.POLLING:
        return t(language, "being polled now")
    return t(language, "working")


def source_text(line: SourceLine, language: Language, services: Services) -> str:
    """One source: its mark, name, kind and origin; its state; its times and items."""
    tz = services.config.tz
    head = (
        f"{_MARKS[line.state]} <b>{esc(line.name)}</b> · {_kind(language, line.kind)}"
        f" · {_origin(language, line.origin)}"
    )
    facts = [
        t(
            language,
            "last success: {when}",
            when=when(language, line.last_success, tz) if line.last_success else "—",
        ),
        tn(language, "{n} item", "{n} items", line.items_seen),
    ]
    if line.next_poll is not None and line.polled and line.state is not State.DISABLED:
        facts.append(t(language, "next poll: {when}", when=when(language, line.next_poll, tz)))
    return "\n".join([head, "   " + _state(language, line), "   " + " · ".join(facts)])


def _page_number(args: str) -> int | None:
    text = args.strip()
    if not text:
        return 1
    return int(text) if text.isascii() and text.isdigit() and int(text) > 0 else None


def page_text(
    lines: Sequence[SourceLine], page: int, language: Language, services: Services
) -> str:
    """Page ``page`` of the sources (the last one when asked for more), with a summary."""
    if not lines:
        return t(language, "No sources: add one with /addsource URL, or in the configuration.")
    pages = (len(lines) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(page, pages)
    failing = sum(line.state is State.FAILING for line in lines)
    disabled = sum(line.state is State.DISABLED for line in lines)
    summary = tn(language, "{n} source", "{n} sources", len(lines))
    summary += " · " + t(
        language,
        "{failing} failing, {disabled} disabled",
        failing=number(language, failing),
        disabled=number(language, disabled),
    )
    if pages > 1:
        summary += " · " + t(
            language,
            "page {page} of {pages}",
            page=number(language, page),
            pages=number(language, pages),
        )
    shown = lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    parts = [f"<b>{summary}</b>", *(source_text(line, language, services) for line in shown)]
    if page < pages:
        parts.append(t(language, "Next page: /sources {page}", page=page + 1))
    return "\n\n".join(parts)


async def sources(services: Services, request: Request) -> Reply:
    """``/sources [PAGE]``."""
    language = request.language
    page = _page_number(request.args)
    if page is None:
        return Reply.of(t(language, "Write a page number after /sources, e.g. /sources 2."))
    now = services.clock()
    lines = await asyncio.to_thread(_lines, services, now)
    return Reply.of(page_text(lines, page, language, services))


def _lines(services: Services, now: datetime) -> list[SourceLine]:
    with services.session() as s:
        return lines_of(services.config, list_sources(s, now))


@dataclass(frozen=True)
class Switched:
    """What ``/enable`` or ``/disable`` found and did: the source's name and state before."""

    name: str
    before: str | None
    failures: int


@dataclass(frozen=True)
class Unknown:
    """No source of that name; the one probably meant."""

    meant: str | None


def _find(s: Session, name: str) -> Source | Unknown:
    rows = list(s.exec(select(Source)).all())
    exact = [row for row in rows if row.name == name]
    if exact:
        return exact[0]
    folded = [row for row in rows if row.name.casefold() == name.casefold()]
    if len(folded) == 1:
        return folded[0]
    return Unknown(closest_name(name, (row.name for row in rows)))


def _switch(services: Services, name: str, enable: bool, by: int | None) -> Switched | Unknown:
    config = services.config
    with services.session() as s:
        sync_sources_locked(s, [c for c in config.sources if c.enabled])
        found = _find(s, name)
        if isinstance(found, Unknown):
            return found
        switched = Switched(found.name, found.disabled_reason, found.consecutive_failures)
        if enable:
            enable_source(s, found)
        elif found.disabled_reason is None:
            disable_by_operator(s, found, f"from Telegram by {by}", services.clock())
        s.commit()
        return switched


def _unknown(language: Language, name: str, found: Unknown) -> Reply:
    if found.meant is not None:
        text = t(
            language,
            "No source is named {name}. Did you mean <code>{meant}</code>?",
            name=f"<code>{esc(name)}</code>",
            meant=esc(found.meant),
        )
    else:
        text = t(language, "No source is named {name}; /sources lists them.", name=esc(name))
    return Reply.of(text)


async def enable(services: Services, request: Request) -> Reply:
    """``/enable NAME``: poll a disabled source again (its failures forgotten)."""
    language, name = request.language, request.args.strip()
    if not name:
        return Reply.of(t(language, "Write the source's name after the command: /enable NAME."))
    found = await asyncio.to_thread(_switch, services, name, True, request.user_id)
    if isinstance(found, Unknown):
        return _unknown(language, name, found)
    shown = f"<b>{esc(found.name)}</b>"
    if found.before is not None:
        return Reply.of(
            t(
                language,
                "{name} is enabled again (it was {reason}); it is polled at the next claim.",
                name=shown,
                reason=esc(found.before),
            )
        )
    if found.failures:
        return Reply.of(
            tn(
                language,
                "{name} was not disabled; its {n} failure is forgotten and it is polled soon.",
                "{name} was not disabled; its {n} failures are forgotten and it is polled soon.",
                found.failures,
                name=shown,
            )
        )
    return Reply.of(t(language, "{name} is already enabled.", name=shown))


async def disable(services: Services, request: Request) -> Reply:
    """``/disable NAME``: stop polling a source until ``/enable``."""
    language, name = request.language, request.args.strip()
    if not name:
        return Reply.of(t(language, "Write the source's name after the command: /disable NAME."))
    found = await asyncio.to_thread(_switch, services, name, False, request.user_id)
    if isinstance(found, Unknown):
        return _unknown(language, name, found)
    shown = f"<b>{esc(found.name)}</b>"
    if found.before is not None:
        return Reply.of(
            t(
                language,
                "{name} was already disabled ({reason}).",
                name=shown,
                reason=esc(found.before),
            )
        )
    return Reply.of(
        t(
            language,
            "{name} is disabled: the watchers skip it from their next claim. /enable {plain} "
            "polls it again.",
            name=shown,
            plain=esc(found.name),
        )
    )
