"""Place names found in folded Arabic text (the gazetteer of towns behind the places signal)."""

from __future__ import annotations

import pytest

from marsad.matching.normalise import normalise
from marsad.watchers.story_places import _readings, gazetteer, places_in


def places(text: str) -> set[str]:
    return set(places_in(normalise(text).split()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("انقلاب حافلة لنقل المسافرين بإقليم تارودانت", {"تارودانت"}, id="clitic-b"),
        pytest.param("توقيف مشتبه به في طنجة وآخر بالناظور", {"طنجه", "الناظور"}, id="two-towns"),
        pytest.param("حريق في سوق بمدينة الدار البيضاء", {"الدار البيضاء"}, id="two-word-name"),
        pytest.param("حادث سير مروع بخميس مشيط", {"خميس مشيط"}, id="two-word-not-weekday"),
        pytest.param("اجتماع الحكومة يوم الخميس", set(), id="weekday-is-not-a-town"),
        pytest.param("الملك يستقبل وزير الخارجية", set(), id="no-place"),
        pytest.param("قررت السلطات المحلية إغلاق الطريق", set(), id="article-means-a-noun"),
        pytest.param("وصل الوفد إلى الرياض قادما من دمشق", {"الرياض", "دمشق"}, id="capitals"),
        pytest.param("السلام عليكم ورحمة الله", set(), id="common-words-are-not-towns"),
    ],
)
def test_towns_are_found_whatever_their_clitics(text: str, expected: set[str]) -> None:
    assert places(text) == expected


def test_diacritics_and_hamza_do_not_hide_a_town() -> None:
    assert places("وَصَلَ الوَفْدُ إلى أَكادِير") == places("وصل الوفد الى اكادير") != set()


def places_by_every_pair(tokens: list[str]) -> frozenset[str]:
    """The plain reading ``places_in`` must agree with: every reading of every token, alone and
    with the next token, looked up in the gazetteer."""
    names = gazetteer()
    found: set[str] = set()
    for index, token in enumerate(tokens):
        readings = _readings(token)
        found.update(r for r in readings if r in names)
        if index + 1 < len(tokens):
            found.update(f"{r} {tokens[index + 1]}" for r in readings)
    found &= names
    parts = {word for name in found if " " in name for word in name.split()}
    return frozenset(name for name in found if name not in parts)


CLITIC_RUNS = ["", "و", "ف", "ب", "ل", "ك", "وب", "فب", "ول", "وال", "بال", "لل", "ولل", "كال"]


def test_every_gazetteer_name_with_any_clitics_is_read_as_by_every_pair() -> None:
    """Each name of the gazetteer, with each run of clitics, at the start and at the end of a
    phrase: only a pair starting with a two-word name's first word is looked up, and a token
    without a clitic letter in front has no other reading; neither changes what is found."""
    checked = 0
    for name in sorted(gazetteer()):
        first, *rest = name.split()
        for clitics in CLITIC_RUNS:
            for tokens in (
                [clitics + first, *rest, "في", "المدينة"],
                ["وصل", "الوفد", "إلى", clitics + first, *rest],
            ):
                assert places_in(tokens) == places_by_every_pair(tokens), tokens
                checked += 1
    assert checked > 10_000
