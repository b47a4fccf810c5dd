"""Ambiguous names count only with context; the rule file says what the context is.

Sentences are the project's own, written for each case: a name that is also an ordinary word
or another person's name, a capital that does or does not speak for its government.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.errors import RuleError
from marsad.matching.engine import Matcher, MatchInput, load_rules, parse_rules

RULES = """
[[entity]]
id = "yemen"
kind = "place"
name = "اليمن"
aliases = ["اليمن"]

[[entity]]
id = "hadi"
kind = "person"
name = "عبد ربه منصور هادي"
aliases = ["عبد ربه منصور هادي", "منصور هادي"]
ambiguous = ["هادي"]
context = ["@yemen", "الرئيس", "حكومة", "صنعاء"]
near = 4

[[entity]]
id = "egypt"
kind = "place"
name = "مصر"
aliases = ["مصر"]
ambiguous = ["القاهرة"]
context = ["تنفي", "ترفض", "نظام"]
near = 2

[[entity]]
id = "karim"
kind = "person"
name = "محمد كريم"
aliases = ["محمد كريم", "كريم"]

[[entity]]
id = "karim-always"
kind = "person"
name = "سعيد كريم"
aliases = ["سعيد كريم", "كريم"]
always = ["كريم"]

[[entity]]
id = "cyber"
kind = "topic"
name = "هجمات إلكترونية"
aliases = ["هجمات إلكترونية"]
ambiguous = ["اختراق"]
context = ["حساب", "بيانات", "البريد الإلكتروني"]
near = 3
"""

MATCHER = Matcher.compile(parse_rules(RULES, "context.toml"))

# (title, text, entity, fires)
CASES = [
    ("", "قال الرئيس هادي إن الحوار مستمر", "hadi", True),  # context word next to it
    ("", "هادي فترة فيها بزاف التحديات", "hadi", False),  # Darija "this"
    ("", "وصل هادي إلى صنعاء أمس", "hadi", True),  # a context place two words on
    ("", "هادي شاب طموح يحب كرة القدم ويحلم بأن يزور صنعاء يوما", "hadi", False),  # too far
    ("حكومة اليمن تجتمع", "وقال هادي في كلمته إن الوضع صعب", "hadi", True),  # context in the title
    ("", "استقبل عبد ربه منصور هادي الوفد، وقال هادي إن الزيارة مهمة", "hadi", True),
    ("", "وأكد هادي أن اليمن يرحب بالمبادرة", "hadi", True),  # an @entity as context
    ("", "القاهرة تنفي وجود توتر في العلاقات", "egypt", True),  # the capital as government
    ("", "وصل الوفد إلى القاهرة مساء أمس", "egypt", False),  # the capital as a city
    ("", "وقال إن كريم رجل كريم", "karim", False),  # a common word shortening a longer name
    ("", "استقبل محمد كريم الوفد", "karim", True),  # the full name is never ambiguous
    ("", "وقال إن كريم سيحضر", "karim-always", True),  # listed under always
    ("", "تم اختراق حساب الوزارة على تويتر", "cyber", True),
    ("", "حقق الفريق اختراق دفاع الخصم في الدقيقة الأخيرة", "cyber", False),
    ("", "شن قراصنة الهجمات الإلكترونية على البنوك", "cyber", True),  # ال on a listed plural
]


@pytest.mark.parametrize(("title", "text", "entity", "fires"), CASES)
def test_ambiguous_names_need_their_context(
    title: str, text: str, entity: str, fires: bool
) -> None:
    result = MATCHER.match(MatchInput(id="x", title=title, text=text))
    assert (entity in result.entities) is fires


def test_context_words_are_not_reported_as_hits() -> None:
    result = MATCHER.match(MatchInput(id="x", text="قال الرئيس هادي إن الحوار مستمر"))
    assert [(h.key, h.surface, h.guarded) for h in result.hits] == [("hadi", "هادي", True)]


def test_an_unknown_context_entity_names_the_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[entity]]\nid = "hadi"\nkind = "person"\nname = "هادي"\n'
        'ambiguous = ["هادي"]\ncontext = ["@yemn"]\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleError) as caught:
        Matcher.compile(load_rules([path]))
    shown = [problem.show() for problem in caught.value.problems]
    assert shown == [f"{path}:1: entity[hadi].context: context '@yemn': no entity of that id"]


def test_near_must_be_a_small_whole_number(tmp_path: Path) -> None:
    path = tmp_path / "near.toml"
    path.write_text(
        '[[entity]]\nid = "x"\nkind = "topic"\nname = "س"\nnear = 0\n', encoding="utf-8"
    )
    with pytest.raises(RuleError) as caught:
        load_rules([path])
    shown = [problem.show() for problem in caught.value.problems]
    assert shown == [f"{path}:5: entity[x].near: expected a whole number from 1 to 100"]
