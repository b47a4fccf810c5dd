"""The recogniser's contract: spans, keys, explanations, live additions."""

from __future__ import annotations

import pytest

from marsad.matching import automaton
from marsad.matching.entities import Entity, EntityKind
from marsad.matching.recognise import Recogniser
from tests.matching._entities import RECOGNISER, hits_of


def test_hit_reports_original_span_and_explanation() -> None:
    text = "استقبل السيد عبد اللّطيف حمّوشي، أمس، وفداً إسبانيّاً."
    (hit,) = hits_of(text, "hammouchi")
    assert text[hit.start : hit.end] == hit.surface == "عبد اللّطيف حمّوشي"
    assert (hit.token_start, hit.token_end) == (2, 5)
    assert hit.alias == "عبد اللطيف حموشي"
    assert hit.is_entity
    assert not hit.fuzzy
    assert hit.distance == 0
    assert hit.field == "text"


def test_field_is_passed_through() -> None:
    (hit,) = RECOGNISER.find("فرنسا", field="title")
    assert hit.field == "title"


def test_hits_are_sorted_by_start() -> None:
    hits = RECOGNISER.find("التقى بوريطة نظيره الفرنسي ثم زار إسبانيا والبرتغال")
    assert [h.key for h in hits] == ["bourita", "france", "spain", "portugal"]
    assert [h.start for h in hits] == sorted(h.start for h in hits)


def test_fuzzy_hit_says_so() -> None:
    (hit,) = hits_of("وصل الوفد إلى إسبانبا مساء أمس", "spain")
    assert hit.fuzzy
    assert hit.distance == 1
    assert hit.surface == "إسبانبا"
    assert hit.alias == "إسبانيا"


def test_terms_are_keyed_by_their_normalised_text() -> None:
    recogniser = Recogniser(terms=["تعاون أمني"])
    (hit,) = recogniser.find("في إطار التعاون الأمني بين البلدين")
    assert hit.key == "تعاون امني"
    assert not hit.is_entity
    assert hit.surface == "التعاون الأمني"
    assert hit.alias == "تعاون أمني"


def test_terms_and_entities_can_be_added_live() -> None:
    recogniser = Recogniser()
    assert recogniser.find("زار الوزير البرتغال") == []
    recogniser.add_entity(Entity("portugal", EntityKind.PLACE, "البرتغال", ("البرتغال",)))
    assert [h.key for h in recogniser.find("زار الوزير البرتغال")] == ["portugal"]
    recogniser.add_term("الوزير")
    assert [h.key for h in recogniser.find("زار الوزير البرتغال")] == ["الوزير", "portugal"]


def test_entity_for_alias() -> None:
    assert RECOGNISER.entity_for_alias("إسبانيا") == "spain"
    assert RECOGNISER.entity_for_alias("اسبانيا") == "spain"
    assert RECOGNISER.entity_for_alias("حموشي") == "hammouchi"
    assert RECOGNISER.entity_for_alias("الحموشي") == "hammouchi"
    assert RECOGNISER.entity_for_alias("مخدرات") == "drugs"
    assert RECOGNISER.entity_for_alias("Hammouchi") == "hammouchi"
    assert RECOGNISER.entity_for_alias("تعاون") is None
    assert RECOGNISER.entity_for_alias("التونس") is None


def test_empty_text() -> None:
    assert RECOGNISER.find("") == []
    assert RECOGNISER.find(" ،؛ ") == []


def test_a_term_spelt_like_an_entity_id_is_kept_apart() -> None:
    spain = Entity("spain", EntityKind.PLACE, "إسبانيا", ("إسبانيا", "Spain"))
    recogniser = Recogniser([spain], ["Spain"])
    hits = recogniser.find("Spain")
    assert sorted((h.key, h.is_entity) for h in hits) == [("spain", False), ("spain", True)]


def test_terms_added_one_by_one_stay_found_across_automaton_merges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(automaton, "_DELTA_MIN", 5)
    recogniser = Recogniser([Entity("spain", EntityKind.PLACE, "إسبانيا", ("إسبانيا",))])
    words = ["قارب", "ميناء", "حدود", "دورية", "مطار", "جمارك", "سفارة", "قنصلية", "ساحل", "معبر"]
    for i, word in enumerate(words):
        recogniser.add_term(word)
        text = " ".join(words[: i + 1]) + " إسبانيا"
        found = {h.key for h in recogniser.find(text)}
        assert found == {Recogniser.term_key(w) for w in words[: i + 1]} | {"spain"}


@pytest.mark.parametrize(
    "text", ["ا" * 20_000, "ب " * 20_000, "\u064e" * 20_000, "ﷺ" * 5_000, "\u200c" * 1_000]
)
def test_degenerate_texts_find_nothing(text: str) -> None:
    assert RECOGNISER.find(text) == []
