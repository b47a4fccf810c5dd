"""Alert messages: Telegram HTML with everything escaped, and the same as plain text.

An alert reads, line by line: the title in bold; the outlet and the local time (and "+N sources"
once other outlets report the story); a short snippet around the matched words, which are bold;
a "why" line (the subscription or rule that fired and the entities in play); the link.  Every
line starts with a direction mark chosen from the title's script (RLM for Arabic, LRM for Latin),
so a line that begins with a Latin outlet name, a number or a link still lays out in the
direction of the alert.  Pure: no clock, no I/O.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from marsad.bot.delivery.display import displayable
from marsad.bot.delivery.split import split_message

RLM = "\u200f"
LRM = "\u200e"
SNIPPET_CHARS = 240

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


class Lang(StrEnum):
    """The language of the labels (the chat's language)."""

    AR = "ar"
    EN = "en"


LABELS = {
    Lang.AR: {"why": "لماذا", "sources": "مصادر أخرى", "entities": "الكيانات", "link": "الرابط"},
    Lang.EN: {"why": "Why", "sources": "more sources", "entities": "entities", "link": "Link"},
}
_LABELS = LABELS  # the name the fan-out imported first


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
    lang: Lang = Lang.AR


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


def local_time(published: datetime, tz: ZoneInfo) -> str:
    """``published`` in the configured timezone, as day/month hour:minute."""
    return published.astimezone(tz).strftime("%d/%m %H:%M")


def format_alert(alert: Alert, tz: ZoneInfo) -> Formatted:
    """The alert message for one chat, HTML and plain, with its link as the preview."""
    labels = LABELS[alert.lang]
    mark = direction_mark(displayable(alert.title))
    esc = html.escape
    title = " ".join(displayable(alert.title).split())
    meta = f"{displayable(alert.outlet)} · {local_time(alert.published, tz)}"
    more = f" · +{alert.extra_sources} {labels['sources']}" if alert.extra_sources > 0 else ""
    lines_html = [f"{mark}<b>{esc(title)}</b>", f"{mark}{esc(meta + more)}"]
    lines_plain = [f"{mark}{title}", f"{mark}{meta}{more}"]
    if alert.snippet.strip():
        snippet_html, snippet_plain = highlight(alert.snippet, alert.spans)
        lines_html.append(f"{mark}{snippet_html}")
        lines_plain.append(f"{mark}{snippet_plain}")
    why = list(alert.why)
    if alert.entities:
        why.append(f"{labels['entities']}: {', '.join(alert.entities)}")
    if why:
        text = f"{labels['why']}: {' · '.join(why)}"
        lines_html.append(f"{mark}<i>{esc(text)}</i>")
        lines_plain.append(f"{mark}{text}")
    link = alert.link.strip()
    if link:
        anchor = f'<a href="{esc(link, quote=True)}">{esc(labels["link"])} ↗</a>'
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
    "LABELS",
    "LRM",
    "RLM",
    "Alert",
    "Formatted",
    "Lang",
    "direction_mark",
    "format_alert",
    "format_lines",
    "highlight",
    "local_time",
    "snippet_window",
    "split_message",
]
