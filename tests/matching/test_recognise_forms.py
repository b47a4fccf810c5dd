"""The article as a name is written, the nisba of places, inflections of listed forms."""

from __future__ import annotations

import pytest

from marsad.matching.entities import Entity, EntityKind
from marsad.matching.recognise import Recogniser
from tests.matching._entities import keys

ARTICLE_MATCH = [
    ("زيارة إلى تونس", "tunisia"),
    ("وتونس", "tunisia"),
    ("لتونس", "tunisia"),
    ("العراق يستعيد", "iraq"),
    ("للعراق", "iraq"),
    ("والعراق", "iraq"),
    ("المغرب", "morocco"),
    ("البرتغال", "portugal"),
    ("بالبرتغال", "portugal"),
    ("الدنمارك", "denmark"),
    # persons, orgs and topics with or without the article
    ("الحموشي", "hammouchi"),
    ("حموشي", "hammouchi"),
    ("البوريطة", "bourita"),
    ("مخدرات", "drugs"),
    ("المخدرات", "drugs"),
    ("إرهاب", "terrorism"),
    ("الإرهاب", "terrorism"),
    ("شرطة المرور", "police"),
    ("الشرطة", "police"),
    ("إنتربول", "interpol"),
    ("حريك", "migration"),
    ("الحريك", "migration"),
]

ARTICLE_NO_MATCH = [
    # a place written without the article never takes it
    ("التونس", "tunisia"),
    ("والتونس", "tunisia"),
    ("الإسبانيا", "spain"),
    ("الفرنسا", "france"),
    # a place written with it keeps it
    ("عراق", "iraq"),
    ("دنمارك", "denmark"),
    # a country that is also an ordinary adjective: not with the article
    ("الدعم المالي للمشروع", "mali"),
    ("والمالي", "mali"),
]

NISBA_MATCH = [
    ("السفير الإسباني", "spain"),
    ("الشرطة الإسبانية", "spain"),
    ("مواطن إسباني", "spain"),
    ("سياح إسبانيين", "spain"),
    ("مسؤولون إسبانيون", "spain"),
    ("لاعبات إسبانيات", "spain"),
    ("للإسبانية", "spain"),
    ("والإسبانيين", "spain"),
    ("الإسبان", "spain"),
    ("وللإسبان", "spain"),
    ("برتغالي", "portugal"),
    ("البرتغالية", "portugal"),
    ("البرتغاليين", "portugal"),
    ("إيطاليين", "italy"),
    ("الإيطاليّة", "italy"),
    ("الإيطالي", "italy"),
    ("الهولندي", "netherlands"),
    ("الهولندى", "netherlands"),
    ("هولنديات", "netherlands"),
    ("ألماني", "germany"),
    ("الألمانية", "germany"),
    ("الألمان", "germany"),
    ("فرنسي", "france"),
    ("الفرنسيين", "france"),
    ("الفرنسية", "france"),
    ("المغربي", "morocco"),
    ("مغربي", "morocco"),
    ("المغربية", "morocco"),
    ("مغاربة", "morocco"),
    ("المغاربة", "morocco"),
    ("تونسي", "tunisia"),
    ("التونسيين", "tunisia"),
    ("العراقيين", "iraq"),
    ("بريطاني", "uk"),
    ("البريطانيين", "uk"),
    ("الدنماركية", "denmark"),
    ("النمسا", "austria"),
]

INFLECTION_MATCH = [
    # every listed form with its regular inflections, word by word in phrases
    ("مهاجر غير شرعي", "migration"),
    ("مهاجرين غير شرعيين", "migration"),
    ("المهاجرين غير الشرعيين", "migration"),
    ("مهاجرون غير شرعيين", "migration"),
    ("مهاجرة غير شرعية", "migration"),
    ("مهاجرات غير شرعيات", "migration"),
    ("مهاجرين سريين", "migration"),
    ("الهجرة غير الشرعية", "migration"),
    ("هجرة غير شرعية", "migration"),
    ("للهجرة غير الشرعية", "migration"),
    ("الهجرة السرية", "migration"),
    ("إرهابي", "terrorism"),
    ("إرهابية", "terrorism"),
    ("الإرهابيين", "terrorism"),
    ("إرهابيون", "terrorism"),
    ("للإرهابيين", "terrorism"),
    ("الجماعات الإرهابية", "terrorism"),
    ("مخدر", "drugs"),
    ("مخدرات", "drugs"),
    ("شرطي", "police"),
    ("شرطية", "police"),
    ("شرطيين", "police"),
    ("دركي", "gendarmerie"),
    ("الدركيين", "gendarmerie"),
    ("جريمة", "crime"),
]

INFLECTION_NO_MATCH = [
    # no stemmer: words of one root are not one term
    ("هجر القرية منذ سنوات", "migration"),
    ("التقويم الهجري", "migration"),
    ("الهجرة إلى كندا للدراسة", "migration"),
    ("الرهبان في الدير", "terrorism"),
    ("ترهيب الشهود", "terrorism"),
    ("أرهقه العمل", "terrorism"),
    ("إدراك الحقيقة", "gendarmerie"),
    ("أدرك اللاعب", "gendarmerie"),
    ("مدرك للمخاطر", "gendarmerie"),
    ("الأماني الطيبة", "germany"),
    ("أمانيه كثيرة", "germany"),
    ("شرط أساسي", "police"),
    ("الشروط", "police"),
    ("اشترط", "police"),
    ("الجرم", "crime"),
    ("فرنسيس", "france"),
    ("رواية بوليسية", "police"),  # a nisba of the word is another word
    ("نظرة أمنية", "police"),
]


@pytest.mark.parametrize(("text", "key"), ARTICLE_MATCH + NISBA_MATCH + INFLECTION_MATCH)
def test_forms_match(text: str, key: str) -> None:
    assert key in keys(text)


@pytest.mark.parametrize(("text", "key"), ARTICLE_NO_MATCH + INFLECTION_NO_MATCH)
def test_forms_do_not_match(text: str, key: str) -> None:
    assert key not in keys(text)


def test_a_bare_word_far_more_common_than_the_name_needs_the_article() -> None:
    cannabis = Entity("kif", EntityKind.TOPIC, "الكيف", ("الكيف",))
    recogniser = Recogniser([cannabis])
    assert keys("زراعة الكيف", recogniser) == {"kif"}
    assert keys("وبالكيف", recogniser) == {"kif"}
    assert keys("لا أعرف كيف", recogniser) == set()
    assert keys("فكيف", recogniser) == set()


def test_derive_false_keeps_only_the_name() -> None:
    written = Entity("x", EntityKind.PLACE, "فرنسا", ("فرنسا",), derive=False)
    recogniser = Recogniser([written])
    assert keys("فرنسا", recogniser) == {"x"}
    assert keys("الفرنسيين", recogniser) == set()


def test_nisba_of_a_place_with_the_article_may_drop_it() -> None:
    recogniser = Recogniser([Entity("ma", EntityKind.PLACE, "المغرب", ("المغرب",))])
    assert keys("لاعب مغربي", recogniser) == {"ma"}
    assert keys("مغرب", recogniser) == set()
