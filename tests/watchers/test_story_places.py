"""Place names found in folded Arabic text (the gazetteer of towns behind the places signal)."""

from __future__ import annotations

import pytest

from marsad.matching.normalise import normalise
from marsad.watchers.story_places import places_in


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
