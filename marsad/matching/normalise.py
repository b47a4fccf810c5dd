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
from bisect import bisect_right
from functools import cache
from itertools import accumulate

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
    if category[0] in "PSZC":
        return char  # separators stay what they are
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
    """A str.translate table folding each character to one (EXPANDS if it folds to several)."""

    def __missing__(self, key: int) -> str:
        folded = fold_char(chr(key))
        value = IGNORED if not folded else folded if len(folded) == 1 else EXPANDS
        self[key] = value
        return value


_FAST_TABLE = _FastTable()


def fold(text: str) -> str:
    """Fold every character of `text`, keeping separators as they are (no tokenising)."""
    fast = text.translate(_FAST_TABLE)
    if EXPANDS not in fast:
        return fast.replace(IGNORED, "")
    return "".join(fold_char(c) for c in text)


# Folded word characters, by script: a token never mixes scripts (بـ2030 is ب + 2030).
_ARABIC = (
    "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5"
    "\u06ee\u06ef\u06fa-\u06fc\u06ff\u0750-\u077f\u08a0-\u08c8"
)
_ARABIC_BLOCKS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_OTHER = f"[^\\W\\d_{_ARABIC_BLOCKS}]"
# Tokens of folded text, where IGNORED stands for a deleted character.
_TOKEN_RE = re.compile(
    f"[{_ARABIC}][{_ARABIC}{IGNORED}]*|[0-9][0-9{IGNORED}]*|{_OTHER}(?:{_OTHER}|{IGNORED})*"
)
_CACHE_LIMIT = 500_000


def _fold_chunk(chunk: str) -> tuple[str, ...]:
    """The folded tokens of a space-free chunk of raw text."""
    fast = chunk.translate(_FAST_TABLE)
    if EXPANDS in fast:
        return tuple(scan_slow(chunk)[0])
    # The translation kept every offset: no need for the character-by-character path.
    return tuple(w.replace(IGNORED, "") for w in _TOKEN_RE.findall(fast))


class _ChunkSpans(dict[str, tuple[tuple[int, int], ...]]):
    """A space-free chunk → the (start, end) of each of its tokens inside it."""

    def __missing__(self, chunk: str) -> tuple[tuple[int, int], ...]:
        _, starts, ends = scan_slow(chunk)
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        value = tuple(zip(starts, ends, strict=True))
        self[chunk] = value
        return value


# Space-free chunk of raw text → its folded tokens joined by spaces. A plain dict (filled by
# Scanned) keeps the per-chunk lookups at C speed. Emptied when full: a Scanned keeps what it
# read of it, so a text in use never loses an entry (once, a span of a dropped chunk raised
# KeyError after ~500,000 distinct words of real news).
_CHUNK_TEXT: dict[str, str] = {}
_CHUNK_SPANS = _ChunkSpans()


class Scanned:
    """A text's folded tokens, with their original offsets worked out only when asked for.

    Tokens never cross a space, so the text is folded space-separated chunk by chunk
    through a cache (news vocabulary repeats); a chunk's offset is the length of the
    chunks before it plus the spaces between them.  `joined` is the folded tokens joined
    by single spaces.
    """

    __slots__ = ("_chunk_ends", "_chunks", "_counts", "_folded", "joined", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._chunks = text.split(" ")
        folded = list(map(_CHUNK_TEXT.get, self._chunks))
        if None in folded:
            if len(_CHUNK_TEXT) >= _CACHE_LIMIT:
                _CHUNK_TEXT.clear()
            for i, value in enumerate(folded):
                if value is None:
                    chunk = self._chunks[i]
                    folded[i] = _CHUNK_TEXT[chunk] = " ".join(_fold_chunk(chunk))
        self._folded: list[str] = folded  # type: ignore[assignment]  # no None left
        self.joined = " ".join(filter(None, folded))
        self._counts: list[int] | None = None
        self._chunk_ends: list[int] = []

    @property
    def words(self) -> list[str]:
        """The folded tokens, in order."""
        return self.joined.split(" ") if self.joined else []

    def span(self, index: int) -> tuple[int, int]:
        """The [start, end) offsets in the original text of token `index`."""
        if self._counts is None:
            self._counts = list(accumulate(f.count(" ") + 1 if f else 0 for f in self._folded))
            self._chunk_ends = list(accumulate(map(len, self._chunks)))
        chunk = bisect_right(self._counts, index)
        before = self._counts[chunk - 1] if chunk else 0
        start, end = _CHUNK_SPANS[self._chunks[chunk]][index - before]
        offset = (self._chunk_ends[chunk - 1] if chunk else 0) + chunk
        return offset + start, offset + end


def scan(text: str) -> tuple[list[str], list[int], list[int]]:
    """Folded tokens of `text` with their start and end offsets in the original text."""
    scanned = Scanned(text)
    bounds = [scanned.span(i) for i in range(len(scanned.words))]
    return scanned.words, [s for s, _ in bounds], [e for _, e in bounds]


def scan_slow(text: str) -> tuple[list[str], list[int], list[int]]:
    """`scan` character by character, with an explicit map back to original offsets.

    Needed when a character folds to several (a ligature such as ﷺ, ß) or a word folds
    into several scripts; gives the same tokens as the fast path wherever both apply.
    """
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = fold_char(char) or IGNORED
        pieces.append(folded)
        origin.extend([index] * len(folded))
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for match in _TOKEN_RE.finditer("".join(pieces)):
        words.append(match.group().replace(IGNORED, ""))
        start, end = match.span()
        starts.append(origin[start])
        ends.append(origin[end - 1] + 1)
    return words, starts, ends


def normalise(text: str) -> str:
    """The folded form of `text`: its folded tokens joined by single spaces.

    Idempotent, and the same for every spelling that differs only in what the folding
    ignores; meant for comparing texts (story dedup) and as the key of a query term.
    """
    return Scanned(text).joined
