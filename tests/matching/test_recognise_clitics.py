"""Attached proclitics and pronouns, without ever cutting a name."""

from __future__ import annotations

import pytest

from marsad.matching.recognise import Recogniser
from tests.matching._entities import ENTITIES, keys

MATCH = [
    ("تعاون مع فرنسا وبريطانيا", "uk"),
    ("ولفرنسا دور مهم", "france"),
    ("فلفرنسا مصالح", "france"),
    ("وبفرنسا اجتماعات", "france"),
    ("كفرنسا وغيرها", "france"),
    ("رسالة للشرطة المحلية", "police"),
    ("وللشرطة دور", "police"),
    ("فالشرطة تحقق", "police"),
    ("بالشرطة القضائية", "police"),
    ("والشرطة والدرك", "gendarmerie"),
    ("تورط بالمخدرات", "drugs"),
    ("وبالمخدرات", "drugs"),
    ("للمخدرات", "drugs"),
    ("وللمغرب علاقات", "morocco"),
    ("بالمغرب وفرنسا", "morocco"),
    ("والمغرب", "morocco"),
    ("فالمغرب", "morocco"),
    ("كالمغرب", "morocco"),
    ("وببريطانيا جالية", "uk"),
    ("ولبريطانيا موقف", "uk"),
    ("وإسبانيا", "spain"),
    ("بإسبانيا", "spain"),
    ("لإسبانيا", "spain"),
    ("فإسبانيا", "spain"),
    ("والعراق", "iraq"),
    ("للعراق", "iraq"),
    ("بالعراق", "iraq"),
    ("وبحموشي", "hammouchi"),
    ("لحموشي", "hammouchi"),
    ("والحموشي", "hammouchi"),
    ("ولشكر", "lachgar"),
    ("للإنتربول", "interpol"),
    ("وبالإنتربول", "interpol"),
    ("والإرهاب", "terrorism"),
    ("للإرهاب", "terrorism"),
    # attached pronouns on topic nouns (ة becomes ت)
    ("ارتكبوا جريمتهم ليلا", "crime"),
    ("جريمته الأولى", "crime"),
    ("ومخدراتهم المحجوزة", "drugs"),
    # Moroccan Darija: a bare ل for the article, دال for "of the"
    ("ناس دالمغرب", "morocco"),
    ("يا لمغاربة", "morocco"),
    ("لمغرب زوين", "morocco"),
    ("الحكومة دالإسبان", "spain"),
    ("فلمغرب", "morocco"),
    ("شرطتنا الوطنية", "police"),
    ("إرهابهم", "terrorism"),
    ("الحشيش وكوكايينهم", "drugs"),
]

NO_MATCH_ARTICLE = [
    ("دالتونس", "tunisia"),
    ("ودالتونس", "tunisia"),
]

NO_MATCH = [
    # a name that starts with a clitic letter is that name, not clitic + rest
    ("قال لشكر إن الحزب", "lachgar", {"شكر"}),
    ("صرح بنموسى", "benmoussa", {"نموسي", "موسي"}),
    ("رجل كريم", None, {"ريم"}),
    ("كريم بنزيمة", "karim", {"ريم"}),
    # a common word is not clitic + term
    ("فقط ثلاثة أيام", None, {"قط"}),
    ("بين البلدين", None, {"ين"}),
    ("زار كندا", None, {"ندا"}),
    ("قال الوزير", None, {"زير"}),
    ("زار ولبنان", None, {"بنان"}),
    ("أمن لبنان", None, {"بنان"}),
]


@pytest.mark.parametrize(("text", "key"), MATCH)
def test_clitics_match(text: str, key: str) -> None:
    assert key in keys(text)


@pytest.mark.parametrize(("text", "key"), NO_MATCH_ARTICLE)
def test_darija_article_only_where_the_article_may_stand(text: str, key: str) -> None:
    assert key not in keys(text)


@pytest.mark.parametrize(("text", "owner", "terms"), NO_MATCH)
def test_names_are_not_cut(text: str, owner: str | None, terms: set[str]) -> None:
    recogniser = Recogniser(ENTITIES, terms)
    found = keys(text, recogniser)
    assert not found & terms
    if owner:
        assert owner in found
