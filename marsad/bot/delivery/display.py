"""Text from feeds made safe to show: no direction overrides, no invisible characters.

A title may carry U+202E (RIGHT-TO-LEFT OVERRIDE), isolates or zero-width characters, by
accident or to spoof how a line reads ("moc.elgoog" shown as "google.com"). Alerts, digests
and source lists set their own direction marks; what comes from a feed loses its own. The
zero-width joiner and non-joiner stay between two Arabic letters, where they shape the word.
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = "\u200b\u2060\ufeff\u180e\u2061\u2062\u2063\u2064"
_JOINERS = "\u200c\u200d"
_ARABIC_LETTER = "[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]"

_DROP = re.compile(f"[{_BIDI_CONTROLS}{_INVISIBLE}]")
_JOINER_KEPT = re.compile(f"(?<={_ARABIC_LETTER})[{_JOINERS}](?={_ARABIC_LETTER})")
_JOINER = re.compile(f"[{_JOINERS}]")


def displayable(text: str) -> str:
    """``text`` without bidi controls and invisible characters (joiners inside Arabic words
    are kept)."""
    text = _DROP.sub("", text)
    if "\u200c" not in text and "\u200d" not in text:
        return text
    kept = {match.start() for match in _JOINER_KEPT.finditer(text)}
    return _JOINER.sub(lambda m: m.group() if m.start() in kept else "", text)
