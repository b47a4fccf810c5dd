"""Alert messages: Telegram HTML with everything escaped, and the same as plain text.

An alert reads, line by line: the title in bold; the outlet and the local time with its zone
(and "+N more sources" once other outlets report the story); a short snippet around the matched
words, which are bold; a "why" line (the subscription or rule that fired and the entities in
play); the link.  The labels are in the chat's language (``i18n``).

Direction marks go only where a line needs one: the title and the snippet take the direction of
their own script (RLM when mostly Arabic); the lines the bot words itself (outlet and time,
"why", link) take the chat language's direction (RLM in an Arabic chat).  A left-to-right line
gets an LRM only where it would otherwise start right to left (an Arabic chat, or an Arabic word
first), so an English or French alert never carries an RLM on its English or French lines.
Pure: no clock, no I/O (the catalogs are read once, like constants).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from marsad.bot.alert_options import severity_marker
from marsad.bot.delivery.display import displayable
from marsad.bot.delivery.split import split_message
from marsad.bot.i18n import join, t, tn, when
from marsad.matching.rulefile import Severity
from marsad.store.chats import Language

RLM = "\u200f"
LRM = "\u200e"
SNIPPET_CHARS = 240

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


Lang = Language
"""The language of the labels (the chat's language); the name the fan-out imported first."""


@dataclass(frozen=True)
class Alert:
    """What an alert says about one story for one chat."""

    title: str
    outlet: str
    published: datetime  # aware
    link: str
    snippet: str = ""  # the text the spans point into (summary or article text)
    spans: Sequence[tuple[int, int]] = ()  # matched words in ``snippet``: [start, end) offsets
    why: Sequence[str] = ()  # e.g. ("rule ma-eu-security-cooperation", "subscription #2")
    entities: Sequence[str] = ()
    extra_sources: int = 0  # other outlets reporting the same story
    lang: Language = Language.AR
    severity: Severity | None = None  # shown before the "why" line's reasons


@dataclass(frozen=True)
class Formatted:
    """A message in both forms; ``plain`` is sent when Telegram refuses the HTML."""

    html: str
    plain: str
    preview_url: str | None = None
    parts: tuple[str, ...] = field(default=())


def direction_mark(text: str) -> str:
    """RLM when ``text`` is mostly Arabic script, LRM otherwise."""
    arabic = len(_ARABIC.findall(text))
    latin = len(_LATIN.findall(text))
    return RLM if arabic > latin else LRM


def _starts_arabic(text: str) -> bool:
    """Whether the first letter of ``text`` is Arabic (the line would lay out right to left)."""
    for char in text:
        if _ARABIC.match(char):
            return True
        if _LATIN.match(char):
            return False
    return False


def line_mark(text: str, language: Language, *, own_script: bool = False) -> str:
    """The mark that starts one line of a message in ``language``.

    ``own_script``: the line is quoted text (a title, a snippet) and goes in the direction of its
    own script; otherwise it is worded by the bot and goes in the language's direction.  RLM
    for a right-to-left line; LRM for a left-to-right one that would start right to left
    without it; nothing otherwise."""
    rtl = direction_mark(text) == RLM if own_script else language.right_to_left
    if rtl:
        return RLM
    return LRM if language.right_to_left or _starts_arabic(text) else ""


def mark_lines(text: str, language: Language) -> str:
    """In a right-to-left language, start every line of a message the bot words with a
    right-to-left mark, so a line that begins with a number, an @entity or a Latin name still
    lays out right to left; English and French lines get none."""
    if not language.right_to_left:
        return text
    return "\n".join(
        RLM + line if line and not line.startswith(RLM) else line for line in text.split("\n")
    )


def more_sources(extra: int, language: Language) -> str:
    """ "+N more sources" in ``language`` (CLDR plural of N)."""
    return tn(language, "+{n} more source", "+{n} more sources", extra)


def severity_label(severity: Severity, language: Language) -> str:
    """A severity's marker and word in ``language``: "‼️ High", "• Normal", "◦ Low"."""
    words = {
        Severity.HIGH: t(language, "High"),
        Severity.NORMAL: t(language, "Normal"),
        Severity.LOW: t(language, "Low"),
    }
    return f"{severity_marker(severity)} {words[severity]}"


def _merge(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    clean = sorted((max(0, s), min(length, e)) for s, e in spans if e > s and s < length)
    merged: list[tuple[int, int]] = []
    for start, end in clean:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet_window(
    text: str, spans: Sequence[tuple[int, int]], size: int = SNIPPET_CHARS
) -> tuple[int, int]:
    """The [start, end) of ``text`` to show: about ``size`` characters around the first hit,
    widened to word boundaries."""
    if len(text) <= size:
        return 0, len(text)
    merged = _merge(spans, len(text))
    centre = merged[0][0] if merged else 0
    start = max(0, centre - size // 3)
    end = min(len(text), start + size)
    start = max(0, end - size)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > end - 30 else end
    return start, end


def highlight(
    text: str, spans: Sequence[tuple[int, int]], size: int = SNIPPET_CHARS
) -> tuple[str, str]:
    """The snippet as (HTML with the spans in bold, plain text), escaped, with "…" where cut."""
    start, end = snippet_window(text, spans, size)
    pieces_html: list[str] = []
    cursor = start
    for s, e in _merge(spans, len(text)):
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        pieces_html.append(html.escape(displayable(text[cursor:s])))
        pieces_html.append(f"<b>{html.escape(displayable(text[s:e]))}</b>")
        cursor = e
    pieces_html.append(html.escape(displayable(text[cursor:end])))
    before = "…" if start > 0 else ""
    after = "…" if end < len(text) else ""
    body_html = "".join(pieces_html).strip()
    body_plain = " ".join(displayable(text[start:end]).split())
    return before + " ".join(body_html.split()) + after, before + body_plain + after


_TAG = re.compile(r"<[^>]+>")


def plain_of(html_text: str) -> str:
    """The plain-text fallback of a message written in Telegram HTML (tags removed, entities
    decoded)."""
    return html.unescape(_TAG.sub("", html_text))


def local_time(published: datetime, tz: ZoneInfo, language: Language = Language.EN) -> str:
    """``published`` in the configured timezone: day, month, hour:minute and the zone."""
    return when(language, published, tz)


def format_alert(alert: Alert, tz: ZoneInfo) -> Formatted:
    """The alert message for one chat, HTML and plain, with its link as the preview."""
    language = alert.lang
    esc = html.escape
    title = " ".join(displayable(alert.title).split())
    meta = f"{displayable(alert.outlet)} · {local_time(alert.published, tz, language)}"
    more = f" · {more_sources(alert.extra_sources, language)}" if alert.extra_sources > 0 else ""
    mark = line_mark(title, language, own_script=True)
    lines_html = [f"{mark}<b>{esc(title)}</b>"]
    lines_plain = [f"{mark}{title}"]
    mark = line_mark(meta, language)
    lines_html.append(f"{mark}{esc(meta + more)}")
    lines_plain.append(f"{mark}{meta}{more}")
    if alert.snippet.strip():
        snippet_html, snippet_plain = highlight(alert.snippet, alert.spans)
        mark = line_mark(snippet_plain, language, own_script=True)
        lines_html.append(f"{mark}{snippet_html}")
        lines_plain.append(f"{mark}{snippet_plain}")
    why = list(alert.why)
    if alert.entities:
        why.append(t(language, "entities: {names}", names=join(language, alert.entities)))
    if why:
        text = t(language, "Why: {reasons}", reasons=" · ".join(why))
        if alert.severity is not None:
            text = f"{severity_label(alert.severity, language)} · {text}"
        mark = line_mark(text, language)
        lines_html.append(f"{mark}<i>{esc(text)}</i>")
        lines_plain.append(f"{mark}{text}")
    link = alert.link.strip()
    if link:
        mark = line_mark("", language)
        anchor = f'<a href="{esc(link, quote=True)}">{esc(t(language, "Link"))} ↗</a>'
        lines_html.append(f"{mark}{anchor}")
        lines_plain.append(f"{mark}{link}")
    return Formatted(
        html="\n".join(lines_html),
        plain="\n".join(lines_plain),
        preview_url=link or None,
    )


def format_lines(lines: Sequence[str], *, title: str | None = None, limit: int = 4096) -> Formatted:
    """A notice or digest from plain lines (escaped), split into parts under ``limit``."""
    mark = direction_mark(" ".join(lines[:5]) + (title or ""))
    body_html = [f"{mark}<b>{html.escape(title)}</b>"] if title else []
    body_plain = [f"{mark}{title}"] if title else []
    body_html += [f"{mark}{html.escape(line)}" if line else "" for line in lines]
    body_plain += [f"{mark}{line}" if line else "" for line in lines]
    text_html = "\n".join(body_html)
    return Formatted(
        html=text_html,
        plain="\n".join(body_plain),
        parts=tuple(split_message(text_html, limit, html=True)),
    )


__all__ = [
    "LRM",
    "RLM",
    "Alert",
    "Formatted",
    "Lang",
    "direction_mark",
    "format_alert",
    "format_lines",
    "highlight",
    "line_mark",
    "local_time",
    "mark_lines",
    "more_sources",
    "severity_label",
    "snippet_window",
    "split_message",
]
