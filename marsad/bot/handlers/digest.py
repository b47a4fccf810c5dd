"""``/digest``: the stories of a period matching this chat's subscriptions or a query.

/digest                  last 24h, this chat's subscriptions
/digest 7d               last 7 days
/digest 24h @spain       last 24h, an ad-hoc query (any query of the rule language)
/digest حموشي             a query alone: last 24h
/digest time 07:30       the daily digest's time for this chat (in the configured timezone)
/digest off | /digest on stop the daily digest | back to the configured default time
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from marsad.bot import digests, i18n
from marsad.bot.delivery import outbox
from marsad.bot.delivery.format import plain_of
from marsad.bot.delivery.split import split_message
from marsad.bot.handlers.common import Reply, Request, Services, esc, mark_lines
from marsad.bot.handlers.group_admins import refusal
from marsad.bot.handlers.subscribe import query_error_html
from marsad.bot.handlers.texts import Say, say
from marsad.bot.i18n import t, tn
from marsad.errors import RuleError
from marsad.store.chats import (
    DIGEST_OFF,
    Chat,
    Language,
    SubscriptionKind,
    all_chats,
    get_chat,
    subscriptions,
)
from marsad.store.delivery import OutboxKind
from marsad.units import parse_duration

AfterDigest = Callable[[int, digests.Digest], Awaitable[None]]
"""What runs after a chat's daily digest is queued (its chart)."""
CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
MAX_PERIOD = timedelta(days=31)


class Action(StrEnum):
    SHOW = "show"
    SET_TIME = "time"
    OFF = "off"
    ON = "on"
    USAGE = "usage"
    TOO_LONG = "too-long"  # a period past MAX_PERIOD: said, not capped silently
    BAD_TIME = "bad-time"  # ``time`` with something that is no time of day (``time`` holds it)


@dataclass(frozen=True)
class DigestArgs:
    """``/digest``'s arguments, read."""

    action: Action
    period: timedelta = digests.DEFAULT_PERIOD
    query: str = ""
    time: str = ""


def parse_args(text: str) -> DigestArgs:
    """Read ``[PERIOD] [QUERY]``, ``time HH:MM``, ``off`` or ``on``."""
    words = text.split()
    if not words:
        return DigestArgs(Action.SHOW)
    head = words[0].lower()
    if head in {"off", "stop", "إيقاف"} and len(words) == 1:
        return DigestArgs(Action.OFF)
    if head in {"on", "تشغيل"} and len(words) == 1:
        return DigestArgs(Action.ON)
    if head in {"time", "at", "الساعة", "موعد"}:
        if len(words) != 2:
            return DigestArgs(Action.USAGE)
        clock = CLOCK.fullmatch(words[1])
        if clock is None:
            return DigestArgs(Action.BAD_TIME, time=words[1])
        return DigestArgs(Action.SET_TIME, time=f"{int(clock.group(1)):02d}:{clock.group(2)}")
    try:
        period = parse_duration(words[0])
    except ValueError:
        return DigestArgs(Action.SHOW, query=" ".join(words))
    if period > MAX_PERIOD:
        return DigestArgs(Action.TOO_LONG, period=period)
    return DigestArgs(Action.SHOW, period=period, query=" ".join(words[1:]))


def when(moment: datetime, services: Services, language: Language) -> str:
    """A moment in the configured time zone, in the chat's language, with the zone shown."""
    return i18n.when(language, moment, services.config.tz)


async def build_for_chat(
    services: Services,
    chat_id: int,
    since: datetime,
    until: datetime,
    *,
    scheduled: bool = False,
    shown: int | None = digests.SHOWN,
) -> digests.Digest | None:
    """The digest of a chat's (unmuted) subscriptions; None when it has none.  A ``scheduled``
    digest counts only story subscriptions: a chat that follows nothing but spikes gets no daily
    "nothing new" (its spike alerts are its news).  At most ``shown`` stories a group, the rest
    counted (None: every story, for an export)."""
    with services.session() as s:
        chat = get_chat(s, chat_id)
        rows = [row for row in subscriptions(s, chat) if not row.muted] if chat else []
        if scheduled and all(row.kind == SubscriptionKind.SPIKES.value for row in rows):
            return None
        if chat is None or not rows:
            return None
        selectors = [digests.selector_of(services.matcher, row, chat.lang) for row in rows]
        return await digests.collect_async(
            s,
            services.matcher,
            digests.source_tags(services.config),
            selectors,
            since,
            until,
            services.story_of,
            shown=shown,
        )


def render(services: Services, digest: digests.Digest, language: Language) -> str:
    since = when(digest.since, services, language)
    if not digest.count:
        return say(language, Say.DIGEST_EMPTY, since=since)
    head = digests.head_html(digest, since, language)
    return digests.render_html(digest, head, services.config.tz, language)


async def digest(services: Services, request: Request) -> Reply:
    language = request.language
    args = parse_args(request.args)
    if args.action is Action.USAGE:
        return Reply.of(say(language, Say.DIGEST_USAGE))
    if args.action in {Action.TOO_LONG, Action.BAD_TIME}:
        return Reply.of(digest_problem(args, language))
    if args.action is not Action.SHOW:
        if not await request.may_change():  # in a group, only its admins set its digest
            return Reply.of(refusal(language))
        return set_schedule(services, request, args)
    now = services.clock()
    since = now - args.period
    if args.query:
        try:
            with (
                digests.AdHocQuery(services.matcher, args.query) as selector,
                services.session() as s,
            ):
                found = await digests.collect_async(
                    s,
                    services.matcher,
                    digests.source_tags(services.config),
                    [selector],
                    since,
                    now,
                    services.story_of,
                )
        except RuleError as error:
            return Reply.of(
                say(language, Say.BAD_QUERY) + "\n" + query_error_html(error, args.query, language)
            )
        return Reply.of(render(services, found, language))
    built = await build_for_chat(services, request.chat_id, since, now)
    if built is None:
        return Reply.of(say(language, Say.DIGEST_NO_SUBS))
    return Reply.of(render(services, built, language))


def digest_problem(args: DigestArgs, language: Language) -> str:
    """What is wrong with a period that is too long, or a time that is no time of day."""
    if args.action is Action.TOO_LONG:
        days = MAX_PERIOD.days
        return tn(
            language,
            "The longest digest period is {n} day: try <code>/digest {days}d</code>.",
            "The longest digest period is {n} days: try <code>/digest {days}d</code>.",
            days,
            days=days,
        )
    shown = f"<code>{esc(args.time)}</code>"
    return t(
        language,
        "{time} is not a time of day: write HH:MM from 00:00 to 23:59, "
        "e.g. <code>/digest time 07:30</code>.",
        time=shown,
    )


def set_schedule(services: Services, request: Request, args: DigestArgs) -> Reply:
    language = request.language
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        assert chat is not None
        chat.digest_time = {Action.OFF: DIGEST_OFF, Action.ON: None}.get(args.action, args.time)
        s.add(chat)
        s.commit()
        shown = _time_of(chat, services)
    if args.action is Action.OFF:
        return Reply.of(say(language, Say.DIGEST_OFF))
    return Reply.of(say(language, Say.DIGEST_TIME_SET, time=esc(shown)))


def _time_of(chat: Chat, services: Services) -> str:
    at = digests.digest_time(chat, services.config.digest.time)
    return at.strftime("%H:%M") if at is not None else DIGEST_OFF


async def scheduled_digests(services: Services, after: AfterDigest | None = None) -> int:
    """Queue the daily digest of every chat whose time has come; returns how many were queued.

    Each digest goes through the outbox (paced, never lost) with a dedup key naming its slot,
    so a restart or a second tick never sends one twice.  A chat without subscriptions is
    skipped silently; one whose subscriptions matched nothing gets a one-line "nothing new".
    ``after(chat_id, digest)`` runs once the chat's digest is queued and its slot committed as
    sent (the digest's chart, ``trend.digest_chart``): at most once per slot.
    """
    now = services.clock()
    default = services.config.digest.time
    tz = services.config.tz
    with services.session() as s:
        owed = [
            (chat.chat_id, slot)
            for chat in all_chats(s)
            if services.policy.chat_allowed(chat.chat_id)
            and (slot := digests.due(chat, now, default, tz)) is not None
        ]
    queued = 0
    for chat_id, slot in owed:
        built = await build_for_chat(
            services, chat_id, slot - digests.DEFAULT_PERIOD, now, scheduled=True
        )
        with services.session() as s:
            chat = get_chat(s, chat_id)
            if chat is None:
                continue
            if built is not None:
                text = mark_lines(render(services, built, chat.lang), chat.lang)
                key = f"digest:{slot.astimezone(tz):%Y-%m-%dT%H:%M}"
                for number, part in enumerate(split_message(text, html=True), start=1):
                    outbox.enqueue(
                        s,
                        chat_id,
                        OutboxKind.DIGEST,
                        part,
                        plain_of(part),
                        now=now,
                        dedup_key=f"{key}:{number}",
                    )
                queued += 1
            chat.digest_sent_at = slot
            s.add(chat)
            s.commit()
        if after is not None and built is not None:
            await after(chat_id, built)
    return queued
