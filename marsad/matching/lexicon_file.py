"""The pre-built word-frequency file (``lexicon.bin``): its layout, and lookups in it.

One file, read in a few milliseconds into ~5 MB: a marisa-trie of every folded word (Arabic
words and en/fr/es words in one trie: an Arabic word never starts like a Latin one), then one
16-bit centibel value per word in the trie's own key order.  A JSON header says what it was
built from and the fold it was built with.  Written by ``python -m marsad.matching.lexicon_build``
(docs/lexicon.md); nothing here needs wordfreq.
"""

from __future__ import annotations

import array
import hashlib
import io
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import marisa_trie

from marsad.matching.normalise import fold

MAGIC = b"MARSAD-LEXICON\n"
FORMAT = 1
_MAX_CB = 1000
"""The largest value stored: wordfreq lists nothing rarer than 800 centibels (Zipf 1)."""


class LexiconFileError(ValueError):
    """The lexicon file is missing, truncated or of another format."""


@dataclass(frozen=True)
class Header:
    """What a lexicon file was built from: counts, source, and the fold it depends on.

    ``chars`` is every character of the source word lists; ``fold_stamp`` is the hash of their
    folds (`fold_stamp`), so a change of ``fold`` that would change the file is detectable
    without wordfreq.
    """

    source: str
    arabic_words: int
    latin_words: int
    chars: str
    fold_stamp: str
    license: str


def fold_stamp(chars: Iterable[str]) -> str:
    """A hash of how `fold` folds each of ``chars`` (fold works one character at a time)."""
    digest = hashlib.sha256()
    for char in sorted(set(chars)):
        digest.update(f"{ord(char):x}\t{fold(char)}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def is_arabic_key(word: str) -> bool:
    """Whether ``word`` is looked up as Arabic (its first letter is in U+0600-U+08FF)."""
    return "\u0600" <= word[0] <= "\u08ff"


def write_bytes(header: Header, centibels: Mapping[str, int]) -> bytes:
    """The file for ``centibels`` (folded word -> -centibels, 0.._MAX_CB); deterministic."""
    if any(not 0 <= cb <= _MAX_CB for cb in centibels.values()):
        raise ValueError(f"a lexicon value is outside 0..{_MAX_CB} centibels")
    trie = marisa_trie.Trie(sorted(centibels))
    by_id = sorted(trie.iteritems(), key=itemgetter(1))
    values = array.array("H", map(centibels.__getitem__, map(itemgetter(0), by_id)))
    if sys.byteorder == "big":
        values.byteswap()
    trie_bytes: bytes = trie.tobytes()
    meta = dict(vars(header), format=FORMAT, trie_bytes=len(trie_bytes))
    head = json.dumps(meta, ensure_ascii=True, sort_keys=True).encode() + b"\n"
    return MAGIC + head + trie_bytes + values.tobytes()


class Lexicon:
    """Zipf frequencies of folded words: Arabic ones summed over the spellings that fold
    together, Latin ones the highest of en/fr/es as wordfreq gives them."""

    def __init__(self, header: Header, trie: marisa_trie.Trie, values: array.array[int]) -> None:
        self.header = header
        self._trie = trie
        self._key_id = trie.get
        self._values = values
        # Every value a word can have, as Zipf: a lookup is a trie walk and two list reads.
        self._arabic = [(900 - cb) / 100 for cb in range(_MAX_CB + 1)]
        self._latin = [_wordfreq_zipf(cb, 1.0) for cb in range(_MAX_CB + 1)]

    def centibels(self, word: str) -> int | None:
        """The stored value of ``word`` (minus centibels: 0 is every word), or None."""
        key_id = self._key_id(word)
        return None if key_id is None else int(self._values[key_id])

    def items(self) -> Iterator[tuple[str, int]]:
        """Every (word, centibels) pair, in the trie's order."""
        for word, key_id in self._trie.iteritems():
            yield word, int(self._values[key_id])

    def __len__(self) -> int:
        return len(self._trie)

    def zipf(self, word: str) -> float:
        """Zipf frequency (0 = unseen, 3 = once per million words) of a folded word."""
        if not word:
            return 0.0
        arabic = "\u0600" <= word[0] <= "\u08ff"
        if not arabic and not word.isalpha():
            return _figure_zipf(self, word)
        key_id: int | None = self._key_id(word)
        if key_id is None:
            return 0.0
        return (self._arabic if arabic else self._latin)[self._values[key_id]]


def read(path: Path) -> Lexicon:
    """Load a lexicon file; LexiconFileError says what is wrong with it."""
    try:
        with path.open("rb") as stream:
            return load(stream, str(path))
    except OSError as exc:
        raise LexiconFileError(f"{path}: cannot read the lexicon: {exc.strerror}") from None


def parse(data: bytes, where: str = "<lexicon>") -> Lexicon:
    """A lexicon from the bytes of its file."""
    return load(io.BytesIO(data), where)


def load(stream: io.BufferedIOBase, where: str) -> Lexicon:
    """A lexicon read from ``stream`` part by part, so no copy of the whole file is ever held
    (peak ~8 MB, then the ~5 MB kept)."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    if stream.read(len(MAGIC)) != MAGIC:
        raise LexiconFileError(f"{where}: not a Marsad lexicon file")
    try:
        meta: dict[str, Any] = json.loads(stream.readline())
        if meta.pop("format") != FORMAT:
            raise LexiconFileError(f"{where}: lexicon format is not {FORMAT}; rebuild it")
        trie_size = int(meta.pop("trie_bytes"))
        header = Header(**meta)
    except (ValueError, KeyError, TypeError) as exc:
        raise LexiconFileError(f"{where}: unreadable lexicon header ({exc})") from None
    words = header.arabic_words + header.latin_words
    expected = stream.tell() + trie_size + 2 * words
    if size != expected:
        raise LexiconFileError(f"{where}: truncated lexicon ({size:,} bytes, not {expected:,})")
    try:
        trie = marisa_trie.Trie().frombytes(stream.read(trie_size))
    except Exception as exc:  # marisa raises bare RuntimeErrors on a damaged trie
        raise LexiconFileError(f"{where}: damaged lexicon trie ({exc})") from None
    if len(trie) != words:
        raise LexiconFileError(f"{where}: damaged lexicon ({len(trie):,} words, not {words:,})")
    values = array.array("H", [0]) * words
    stream.readinto(values)
    if sys.byteorder == "big":
        values.byteswap()
    return Lexicon(header, trie, values)


# -- Latin words: wordfreq's zipf_frequency, step by step ------------------------------------
# wordfreq replaces every run of two or more digits by zeros and spreads the run's frequency
# over the numbers it stands for (Benford's law, years peaking in 2019-2039); this repeats
# wordfreq/numbers.py (Apache-2.0) so a figure weighs what it weighed before.

_MULTI_DIGIT = re.compile(r"[0-9][0-9.,]+")
_DIGIT = re.compile(r"[0-9]")
_PURE_DIGITS = re.compile(r"[0-9]+")
_DIGIT_FREQS = (0.009, 0.300, 0.175, 0.124, 0.096, 0.078, 0.066, 0.057, 0.050, 0.045)
_MINIMUM = 10**0.0 / 1e9  # wordfreq's zipf_to_freq(0)


def _benford(digits: str) -> float:
    return _DIGIT_FREQS[int(digits[0])] / float(10 ** (len(digits) - 1))


def _year(digits: str) -> float:
    year = int(digits)
    if year <= 2019:
        log_freq = -1.9185 - 0.0083 * (2019 - year)
    elif year <= 2039:
        log_freq = -1.9185
    else:
        log_freq = -1.9185 - 0.2 * (year - 2039)
    return math.pow(10.0, log_freq) + 0.1 * _benford(digits)


def _digit_freq(word: str) -> float:
    freq = 1.0
    for run in _MULTI_DIGIT.findall(word):
        for digits in _PURE_DIGITS.findall(run):
            freq *= _year(digits) if len(digits) == 4 else _benford(digits)
    return freq


def _wordfreq_zipf(cb: int, digits: float) -> float:
    """wordfreq's zipf_frequency of a word listed at -``cb`` centibels, times ``digits``."""
    freq = math.pow(10.0, -cb / 100) * digits
    unrounded = max(1.0 / (1.0 / freq), _MINIMUM)
    rounded = round(unrounded, math.floor(-math.log(unrounded, 10)) + 3)
    return round(math.log(rounded, 10) + 9, 2)


def _figure_zipf(lexicon: Lexicon, word: str) -> float:
    """A word with digits (or another non-letter): wordfreq's rule for figures."""
    smashed = _MULTI_DIGIT.sub(lambda m: _DIGIT.sub("0", m.group()), word)
    found = lexicon.centibels(smashed)
    if found is None:
        return 0.0
    return _wordfreq_zipf(found, _digit_freq(word) if smashed != word else 1.0)
