"""Entities shared by the recognition tests (own-written names and forms)."""

from __future__ import annotations

from marsad.matching.entities import Entity, EntityKind
from marsad.matching.recognise import Hit, Recogniser

P, G, L, T = EntityKind.PERSON, EntityKind.ORG, EntityKind.PLACE, EntityKind.TOPIC

ENTITIES = (
    Entity(
        "hammouchi",
        P,
        "عبد اللطيف حموشي",
        ("عبد اللطيف حموشي", "حموشي", "Abdellatif Hammouchi", "Hammouchi"),
    ),
    Entity("laftit", P, "عبد الوافي لفتيت", ("عبد الوافي لفتيت", "لفتيت", "Laftit")),
    Entity("bourita", P, "ناصر بوريطة", ("ناصر بوريطة", "بوريطة", "Bourita")),
    Entity("lachgar", P, "إدريس لشكر", ("إدريس لشكر", "لشكر")),
    Entity("benmoussa", P, "شكيب بنموسى", ("شكيب بنموسى", "بنموسى")),
    Entity("karim", P, "كريم بنزيمة", ("كريم بنزيمة", "بنزيمة")),
    Entity("spain", L, "إسبانيا", ("إسبانيا", "Spain", "Espagne", "España"), forms=("الإسبان",)),
    Entity("portugal", L, "البرتغال", ("البرتغال", "Portugal")),
    Entity("italy", L, "إيطاليا", ("إيطاليا", "Italy", "Italie")),
    Entity("netherlands", L, "هولندا", ("هولندا", "Netherlands", "Pays-Bas")),
    Entity("germany", L, "ألمانيا", ("ألمانيا", "Germany", "Allemagne"), forms=("الألمان",)),
    Entity("france", L, "فرنسا", ("فرنسا", "France")),
    Entity("tunisia", L, "تونس", ("تونس", "Tunisie")),
    Entity("iraq", L, "العراق", ("العراق", "Iraq")),
    Entity("austria", L, "النمسا", ("النمسا", "Austria")),
    Entity("mali", L, "مالي", ("مالي", "Mali"), derive=False),
    Entity("usa", L, "الولايات المتحدة", ("الولايات المتحدة", "أمريكا", "أميركا", "USA")),
    Entity(
        "morocco",
        L,
        "المغرب",
        ("المغرب", "المملكة المغربية", "Maroc", "Morocco"),
        forms=("المغاربة",),
        exclude=("صلاة المغرب", "المغرب العربي"),
    ),
    Entity("uk", L, "بريطانيا", ("بريطانيا", "المملكة المتحدة", "UK")),
    Entity("denmark", L, "الدنمارك", ("الدنمارك", "الدانمارك", "Denmark")),
    Entity("police", G, "الشرطة", ("الشرطة", "البوليس", "Police"), forms=("شرطي",)),
    Entity(
        "gendarmerie", G, "الدرك الملكي", ("الدرك الملكي", "الدرك", "الجدارمية"), forms=("دركي",)
    ),
    Entity("interpol", G, "الإنتربول", ("الإنتربول", "الأنتربول", "Interpol")),
    Entity("terrorism", T, "الإرهاب", ("الإرهاب", "Terrorism"), forms=("إرهابي",)),
    Entity("drugs", T, "المخدرات", ("المخدرات", "الحشيش", "الكوكايين"), forms=("مخدر",)),
    Entity(
        "migration",
        T,
        "الهجرة غير الشرعية",
        ("الهجرة غير الشرعية", "الهجرة السرية", "الحريك"),
        forms=("مهاجر غير شرعي", "مهاجر سري"),
    ),
    Entity("crime", T, "الجريمة", ("الجريمة",)),
    Entity("worldcup", T, "كأس العالم", ("كأس العالم", "المونديال", "World Cup", "Coupe du monde")),
    Entity("year2030", T, "2030", ("2030",)),
)

RECOGNISER = Recogniser(ENTITIES)


def keys(text: str, recogniser: Recogniser = RECOGNISER) -> set[str]:
    """The keys recognised in a text."""
    return {h.key for h in recogniser.find(text)}


def hits_of(text: str, key: str, recogniser: Recogniser = RECOGNISER) -> list[Hit]:
    """The hits of one key in a text."""
    return [h for h in recogniser.find(text) if h.key == key]
