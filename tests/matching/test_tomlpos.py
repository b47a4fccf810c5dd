"""Line numbers of TOML keys and tables, from one pass that follows strings and brackets."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.errors import RuleError
from marsad.matching.rulefile import load_rules, parse_rules
from marsad.matching.tomlpos import TomlLines

TRICKY = """\
# a comment with an equals sign: id = "not a key"
title = "top"  # a trailing comment = still a comment
[[entity]]
id = "a"
note = \"\"\"
id = "a key inside a multi-line string"
[[entity]]
\"\"\"
aliases = [
  "x", # comment = with equals
  ["nested", "]"],
  "[[entity]]",
]
kind = 'person'
[entity.extra]
name = "a key of the sub-table, not of the entity"
[[entity]]
"quoted key" = 1
literal = '''
kind = "in a literal string" '''''
meta = {kind = "org", name = "n = 1", deep = {id = "x"}}
kind = "place"
escaped = "a \\" kind = \\"quote\\""
multi = \"\"\"a \\\"\"\" id = "escaped closing quotes"
\"\"\"\"
id = "b"
[[rule]]
id = "r"
  query   =   "@a"
[other]
id = "a key of another table"
"""


@pytest.mark.parametrize(
    ("kind", "index", "key", "line"),
    [
        ("entity", 0, None, 3),
        ("entity", 0, "id", 4),
        ("entity", 0, "note", 5),
        ("entity", 0, "aliases", 9),
        ("entity", 0, "kind", 14),
        ("entity", 0, "extra", 15),  # a [entity.extra] sub-table is a key of the entity
        ("entity", 0, "name", 3),  # only the sub-table has a name: the table's line
        ("entity", 1, None, 17),
        ("entity", 1, "quoted key", 18),
        ("entity", 1, "literal", 19),
        ("entity", 1, "meta", 21),
        ("entity", 1, "kind", 22),
        ("entity", 1, "escaped", 23),
        ("entity", 1, "multi", 24),
        ("entity", 1, "id", 26),
        ("rule", 0, None, 27),
        ("rule", 0, "query", 29),
        ("entity", 2, None, None),  # there is no third entity
        ("other", 0, "id", None),  # [other] is a table, not an array of tables
    ],
)
def test_lines_of_tables_and_keys(kind: str, index: int, key: str | None, line: int) -> None:
    tomllib.loads(TRICKY)  # the table is valid TOML
    assert TomlLines(TRICKY).key_line(kind, index, key) == line


def test_top_level_keys_and_tables() -> None:
    where = TomlLines(TRICKY)
    assert where.top_line("title") == 2
    assert where.top_line("entity") == 3
    assert where.top_line("rule") == 27
    assert where.top_line("other") == 30
    assert where.top_line("id") is None  # every id is inside a table


INLINE = """\
entity = [
  {id = "a", kind = "person", name = "أ"},  # one table per line
  {id = "b", aliases = [
      "ب",
      "kind = 'not a key'",
    ], kind = "place", name = "ب"},
]
rule = [{ id = "r", query = "@a" }]
"""


def test_arrays_of_inline_tables_are_tables_too() -> None:
    tomllib.loads(INLINE)
    where = TomlLines(INLINE)
    assert [where.table_line("entity", i) for i in range(3)] == [2, 3, None]
    assert where.key_line("entity", 0, "kind") == 2
    assert where.key_line("entity", 1, "aliases") == 3
    assert where.key_line("entity", 1, "kind") == 6
    assert where.key_line("rule", 0, "query") == 8
    assert where.top_line("rule") == 8


def test_line_ends_are_toml_line_ends() -> None:
    """Only LF (or CRLF) ends a line: a U+2028 or form feed inside a string does not."""
    text = '[[entity]]\r\nid = "a\u2028b\x0cc"\r\nkind = "x"\r\n'
    assert TomlLines(text).key_line("entity", 0, "kind") == 3


def test_rule_file_errors_name_file_line_and_key_in_tricky_toml(tmp_path: Path) -> None:
    text = """\
[[entity]]
id = "a"
kind = "person"
name = \"\"\"
colour = "inside the name"
\"\"\"
aliases = [
  "أ", # colour = no
]
colour = "blue"
[[rule]]
id = "r"
query = '''
@a AND @nobody'''
"""
    path = tmp_path / "tricky.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules([path])
    shown = [p.show() for p in caught.value.problems]
    assert shown[0].startswith(f"{path}:10: entity[a].colour: unknown key")
    assert shown[1].startswith(f"{path}:14:8: rule[r].query: unknown entity @nobody")


def test_inline_entities_have_their_lines() -> None:
    with pytest.raises(RuleError) as caught:
        parse_rules(INLINE.replace('kind = "place"', 'kind = "planet"'), "inline.toml")
    assert [p.show() for p in caught.value.problems] == [
        "inline.toml:6: entity[b].kind: 'planet' is not a kind (one of person | org | place | topic)"
    ]


# Pieces of values that are easy to mistake for keys, headers, comments or closing quotes.
TRICKS = st.sampled_from(
    ['id = "x"', "[[entity]]", "# c", "'", '"', "]", "[", "{", "}", ",", "=", "\\\\", " ", "ب"]
)
TEXT = st.lists(TRICKS, max_size=5).map("".join)


def _basic(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Each value is its lines; a key's line is the first of them.
VALUES = st.one_of(
    TEXT.map(lambda t: [_basic(t)]),
    TEXT.filter(lambda t: "'" not in t).map(lambda t: [f"'{t}'"]),
    st.sampled_from([["true"], ["42"], ["-7  # seven"]]),
    st.lists(TEXT, max_size=3).map(lambda ts: ["[" + ", ".join(map(_basic, ts)) + "]"]),
    st.lists(TEXT, max_size=3).map(  # an array over several lines, with comments
        lambda ts: ["[", *(f"  {_basic(t)},  # {t}" for t in ts), "]"]
    ),
    st.lists(TEXT.filter(lambda t: '"' not in t and "\\" not in t), min_size=1, max_size=3).map(
        lambda ts: ['"""', *ts, '"""']  # a multi-line string whose lines look like TOML
    ),
    st.lists(TEXT.filter(lambda t: "'" not in t), min_size=1, max_size=3).map(
        lambda ts: ["'''" + ts[0], *ts[1:], "'''"]
    ),
)
KEYS = st.sampled_from(["id", "kind", "name", "aliases", "forms", "note", "x-y", '"q k"'])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(KEYS, VALUES, max_size=5), min_size=1, max_size=4))
def test_every_key_is_found_on_its_line_whatever_its_values_hold(
    tables: list[dict[str, list[str]]],
) -> None:
    lines: list[str] = []
    expected: list[tuple[int, dict[str, int]]] = []
    for table in tables:
        lines.append("[[entity]]")
        header = len(lines)
        keys = {}
        for key, value in table.items():
            keys[key.strip('"')] = len(lines) + 1
            lines.append(f"{key} = {value[0]}")
            lines.extend(value[1:])
        expected.append((header, keys))
    text = "\n".join(lines) + "\n"
    parsed = tomllib.loads(text)  # the document is valid TOML with the keys written
    assert [set(t) for t in parsed["entity"]] == [set(keys) for _, keys in expected]
    where = TomlLines(text)
    for index, (header, keys) in enumerate(expected):
        assert where.table_line("entity", index) == header
        assert where.key_lines("entity", index) == keys
    assert where.table_line("entity", len(expected)) is None
