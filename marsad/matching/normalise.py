"""Arabic/Latin folding: one character at a time, so offsets back to the original survive.

Both sides of a match (rule aliases and article text) go through exactly this folding:
harakat, tatweel and direction/zero-width marks vanish; hamza carriers, alef maqsura, ta
marbuta and Persian/Urdu letter shapes fold to one letter each; presentation forms and
ligatures are expanded (NFKC); every decimal digit becomes 0-9; Latin is casefolded and
stripped of accents.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Placeholders used by the fast path of the tokeniser: a character whose folding is empty
# becomes IGNORED, one whose folding is longer than one character becomes EXPANDS.
IGNORED = "\x02"
EXPANDS = "\x03"

_ARABIC_FOLDS: dict[str, str] = {
    # hamza on alef and alef variants
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ٵ": "ا",
    # hamza on waw / yeh
    "ؤ": "ء",
    "ئ": "ء",
    "ٶ": "ء",
    "ٸ": "ء",
    # alef maqsura and Persian/Urdu yeh shapes
    "ى": "ي",
    "ی": "ي",
    "ې": "ي",
    "ے": "ي",
    "ۍ": "ي",
    # ta marbuta and heh shapes
    "ة": "ه",
    "ۃ": "ه",
    "ھ": "ه",
    "ە": "ه",
    "ۀ": "ه",
    "ہ": "ه",
    # kaf / gaf shapes (Maghrebi ڭ and Persian گ write the g of names)
    "ک": "ك",
    "گ": "ك",
    "ڭ": "ك",
    "ڪ": "ك",
    # letters for foreign sounds, written interchangeably with the plain letter
    "ڤ": "ف",
    "ڥ": "ف",
    "پ": "ب",
    "چ": "ج",
    "ژ": "ز",
    # tatweel and the small Quranic letters carry no spelling
    "ـ": "",
    "ۥ": "",
    "ۦ": "",
    # private placeholders must never come from the input itself
    IGNORED: " ",
    EXPANDS: " ",
}


@cache
def fold_char(char: str) -> str:
    """The folded form of one character: usually one character, sometimes none or several."""
    mapped = _ARABIC_FOLDS.get(char)
    if mapped is not None:
        return mapped
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf"):
        # harakat, shadda, superscript alef, Latin accents, ZWNJ/ZWJ/LRM/RLM/BOM ...
        return ""
    if category == "Nd":
        return str(unicodedata.decimal(char))
    compat = unicodedata.normalize("NFKC", char)
    if compat != char:
        return "".join(fold_char(c) for c in compat)
    decomposed = unicodedata.normalize("NFD", char)
    if decomposed != char:
        return "".join(fold_char(c) for c in decomposed)
    lowered = char.casefold()
    if lowered != char:
        return "".join(fold_char(c) for c in lowered)
    return char


class _FastTable(dict[int, str]):
    """A str.translate table that folds each character to exactly one character.

    Deleted characters become IGNORED and expanding ones EXPANDS, so the translated text keeps
    the original's length and offsets; the tokeniser takes the slow path on EXPANDS.
    """

    def __missing__(self, key: int) -> str:
        folded = fold_char(chr(key))
        value = IGNORED if not folded else folded if len(folded) == 1 else EXPANDS
        self[key] = value
        return value


FAST_TABLE = _FastTable()


def fold(text: str) -> str:
    """Fold every character of `text`, keeping separators as they are (no tokenising)."""
    fast = text.translate(FAST_TABLE)
    if EXPANDS not in fast:
        return fast.replace(IGNORED, "")
    return "".join(fold_char(c) for c in text)


# Folded word characters, by script: a token never mixes scripts (بـ2030 is ب + 2030).
_ARABIC = (
    "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5"
    "\u06ee\u06ef\u06fa-\u06fc\u06ff\u0750-\u077f\u08a0-\u08c8"
)
_OTHER = "[^\\W\\d_\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]"
_TOKEN_RE = re.compile(
    f"[{_ARABIC}][{_ARABIC}{IGNORED}]*|[0-9][0-9{IGNORED}]*|{_OTHER}(?:{_OTHER}|{IGNORED})*"
)


def scan(text: str) -> tuple[list[str], list[int], list[int]]:
    """Folded tokens of `text` with their start and end offsets in the original text.

    The fast path folds with one str.translate that keeps the text's length (so offsets are
    unchanged); a text holding a character that folds to several (a ligature, ß) is folded
    character by character with an explicit map back to the original offsets.
    """
    fast = text.translate(FAST_TABLE)
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    if EXPANDS not in fast:
        for match in _TOKEN_RE.finditer(fast):
            word = match.group()
            if IGNORED in word:
                word = word.replace(IGNORED, "")
            words.append(word)
            start, end = match.span()
            starts.append(start)
            ends.append(end)
        return words, starts, ends
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = fold_char(char) or IGNORED
        pieces.append(folded)
        origin.extend([index] * len(folded))
    for match in _TOKEN_RE.finditer("".join(pieces)):
        word = match.group().replace(IGNORED, "")
        words.append(word)
        start, end = match.span()
        starts.append(origin[start])
        ends.append(origin[end - 1] + 1)
    return words, starts, ends


def normalise(text: str) -> str:
    """The folded form of `text`: its folded tokens joined by single spaces.

    Idempotent, and the same for every spelling that differs only in what the folding
    ignores; meant for comparing texts (story dedup) and as the key of a query term.
    """
    return " ".join(scan(text)[0])
