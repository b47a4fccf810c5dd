"""The compiled matcher: which rules and queries fire on which sentences, and why."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.errors import RuleError
from marsad.matching.engine import Matcher, MatchInput, parse_rules
from marsad.matching.query import QueryError

RULES = """
[[entity]]
id = "hammouchi"
kind = "person"
name = "عبد اللطيف حموشي"
aliases = ["عبد اللطيف حموشي", "حموشي", "Hammouchi"]

[[entity]]
id = "spain"
kind = "place"
name = "إسبانيا"
aliases = ["إسبانيا", "Spain", "Espagne"]
forms = ["الإسبان"]

[[entity]]
id = "germany"
kind = "place"
name = "ألمانيا"
aliases = ["ألمانيا", "Germany"]
forms = ["الألمان"]

[[entity]]
id = "morocco"
kind = "place"
name = "المغرب"
aliases = ["المغرب", "Maroc"]
forms = ["المغاربة"]
exclude = ["صلاة المغرب", "المغرب العربي"]

[[entity]]
id = "drugs"
kind = "topic"
name = "المخدرات"
aliases = ["المخدرات"]

[[entity]]
id = "worldcup"
kind = "topic"
name = "كأس العالم"
aliases = ["كأس العالم", "المونديال"]

[[rule]]
id = "coop"
title = "Hammouchi with a European partner on cooperation"
severity = "high"
query = '@hammouchi AND (@spain OR @germany) AND (تعاون OR تنسيق)'

[[rule]]
id = "near"
query = '@morocco NEAR/3 @spain'

[[rule]]
id = "drugs-not-football"
query = '@drugs NOT (@worldcup OR مباراة)'

[[rule]]
id = "mou"
query = '"مذكرة تفاهم" AND @morocco'

[[rule]]
id = "press-only"
query = '@spain'
sources = ["press"]

[[rule]]
id = "wc2030"
query = '@worldcup AND 2030'
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.compile(parse_rules(RULES, "test.toml"))


def fired(matcher: Matcher, text: str, title: str = "", **kw: object) -> tuple[str, ...]:
    return matcher.match(MatchInput("x", title=title, text=text, **kw)).rules  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        # cooperation: all three parts, in any field and any clitic form
        ("حموشي يبحث مع نظيره الإسباني تعزيز التعاون الأمني", {"coop"}),
        ("وبحث الحموشي مع السلطات الألمانية سبل التنسيق", {"coop"}),
        ("Hammouchi a reçu une délégation, تعاون مع Espagne", {"coop"}),
        ("حموشي يستقبل وفدا إسبانيا", set()),  # no cooperation word
        ("التعاون بين المغرب وألمانيا في مجال الطاقة", set()),  # no Hammouchi
        ("حموشي يتحدث عن التعاون مع فرنسا", set()),  # France is not in the rule
        ("معاون حموشي يزور إسبانيا", set()),  # same letters, another word
        # NEAR/3: within three words, either order, words counted after normalisation
        ("المغرب وإسبانيا", {"near", "press-only"} - {"press-only"}),
        ("المغرب يوقع مع إسبانيا", {"near"}),
        ("المغرب يوقع اليوم مع إسبانيا", set()),  # four words apart
        ("إسبانيا توقع مع المغرب", {"near"}),  # either order
        ("إسبانيا تـــوقّع مع المغرب", {"near"}),  # tatweel and shadda are not words
        # NOT vetoes
        ("حجز طن من المخدرات بميناء طنجة", {"drugs-not-football"}),
        ("حجز المخدرات قبل مباراة الديربي", set()),
        ("جماهير المونديال والمخدرات", set()),
        # phrases and exclusions
        ("وقع المغرب وإسبانيا على مذكرة تفاهم أمنية", {"near", "mou"}),
        ("وقع المغرب مذكرة جديدة للتفاهم", set()),  # the phrase's words, but not the phrase
        ("بعد صلاة المغرب وقعت مذكرة تفاهم", set()),  # sunset prayer is not Morocco
        # numbers are exact
        ("المغرب يستعد لكأس العالم 2030", {"wc2030"}),
        ("المغرب يستعد لكأس العالم 2026", set()),
    ],
)
def test_rules_fire_exactly_when_they_should(matcher: Matcher, text: str, rules: set[str]) -> None:
    assert set(fired(matcher, text)) == rules


def test_near_needs_both_sides_in_one_field(matcher: Matcher) -> None:
    assert fired(matcher, title="المغرب", text="إسبانيا") == ()
    # AND does not: title and text together make the item
    assert fired(matcher, title="حموشي في مدريد", text="تعاون مع الألمان") == ("coop",)


@pytest.mark.parametrize(
    ("source", "tags", "fires"),
    [
        (None, (), False),
        ("Hespress", (), False),
        ("Hespress", ("press", "ma"), True),
        ("PRESS", (), True),  # a source name matches too, case-insensitively
    ],
)
def test_sources_restrict_a_rule(
    matcher: Matcher, source: str | None, tags: tuple[str, ...], fires: bool
) -> None:
    result = matcher.match(MatchInput("x", text="زيارة إلى إسبانيا", source=source, tags=tags))
    assert ("press-only" in result.rules) is fires


def test_result_reports_entities_and_hits_with_original_offsets(matcher: Matcher) -> None:
    text = "استقبل عبد اللطيف حمّوشي وفدا ألمانياً لبحث التنسيق"
    result = matcher.match(MatchInput("7", title="", text=text))
    assert result.id == "7"
    assert result.rules == ("coop",)
    assert result.entities == ("hammouchi", "germany")
    for hit in result.hits:
        assert text[hit.start : hit.end] == hit.surface
    by_key = {hit.key: hit for hit in result.hits}
    assert by_key["hammouchi"].surface == "عبد اللطيف حمّوشي"
    assert by_key["hammouchi"].alias == "عبد اللطيف حموشي"
    assert by_key["germany"].surface == "ألمانياً"


def test_exclusions_veto_entities_too(matcher: Matcher) -> None:
    result = matcher.match(MatchInput("x", text="اجتماع دول المغرب العربي بعد صلاة المغرب"))
    assert result.entities == ()


def test_added_query_fires_and_stops_when_removed() -> None:
    matcher = Matcher.compile(parse_rules(RULES))
    item = MatchInput("x", text="الشرطة الإسبانية تفكك شبكة للتهريب بتعاون مع المغرب")
    assert matcher.match(item).queries == ()
    compiled = matcher.add_query("chat1:1", "إسبانيا AND (تفكيك OR شبكة)")
    assert compiled.node is not None
    matcher.add_query("chat2:1", "@germany")
    result = matcher.match(item)
    assert result.queries == ("chat1:1",)
    assert result.rules == ()  # queries never masquerade as rules
    assert any(hit.key == matcher.recogniser.term_key("شبكة") for hit in result.hits)
    matcher.remove_query("chat1:1")
    result = matcher.match(item)
    assert result.queries == ()
    # the removed query's words are no longer reported as hits (تعاون still is: a rule uses it)
    words = {hit.key for hit in result.hits if not hit.is_entity}
    assert words == {matcher.recogniser.term_key("تعاون")}
    matcher.remove_query("never-added")


def test_replacing_a_query_keeps_one_version() -> None:
    matcher = Matcher.compile(parse_rules(RULES))
    matcher.add_query("q", "@germany")
    matcher.add_query("q", "@spain")
    assert matcher.match(MatchInput("x", text="ألمانيا")).queries == ()
    assert matcher.match(MatchInput("x", text="إسبانيا")).queries == ("q",)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("@spian AND x", "unknown entity @spian (did you mean @spain?) at column 1"),
        ("إسبانيا AND (", "expected a word"),
        ("NOT حموشي", "at least one term"),
        ("حموشي AND ،", "'،' has no letters or digits to match at column 11"),
    ],
)
def test_bad_queries_are_refused_with_a_reason(query: str, error: str) -> None:
    matcher = Matcher.compile(parse_rules(RULES))
    with pytest.raises(RuleError) as caught:
        matcher.add_query("q", query)
    assert error in caught.value.show()


def test_syntax_error_of_a_query_shows_a_caret() -> None:
    matcher = Matcher.compile(parse_rules(RULES))
    with pytest.raises(QueryError) as caught:
        matcher.add_query("q", "حموشي OR OR إسبانيا")
    assert caught.value.show().splitlines()[-1] == "           ^"


def test_a_query_cannot_take_a_rule_id() -> None:
    matcher = Matcher.compile(parse_rules(RULES))
    with pytest.raises(RuleError):
        matcher.add_query("coop", "@spain")


def test_describe_says_what_a_query_will_match(matcher: Matcher) -> None:
    text = matcher.describe("إسبانيا AND تعاون")
    lines = text.splitlines()
    assert lines[0] == "@spain AND تعاون"
    assert "@spain — إسبانيا" in lines[1] and "Espagne" in lines[1] and "الإسبان" in lines[1]
    assert lines[2] == "words: تعاون"


def test_compile_reports_unknown_entities_with_the_rule_place() -> None:
    ruleset = parse_rules(RULES)
    from dataclasses import replace

    bad = replace(ruleset.rules[0], query="@nobody", file="x.toml", line=12)
    with pytest.raises(RuleError) as caught:
        Matcher.compile(replace(ruleset, rules=(bad,)))
    assert "x.toml:12: coop: unknown entity @nobody (no entity of that id is defined)" in (
        caught.value.show()
    )


noise = st.sampled_from(["\u064e", "\u0651", "\u0640", "\u200f", "\u200c", "\u064b"])
SENTENCES = [
    "حموشي يبحث مع نظيره الإسباني تعزيز التعاون الأمني",
    "المغرب يوقع مع إسبانيا مذكرة تفاهم",
    "حجز طن من المخدرات بميناء طنجة",
    "المغرب يستعد لكأس العالم 2030",
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SENTENCES), st.lists(st.tuples(st.integers(0, 200), noise), max_size=6))
def test_diacritics_tatweel_and_marks_never_change_what_fires(
    matcher: Matcher, sentence: str, inserts: list[tuple[int, str]]
) -> None:
    noisy = sentence
    for position, char in inserts:
        # insert inside words only (after an Arabic letter), never splitting a number
        at = position % (len(noisy) + 1)
        if at and "\u0621" <= noisy[at - 1] <= "\u064a":
            noisy = noisy[:at] + char + noisy[at:]
    before = matcher.match(MatchInput("x", text=sentence))
    after = matcher.match(MatchInput("x", text=noisy))
    assert after.rules == before.rules
    assert after.entities == before.entities
    for hit in after.hits:
        assert noisy[hit.start : hit.end] == hit.surface


leaf = st.sampled_from(["@spain", "@germany", "@morocco", "تعاون", "2030", '"مذكرة تفاهم"'])


@st.composite
def random_queries(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        return draw(leaf)
    op = draw(st.sampled_from([" AND ", " OR ", " AND NOT "]))
    return f"({draw(random_queries(depth + 1))}{op}{draw(random_queries(depth + 1))})"


@settings(max_examples=200, deadline=None)
@given(random_queries(), st.sets(st.sampled_from(["spain", "germany", "morocco", "t", "n", "m"])))
def test_a_query_is_only_true_when_one_of_its_trigger_keys_is_present(
    query: str, present_names: set[str]
) -> None:
    from marsad.matching.engine import evaluate, leaf_key, trigger_keys
    from marsad.matching.query import Term, parse

    try:
        node = parse(query)
    except QueryError:
        return  # e.g. everything under NOT
    words = {"t": "تعاون", "n": "2030", "m": "مذكرة تفاهم"}
    present = {
        (True, name) if name not in words else leaf_key(Term(words[name])): [("text", 0, 1)]
        for name in present_names
    }
    keys = trigger_keys(node)
    assert keys is not None
    if evaluate(node, present):
        assert keys & set(present)


def test_a_subscribed_alias_catches_every_form_of_its_entity() -> None:
    matcher = Matcher.compile(parse_rules(RULES))
    compiled = matcher.add_query("chat:1", "إسبانيا")  # as typed after /subscribe
    assert unparse_query(compiled) == "@spain"
    for text in ("الشرطة الإسبانية", "وفد من الإسبان", "زار Espagne", "ولإسبانيا"):
        assert matcher.match(MatchInput("x", text=text)).queries == ("chat:1",), text
    matcher.add_query("chat:2", "عبد اللطيف حموشي")
    assert matcher.match(MatchInput("x", text="صرح الحموشي")).queries == ("chat:2",)


def unparse_query(compiled: object) -> str:
    from marsad.matching.query import unparse

    return unparse(compiled.node)  # type: ignore[attr-defined]


def test_explanation_lists_rules_and_queries_separately() -> None:
    from marsad.matching.explain import explain

    matcher = Matcher.compile(parse_rules(RULES))
    matcher.add_query("chat:1", "@germany")
    item = MatchInput("x", text="حموشي يبحث التنسيق مع ألمانيا")
    text = explain(matcher, item, matcher.match(item))
    assert "rules fired:\n  coop [high]" in text
    assert "queries fired:\n  chat:1\n      @germany ✓" in text
    assert "no rule fired" not in text
