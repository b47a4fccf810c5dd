"""`explain` on ambiguous names: whether each hit counted, and the word or name that decided.

Sentences are the project's own, written for each case.
"""

from __future__ import annotations

import pytest

from marsad.matching.engine import Matcher, MatchInput, parse_rules
from marsad.matching.explain import explain

RULES = """
[[entity]]
id = "yemen"
kind = "place"
name = "اليمن"

[[entity]]
id = "hadi"
kind = "person"
name = "عبد ربه منصور هادي"
aliases = ["عبد ربه منصور هادي", "منصور هادي"]
ambiguous = ["هادي"]
context = ["@yemen", "الرئيس", "حكومة", "صنعاء"]
near = 4

[[entity]]
id = "karim"
kind = "person"
name = "محمد كريم"
aliases = ["محمد كريم", "كريم"]
"""

MATCHER = Matcher.compile(parse_rules(RULES, "context.toml"))
HADI = "ambiguous (context: @yemen، الرئيس، حكومة، صنعاء; near 4)"
KARIM = "ambiguous (a common word, Zipf 4.9; no context words)"


def lines(text: str, title: str = "") -> list[str]:
    item = MatchInput(id="x", title=title, text=text)
    return explain(MATCHER, item, MATCHER.match(item)).splitlines()


@pytest.mark.parametrize(
    ("title", "text", "verdict"),
    [
        ("", "قال الرئيس هادي إن الحوار مستمر", f"{HADI}: counted, «الرئيس» 1 word away"),
        ("", "وأكد هادي أن اليمن يرحب بالمبادرة", f"{HADI}: counted, «اليمن» 2 words away"),
        (
            "حكومة اليمن تجتمع",
            "وقال هادي في كلمته إن الوضع صعب",
            f"{HADI}: counted, «حكومة» in the title",
        ),
        (
            "",
            "هادي شاب طموح يحب كرة القدم ويحلم بأن يزور صنعاء يوما",
            f"{HADI}: not counted: no context word within 4 words (nearest: «صنعاء», 9 words away)",
        ),
        (
            "",
            "هادي فترة فيها بزاف التحديات",
            f"{HADI}: not counted: no context word within 4 words",
        ),
        (
            "",
            "استقبل محمد كريم الوفد، وقال كريم إن الزيارة مهمة",
            f"{KARIM}: counted, @karim is also named «محمد كريم»",
        ),
        (
            "",
            "وقال إن الجو كريم هذا العام",
            f"{KARIM}: not counted: @karim is not named another way in the item",
        ),
    ],
)
def test_an_ambiguous_hit_says_whether_it_counted_and_why(
    title: str, text: str, verdict: str
) -> None:
    shown = lines(text, title)
    assert f"      {verdict}" in shown


def test_a_hit_not_counted_is_shown_in_its_context_after_the_counted_ones() -> None:
    assert lines("هادي فترة فيها بزاف التحديات") == [
        "text: 0 hits, 1 not counted",
        "  [0:4] «هادي» → @hadi (عبد ربه منصور هادي) via alias «هادي», exact",
        "      «هادي» فترة فيها بزاف التحديات",
        f"      {HADI}: not counted: no context word within 4 words",
    ]
    assert lines("وصل الوفد إلى المدينة") == [
        "no hits: no entity and no rule word appears in this text."
    ]
