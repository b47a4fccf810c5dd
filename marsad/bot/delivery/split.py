"""Splitting a long message into parts Telegram accepts, at the most natural boundary.

Boundaries are tried from the strongest to the weakest: a blank line, a line break, the end of
a sentence (``. ! ? ؟``), a clause (``؛ ، ; ,``), a space, and only then anywhere.  HTML parts stay
well-formed: tags open at the cut are closed at the end of one part and reopened at the start of
the next, and a cut never falls inside a tag or a character entity.  Lengths are counted in
UTF-16 code units, as Telegram counts them, and for HTML on the raw text (an upper bound of what
Telegram counts after parsing entities), so a part that fits here fits there.
"""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096

_BOUNDARIES = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"[.!?؟](?=\s)|[.!?؟]$"),
    re.compile(r"[؛،;,](?=\s)"),
    re.compile(r"\s"),
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*>")
_ENTITY = re.compile(r"&#?[A-Za-z0-9]{1,8};")


def utf16_length(text: str) -> int:
    """Telegram's length of ``text`` (characters outside the BMP count twice)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _prefix_fitting(text: str, budget: int) -> int:
    """The largest n with utf16_length(text[:n]) <= budget."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            return index
    return len(text)


def _forbidden_spans(text: str, html: bool) -> list[tuple[int, int]]:
    """Character ranges a cut must not fall strictly inside (tags, entities)."""
    if not html:
        return []
    return [m.span() for m in _TAG.finditer(text)] + [m.span() for m in _ENTITY.finditer(text)]


def _open_tags(text: str) -> list[tuple[str, str]]:
    """The (name, opening tag) pairs still open at the end of ``text``."""
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(text):
        name = match.group(2).lower()
        if match.group(1):
            if stack and stack[-1][0] == name:
                stack.pop()
        else:
            stack.append((name, match.group(0)))
    return stack


def _has_text(part: str, html: bool) -> bool:
    """Whether a part shows anything (Telegram refuses an empty message)."""
    return bool((_TAG.sub("", part) if html else part).strip())


def _cut(text: str, window: int, forbidden: list[tuple[int, int]]) -> int:
    """Where to cut ``text`` at or before ``window`` (> 0)."""

    def allowed(position: int) -> bool:
        return position > 0 and not any(start < position < end for start, end in forbidden)

    floor = window // 3  # a boundary too near the start would make many tiny parts
    for pattern in _BOUNDARIES:
        best = None
        for match in pattern.finditer(text, 0, window):
            position = match.end()
            if position <= window and position >= floor and allowed(position):
                best = position
        if best is not None:
            return best
    for position in range(window, 0, -1):
        if allowed(position):
            return position
    return window


def split_message(text: str, limit: int = TELEGRAM_LIMIT, *, html: bool = False) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-16 units (one part when it already fits; none
    when it shows nothing, as Telegram refuses empty messages)."""
    if limit < 64:
        raise ValueError("limit too small to split sensibly")
    if not _has_text(text, html):
        return []
    parts: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        reserve = 0
        while True:
            window = _prefix_fitting(rest, limit - reserve)
            position = _cut(rest, window, _forbidden_spans(rest, html))
            head = rest[:position].rstrip()
            stack = _open_tags(rest[:position]) if html else []
            closing = "".join(f"</{name}>" for name, _ in reversed(stack))
            if utf16_length(head + closing) <= limit or reserve >= limit // 2:
                break
            reserve += utf16_length(closing)
        if _has_text(head, html):
            parts.append(head + closing)
        reopen = "".join(tag for _, tag in stack)
        tail = rest[position:].lstrip()
        if reopen and utf16_length(reopen) >= limit // 2:
            reopen = ""  # pathological nesting: drop the formatting rather than loop
        rest = reopen + tail
    if _has_text(rest, html):
        parts.append(rest)
    return parts


__all__ = ["TELEGRAM_LIMIT", "split_message", "utf16_length"]
