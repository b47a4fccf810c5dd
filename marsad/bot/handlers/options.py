"""``/options``, ``/quiet`` and ``/silent``, and the options buttons (``opt:``).

    /options                       this chat's options and each subscription's
    /options N                     subscription N's options, with buttons to change them
    /options N severity low|normal|high
    /options N sources NAME,TAG…|all
    /options N lang CODE,CODE…|all
    /options N mode instant|digest
    /options N reset
    /quiet 22:00-07:00 | off       alerts found in those hours are held until they end
    /silent on|off                 alerts without a notification sound

What the options decide is in ``alert_options``; how they read in ``options_view``.
"""

from __future__ import annotations

import logging
import re

from sqlmodel import Session, select
from telegram import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest

from marsad.bot import options_view
from marsad.bot.alert_options import LANGUAGE, parse_quiet, quiet_until
from marsad.bot.delivery.outbox import release_held
from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.handlers.subscribe import label
from marsad.bot.handlers.texts import Say, say
from marsad.bot.i18n import join, t
from marsad.matching.rulefile import Severity
from marsad.store.chats import (
    AlertMode,
    Chat,
    Language,
    Subscription,
    SubscriptionKind,
    get_chat,
    subscriptions,
)
from marsad.store.tables import Source

log = logging.getLogger(__name__)

ALL = frozenset({"all", "any", "off", "*", "الكل"})
_LIST = re.compile(r"[,،\s]+")
_SEVERITIES = [Severity.LOW, Severity.NORMAL, Severity.HIGH]


def usage(language: Language) -> str:
    return t(
        language,
        "Usage: /options N severity low|normal|high · /options N sources NAME,TAG|all · "
        "/options N lang ar,fr|all · /options N mode instant|digest · /options N reset · "
        "/quiet 22:00-07:00|off · /silent on|off",
    )


def _values(text: str) -> list[str]:
    return [word for word in _LIST.split(text.strip()) if word]


def _known_sources(services: Services, session: Session) -> dict[str, str]:
    """Source names and tags a subscription may name, casefolded → as written."""
    known: dict[str, str] = {}
    for source in services.config.sources:
        known.setdefault(source.name.casefold(), source.name)
        for tag in source.tags:
            known.setdefault(tag.casefold(), tag)
    for name in session.exec(select(Source.name)).all():
        known.setdefault(name.casefold(), name)
    return known


def change(
    services: Services, session: Session, sub: Subscription, field: str, value: str,
    language: Language,
) -> str | None:  # fmt: skip
    """Set one option of ``sub`` from its command words; the error to show, or None."""
    words = _values(value)
    if field in {"severity", "sev", "level"}:
        levels = {level.value: level for level in _SEVERITIES}
        if len(words) != 1 or words[0].lower() not in levels:
            return t(language, "The severity is one of: low, normal, high.")
        sub.min_severity = levels[words[0].lower()].value
    elif field in {"sources", "source", "src"}:
        if not words:
            return t(language, "Name the sources or tags, separated by commas, or all.")
        if words[0].lower() in ALL:
            sub.sources = []
            return None
        known = _known_sources(services, session)
        unknown = [word for word in words if word.casefold() not in known]
        if unknown:
            shown = sorted(known.values(), key=str.casefold)
            more = ", …" if len(shown) > 12 else ""
            return t(
                language,
                "Unknown source or tag: {names}. Known: {known}.",
                names=esc(join(language, unknown)),
                known=esc(", ".join(shown[:12]) + more),
            )
        sub.sources = list(dict.fromkeys(known[word.casefold()] for word in words))
    elif field in {"lang", "language", "languages"}:
        codes = [word.lower() for word in words]
        if codes and codes[0] in ALL:
            sub.languages = []
            return None
        if not codes or not all(LANGUAGE.fullmatch(code) for code in codes):
            return t(
                language, "Languages are two-letter codes separated by commas (ar,fr), or all."
            )
        sub.languages = list(dict.fromkeys(codes))
    elif field == "mode":
        modes = {mode.value: mode for mode in AlertMode}
        if len(words) != 1 or words[0].lower() not in modes:
            return t(language, "The mode is instant (alerts at once) or digest (digest only).")
        sub.mode = modes[words[0].lower()].value
    elif field == "reset":
        reset(sub)
    else:
        return usage(language)
    return None


def reset(sub: Subscription) -> None:
    sub.min_severity, sub.mode = Severity.LOW.value, AlertMode.INSTANT.value
    sub.sources, sub.languages = [], []


def press_change(sub: Subscription, arg: str) -> bool:
    """Apply a button's change to ``sub``; False for an argument no button sends."""
    if arg == "sev":
        index = _SEVERITIES.index(sub.severity_floor)
        sub.min_severity = _SEVERITIES[(index + 1) % len(_SEVERITIES)].value
    elif arg == "mode":
        digest = sub.alert_mode is AlertMode.DIGEST
        sub.mode = (AlertMode.INSTANT if digest else AlertMode.DIGEST).value
    elif arg.startswith("l-") and arg[2:] in options_view.BUTTON_LANGUAGES:
        code = arg[2:]
        codes = list(sub.languages)
        sub.languages = [c for c in codes if c != code] if code in codes else [*codes, code]
    elif arg == "reset":
        reset(sub)
    else:
        return False
    return True


def _follows_spikes(sub: Subscription) -> bool:
    return sub.kind == SubscriptionKind.SPIKES.value


def _no_options(services: Services, sub: Subscription, language: Language) -> Reply:
    """A spikes subscription has no story-alert options: say so rather than show ones that do
    nothing."""
    return Reply.of(
        t(
            language,
            "#{number} {what} follows spikes: its alerts have no options. Quiet hours and "
            "/silent apply to them.",
            number=sub.number,
            what=label(sub, language, services.matcher),
        )
    )


def _shown(services: Services, sub: Subscription, language: Language) -> Reply:
    what = label(sub, language, services.matcher)
    text = options_view.details(sub, what, language)
    return Reply.of(text, markup=options_view.keyboard(sub, language))


def overview(services: Services, chat: Chat, subs: list[Subscription], language: Language) -> Reply:
    """The chat's quiet hours and silence, then each subscription with its options."""
    lines = [
        "<b>" + t(language, "Options of this chat") + "</b>",
        options_view.quiet_line(chat, language, services.config.tz),
        options_view.silent_line(chat, language),
        "",
    ]
    if subs:
        lines.append("<b>" + t(language, "Subscriptions") + "</b>")
    for sub in subs:
        if _follows_spikes(sub):
            note = t(language, "spike alerts")
        else:
            note = options_view.summary(sub, language) or t(language, "every alert, at once")
        lines.append(f"{sub.number}. {label(sub, language, services.matcher)} — {note}")
    lines += ["", usage(language)]
    alerting = [sub for sub in subs if not _follows_spikes(sub)]
    return Reply.of("\n".join(lines), markup=options_view.gears(alerting))


async def options(services: Services, request: Request) -> Reply:
    language = request.language
    words = request.args.split(maxsplit=2)
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        assert chat is not None
        subs = subscriptions(s, chat)
        if not words:
            return overview(services, chat, subs, language)
        number = words[0].lstrip("#")
        if not number.isascii() or not number.isdigit():
            return Reply.of(usage(language))
        sub = next((row for row in subs if row.number == int(number)), None)
        if sub is None:
            return Reply.of(say(language, Say.NO_SUCH, number=int(number)))
        if _follows_spikes(sub):
            return _no_options(services, sub, language)
        if len(words) == 1:
            return _shown(services, sub, language)
        error = change(services, s, sub, words[1].lower(), " ".join(words[2:]), language)
        if error is not None:
            return Reply.of(error)
        s.add(sub)
        s.commit()
        log.info("chat %s changed the options of subscription %s", request.chat_id, sub.number)
        return _shown(services, sub, language)


async def quiet(services: Services, request: Request) -> Reply:
    language = request.language
    value = request.args.strip().lower()
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        assert chat is not None
        if not value:
            return Reply.of(options_view.quiet_line(chat, language, services.config.tz))
        if value in ALL:
            chat.quiet_start = chat.quiet_end = None
            released = release_held(s, request.chat_id, now=services.clock())
            s.add(chat)
            s.commit()
            log.info("chat %s: quiet hours off, %d held messages released", chat.chat_id, released)
            return Reply.of(t(language, "Quiet hours are off: alerts are sent at once."))
        period = parse_quiet(value)
        if period is None:
            return Reply.of(
                t(
                    language,
                    "Write the quiet hours as START-END in 24-hour time, e.g. /quiet 22:00-07:00, "
                    "or /quiet off.",
                )
            )
        chat.quiet_start, chat.quiet_end = period
        # what the old hours held follows the new ones: due at their end, or now
        now = services.clock()
        until = quiet_until(now, chat.quiet_start, chat.quiet_end, services.config.tz)
        release_held(s, request.chat_id, now=now, until=until)
        s.add(chat)
        s.commit()
        return Reply.of(options_view.quiet_line(chat, language, services.config.tz))


async def silent(services: Services, request: Request) -> Reply:
    language = request.language
    value = request.args.strip().lower()
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        assert chat is not None
        if value in {"on", "off"}:
            chat.silent = value == "on"
            s.add(chat)
            s.commit()
        elif value:
            return Reply.of(t(language, "Write /silent on or /silent off."))
        return Reply.of(options_view.silent_line(chat, language))


async def press(
    services: Services,
    query: CallbackQuery,
    chat_id: int,
    ident: int,
    arg: str | None,
    language: Language,
) -> Reply | str:
    """``opt:<id>`` sends the subscription's options with their buttons; ``opt:<id>:<change>``
    changes one and shows the result in the same message."""
    with services.session() as s:
        chat = get_chat(s, chat_id)
        sub = s.get(Subscription, ident)
        if sub is None or chat is None or sub.chat_id != chat.id:
            if sub is not None:  # the id of another chat's subscription: never changed here
                log.warning("refused options of subscription %s from chat %s", ident, chat_id)
            return say(language, Say.SUB_GONE)
        if _follows_spikes(sub):
            return _no_options(services, sub, language)
        if arg is None:
            return _shown(services, sub, language)
        if not press_change(sub, arg):
            log.warning("refused options change %r from chat %s", arg, chat_id)
            return say(language, Say.SUB_GONE)
        s.add(sub)
        s.commit()
        log.info("chat %s changed the options of subscription %s (%s)", chat_id, sub.number, arg)
        shown = _shown(services, sub, language).directed(language)
    await _edit(query, shown.texts[0], shown.markup)
    return Reply.of()


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=markup,
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


__all__ = ["change", "options", "overview", "press", "press_change", "quiet", "silent"]
