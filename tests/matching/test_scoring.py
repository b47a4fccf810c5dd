"""Scoring rules against labels: counts, rates, the judged universe and bad label lines."""

from __future__ import annotations

import pytest

from marsad.errors import RuleError
from marsad.matching.engine import MatchInput, MatchResult
from marsad.matching.scoring import Label, Score, format_table, parse_labels, score


def result(ident: str, entities: tuple[str, ...] = (), rules: tuple[str, ...] = ()) -> MatchResult:
    return MatchResult(ident, rules, (), entities, ())


def test_parse_labels_reads_entities_rules_and_mentions() -> None:
    labels = parse_labels(
        [
            '{"id": "a", "entities": ["spain"], "rules": ["r"], "mentions": {"spain": ["الإسبانية"]}}',
            "",
            '{"id": 7, "entities": []}',
        ]
    )
    assert labels["a"] == Label(
        "a", frozenset({"spain"}), frozenset({"r"}), {"spain": ("الإسبانية",)}
    )
    assert labels["7"].rules is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{oops", "labels.jsonl:1:2: not JSON"),
        ('["a"]', 'labels.jsonl:1: expected an object with "id"'),
        (
            '{"id": "a", "entities": "spain"}',
            'labels.jsonl:1: "entities" and "rules" must be lists',
        ),
    ],
)
def test_bad_label_lines_are_named(line: str, expected: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_labels([line], "labels.jsonl")
    assert expected in caught.value.show()


def test_scores_count_pairs_and_judge_only_labelled_entities() -> None:
    labels = {
        "a": Label("a", frozenset({"spain", "morocco"}), frozenset({"r1"})),
        "b": Label("b", frozenset({"spain"}), frozenset()),
        "c": Label("c", frozenset(), None),
    }
    results = [
        result("a", ("spain", "belgium"), ("r1",)),  # belgium: nobody judged it
        result("b", ("morocco",), ("r1",)),
        result("c", ("spain",), ("r2",)),  # no "rules" on c: rules not judged there
        result("d", ("spain",)),  # no label at all
    ]
    items = {r.id: MatchInput(r.id, title=f"عنوان {r.id}") for r in results}
    report = score(results, items, labels, rule_ids=["r1", "r2"])
    by = {s.target: s for s in report.entities}
    assert set(by) == {"spain", "morocco"}
    assert by["spain"] == Score("spain", 1, 1, 1)
    assert by["morocco"] == Score("morocco", 0, 1, 1)
    assert report.entity_total == Score("all entities", 1, 2, 2)
    rules = {s.target: s for s in report.rules}
    assert rules["r1"] == Score("r1", 1, 1, 0)
    assert rules["r2"] == Score("r2", 0, 0, 0)
    assert (report.scored, report.unlabelled, report.not_in_input) == (3, 1, 0)
    partial = score(results[:1], items, labels)
    assert partial.not_in_input == 2
    kinds = sorted((m.kind.value, m.what, m.target, m.item) for m in report.mistakes)
    assert kinds == [
        ("false alarm", "entity", "morocco", "b"),
        ("false alarm", "entity", "spain", "c"),
        ("false alarm", "rule", "r1", "b"),
        ("miss", "entity", "morocco", "a"),
        ("miss", "entity", "spain", "b"),
    ]


def test_rates_and_the_table() -> None:
    assert Score("x", 3, 1, 0).precision == 0.75
    assert Score("x", 0, 0, 0).precision is None
    assert Score("x", 0, 0, 2).recall == 0.0
    table = format_table([Score("spain", 3, 1, 1)], Score("all", 3, 1, 1), "entity")
    assert table.splitlines()[2] == "spain      3    1    1      75.0%   75.0%"
    assert table.splitlines()[-1].startswith("all ")
