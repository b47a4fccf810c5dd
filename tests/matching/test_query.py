"""The query language: what each query means, and where a broken one is broken."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.matching.query import (
    And,
    EntityRef,
    Near,
    Node,
    Not,
    Or,
    QueryError,
    Term,
    entity_refs,
    parse,
    terms,
    unparse,
)

ALIASES = {
    "حموشي": "hammouchi",
    "عبد اللطيف حموشي": "hammouchi",
    "إسبانيا": "spain",
    "الولايات المتحدة": "usa",
}


def resolve(text: str) -> str | None:
    return ALIASES.get(text)


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("تعاون", "تعاون"),
        ("تعاون أمني", "تعاون AND أمني"),
        ("a AND b", "a AND b"),
        ("a OR b", "a OR b"),
        ("a OR b c", "a OR b AND c"),
        ("(a OR b) c", "(a OR b) AND c"),
        ("a b OR c d", "a AND b OR c AND d"),
        ("NOT a b", "NOT a AND b"),
        ("b NOT a", "b AND NOT a"),
        ("b AND NOT (a OR c)", "b AND NOT (a OR c)"),
        ("a NEAR/5 b", "a NEAR/5 b"),
        ("a near/5 b", "a NEAR/5 b"),
        ("a near b", "a AND near AND b"),
        ("@drugs -مباراة", "@drugs AND NOT مباراة"),
        ('a -"b c" -(d OR e)', 'a AND NOT "b c" AND NOT (d OR e)'),
        ("Grande-Marlaska", "Grande-Marlaska"),
        ("a - b", "a AND - AND b"),
        ("a NEAR/5 b c", "a NEAR/5 b AND c"),
        ("x a NEAR/5 b", "x AND a NEAR/5 b"),
        ("(a OR b) NEAR/3 c", "(a OR b) NEAR/3 c"),
        ('"مذكرة تفاهم" AND @morocco', '"مذكرة تفاهم" AND @morocco'),
        ("«مذكرة تفاهم» OR x", '"مذكرة تفاهم" OR x'),
        ("“joint operation” x", '"joint operation" AND x'),
        ("@hammouchi OR @dgsn", "@hammouchi OR @dgsn"),
        ("((a))", "a"),
        ("a and b", "a AND and AND b"),  # lower-case operators are words
        ("2030 مونديال", "2030 AND مونديال"),
        ("a OR b OR c", "a OR b OR c"),
        ("a AND (b AND c)", "a AND b AND c"),
        ("  a\n  AND\tb ", "a AND b"),
        # lone Arabic conjunctions are operators (attached و is part of the word)
        ("حموشي و إسبانيا", "حموشي AND إسبانيا"),
        ("فرنسا أو إسبانيا", "فرنسا OR إسبانيا"),
        ("فرنسا او إسبانيا وتعاون", "فرنسا OR إسبانيا AND وتعاون"),
    ],
)
def test_valid_queries_and_their_meaning(query: str, canonical: str) -> None:
    assert unparse(parse(query)) == canonical


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("a", Term("a", 1)),
        ('"a b"', Term("a b", 1, quoted=True)),
        ("@spain", EntityRef("spain", 1)),
        ("a b", And((Term("a", 1), Term("b", 3)))),
        ("a OR NOT b c", Or((Term("a", 1), And((Not(Term("b", 10)), Term("c", 12)))))),
        ("a NEAR/2 b", Near(Term("a", 1), Term("b", 10), 2)),
        (
            "a NEAR/2 b NEAR/3 c",
            Near(Near(Term("a", 1), Term("b", 10), 2), Term("c", 19), 3),
        ),
    ],
)
def test_exact_trees_with_columns(query: str, tree: Node) -> None:
    assert parse(query) == tree


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("إسبانيا AND تعاون", "@spain AND تعاون"),
        ("حموشي إسبانيا", "@hammouchi AND @spain"),
        # a run of adjacent words naming an entity is that entity, greedily longest
        ("عبد اللطيف حموشي", "@hammouchi"),
        ("استقبل عبد اللطيف حموشي وفدا", "استقبل AND @hammouchi AND وفدا"),
        ("الولايات المتحدة تعاون", "@usa AND تعاون"),
        ('"الولايات المتحدة"', "@usa"),
        # an explicit AND breaks a run: the user asked for two words
        ("الولايات AND المتحدة", "الولايات AND المتحدة"),
        ("حموشي NEAR/3 إسبانيا", "@hammouchi NEAR/3 @spain"),
    ],
)
def test_words_that_are_aliases_stand_for_their_entity(query: str, canonical: str) -> None:
    assert unparse(parse(query, resolve)) == canonical


def test_resolved_reference_remembers_what_was_typed() -> None:
    node = parse("عبد اللطيف حموشي", resolve)
    assert node == EntityRef("hammouchi", 1, "عبد اللطيف حموشي")


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("", 1, "empty query"),
        ("   ", 4, "empty query"),
        ("a AND", 6, "AND needs a term after it"),
        ("AND a", 1, "AND needs a term before it"),
        ("OR a", 1, "OR needs a term before it"),
        ("a OR", 5, "expected a word"),
        ("a OR OR b", 6, "OR needs a term before it"),
        ("(a OR b", 1, "'(' is never closed"),
        ("a OR b)", 7, "')' without a matching '('"),
        ("()", 2, "empty parentheses"),
        ('a "b c', 3, "unclosed quote"),
        ('a ""', 3, "empty phrase"),
        ("a NEAR/0 b", 8, "NEAR distance must be between 1 and 100"),
        ("a NEAR/101 b", 8, "NEAR distance must be between 1 and 100"),
        ("a NEAR b", 3, "write NEAR/N"),
        ("a NEAR/x b", 3, "write NEAR/N"),
        ("a Near/ b", 3, "write NEAR/N"),
        ("a NEAR/3", 9, "NEAR needs a term after it"),
        ("a NEAR/3 NOT b", 3, "NEAR cannot take NOT"),
        ("(a b) NEAR/3 c", 7, "NEAR cannot take AND"),
        ("@", 1, "@ must be followed by an entity id"),
        ("x @Spain", 4, "is not an entity reference"),
        ("NOT a", 1, "at least one term that is not under NOT"),
        ("NOT a AND NOT b", 1, "at least one term that is not under NOT"),
        ("a OR NOT b", 1, "at least one term that is not under NOT"),
        ("حموشي AND", 10, "AND needs a term after it"),
        ("a NOT", 6, "NOT needs a term after it"),
        ("حموشي و", 8, "AND needs a term after it"),
    ],
)
def test_syntax_errors_point_at_the_column(query: str, column: int, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert caught.value.column == column
    assert message in caught.value.message


def test_error_shows_the_query_with_a_caret_under_the_column() -> None:
    with pytest.raises(QueryError) as caught:
        parse("حموشي AND (إسبانيا OR")
    shown = caught.value.show().splitlines()
    assert shown[1] == "  حموشي AND (إسبانيا OR"
    assert shown[2].index("^") - 2 == caught.value.column - 1
    assert "column 22" in shown[0]


def test_entity_refs_and_terms_in_query_order() -> None:
    node = parse('(@spain OR فرنسا) AND "مذكرة تفاهم" NOT @uk')
    assert [r.id for r in entity_refs(node)] == ["spain", "uk"]
    assert [t.text for t in terms(node)] == ["فرنسا", "مذكرة تفاهم"]


words = st.sampled_from(["a", "b", "تعاون", "@spain", '"x y"', "2030"])


@st.composite
def queries(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        return draw(words)
    left = draw(queries(depth + 1))
    right = draw(queries(depth + 1))
    op = draw(st.sampled_from([" AND ", " OR ", " ", " NEAR/4 "]))
    if op == " NEAR/4 " and ("AND" in left + right or " " in (left + right).replace('"x y"', "")):
        op = " OR "
    return f"({left}{op}{right})"


@given(queries())
def test_unparse_is_a_fixed_point(query: str) -> None:
    node = parse(query)
    assert parse(unparse(node)) == parse(unparse(parse(unparse(node))))
    assert unparse(parse(unparse(node))) == unparse(node)
