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
from collections.abc import Callable
from functools import cache
from itertools import accumulate

from marsad.matching.extensions import compiled

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

# str.translate looks every character up in a Python mapping (~50 ns each); str.replace runs at
# C speed.  News text needs only a few dozen folds, so those are replaced one after another and
# a set test confirms nothing else is left; any other text goes through the table.
_FREQUENT = (
    "ةأىإئؤآ"  # ta marbuta, hamza seats, alef maqsura
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640"  # harakat, tatweel
    "\u200c\u200d\u200e\u200f\u061c\ufeff\u00ad"  # joiners, direction marks, BOM, soft hyphen
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"  # Arabic-Indic and Persian digits
    "یکگڭھ"  # Persian and Maghrebi letter shapes
)
_REPLACEMENTS = tuple((c, _FAST_TABLE[ord(c)]) for c in _FREQUENT)
_UNIVERSE = (
    *map(chr, range(0x20)),
    *map(chr, range(0x20, 0x250)),
    *map(chr, range(0x600, 0x700)),
    *map(chr, range(0x2000, 0x2070)),
)
# Characters every fold leaves as they are (after the replacements above).
_PLAIN = frozenset(
    c for c in _UNIVERSE if _FAST_TABLE[ord(c)] == c and c.lower() == c and c not in _FREQUENT
)
_ASCII_UPPER = frozenset(map(chr, range(ord("A"), ord("Z") + 1)))


def _char_class(chars: frozenset[str]) -> str:
    """A regular-expression character class body for `chars`, as ranges."""
    codes = sorted(map(ord, chars))
    pieces = []
    start = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code != previous + 1:
            first, last = re.escape(chr(start)), re.escape(chr(previous))
            pieces.append(first if start == previous else f"{first}-{last}")
            start = code
        previous = code
    return "".join(pieces)


# What the replacements may leave: plain characters and IGNORED (never in the input itself).
# A regular-expression search tests a whole text ten times faster than a set of characters.
_NOT_DONE = re.compile(f"[^{_char_class(_PLAIN | {IGNORED})}]")
_NOT_DONE_NOR_UPPER = re.compile(f"[^{_char_class(_PLAIN | _ASCII_UPPER | {IGNORED})}]")


def fold_same_length(text: str) -> str:
    """`text` folded character for character: IGNORED for a character that vanishes, EXPANDS
    for one that folds to several, so every offset still points into `text`."""
    if IGNORED in text or EXPANDS in text:
        return text.translate(_FAST_TABLE)
    folded = text
    for char, replacement in _REPLACEMENTS:
        if char in folded:
            folded = folded.replace(char, replacement)
    if _NOT_DONE.search(folded) is None:
        return folded
    if _NOT_DONE_NOR_UPPER.search(folded) is None:
        return folded.lower()  # only A-Z change under lower() here
    return text.translate(_FAST_TABLE)


def fold(text: str) -> str:
    """Fold every character of `text`, keeping separators as they are (no tokenising)."""
    fast = fold_same_length(text)
    if EXPANDS not in fast:
        return fast.replace(IGNORED, "") if IGNORED in fast else fast
    return "".join(fold_char(c) for c in text)


# Folded word characters, by script: a token never mixes scripts (بـ2030 is ب + 2030).
_ARABIC = (
    "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5"
    "\u06ee\u06ef\u06fa-\u06fc\u06ff\u0750-\u077f\u08a0-\u08c8"
)
_ARABIC_BLOCKS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_OTHER = f"[^\\W\\d_{_ARABIC_BLOCKS}]"
_TOKEN = f"[{_ARABIC}][{_ARABIC}{IGNORED}]*|[0-9][0-9{IGNORED}]*|{_OTHER}(?:{_OTHER}|{IGNORED})*"
# Tokens of folded text, where IGNORED stands for a deleted character.
_TOKEN_RE = re.compile(_TOKEN)
# The same, capturing: split() gives separator, token, separator, ... in one pass.
_SPLIT_RE = re.compile(f"({_TOKEN})")


CompiledScan = Callable[[str, int], tuple[str, bytes, set[str]]]


def _compiled() -> CompiledScan | None:
    """The compiled fold-and-scan, or None where it was not built (no C compiler at install)."""
    set_fold = compiled("_scan", "set_fold")
    if set_fold is None:
        return None
    set_fold(_FAST_TABLE, fold_char)
    fold_scan: CompiledScan = compiled("_scan", "fold_scan")
    return fold_scan


_compiled_scan = _compiled()

COMPILED = _compiled_scan is not None
# The fewest letters of a word fuzzy matching reads (fuzzymatch.FUZZY_MIN_LENGTH).
LONG_WORD = 5
_NO_LONG_WORDS = 1 << 62


class Scanned:
    """A text's folded tokens, with their original offsets worked out only when asked for.

    The whole text is folded character for character (same length, so offsets survive) and cut
    into tokens: in one C pass by the compiled scanner (`_scan.c`) when it was built, else by
    str.replace/translate and one regular-expression split.  Nothing is cached between texts
    (but each character's fold), so a long stream cannot grow or break anything.  `joined` is
    the folded tokens joined by single spaces; with `long_words`, `long_words` is the set of
    distinct tokens of `LONG_WORD` letters or more, gathered in the same pass.
    `compiled=False` forces the pure-Python path (for tests).
    """

    __slots__ = ("_bounds", "_ends", "_long", "_parts", "_starts", "_words", "joined", "text")

    def __init__(self, text: str, *, long_words: bool = False, compiled: bool = True) -> None:
        self.text = text
        self._starts: list[int] | None = None
        self._ends: list[int] | None = None
        self._bounds: memoryview | None = None
        self._long: set[str] | None = None
        self._words: list[str] | None = None
        self._parts: list[str] = []
        if compiled and _compiled_scan is not None:
            minimum = LONG_WORD if long_words else _NO_LONG_WORDS
            self.joined, bounds, found = _compiled_scan(text, minimum)
            self._bounds = memoryview(bounds).cast("i")
            self._long = found if long_words else None
            return
        folded = fold_same_length(text)
        if EXPANDS in folded:
            words, self._starts, self._ends = scan_slow(text)
            self.joined = " ".join(words)
        else:
            self._parts = _SPLIT_RE.split(folded)
            joined = " ".join(self._parts[1::2])
            self.joined = joined.replace(IGNORED, "") if IGNORED in joined else joined

    @property
    def words(self) -> list[str]:
        """The folded tokens, in order."""
        if self._words is None:
            self._words = self.joined.split(" ") if self.joined else []
        return self._words

    @property
    def long_words(self) -> set[str]:
        """The distinct tokens of `LONG_WORD` letters or more."""
        if self._long is None:
            self._long = {w for w in set(self.words) if len(w) >= LONG_WORD}
        return self._long

    def span(self, index: int) -> tuple[int, int]:
        """The [start, end) offsets in the original text of token `index`."""
        if self._bounds is not None:
            return self._bounds[2 * index], self._bounds[2 * index + 1]
        if self._starts is None or self._ends is None:
            bounds = list(accumulate(map(len, self._parts)))
            self._starts = bounds[0::2]
            self._ends = bounds[1::2]
        return self._starts[index], self._ends[index]


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
