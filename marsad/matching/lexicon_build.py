"""Build the shipped lexicon (``data/lexicon.bin``) from wordfreq.

``python -m marsad.matching.lexicon_build`` writes it: run it after changing ``fold``
(tests/matching/test_lexicon.py fails until then) or wordfreq's version; ``--check`` only says
whether the committed file is what a build gives now.  Needs wordfreq, which the running
service does not (it is in the ``test`` extra).  Also holds the lexicon the way it was computed
before the file existed (`WordfreqLexicon`), for the tests and bench/startup.py's baseline.
"""

from __future__ import annotations

import argparse
import math
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import version
from pathlib import Path

import wordfreq

from marsad.matching.lexicon import DATA
from marsad.matching.lexicon_file import Header, fold_stamp, is_arabic_key, write_bytes
from marsad.matching.normalise import fold

LATIN_LANGUAGES = ("en", "fr", "es")
LICENSE = (
    "CC-BY-SA-4.0: derived from the wordfreq word lists (Robyn Speer), "
    "see marsad/matching/data/README.md"
)


def _buckets(lang: str) -> Iterator[tuple[int, list[str]]]:
    """wordfreq's packed list: bucket ``i`` holds the words at -i centibels."""
    yield from enumerate(wordfreq.get_frequency_list(lang))


def folded_arabic(
    chars: set[str] | None = None, fold_words: Callable[[list[str]], list[str]] | None = None
) -> dict[str, float]:
    """Arabic frequencies folded as before the file: spellings that fold together summed.

    The characters of the list are added to ``chars``; ``fold_words`` folds a bucket at a time
    (by default word by word, as lexicon.py did).
    """
    folded: dict[str, float] = {}
    for index, bucket in _buckets("ar"):
        freq = wordfreq.cB_to_freq(-index)
        if chars is not None:
            chars.update(*bucket)
        keys = map(fold, bucket) if fold_words is None else fold_words(bucket)
        for key in keys:
            folded[key] = folded.get(key, 0.0) + freq
    wordfreq.get_frequency_list.cache_clear()  # only the folded copy is read again
    return folded


def arabic_centibels(folded: Mapping[str, float]) -> dict[str, int]:
    """The file's Arabic words: folded words that start with an Arabic letter (only those are
    looked up as Arabic), at the centibel nearest to their summed frequency."""
    return {
        key: round(-100 * math.log10(freq))
        for key, freq in folded.items()
        if key and is_arabic_key(key)
    }


def latin_centibels(chars: set[str]) -> dict[str, int]:
    """The file's other words, at the highest frequency of en, fr and es (exact centibels).

    A looked-up word is folded, and wordfreq composes (NFC) what it is given: the keys are
    the folds of the listed words, each with the value of its composed form (Hangul
    syllables fold to their jamo, and wordfreq composes them back).  The characters of the
    lists are added to ``chars``.
    """
    listed: dict[str, int] = {}
    for lang in LATIN_LANGUAGES:
        for index, bucket in _buckets(lang):
            chars.update(*bucket)
            for word in bucket:
                if index < listed.get(word, 1 << 16):
                    listed[word] = index
    wordfreq.get_frequency_list.cache_clear()
    latin: dict[str, int] = {}
    for key in fold_all(list(listed)):
        cb = listed.get(unicodedata.normalize("NFC", key)) if key else None
        if cb is not None and not is_arabic_key(key):
            latin[key] = cb
    return latin


def fold_all(words: list[str]) -> list[str]:
    """``[fold(w) for w in words]``, a thousand words per call (fold works one character at a
    time and leaves a line break as it is)."""
    folded: list[str] = []
    for start in range(0, len(words), 1000):
        chunk = words[start : start + 1000]
        parts = fold("\n".join(chunk)).split("\n")
        folded.extend(parts if len(parts) == len(chunk) else map(fold, chunk))
    return folded


def build() -> bytes:
    """The bytes of the lexicon file, built from the installed wordfreq with the current fold."""
    chars: set[str] = set()
    arabic = arabic_centibels(folded_arabic(chars, fold_all))
    latin = latin_centibels(chars)
    header = Header(
        source=f"wordfreq {version('wordfreq')} (ar; {', '.join(LATIN_LANGUAGES)})",
        arabic_words=len(arabic),
        latin_words=len(latin),
        chars="".join(sorted(chars)),
        fold_stamp=fold_stamp(chars),
        license=LICENSE,
    )
    return write_bytes(header, {**arabic, **latin})


class WordfreqLexicon:
    """The lexicon as computed before the file: folded from wordfreq at first use (~1 s)."""

    def __init__(self, folded: Mapping[str, float] | None = None) -> None:
        self._folded = folded

    def _arabic(self) -> Mapping[str, float]:
        if self._folded is None:
            self._folded = folded_arabic()
        return self._folded

    def zipf(self, word: str) -> float:
        """Zipf frequency of a folded word, exactly as lexicon.py computed it before."""
        if not word:
            return 0.0
        if is_arabic_key(word):
            freq = self._arabic().get(word, 0.0)
            return math.log10(freq) + 9.0 if freq > 0 else 0.0
        return float(max(wordfreq.zipf_frequency(word, lang) for lang in LATIN_LANGUAGES))


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the lexicon file."""
    parser = argparse.ArgumentParser(prog="python -m marsad.matching.lexicon_build")
    parser.add_argument("--output", type=Path, default=DATA, help=f"default: {DATA}")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file differs from a fresh build"
    )
    args = parser.parse_args(argv)
    data = build()
    if args.check:
        same = args.output.is_file() and args.output.read_bytes() == data
        print(f"{args.output}: {'up to date' if same else 'OUT OF DATE: rebuild it'}")
        return 0 if same else 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"{args.output}: {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
