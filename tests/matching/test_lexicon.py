"""The shipped lexicon file: what wordfreq gives, built with today's fold, and readable."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import wordfreq

from marsad.matching import lexicon_file
from marsad.matching.lexicon import DATA, zipf
from marsad.matching.lexicon_build import (
    LATIN_LANGUAGES,
    WordfreqLexicon,
    build,
    folded_arabic,
)
from marsad.matching.lexicon_file import LexiconFileError, fold_stamp, parse, read
from marsad.matching.normalise import fold, normalise

REBUILD = (
    "run `python -m marsad.matching.lexicon_build` and commit marsad/matching/data/lexicon.bin"
)


@pytest.fixture(scope="module")
def shipped() -> lexicon_file.Lexicon:
    return read(DATA)


@pytest.fixture(scope="module")
def folded() -> tuple[dict[str, float], set[str]]:
    """wordfreq's Arabic list folded the old way (~1.5 s), with the lists' characters."""
    chars: set[str] = set()
    return folded_arabic(chars), chars


def test_fold_has_not_changed_since_the_file_was_built(shipped: lexicon_file.Lexicon) -> None:
    assert fold_stamp(shipped.header.chars) == shipped.header.fold_stamp, (
        f"fold now folds the word lists' characters differently: {REBUILD}"
    )


def test_the_stamp_sees_a_change_of_fold(
    shipped: lexicon_file.Lexicon, monkeypatch: pytest.MonkeyPatch
) -> None:
    def kept_ta_marbuta(text: str) -> str:
        return fold(text) if text != "ة" else "ة"

    monkeypatch.setattr(lexicon_file, "fold", kept_ta_marbuta)
    assert fold_stamp(shipped.header.chars) != shipped.header.fold_stamp


@pytest.mark.slow  # a full build: ~5 s of CPU
def test_the_file_is_what_a_build_gives_now() -> None:
    """Reproducible: the installed wordfreq and today's fold give the committed bytes."""
    assert build() == DATA.read_bytes(), f"the committed lexicon is out of date: {REBUILD}"


def test_arabic_words_have_the_summed_frequency_of_their_spellings(
    shipped: lexicon_file.Lexicon, folded: tuple[dict[str, float], set[str]]
) -> None:
    old = WordfreqLexicon(folded[0])
    words = [w for bucket in wordfreq.get_frequency_list("ar") for w in bucket]
    sample = words[:3000] + random.Random(5).sample(words, 20_000)
    keys = {fold(word) for word in sample}
    keys = {key for key in keys if key and lexicon_file.is_arabic_key(key)}
    assert len(keys) > 15_000
    worst = max(keys, key=lambda k: abs(shipped.zipf(k) - old.zipf(k)))
    assert abs(shipped.zipf(worst) - old.zipf(worst)) <= 0.005, worst  # one centibel, rounded
    # Spellings that fold together count together: more frequent than either alone.
    assert shipped.zipf("مسءول") > wordfreq.zipf_frequency("مسؤول", "ar") + 0.005
    assert shipped.zipf(fold("الأمن")) == pytest.approx(old.zipf("الامن"), abs=0.005)


def _latin_sample() -> list[str]:
    rng = random.Random(9)
    words: list[str] = []
    for lang in LATIN_LANGUAGES:
        listed = [w for bucket in wordfreq.get_frequency_list(lang) for w in bucket]
        words += listed[:500] + rng.sample(listed, 3000)
    folded = {normalise(word) for word in words}  # what the matcher looks up: folded tokens
    return sorted(w for w in folded if w and " " not in w and not lexicon_file.is_arabic_key(w))


def test_latin_words_and_figures_are_exactly_what_wordfreq_says() -> None:
    words = _latin_sample()
    assert len(words) > 8000
    figures = [str(n) for n in range(0, 2200, 7)] + ["2024", "2030", "2040", "2100", "007"]
    extra = ["espana", "spain", "policia", "hammouchi", "zzqxv", fold("나는"), "7", "12345678"]
    old = WordfreqLexicon({})
    wrong = [
        (word, zipf(word), old.zipf(word))
        for word in [*words, *figures, *extra]
        if zipf(word) != old.zipf(word)
    ]
    assert wrong == []
    assert zipf("the") > 7 and zipf("espana") > 3 and zipf("zzqxv") == 0.0


def test_unknown_and_empty_words_are_zero(shipped: lexicon_file.Lexicon) -> None:
    assert shipped.zipf("") == 0.0
    assert shipped.zipf("قققققق") == 0.0
    assert shipped.zipf("في") > 7


def test_a_damaged_file_is_refused_with_its_name(tmp_path: Path) -> None:
    data = DATA.read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(data[: len(data) - 11])
    with pytest.raises(LexiconFileError, match=r"cut\.bin: truncated lexicon"):
        read(cut)
    with pytest.raises(LexiconFileError, match="not a Marsad lexicon"):
        parse(b"PK\x03\x04 something else", "other.bin")
    with pytest.raises(LexiconFileError, match=r"missing\.bin: cannot read"):
        read(tmp_path / "missing.bin")
