"""Form generation and edit classification, word by word (folded spelling)."""

from __future__ import annotations

import pytest

from marsad.matching.forms import (
    compound_variants,
    inflections,
    nisba_base,
    nisba_forms,
    with_pronouns,
    written_with_article,
)
from marsad.matching.fuzzy import budget, cheap_edit, end_trimmed, plausible_edits


@pytest.mark.parametrize(
    ("word", "head", "has", "lacks"),
    [
        # feminine: keeps its ة, takes plural and dual (and the construct dual)
        ("هجره", True, {"هجرات", "هجرتين", "هجرتي"}, {"هجر", "هجري", "هجرين"}),
        ("شبكه", True, {"شبكات", "شبكتان"}, {"شبك", "شبكي"}),
        # a head noun in ية keeps it; an adjective in ية does not
        ("عمليه", True, {"عمليات", "عمليتين"}, {"عملي", "عمليا"}),
        ("شرعيه", False, {"شرعي", "شرعيين", "شرعيون", "شرعيات"}, set()),
        # a written nisba takes the whole nisba paradigm
        ("ارهابي", True, {"ارهابيه", "ارهابيين", "ارهابيون", "ارهابيا"}, {"ارهاب"}),
        ("سري", False, {"سريه", "سريين"}, {"سر"}),
        # participles take the sound plurals
        ("مهاجر", True, {"مهاجرين", "مهاجرون", "مهاجره", "مهاجرات"}, set()),
        ("متطرف", True, {"متطرفين", "متطرفه"}, set()),
        # other bare nouns: only ات and the accusative, no sound plural that makes a new word
        ("امن", True, {"امنا", "امنات"}, {"امنين", "امنون", "امنه"}),
        ("ارهاب", True, {"ارهابا"}, {"ارهابي", "ارهابه"}),
        # plurals in ات give their feminine singular, never a masculine
        ("مخدرات", True, {"مخدره"}, {"مخدر"}),
        ("معلومات", True, {"معلومه"}, {"معلوم"}),
        # sound masculine plurals
        ("مهاجرين", True, {"مهاجر", "مهاجرون"}, set()),
        # function words and Latin are left alone
        ("غير", False, {"غير"}, {"غيرين"}),
        ("europol", True, {"europol"}, {"europols"}),
    ],
)
def test_inflections(word: str, head: bool, has: set[str], lacks: set[str]) -> None:
    forms = inflections(word, head=head)
    assert word in forms
    assert has <= forms
    assert not lacks & forms


@pytest.mark.parametrize(
    ("forms", "has", "lacks"),
    [
        ({"جريمه"}, {"جريمته", "جريمتهم", "جريمتها"}, {"جريمهم"}),
        ({"ارهاب"}, {"ارهابهم", "ارهابه"}, set()),
        ({"مخدرات"}, {"مخدراتهم"}, set()),
        ({"امن"}, {"امنه", "امنهم"}, {"امني", "امنك"}),
        ({"بوليسين"}, set(), {"بوليسيه"}),
    ],
)
def test_pronouns(forms: set[str], has: set[str], lacks: set[str]) -> None:
    out = with_pronouns(forms)
    assert has <= out
    assert not lacks & out


@pytest.mark.parametrize(
    ("stem", "base"),
    [
        ("اسبانيا", "اسباني"),
        ("ايطاليا", "ايطالي"),
        ("المانيا", "الماني"),
        ("بريطانيا", "بريطاني"),
        ("فرنسا", "فرنسي"),
        ("هولندا", "هولندي"),
        ("امريكا", "امريكي"),
        ("برتغال", "برتغالي"),
        ("مغرب", "مغربي"),
        ("دنمارك", "دنماركي"),
        ("عراق", "عراقي"),
        ("تونس", "تونسي"),
        ("سعوديه", "سعودي"),
        ("امارات", "اماراتي"),
        ("مالي", None),
        ("كونغو", None),
        ("ab", None),
    ],
)
def test_nisba_base(stem: str, base: str | None) -> None:
    assert nisba_base(stem) == base


def test_nisba_forms() -> None:
    assert nisba_forms("اسباني") == {
        "اسباني", "اسبانيا", "اسبانيه", "اسبانيين", "اسبانيون", "اسبانيات", "اسبانيان",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "folded", "expected"),
    [
        ("المغرب", "المغرب", True),
        ("العراق", "العراق", True),
        ("ألمانيا", "المانيا", False),  # أل is part of the name
        ("إلياس", "الياس", False),
        ("الـمغرب", "المغرب", True),
        ("ال", "ال", False),
        ("الله", "الله", True),
    ],
)
def test_written_with_article(raw: str, folded: str, expected: bool) -> None:
    assert written_with_article(raw, folded) == expected


@pytest.mark.parametrize(
    ("words", "variant"),
    [
        (("عبد", "الوافي", "لفتيت"), ("عبدالوافي", "لفتيت")),
        (("عبداللطيف", "حموشي"), ("عبد", "اللطيف", "حموشي")),
        (("ابو", "بكر"), ("ابوبكر",)),
        (("بن", "موسي"), ("بنموسي",)),
        (("abdellatif", "hammouchi"), ("abdel", "latif", "hammouchi")),
        (("ben", "kirane"), ("benkirane",)),
    ],
)
def test_compound_variants(words: tuple[str, ...], variant: tuple[str, ...]) -> None:
    assert variant in compound_variants(words)


@pytest.mark.parametrize(
    ("length", "edits"), [(3, 0), (4, 0), (5, 1), (6, 1), (7, 1), (9, 1), (10, 2), (14, 2)]
)
def test_budget(length: int, edits: int) -> None:
    assert budget(length) == edits


@pytest.mark.parametrize(
    ("a", "b", "cheap"),
    [
        ("هولاندا", "هولندا", True),  # long vowel between consonants
        ("حاموشي", "حموشي", True),
        ("لفتييت", "لفتيت", True),  # doubled letter
        ("بوريته", "بوريطه", True),  # confusable ت/ط
        ("بوريطا", "بوريطه", True),  # final ة written ا
        ("هولندا", "هولنده", True),
        ("الجزاير", "الجزاءر", True),  # hamza seat written plain
        ("المواني", "الماني", False),  # a long vowel next to another long vowel
        ("اسبانبا", "اسبانيا", False),  # a dotted-letter slip is a typo, not a variant
        ("حبوشي", "حموشي", False),
        ("هامبورغ", "هولندا", False),
    ],
)
def test_cheap_edit(a: str, b: str, cheap: bool) -> None:
    assert cheap_edit(a, b) == cheap


@pytest.mark.parametrize(
    ("a", "b", "plausible"),
    [
        ("اسبانبا", "اسبانيا", True),  # ي/ب differ only by dots
        ("المانبا", "المانيا", True),
        ("اسابنيا", "اسبانيا", True),  # swapped neighbours
        ("الماحيا", "المانيا", False),  # ح is neither a dot slip nor a neighbouring key of ن
        ("abcdefg", "abcdxfg", True),  # Latin substitutions are not judged
    ],
)
def test_plausible_edits(a: str, b: str, plausible: bool) -> None:
    assert plausible_edits(a, b) == plausible


@pytest.mark.parametrize(
    ("a", "b", "trimmed"),
    [("حموش", "حموشي", True), ("بوريط", "بوريطه", True), ("حمومي", "حموشي", False)],
)
def test_end_trimmed(a: str, b: str, trimmed: bool) -> None:
    assert end_trimmed(a, b) == trimmed
