"""Bare query words and phrases: same folding, clitics and inflections as names; never fuzzy."""

from __future__ import annotations

import pytest

from marsad.matching.recognise import Recogniser
from tests.matching._entities import ENTITIES, RECOGNISER

MATCH = [
    ("تعاون", "أكد الطرفان التعاون في المجال"),
    ("تعاون", "والتعاون مستمر"),
    ("تعاون", "تعزيز تعاوناً متيناً"),
    ("تعاون", "بتعاون مع الشركاء"),
    ("تعاون أمني", "تعزيز التعاون الأمني"),
    ("تعاون أمني", "تعاوناً أمنياً وثيقاً"),
    ("تعاون أمني", "وللتعاون الأمني"),
    ("التعاون الأمني", "تعاون أمني مشترك"),
    ("مذكرة تفاهم", "وقع البلدان مذكرتي تفاهم"),
    ("مذكرة تفاهم", "توقيع مذكرات تفاهم"),
    ("مذكرة تفاهم", "لمذكرة تفاهم"),
    ("تفكيك", "تفكيك خلية"),
    ("خلية", "تفكيك خليتين إرهابيتين"),
    ("خلية", "الخلية الإرهابية"),
    ("خلية", "خليتهم"),
    ("شبكة", "شبكات التهريب"),
    ("عملية مشتركة", "العمليات المشتركة"),
    ("عملية مشتركة", "عمليتين مشتركتين"),
    ("مهرب", "المهربين"),
    ("مهرب", "مهربون"),
    ("2025", "الجمعية العامة ٢٠٢٥"),
    ("Europol", "EUROPOL agents"),
    ("joint operation", "joint operations"),
    ("أمن", "الأمن"),
]

NO_MATCH = [
    ("تعاون", "تعاوم"),  # never fuzzy
    ("تعاون أمني", "تعاون في المجال الأمني"),  # a phrase is consecutive words
    ("تعاون أمني", "أمني تعاون"),
    ("خلية", "خلي"),
    ("شبكة", "شبك"),  # feminine never loses its ta marbuta
    ("2025", "2026"),
    ("2025", "20256"),
    ("مهرب", "هرب"),
    ("قط", "فقط"),  # a common word is not clitic + term
    ("زير", "الوزير"),
    ("Europol", "Europolis"),
    # no inflection turns one word into another
    ("عملية", "حل عملي"),
    ("عملية", "عمليا"),
    ("عمليات", "حل عملي"),
    ("أمن", "مواطنون آمنون"),
    ("أمن", "أمنية"),
    ("معلومات", "معلوم"),
    ("مخدرات", "مخدر"),
    ("شرطة", "بوليسية"),
]


@pytest.mark.parametrize(("term", "text"), MATCH)
def test_terms_match(term: str, text: str) -> None:
    recogniser = Recogniser(terms=[term])
    key = Recogniser.term_key(term)
    assert key in {h.key for h in recogniser.find(text)}


@pytest.mark.parametrize(("term", "text"), NO_MATCH)
def test_terms_do_not_match(term: str, text: str) -> None:
    recogniser = Recogniser(ENTITIES, [term])
    key = Recogniser.term_key(term)
    assert key not in {h.key for h in recogniser.find(text)}


@pytest.mark.parametrize(
    ("word", "entity"),
    [
        ("إسبانيا", "spain"),
        ("اسبانيا", "spain"),
        ("إسبانْيا", "spain"),
        ("Spain", "spain"),
        ("SPAIN", "spain"),
        ("الحموشي", "hammouchi"),
        ("عبد اللطيف حموشي", "hammouchi"),
        ("عبداللطيف حموشي", "hammouchi"),
        ("Abdel Latif Hammouchi", "hammouchi"),
        ("مخدرات", "drugs"),
        ("المخدرات", "drugs"),
        ("المغرب", "morocco"),
        ("كأس العالم", "worldcup"),
    ],
)
def test_a_query_word_that_is_an_alias_names_the_entity(word: str, entity: str) -> None:
    assert RECOGNISER.entity_for_alias(word) == entity


@pytest.mark.parametrize("word", ["مغرب", "التونس", "الإسبانية", "تعاون", "Spai", ""])
def test_other_words_name_no_entity(word: str) -> None:
    assert RECOGNISER.entity_for_alias(word) is None


def test_a_term_key_is_the_normalised_term() -> None:
    assert Recogniser.term_key("التعاونُ  الأمنيّ") == "التعاون الامني"
