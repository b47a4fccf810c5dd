"""Rule files: what they define, and every mistake reported with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.errors import RuleError
from marsad.matching.entities import EntityKind
from marsad.matching.rulefile import Severity, load_rules, parse_rules

GOOD = """\
# a comment
[[entity]]
id = "hammouchi"
kind = "person"
name = "عبد اللطيف حموشي"
aliases = ["عبد اللطيف حموشي", "حموشي", "Hammouchi"]

[[entity]]
id = "spain"
kind = "place"
name = "إسبانيا"
aliases = ["إسبانيا", "Spain"]
forms = ["الإسبان"]
derive = false
fuzzy = true
exclude = ["إسبانيول"]

[[rule]]
id = "ma-es"
title = "Hammouchi and Spain"
query = '@hammouchi AND @spain AND (تعاون OR تنسيق)'
severity = "high"
sources = ["press", "Hespress"]

[[rule]]
id = "minimal"
query = "@spain"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, name: str = "r.toml") -> list[str]:
    path = write(tmp_path, name, text)
    with pytest.raises(RuleError) as caught:
        load_rules([path])
    return [p.show() for p in caught.value.problems]


def test_a_good_file_gives_entities_and_rules_with_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "good.toml", GOOD)
    ruleset = load_rules([path])
    hammouchi, spain = ruleset.entities
    assert hammouchi.kind is EntityKind.PERSON
    assert hammouchi.aliases == ("عبد اللطيف حموشي", "حموشي", "Hammouchi")
    assert (hammouchi.file, hammouchi.line) == (str(path), 2)
    assert spain.forms == ("الإسبان",)
    assert (spain.derive, spain.fuzzy, spain.exclude) == (False, True, ("إسبانيول",))
    assert spain.line == 8
    rule, minimal = ruleset.rules
    assert rule.severity is Severity.HIGH
    assert rule.sources == ("press", "Hespress")
    assert (rule.file, rule.line) == (str(path), 18)
    assert (minimal.title, minimal.severity, minimal.sources) == ("minimal", Severity.NORMAL, ())


def test_a_folder_is_read_recursively_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "b.toml", '[[rule]]\nid = "r"\nquery = "@x"\n')
    write(tmp_path, "a.toml", '[[entity]]\nid = "x"\nkind = "topic"\nname = "س"\n')
    write(tmp_path, "notes.md", "not a rule file")
    ruleset = load_rules([tmp_path])
    assert [e.id for e in ruleset.entities] == ["x"]
    assert ruleset.entities[0].aliases == ("س",)  # the name is the alias when none are listed
    assert [r.id for r in ruleset.rules] == ["r"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # TOML syntax, with line and column
        ('[[entity]]\nid = "x"\nkind = "topic\n', "r.toml:3:14: not valid TOML"),
        # unknown keys, with a suggestion
        (
            '[[entity]]\nid = "x"\nkind = "topic"\nname = "س"\nalias = ["س"]\n',
            "r.toml:5: entity[x].alias: unknown key (did you mean 'aliases'?)",
        ),
        (
            '[[rule]]\nid = "r"\nquery = "a"\nseverty = "high"\n',
            "r.toml:4: rule[r].severty: unknown key (did you mean 'severity'?)",
        ),
        (
            '[[entities]]\nid = "x"\n',
            "r.toml:1: entities: unknown table or key (did you mean 'entity'?)",
        ),
        # ids
        (
            '[[entity]]\nid = "Hammouchi"\nkind = "person"\nname = "ح"\n',
            "r.toml:2: entity[#1].id: 'Hammouchi' is not a valid id (use lowercase a-z, 0-9, _ and -)",
        ),
        ('[[rule]]\nquery = "a"\n', "r.toml:1: rule[#1]: missing required key 'id'"),
        # kind and severity
        (
            '[[entity]]\nid = "x"\nkind = "country"\nname = "س"\n',
            "r.toml:3: entity[x].kind: 'country' is not a kind (one of person | org | place | topic)",
        ),
        ('[[entity]]\nid = "x"\nname = "س"\n', "r.toml:1: entity[x]: missing required key 'kind'"),
        (
            '[[rule]]\nid = "r"\nquery = "a"\nseverity = "urgent"\n',
            "r.toml:4: rule[r].severity: 'urgent' is not a severity (one of low | normal | high)",
        ),
        # types
        (
            '[[entity]]\nid = "x"\nkind = "topic"\nname = "س"\naliases = "س"\n',
            "r.toml:5: entity[x].aliases: expected a list of strings",
        ),
        (
            '[[entity]]\nid = "x"\nkind = "topic"\nname = "س"\nfuzzy = "yes"\n',
            "r.toml:5: entity[x].fuzzy: expected true or false",
        ),
        (
            '[[entity]]\nid = "x"\nkind = "topic"\nname = "س"\naliases = ["س", " "]\n',
            "r.toml:5: entity[x].aliases: contains an empty string",
        ),
        ('[[rule]]\nid = "r"\n', "r.toml:1: rule[r]: missing required key 'query'"),
        (
            '[[rule]]\nid = "r"\nquery = 3\n',
            "r.toml:3: rule[r].query: expected the query as a string",
        ),
        # query syntax: file line and column of the faulty character
        (
            "[[rule]]\nid = \"r\"\nquery = 'a AND (b OR'\n",
            "r.toml:3:21: rule[r].query: expected a word, a phrase, @entity or '(' but found the end"
            " of the query (query column 12)",
        ),
        (
            "[[rule]]\nid = \"r\"\nquery = '''\na OR\nb NEAR/0 c\n'''\n",
            "r.toml:5:8: rule[r].query: NEAR distance must be between 1 and 100",
        ),
        # unknown entity reference, with a suggestion
        (
            '[[entity]]\nid = "spain"\nkind = "place"\nname = "إسبانيا"\n'
            "[[rule]]\nid = \"r\"\nquery = 'a AND @spian'\n",
            "r.toml:7:16: rule[r].query: unknown entity @spian (query column 7) (did you mean 'spain'?)",
        ),
    ],
)
def test_each_kind_of_mistake_is_reported_where_it_is(
    tmp_path: Path, text: str, expected: str
) -> None:
    found = problems(tmp_path, text)
    assert any(p.startswith(f"{tmp_path}/{expected}") for p in found), found


def test_every_problem_of_every_file_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", '[[entity]]\nid = "x"\nkind = "nope"\nname = "س"\n')
    write(tmp_path, "b.toml", '[[rule]]\nid = "r"\nquery = "(a"\nsevrity = "high"\n')
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path])
    shown = caught.value.show()
    assert "3 rule errors" in shown
    assert f"{tmp_path / 'a.toml'}:3: entity[x].kind" in shown
    assert f"{tmp_path / 'b.toml'}:3:10: rule[r].query: '(' is never closed" in shown
    assert f"{tmp_path / 'b.toml'}:4: rule[r].sevrity: unknown key" in shown


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", '[[entity]]\nid = "x"\nkind = "topic"\nname = "س"\n')
    write(
        tmp_path,
        "b.toml",
        '[[rule]]\nid = "r"\nquery = "a"\n\n[[entity]]\nid = "x"\nkind = "topic"\nname = "ص"\n'
        '[[rule]]\nid = "r"\nquery = "b"\n',
    )
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path])
    shown = [p.show() for p in caught.value.problems]
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    assert f"{b}:5: entity[x].id: duplicate entity id 'x' (first defined at {a}:1)" in shown
    assert f"{b}:9: rule[r].id: duplicate rule id 'r' (first defined at {b}:1)" in shown


def test_missing_paths_and_empty_folders_are_problems(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path / "nowhere.toml", tmp_path / "empty"])
    shown = caught.value.show()
    assert "nowhere.toml: rule file or folder does not exist" in shown
    assert "empty: folder holds no .toml rule files" in shown


def test_parse_rules_from_text() -> None:
    ruleset = parse_rules(GOOD, "inline")
    assert [r.id for r in ruleset.rules] == ["ma-es", "minimal"]
    assert ruleset.rules[0].file == "inline"


def test_a_broken_entity_is_still_known_to_the_rules(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        '[[entity]]\nid = "x"\nkind = "country"\nname = "س"\n[[rule]]\nid = "r"\nquery = "@x"\n',
    )
    assert len(found) == 1 and "'country' is not a kind" in found[0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["entity", "rule"]), min_size=1, max_size=6),
    st.data(),
)
def test_the_reported_line_is_the_faulty_key_wherever_it_sits(
    kinds: list[str], data: st.DataObject
) -> None:
    lines: list[str] = ["# generated"]
    key_lines: list[int] = []
    for index, kind in enumerate(kinds):
        lines += [""] * data.draw(st.integers(0, 2)) + ["# a comment", f"[[{kind}]]"]
        lines.append(f'id = "{kind[0]}{index}"')
        if kind == "entity":
            lines += ['kind = "topic"', 'name = "اسم"']
        else:
            lines.append('query = "كلمة"')
        lines += [""] * data.draw(st.integers(0, 1))
        key_lines.append(len(lines) + 1)
        lines.append('colour = "blue"')  # the unknown key, one per table
    problems = []
    try:
        parse_rules("\n".join(lines), "g.toml")
    except RuleError as exc:
        problems = exc.problems
    assert [p.line for p in problems] == key_lines
    assert all(p.key and p.key.endswith(".colour") for p in problems)


def test_a_byte_order_mark_and_windows_line_ends_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(("\ufeff" + GOOD.replace("\n", "\r\n")).encode("utf-8"))
    ruleset = load_rules([path])
    assert [r.id for r in ruleset.rules] == ["ma-es", "minimal"]
    assert ruleset.rules[0].line == 18


def _entities(count: int, aliases: int = 1) -> str:
    names = ", ".join(f'"اسم{n}"' for n in range(aliases))
    return "\n".join(
        f'[[entity]]\nid = "e{i}"\nkind = "person"\nname = "اسم"\naliases = [{names}]\n'
        for i in range(count)
    )


def test_too_many_entities_is_one_problem_at_the_first_one_past_the_limit(tmp_path: Path) -> None:
    (tmp_path / "big.toml").write_text(_entities(20_001), encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path])
    [problem] = caught.value.problems
    assert problem.show().startswith(
        f"{tmp_path / 'big.toml'}:120001: entity[e20000]: too many entities: 20,001 in all "
        "rule files, at most 20,000"
    )


def test_the_entity_limit_counts_every_file_and_a_full_set_loads(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(_entities(10_000), encoding="utf-8")
    (tmp_path / "b.toml").write_text(_entities(10_000).replace('id = "e', 'id = "f'), "utf-8")
    assert len(load_rules([tmp_path]).entities) == 20_000


def test_too_many_aliases_and_too_big_a_file(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(_entities(1, aliases=201), encoding="utf-8")
    (tmp_path / "b.toml").write_text("# " + "x" * 5_000_001, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path])
    shown = [problem.show() for problem in caught.value.problems]
    assert shown[0].startswith(f"{tmp_path / 'b.toml'}: rule file is 5,000,003 bytes")
    assert shown[1] == f"{tmp_path / 'a.toml'}:5: entity[e0].aliases: 201 entries; at most 200"
