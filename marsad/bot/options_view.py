"""How options read in a chat: a subscription's options (compact for ``/list``, in full with their
keyboard), a chat's quiet hours and silence, and the ⚙ buttons that open a subscription's options.

Texts are Telegram HTML in the chat's language; every value is escaped.  Button data is
``opt:<subscription id>[:<change>]`` (``callbacks.Button.OPTIONS``): no change opens the options,
``sev`` cycles the minimum severity, ``mode`` toggles instant/digest, ``l-<code>`` toggles a
language, ``reset`` restores the defaults.
"""

from __future__ import annotations

from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from marsad.bot.delivery.format import severity_label
from marsad.bot.handlers.callbacks import Button, data
from marsad.bot.handlers.common import esc
from marsad.bot.i18n import join, t
from marsad.matching.rulefile import Severity
from marsad.store.chats import AlertMode, Chat, Language, Subscription

BUTTON_LANGUAGES = ("ar", "en", "fr")
"""The item languages the options keyboard toggles (others by command)."""
GEARS_PER_ROW = 4
MAX_GEARS = 96  # Telegram takes at most 100 buttons under a message


def _zone(tz: tzinfo) -> str:
    return str(getattr(tz, "key", tz))


def severity_legend(language: Language) -> str:
    """The severity markers and their words: "‼️ High · • Normal · ◦ Low"."""
    levels = (Severity.HIGH, Severity.NORMAL, Severity.LOW)
    return esc(" · ".join(severity_label(level, language) for level in levels))


def summary(sub: Subscription, language: Language) -> str:
    """A subscription's options that differ from the defaults, compactly ("" when none)."""
    parts = []
    if sub.severity_floor is not Severity.LOW:
        level = severity_label(sub.severity_floor, language)
        parts.append(t(language, "{level} and above", level=esc(level)))
    if sub.sources:
        parts.append(t(language, "sources: {names}", names=esc(join(language, sub.sources))))
    if sub.languages:
        parts.append(t(language, "languages: {codes}", codes=esc(join(language, sub.languages))))
    if sub.alert_mode is AlertMode.DIGEST:
        parts.append(t(language, "digest only"))
    return " · ".join(parts)


def quiet_line(chat: Chat, language: Language, tz: tzinfo) -> str:
    if chat.quiet_start and chat.quiet_end:
        return t(
            language,
            "Quiet hours: {start}–{end} ({zone}); alerts found then are sent when they end.",
            start=esc(chat.quiet_start),
            end=esc(chat.quiet_end),
            zone=esc(_zone(tz)),
        )
    return t(language, "Quiet hours: none.")


def silent_line(chat: Chat, language: Language) -> str:
    if chat.silent:
        return t(language, "Silent alerts: on (no notification sound).")
    return t(language, "Silent alerts: off.")


def details(sub: Subscription, what: str, language: Language) -> str:
    """A subscription's options in full, headed by its number and what it follows."""
    level = severity_label(sub.severity_floor, language)
    sources = join(language, sub.sources) if sub.sources else t(language, "all")
    languages = join(language, sub.languages) if sub.languages else t(language, "all")
    if sub.alert_mode is AlertMode.DIGEST:
        mode = t(language, "in the daily digest only")
    else:
        mode = t(language, "at once")
    return "\n".join(
        [
            "<b>" + t(language, "Options of #{number} {what}", number=sub.number, what=what)
            + "</b>",
            t(language, "Minimum severity: {level}", level=esc(level)),
            t(language, "Sources: {names}", names=esc(sources)),
            t(language, "Languages: {codes}", codes=esc(languages)),
            t(language, "Alerts: {mode}", mode=mode),
        ]
    )  # fmt: skip


def keyboard(sub: Subscription, language: Language) -> InlineKeyboardMarkup:
    """The buttons that change a subscription's options."""
    ident = sub.id or 0
    level = severity_label(sub.severity_floor, language)
    if sub.alert_mode is AlertMode.DIGEST:
        mode = t(language, "Digest only")
    else:
        mode = t(language, "Alerts at once")
    languages = [
        InlineKeyboardButton(
            ("✓ " if code in sub.languages else "") + code,
            callback_data=data(Button.OPTIONS, ident, f"l-{code}"),
        )
        for code in BUTTON_LANGUAGES
    ]
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "Severity: {level}", level=level) + " ↻",
                    callback_data=data(Button.OPTIONS, ident, "sev"),
                )
            ],
            [InlineKeyboardButton(mode + " ↻", callback_data=data(Button.OPTIONS, ident, "mode"))],
            languages,
            [
                InlineKeyboardButton(
                    t(language, "Reset"), callback_data=data(Button.OPTIONS, ident, "reset")
                )
            ],
        ]
    )


def gears(subs: list[Subscription]) -> InlineKeyboardMarkup | None:
    """One ⚙ N button per subscription, opening its options."""
    buttons = [
        InlineKeyboardButton(f"⚙ {sub.number}", callback_data=data(Button.OPTIONS, sub.id or 0))
        for sub in subs[:MAX_GEARS]
    ]
    if not buttons:
        return None
    rows = [buttons[i : i + GEARS_PER_ROW] for i in range(0, len(buttons), GEARS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


__all__ = [
    "details",
    "gears",
    "keyboard",
    "quiet_line",
    "severity_legend",
    "silent_line",
    "summary",
]
